"""R8 (docs/reliability.md): the authority matrix — every command × every office of the
example roster, read from the one table the service layer reads (``domain.authority``), on
real PostgreSQL, both ways:

- an office the table names for a command is never refused by the matrix (a finer rule of the
  aggregate may still refuse it — which unit's head, which leader — but not the matrix);
- every other office is refused with 403 (``OutsideAuthority``), the table's rule id (A1 for
  the investigator, who writes nothing), and nothing is stored.

The service layer is driven in-process (one real PostgreSQL store) so that every command,
including those with no route (the deadline ticker's, the bootstrap), is covered; over HTTP
the refusal answers 403 problem+json with the rule id, and a token that is missing, expired,
badly signed or names nobody on the roster answers 401.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import types
import typing
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

import domain.commands as commands
from api.settings import Settings
from domain.authority import MATRIX, OutsideAuthority, authority_of
from domain.base import SYSTEM, Actor
from domain.roster import OFFICES
from domain.rules import RULES
from domain.service import Command, Context, execute
from tests.support.http import SECRET, assert_problem, auth, token
from tests.support.store import log_head

ROSTER = Path(__file__).parents[2] / "projections" / "data" / "roster.json"


def command_classes() -> list[type[Command]]:
    found = {
        cls
        for _, cls in inspect.getmembers(commands, inspect.isclass)
        if issubclass(cls, Command) and dataclasses.is_dataclass(cls)
    }
    return sorted(found, key=lambda c: c.__name__)


def one_holder_per_office() -> dict[str, str]:
    """Each office of the example roster and the first person holding it."""
    appointments = json.loads(ROSTER.read_text(encoding="utf-8"))["appointments"]
    holders: dict[str, str] = {}
    for a in appointments:
        holders.setdefault(a["office"], a["person_id"])
    return holders


def placeholder(annotation: Any) -> Any:
    """A value of the field's type: the matrix judges before any field is read."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return None
    if origin is typing.Literal:
        return typing.get_args(annotation)[0]
    if origin in (list, tuple):
        return []
    if origin is dict or annotation is dict:
        return {}
    simple = {
        uuid.UUID: uuid.uuid4(),
        str: "r8",
        int: 2026,
        bool: False,
        date: date(2026, 9, 28),
        datetime: datetime.fromisoformat("2026-09-28T09:00:00+08:00"),
    }
    return simple.get(annotation, "r8")


def build(cls: type[Command]) -> Command:
    hints = typing.get_type_hints(cls)
    values = {
        f.name: placeholder(hints[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    return cls(**values)


def test_r08_every_command_has_its_row_and_every_row_a_command():
    names = {cls.__name__ for cls in command_classes()}
    assert names == set(MATRIX)
    for name, row in MATRIX.items():
        assert row.rule in RULES, name
        assert row.offices and row.offices <= {*OFFICES, "system"}, name
        assert "investigator" not in row.offices, f"A1: the investigator issues no {name}"
    admin = {name for name, row in MATRIX.items() if "system_admin" in row.offices}
    assert admin == {"AddUnit", "Appoint", "Relieve", "AssignDivision", "FormABPair",
                     "RecordCalendarYear"}  # fmt: skip
    system = {name for name, row in MATRIX.items() if "system" in row.offices}
    assert system == {"BootstrapRoster", "RecordDeadline"}


def test_r08_the_authority_matrix_both_ways(services):
    people = one_holder_per_office()
    at = services.clock.now()
    actors: dict[str, Actor] = {"system": SYSTEM}
    for office, person_id in people.items():
        actor = services.app.actor(person_id, at)
        assert actor is not None and {p.office for p in actor.posts} == {office}
        actors[office] = actor
    refused = allowed = 0
    for cls in command_classes():
        row = authority_of(cls.__name__)
        for office, actor in actors.items():
            before = log_head(services)
            ctx = Context(actor, at, correlation_id=f"r8-{uuid.uuid4()}")
            if office in row.offices:
                allowed += 1
                try:
                    execute(services.app, build(cls), ctx)
                except OutsideAuthority as refusal:  # pragma: no cover - the failure
                    pytest.fail(f"{office} refused {cls.__name__} by the matrix: {refusal}")
                except Exception:  # a finer rule, or the placeholders, may refuse it
                    pass
                continue
            refused += 1
            with pytest.raises(OutsideAuthority) as info:
                execute(services.app, build(cls), ctx)
            expected = "A1" if office == "investigator" else row.rule
            assert info.value.rule.id == expected, (cls.__name__, office)
            assert log_head(services) == before, (cls.__name__, office)
    print(
        f"R8: {len(command_classes())} commands x {len(actors)} offices, "
        f"{allowed} allowed by the matrix, {refused} refusals 403"
    )
    assert refused > 0 and allowed > 0


@pytest.mark.parametrize(
    ("who", "rule"),
    [("p-admin", "M6"), ("p-investigator", "A1"), ("p-finance-legal", "M6")],
)
def test_r08_an_office_that_proposes_no_topic_is_refused_over_http(client, services, who, rule):
    meeting = client.post(
        "/meetings",
        json={
            "kind": "special_topic",
            "convener_id": "p-vm-a",
            "scheduled_at": "2026-10-09T09:00:00+08:00",
            "title": "生态专题会",
        },
        headers=auth("p-vm-a"),
    )
    assert meeting.status_code == 201, meeting.text
    before = log_head(services)
    r = client.post(
        f"/meetings/{meeting.json()['id']}/topics",
        json={"title": "议题", "proposed_by": who},
        headers=auth(who),
    )
    assert_problem(r, 403, rule, type_suffix="/forbidden")
    assert log_head(services) == before


@pytest.mark.parametrize(("who", "rule"), [("p-admin", "L4"), ("p-investigator", "A1")])
def test_r08_an_office_that_takes_no_leave_reports_none_over_http(client, services, who, rule):
    before = log_head(services)
    r = client.post(
        "/leaves",
        json={
            "person_id": who,
            "kind": "official_trip",
            "starts_at": "2026-10-09T09:00:00+08:00",
            "ends_at": "2026-10-10T18:00:00+08:00",
        },
        headers=auth(who),
    )
    assert_problem(r, 403, rule, type_suffix="/forbidden")
    assert log_head(services) == before


def test_r08_no_token_expired_bad_signature_unknown_person_are_401(client, settings: Settings):
    now = datetime.now().astimezone()
    expired = jwt.encode(
        {"sub": "p-mayor", "iat": now - timedelta(hours=2), "exp": now - timedelta(hours=1)},
        SECRET,
        algorithm="HS256",
    )
    cases = {
        "no token": {},
        "expired": {"Authorization": f"Bearer {expired}"},
        "bad signature": {"Authorization": f"Bearer {token('p-mayor', secret='x' * 40)}"},
        "unknown person": {"Authorization": f"Bearer {token('p-nobody')}"},
        "not a token": {"Authorization": "Bearer abc.def.ghi"},
    }
    body = {"kind": "special_topic", "convener_id": "p-vm-a", "title": "t",
            "scheduled_at": "2026-10-09T09:00:00+08:00"}  # fmt: skip
    for name, headers in cases.items():
        for r in (client.post("/meetings", json=body, headers=headers),
                  client.get("/roster", headers=headers)):  # fmt: skip
            assert_problem(r, 401), name
    print(f"R8: {len(cases)} kinds of bad credentials x 2 requests, all 401")
