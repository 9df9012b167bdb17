"""Given / when / then, for every aggregate's spec (Emmett, Eventuous, Axon fixtures).

    doc = given(OfficialDocument, drafted(doc_type="request"), countersign_requested("u-ecology"))
    then = when(doc, lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "agree", None))
    then.events("Countersigned")            # or: then.refused("D6", status=403)

A refusal leaves the aggregate with no pending event: nothing would be stored.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import get_topic

from domain.application import GovRules
from domain.base import Act, GovAggregate
from domain.clock import SHANGHAI
from domain.commands import BootstrapRoster
from domain.documents import OfficialDocument
from domain.roster import Roster
from domain.rules import NotAuthorised, RuleViolation
from domain.service import Command, Context, Written, execute

# Monday 2026-09-28, 09:00 in Shanghai: the D7 worked example's day.
AT = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)
ROSTER_FILE = Path(__file__).resolve().parents[2] / "projections" / "data" / "roster.json"
PAST_META: dict[str, Any] = {
    "actor_id": "p-someone",
    "actor_office": None,
    "actor_unit_id": None,
    "acting_for": None,
    "rules": [],
    "correlation_id": "given",
    "causation_id": None,
}


def bootstrapped(app: GovRules, at: datetime = AT) -> GovRules:
    """``app`` with the example roster, seeded as the API seeds it on a first start."""
    data = json.loads(ROSTER_FILE.read_text(encoding="utf-8"))
    execute(app, BootstrapRoster(**data), Context.system(at, "bootstrap"))
    return app


def in_memory() -> GovRules:
    """An application on plain objects (no database), with the example roster."""
    return bootstrapped(GovRules(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}))


def run(app: GovRules, person_id: str, command: Command, at: datetime = AT) -> Written:
    """``command`` by ``person_id`` (with the offices they hold at ``at``), through the
    service layer, as every caller sends one."""
    actor = app.actor(person_id, at)
    assert actor is not None, f"{person_id} holds no office at {at}"
    return execute(app, command, Context(actor, at, correlation_id=f"spec-{uuid.uuid4()}"))


@cache
def _example_roster() -> Roster:
    return in_memory().roster()


def roster() -> Roster:
    """The example roster (examples/roster.json), a fresh copy for each use."""
    import copy

    return copy.deepcopy(_example_roster())


def act(person_id: str, at: datetime = AT, absent: tuple[str, ...] = ()) -> Act:
    """The act of a person holding their offices on the example roster at ``at``."""
    actor = roster().actor(person_id, at.astimezone(SHANGHAI).date())
    assert actor is not None, f"{person_id} holds no office on the example roster"
    return Act(actor, at, correlation_id="spec", absent=frozenset(absent))


Past = tuple[type, dict[str, Any]]


def given(cls: type[GovAggregate], *past: Past, at: datetime = AT) -> Any:
    """An aggregate rebuilt from past events (the first one creates it)."""
    aggregate_id = uuid.uuid4()
    aggregate: Any = None
    for version, (event_class, payload) in enumerate(past, start=1):
        fields = dict(payload)
        fields.setdefault("meta", PAST_META)
        if version == 1:
            fields["originator_topic"] = get_topic(cls)
        event = event_class(
            originator_id=aggregate_id,
            originator_version=version,
            timestamp=fields.pop("timestamp", at),
            **fields,
        )
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass
class Then:
    new_events: list[Any]
    refusal: RuleViolation | None
    aggregate: Any

    def events(self, *names: str) -> list[Any]:
        """Asserts the command recorded exactly these events, in order; returns them."""
        assert self.refusal is None, f"refused: {self.refusal}"
        assert [type(e).__name__ for e in self.new_events] == list(names)
        return self.new_events

    def refused(self, rule: str, status: int = 409) -> RuleViolation:
        """Asserts a refusal naming ``rule`` with ``status``, and that nothing was recorded."""
        assert self.refusal is not None, f"not refused; recorded {self.new_events}"
        assert self.refusal.rule.id == rule, f"refused under {self.refusal.rule.id}, not {rule}"
        assert status_of(self.refusal) == status
        assert self.new_events == []
        return self.refusal


def status_of(refusal: RuleViolation) -> int:
    """The HTTP status the API answers a refusal with (403: outside one's authority)."""
    return 403 if isinstance(refusal, NotAuthorised) else 409


def when(aggregate: Any, command: Callable[[Any], Any]) -> Then:
    """Runs a command on an aggregate (or a creating command with ``aggregate=None``)."""
    try:
        result = command(aggregate)
    except RuleViolation as refusal:
        pending = list(aggregate.pending_events) if aggregate is not None else []
        return Then(pending, refusal, aggregate)
    target = aggregate if aggregate is not None else result
    return Then(list(target.collect_events()), None, target)


def refused_on_creation(command: Callable[[], Any], rule: str, status: int = 409) -> None:
    """A creating command refused: the refusal names ``rule``; no aggregate came to be."""
    with pytest.raises(RuleViolation) as info:
        command()
    assert info.value.rule.id == rule
    assert status_of(info.value) == status


# ----- past events of an official document ------------------------------------------------


def drafted(**overrides: Any) -> Past:
    payload: dict[str, Any] = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "body": None,
        "from_unit_id": "u-finance",
        "to": "government",
        "direction": "incoming",
        "matters": ["专项资金"],
        "urgency": "normal",
        "classification": "none",
        "emergency": False,
        "bypassed_unit_id": None,
        "cc_unit_ids": [],
        "direct_to_leader_reason": None,
        "includes_request": False,
        "drafting_unit_id": None,
        "routine": False,
        "personnel": False,
        "decision_id": None,
        "implements": None,
        "implementation_due": None,
        "meta": {**PAST_META, "actor_id": "p-finance-head"},
    }
    payload.update(overrides)
    return (OfficialDocument.Drafted, payload)


