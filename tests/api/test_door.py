"""What the door refuses before anything is stored or read (issue 13): text with NUL
(U+0000) anywhere in a body, a query or a path; days outside 1949–2200; an unbalanced
If-Match; a ``min_position`` no write can have answered. Each is a 4xx problem, never a 500,
and the log is where it was."""

from __future__ import annotations

import time
import typing
from datetime import UTC, date, datetime, timedelta

import jwt
import pytest
from pydantic import TypeAdapter, ValidationError

from domain.fields import Day, Instant, in_range, in_window
from domain.service import Command
from tests.support.documents import command, draft_notice, notice_body
from tests.support.http import SECRET, assert_problem, auth, token, write
from tests.support.store import log_head

NUL_DETAIL = "text may not contain NUL (\\u0000)"
LISTS = [
    "/documents",
    "/meetings",
    "/decisions",
    "/supervision-items",
    "/leaves/list",
    "/regulations",
]


def _refused_nul(response) -> None:
    body = assert_problem(response, 422, type_suffix="/nul")
    assert body["detail"] == NUL_DETAIL


# ----- NUL -------------------------------------------------------------------------------------


def test_a_title_with_nul_is_refused_at_the_door_and_nothing_is_stored(client, services):
    before = log_head(services)
    r = client.post("/documents", json=notice_body(title="a\u0000b"), headers=auth("p-office-dir"))
    _refused_nul(r)
    assert log_head(services) == before


@pytest.mark.parametrize(
    "body",
    [
        notice_body(matters=["生态\u0000环境"]),
        notice_body(implements={"ref": "川府发\u0000〔2026〕1号", "issued_on": "2026-09-01"}),
        {**notice_body(), "extra\u0000key": 1},
        {**notice_body(), "deep": [[{"k": ["\u0000"]}]]},
    ],
    ids=["in-a-list", "in-a-nested-object", "in-a-key", "deep"],
)
def test_nul_at_any_depth_of_a_body_is_refused(client, services, body):
    before = log_head(services)
    _refused_nul(client.post("/documents", json=body, headers=auth("p-office-dir")))
    assert log_head(services) == before


def test_nul_in_a_command_body_is_refused(client, services):
    doc = draft_notice(client)
    before = log_head(services)
    _refused_nul(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同\u0000意"}))
    assert log_head(services) == before


@pytest.mark.parametrize("path", LISTS)
def test_nul_in_the_query_of_every_list_is_422_not_500(client, path):
    _refused_nul(client.get(f"{path}?status=%00", headers=auth("p-mayor")))


def test_nul_in_a_path_is_422_not_500(client):
    _refused_nul(client.get("/accountability/people/p-%00mayor", headers=auth("p-mayor")))


def test_a_nul_escape_in_a_query_name_is_refused_too(client):
    _refused_nul(client.get("/documents?st%00atus=x", headers=auth("p-mayor")))


def test_text_without_nul_passes_the_door(client):
    doc = draft_notice(client, title="a\\u0000b (escaped, not a NUL)")
    assert doc["title"] == "a\\u0000b (escaped, not a NUL)"


# ----- days and instants: 1949–2200 ------------------------------------------------------------


@pytest.mark.parametrize("day", ["1949-01-01", "2026-09-28", "2200-12-31"])
def test_a_day_inside_the_window_is_accepted(day):
    assert TypeAdapter(Day).validate_python(day) == date.fromisoformat(day)


@pytest.mark.parametrize("day", ["0001-01-01", "1948-12-31", "2201-01-01", "9999-12-31"])
def test_a_day_outside_1949_to_2200_is_refused(day):
    with pytest.raises(ValidationError, match="1949"):
        TypeAdapter(Day).validate_python(day)


@pytest.mark.parametrize(
    "at", ["1948-12-31T23:59:59+08:00", "2201-01-01T00:00:01+08:00", "9998-12-31T00:00:00Z"]
)
def test_an_instant_outside_1949_to_2200_is_refused(at):
    with pytest.raises(ValidationError, match="1949"):
        TypeAdapter(Instant).validate_python(at)


def test_implements_issued_in_9999_is_422_not_500(client, services):
    before = log_head(services)
    body = notice_body(implements={"ref": "川府发〔9999〕1号", "issued_on": "9999-12-31"})
    r = client.post("/documents", json=body, headers=auth("p-office-dir"))
    problem = assert_problem(r, 422)
    assert "1949" in str(problem["errors"])
    assert log_head(services) == before


def test_a_regulation_published_in_9999_is_422_not_500(client, services):
    body = {"kind": "department_normative", "title": "规范", "drafting_unit_id": "u-finance"}
    reg_id = write(client, "/regulations", "p-finance-head", body, 201)["id"]
    review = {"passed": True, "opinion": "符合上位法"}
    write(client, f"/regulations/{reg_id}/legality-review", "p-finance-legal", review)
    before = log_head(services)
    publication = {"published_on": "9999-12-31", "valid_until": "9999-12-31", "number": "X1"}
    r = client.post(
        f"/regulations/{reg_id}/publish", json=publication, headers=auth("p-finance-head")
    )
    assert_problem(r, 422)
    assert log_head(services) == before


def test_a_catalog_day_outside_the_window_is_422(client):
    r = client.get("/regulations/catalog?on=9999-12-31", headers=auth("p-mayor"))
    assert_problem(r, 422)


# ----- If-Match --------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['"1', '1"', 'W/"1', '""1""'])
def test_an_unbalanced_if_match_is_400(client, services, value):
    doc = draft_notice(client)
    before = log_head(services)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, if_match=value)
    assert_problem(r, 400)
    assert log_head(services) == before


