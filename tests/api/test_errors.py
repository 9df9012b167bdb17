"""Every error code of the contract (api.md, Conventions → Errors), each as
application/problem+json, each leaving the log untouched, and never a 500 for anything a client
sent."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.documents import (
    command,
    draft_notice,
    draft_request,
    events_of,
    notice_body,
    request_body,
)
from tests.support.http import PROBLEM, assert_problem, auth, ok
from tests.support.store import positions

MIB = 1024 * 1024


def lenient(client: TestClient) -> TestClient:
    """The same app, answering a server error as a response instead of raising it."""
    return TestClient(client.app, raise_server_exceptions=False)


# ----- 400 -------------------------------------------------------------------------------------


def test_400_malformed_json_on_create(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        content=b"{bad",
        headers=auth("p-office-dir", content_type="application/json"),
    )
    body = assert_problem(r, 400)
    assert "rule" not in body
    assert positions(services) == before


def test_400_malformed_json_on_a_command(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = client.post(
        f"/documents/{doc['id']}/sign-off",
        content='{"opinion": "同意",'.encode(),
        headers=auth("p-vm-a", content_type="application/json"),
    )
    assert_problem(r, 400)
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1


def test_400_malformed_json_on_the_roster(client, services):
    before = positions(services)
    r = client.post(
        "/roster/appointments",
        content=b"[1, 2",
        headers=auth("p-admin", content_type="application/json"),
    )
    assert_problem(r, 400)
    assert positions(services) == before


def test_400_if_match_that_is_not_a_version(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, if_match="latest")
    assert_problem(r, 400)
    assert positions(services) == before


def test_400_idempotency_key_with_spaces(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        json=notice_body(),
        headers=auth("p-office-dir", idempotency_key="two words"),
    )
    assert_problem(r, 400)
    assert positions(services) == before


# ----- 403 -------------------------------------------------------------------------------------


def test_403_sign_off_outside_authority_carries_d9(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-b", {"opinion": "同意"})
    body = assert_problem(r, 403, "D9", type_suffix="/forbidden")
    assert body["article"] == 51
    assert body["detail"]
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1


def test_403_roster_appointment_by_a_unit_head_carries_p1(client, services):
    roster_before = client.get("/roster", headers=auth("p-admin")).json()
    before = positions(services)
    r = client.post(
        "/roster/appointments",
        json={
            "person_id": "p-new",
            "name": "新局长",
            "office": "unit_head",
            "unit_id": "u-housing",
            "since": "2026-10-01",
        },
        headers=auth("p-finance-head"),
    )
    body = assert_problem(r, 403, "P1")
    assert body["article"] == 4
    assert positions(services) == before
    roster_after = client.get("/roster", headers=auth("p-admin")).json()
    assert roster_after["version"] == roster_before["version"]
    assert "p-new" not in {h["person_id"] for h in roster_after["office_holders"]}


def test_403_investigator_writes_nothing(client, services):
    before = positions(services)
    r = client.post("/documents", json=notice_body(), headers=auth("p-investigator"))
    assert_problem(r, 403, "A1")
    assert positions(services) == before


# ----- 404 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/documents/{id}",
        "/documents/{id}?version=1",
        "/documents/{id}?as_of=2026-09-28T10:00:00%2B08:00",
        "/documents/{id}/history",
    ],
)
def test_404_unknown_document_id_on_reads(client, path):
    r = client.get(path.format(id=uuid.uuid4()), headers=auth("p-mayor"))
    body = assert_problem(r, 404)
    assert "rule" not in body


@pytest.mark.parametrize(
    ("verb", "who", "body"),
    [
        ("sign-off", "p-vm-a", {"opinion": "同意"}),
        ("register", "p-office-dir", {"issuer_code": "攀府发"}),
        ("issue", "p-office-dir", None),
        ("countersign-requests", "p-finance-head", {"unit_ids": ["u-ecology"]}),
    ],
)
def test_404_unknown_document_id_on_commands(client, services, verb, who, body):
    before = positions(services)
    r = command(client, str(uuid.uuid4()), verb, who, body)
    assert_problem(r, 404)
    assert positions(services) == before


def test_404_the_roster_id_is_not_a_document(client):
    roster_id = client.get("/roster", headers=auth("p-mayor")).json()["id"]
    assert_problem(client.get(f"/documents/{roster_id}", headers=auth("p-mayor")), 404)


def test_404_version_that_does_not_exist(client):
    doc = draft_notice(client)
    assert_problem(client.get(f"/documents/{doc['id']}?version=7", headers=auth("p-mayor")), 404)


@pytest.mark.parametrize("path", ["/nope", "/documents/nope/nope/nope", "/roster/nope"])
def test_404_unknown_path(client, path):
    assert_problem(client.get(path, headers=auth("p-mayor")), 404)


def test_404_unknown_path_without_a_token(client):
    assert_problem(client.post("/no-such-collection", json={}), 404)


def test_a_document_id_that_is_no_uuid_is_invalid_422(client):
    """Resource ids the system makes are UUIDs: a path id that is none fails the schema."""
    body = assert_problem(client.get("/documents/not-a-uuid", headers=auth("p-mayor")), 422)
    assert body["errors"][0]["loc"] == ["path", "resource_id"], body


# ----- 405 -------------------------------------------------------------------------------------


def test_405_is_a_problem_too(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = client.delete(f"/documents/{doc['id']}", headers=auth("p-admin"))
    assert_problem(r, 405)
    assert positions(services) == before


# ----- 409 -------------------------------------------------------------------------------------


def test_409_request_with_two_matters_carries_d3(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        json=request_body(matters=["专项资金", "人员编制"]),
        headers=auth("p-finance-head"),
    )
    body = assert_problem(r, 409, "D3", type_suffix="/rule-refused")
    assert body["article"] == 47
    assert body["detail"]
    assert positions(services) == before


def test_409_report_carrying_a_request_carries_d3(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        json=request_body(doc_type="report", includes_request=True, title="关于工作情况的报告"),
        headers=auth("p-finance-head"),
    )
    assert_problem(r, 409, "D3")
    assert positions(services) == before


def test_409_document_to_a_leader_personally_carries_d5(client, services):
    before = positions(services)
    r = client.post("/documents", json=request_body(to="p-exec-vm"), headers=auth("p-finance-head"))
    body = assert_problem(r, 409, "D5")
    assert body["article"] == 48
    assert positions(services) == before


def test_409_rule_refusal_on_a_command_keeps_history(client, services):
    doc = draft_request(client)
    before = positions(services)
    r = command(
        client, doc["id"], "countersign-requests", "p-finance-head", {"unit_ids": ["u-finance"]}
    )
    assert_problem(r, 409, "D6")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1


# ----- 412 -------------------------------------------------------------------------------------


def test_412_if_match_an_old_version(client, services):
    doc = draft_notice(client)
    ok(
        command(
            client, doc["id"], "countersign-requests", "p-office-dir", {"unit_ids": ["u-finance"]}
        )
    )
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, if_match='"1"')
    body = assert_problem(r, 412)
    assert "rule" not in body
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_412_on_register_too(client, services):
    doc = draft_notice(client)
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}))
    before = positions(services)
    r = command(
        client, doc["id"], "register", "p-office-dir", {"issuer_code": "攀府发"}, if_match='"1"'
    )
    assert_problem(r, 412)
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_if_match_the_current_version_succeeds(client):
    doc = draft_notice(client)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, if_match='"1"')
    assert ok(r)["version"] == 2
    assert r.headers["etag"] == '"2"'


# ----- 413 -------------------------------------------------------------------------------------


def test_413_a_2_mib_body(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        content=b"x" * (2 * MIB),
        headers=auth("p-office-dir", content_type="application/json"),
    )
    assert_problem(r, 413)
    assert positions(services) == before


def test_413_a_valid_document_over_1_mib(client, services):
    before = positions(services)
    r = client.post("/documents", json=notice_body(body="文" * MIB), headers=auth("p-office-dir"))
    assert_problem(r, 413)
    assert positions(services) == before


def test_413_a_2_mib_body_without_content_length(client, services):
    """Chunked transfer: no Content-Length to look at, the limit still holds."""

    def chunks() -> Any:
        for _ in range(32):
            yield b"x" * 65536

    before = positions(services)
    r = client.post(
        "/documents",
        content=chunks(),
        headers=auth("p-office-dir", content_type="application/json"),
    )
    assert "content-length" not in {k.lower() for k in r.request.headers}
    assert_problem(r, 413)
    assert positions(services) == before


def test_a_body_just_under_the_limit_is_read(client, services):
    r = client.post(
        "/documents",
        json=notice_body(body="x" * (MIB - 4096)),
        headers=auth("p-office-dir"),
    )
    assert r.status_code == 201, r.text[:300]


# ----- 422 -------------------------------------------------------------------------------------


def test_422_missing_field_keeps_fastapis_errors(client, services):
    body = notice_body()
    del body["title"]
    before = positions(services)
    r = client.post("/documents", json=body, headers=auth("p-office-dir"))
    problem = assert_problem(r, 422)
    errors = problem["errors"]
    assert isinstance(errors, list) and errors
    assert any(e["loc"][-1] == "title" and e["type"] == "missing" for e in errors), errors
    assert all({"loc", "msg", "type"} <= set(e) for e in errors)
    assert positions(services) == before


def test_422_wrong_enum_value(client, services):
    before = positions(services)
    r = client.post(
        "/documents", json=notice_body(urgency="yesterday"), headers=auth("p-office-dir")
    )
    problem = assert_problem(r, 422)
    assert any("urgency" in e["loc"] for e in problem["errors"])
    assert positions(services) == before


def test_422_wrong_type_on_a_command(client, services):
    doc = draft_request(client)
    before = positions(services)
    r = command(client, doc["id"], "review", "p-office-dir", {"conforming": "perhaps"})
    problem = assert_problem(r, 422)
    assert any("conforming" in e["loc"] for e in problem["errors"])
    assert positions(services) == before


def test_422_empty_body_where_one_is_required(client, services):
    before = positions(services)
    r = client.post("/documents", json={}, headers=auth("p-office-dir"))
    problem = assert_problem(r, 422)
    assert len(problem["errors"]) >= 4
    assert positions(services) == before


def test_422_unknown_unit(client, services):
    before = positions(services)
    r = client.post(
        "/documents", json=request_body(from_unit_id="u-atlantis"), headers=auth("p-finance-head")
    )
    assert_problem(r, 422)
    assert positions(services) == before


@pytest.mark.parametrize("query", ["version=0", "version=-1", "version=abc", "as_of=yesterday"])
def test_422_bad_time_travel_parameters(client, query):
    doc = draft_notice(client)
    assert_problem(client.get(f"/documents/{doc['id']}?{query}", headers=auth("p-mayor")), 422)


# ----- never a 500 -----------------------------------------------------------------------------

JUNK: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/documents", {"json": {"doc_type": None}}),
    ("POST", "/documents", {"json": [1, 2, 3]}),
    ("POST", "/documents", {"json": "a string"}),
    ("POST", "/documents", {"json": request_body(to="p-finance-head")}),
    ("POST", "/documents", {"json": notice_body(cc_unit_ids=["u-none"])}),
    (
        "POST",
        "/documents",
        {"json": notice_body(implements={"ref": "", "issued_on": "2026-01-01"})},
    ),
    ("POST", "/documents", {"json": notice_body(title="")}),
    (
        "POST",
        "/documents",
        {"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}},
    ),
    ("POST", "/documents", {"content": b"title=x", "headers": {"content-type": "text/plain"}}),
    ("POST", "/roster/appointments", {"json": {"person_id": "p x", "name": "", "office": "king"}}),
    (
        "POST",
        "/roster/appointments",
        {"json": {"person_id": "p-x", "name": "x", "office": "unit_head", "since": "2026-10-01"}},
    ),
    (
        "POST",
        "/roster/appointments",
        {"json": {"person_id": "p-x", "name": "x", "office": "vice_mayor", "since": "2026-13-45"}},
    ),
    (
        "POST",
        "/roster/relievals",
        {"json": {"person_id": "p-nobody", "office": "mayor", "on": "2026-10-01"}},
    ),
    (
        "POST",
        "/roster/divisions",
        {"json": {"vice_mayor_id": "p-finance-head", "unit_ids": ["u-x"]}},
    ),
    ("POST", "/roster/ab-pairs", {"json": {"a": "p-vm-a", "b": "p-vm-a"}}),
    ("POST", "/roster/units", {"json": {"unit_id": "u-gov", "name": "x", "kind": "department"}}),
    ("GET", "/roster?as_of=not-a-time", {}),
    ("GET", "/roster?as_of=2026-09-28T09:00:00", {}),
    ("GET", "/roster?known_at=1970-01-01T00:00:00Z", {}),
    ("GET", "/documents/00000000-0000-0000-0000-000000000000", {}),
    ("GET", "/documents/00000000-0000-0000-0000-000000000000?version=99999999999", {}),
    ("POST", "/_clock", {"json": {"now": "2026-09-29T09:00:00"}}),
    ("POST", "/_clock", {"json": {"now": "not a time"}}),
    ("POST", "/_clock", {"json": {}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), JUNK)
def test_junk_is_a_4xx_problem_never_a_500(client, services, method, path, kwargs):
    kwargs = dict(kwargs)
    headers = {**auth("p-admin" if "roster" in path or "_clock" in path else "p-office-dir")}
    headers.update(kwargs.pop("headers", {}))
    before = positions(services)
    r = lenient(client).request(method, path, headers=headers, **kwargs)
    assert 400 <= r.status_code < 500, (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(PROBLEM)
    assert positions(services) == before


def test_junk_commands_on_a_document_never_500(client, services):
    doc = draft_request(client)
    c = lenient(client)
    cases = [
        ("countersign-requests", "p-finance-head", {"unit_ids": ["u-none"]}),
        (
            "countersign-requests",
            "p-finance-head",
            {"unit_ids": ["u-ecology"], "due": "2026-10-01T00:00:00"},
        ),
        (
            "countersign-requests",
            "p-finance-head",
            {"unit_ids": ["u-ecology"], "due": "2020-01-01T00:00:00Z"},
        ),
        ("countersign-requests", "p-finance-head", {"unit_ids": []}),
        ("countersignatures", "p-ecology-head", {"unit_id": "u-ecology", "opinion": "agree"}),
        ("countersignatures", "p-ecology-head", {"unit_id": "u-ecology", "opinion": "maybe"}),
        (
            "review",
            "p-office-dir",
            {"conforming": True, "proposed_handling": "x", "routed_to": "p-nobody"},
        ),
        ("review", "p-office-dir", {"conforming": False, "return_reasons": ["other"]}),
        ("review", "p-office-dir", {"conforming": False, "return_reasons": ["bad_mood"]}),
        ("sign-off", "p-mayor", {"opinion": "同意"}),
        ("register", "p-office-dir", {"issuer_code": "攀府发"}),
        ("register", "p-office-dir", {"issuer_code": "1234"}),
        ("register", "p-office-dir", {"issuer_code": ""}),
        ("issue", "p-office-dir", None),
        ("publish", "p-office-dir", {"interpretation_ref": 5}),
        ("disagreement-summary", "p-finance-head", {"sides": "a", "proposal": "b"}),
    ]
    before = positions(services)
    for verb, who, body in cases:
        r = c.post(f"/documents/{doc['id']}/{verb}", json=body, headers=auth(who))
        assert 400 <= r.status_code < 500, (verb, body, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith(PROBLEM), (verb, r.headers)
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1


@pytest.mark.parametrize(
    "as_of", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+10:00", "9999-12-31T23:59:59Z"]
)
def test_extreme_as_of_on_the_roster_is_no_500(client, as_of):
    r = lenient(client).get("/roster", params={"as_of": as_of}, headers=auth("p-mayor"))
    assert r.status_code < 500, r.text[:300]


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59-10:00", "0001-01-01T00:00:00+10:00"])
def test_extreme_as_of_on_a_document_is_no_500(client, as_of):
    doc = draft_notice(client)
    r = lenient(client).get(
        f"/documents/{doc['id']}", params={"as_of": as_of}, headers=auth("p-mayor")
    )
    assert r.status_code < 500, r.text[:300]


def test_extreme_drill_clock_time_is_no_500(client):
    r = lenient(client).post(
        "/_clock", json={"now": "9999-12-31T23:59:59-10:00"}, headers=auth("p-admin")
    )
    assert r.status_code < 500, r.text[:300]
    assert r.headers["content-type"].startswith(("application/json", PROBLEM))
    assert client.get("/health").status_code == 200