def outgoing(**overrides: Any) -> Past:
    """A document in the government's name, drafted by the office for a unit."""
    fields: dict[str, Any] = {
        "doc_type": "notice",
        "title": "关于做好生态保护工作的通知",
        "from_unit_id": "u-gov",
        "to": "u-ecology",
        "direction": "outgoing",
        "drafting_unit_id": "u-ecology",
        "meta": {**PAST_META, "actor_id": "p-office-dir"},
    }
    fields.update(overrides)
    return drafted(**fields)


def countersign_requested(*unit_ids: str, due: datetime | None = None) -> Past:
    return (
        OfficialDocument.CountersignRequested,
        {
            "unit_ids": list(unit_ids),
            "due": due or datetime(2026, 10, 13, 16, 0, tzinfo=UTC),
            "due_basis": "D7: 7 working days",
        },
    )


def deemed(unit_id: str, due: datetime = datetime(2026, 10, 13, 16, 0, tzinfo=UTC)) -> Past:
    """D7: the system recorded that ``unit_id`` did not answer by ``due``."""
    payload = {"unit_id": unit_id, "due": due, "meta": {**PAST_META, "actor_id": "system"},
               "timestamp": due}  # fmt: skip
    return OfficialDocument.CountersignDeemedNoObjection, payload


def countersigned(unit_id: str, opinion: str = "agree", reasons: str | None = None) -> Past:
    return (
        OfficialDocument.Countersigned,
        {
            "unit_id": unit_id,
            "opinion": opinion,
            "reasons": reasons,
            "meta": {**PAST_META, "actor_id": f"p-{unit_id.removeprefix('u-')}-head"},
        },
    )


def signed_off(authority: str = "vice_mayor_in_charge") -> Past:
    return (OfficialDocument.SignedOff, {"opinion": "同意", "authority": authority})


def numbered(number: str = "攀府发〔2026〕1号", sequence: int = 1) -> Past:
    return (
        OfficialDocument.Numbered,
        {"issuer_code": "攀府发", "year": 2026, "sequence": sequence, "number": number},
    )


def issued() -> Past:
    return (OfficialDocument.Issued, {})