def test_a_balanced_if_match_still_matches(client):
    doc = draft_notice(client)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, if_match='"1"')
    assert r.status_code == 200, r.text


# ----- min_position ----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [*LISTS, "/dashboard/summary"])
def test_a_min_position_beyond_2_to_the_53_is_422(client, path):
    r = client.get(f"{path}?min_position={2**53 + 1}", headers=auth("p-mayor"))
    assert_problem(r, 422)


def test_a_min_position_beyond_the_head_is_422_at_once(client, services):
    head = log_head(services)[0]
    r = client.get(f"/documents?min_position={head + 1_000_001}", headers=auth("p-mayor"))
    body = assert_problem(r, 422)
    assert "head" in body["detail"]


def test_long_polls_beyond_the_bound_get_503_with_retry_after_at_once(client, services):
    waiting = client.app.state.waiting
    taken = 0
    while waiting.acquire(blocking=False):  # every slot taken by waiting requests
        taken += 1
    try:
        started = time.monotonic()
        head = log_head(services)[0]
        r = client.get(f"/documents?min_position={head + 1}", headers=auth("p-mayor"))
        body = assert_problem(r, 503)
        assert r.headers["retry-after"] == "1"
        assert "waiting" in body["detail"]
        assert time.monotonic() - started < 1.0
        # a position already reached needs no wait, and no slot
        assert client.get("/documents?min_position=0", headers=auth("p-mayor")).status_code == 200
    finally:
        for _ in range(taken):
            waiting.release()
    assert taken == services.settings.max_waiting > 0


# ----- tokens ----------------------------------------------------------------------------------


def _signed(**claims: object) -> str:
    return "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")


NOW = int(datetime.now(UTC).timestamp())
TOKENS = {
    "no-exp": (_signed(sub="p-mayor", iat=NOW), "token must carry sub and exp"),
    "lifetime-over-24h": (
        _signed(sub="p-mayor", iat=NOW, exp=NOW + 24 * 3600 + 60),
        "token lifetime exceeds 86400 s",
    ),
    "far-exp-without-iat": (
        _signed(sub="p-mayor", exp=NOW + 365 * 24 * 3600),
        "token lifetime exceeds 86400 s",
    ),
    "malformed": ("Bearer not.a.jwt", "malformed token"),
    "bad-signature": (f"Bearer {token('p-mayor', secret='x' * 40)}", "bad signature"),
    "expired": (f"Bearer {token('p-mayor', ttl=timedelta(seconds=-10))}", "token expired"),
    "unknown-person": (
        f"Bearer {token('p-nobody')}",
        "the token's person holds no office on the roster now",
    ),
}


@pytest.mark.parametrize("case", sorted(TOKENS))
def test_401_details_are_fixed_per_case(client, services, case):
    header, detail = TOKENS[case]
    before = log_head(services)
    r = client.post("/documents", json=notice_body(), headers={"Authorization": header})
    body = assert_problem(r, 401)
    assert body["detail"] == detail
    assert log_head(services) == before


def test_a_token_of_exactly_the_maximum_lifetime_is_accepted(client):
    header = _signed(sub="p-mayor", iat=NOW, exp=NOW + 24 * 3600)
    assert client.get("/roster", headers={"Authorization": header}).status_code == 200


def test_the_dev_token_command_issues_a_token_that_expires(monkeypatch, capsys):
    from api.__main__ import main

    monkeypatch.setenv("GOVRULES_DEV", "1")
    monkeypatch.delenv("GOVRULES_JWT_SECRET", raising=False)
    assert main(["token", "p-mayor"]) == 0
    claims = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] <= 24 * 3600
    assert claims["exp"] > datetime.now(UTC).timestamp()


def _bare_times(hint: object, where: str) -> list[str]:
    """Every date or datetime inside ``hint`` that is not a Day, Instant or DueTime."""
    if typing.get_origin(hint) is typing.Annotated:
        base, *meta = typing.get_args(hint)
        checked = {getattr(m, "func", None) for m in meta} & {in_window, in_range}
        if base in (date, datetime):
            return [] if checked else [where]
        return _bare_times(base, where)
    if hint in (date, datetime):
        return [where]
    if typing.is_typeddict(hint):
        hints = typing.get_type_hints(hint, include_extras=True)
        return [b for k, h in hints.items() for b in _bare_times(h, f"{where}.{k}")]
    return [b for arg in typing.get_args(hint) for b in _bare_times(arg, where)]


def _commands(cls: type = Command) -> list[type]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_commands(sub))]


def test_every_day_and_time_a_command_takes_is_checked_against_the_window():
    import domain.commands  # noqa: F401  (every command class registered)

    bare = [
        b
        for cls in _commands()
        for name, hint in typing.get_type_hints(cls, include_extras=True).items()
        for b in _bare_times(hint, f"{cls.__name__}.{name}")
    ]
    assert len(_commands()) > 30
    assert bare == []
