"""D12 over HTTP: a classified document is readable only by those cleared for it — on GET,
?version=, ?as_of=, /history and on every command — and its title never reaches anyone else.

Clearances (roster.json): leaders (mayor, vice-mayors, secretary-general) default to
top_secret; the investigator holds secret; unit heads and the office director hold none."""

from __future__ import annotations

from typing import Any

import pytest

from domain.authority import MATRIX
from tests.support.documents import GOV_CODE, command, events_of, notice_body
from tests.support.http import assert_problem, auth, move_clock, ok
from tests.support.store import positions

SECRET_TITLE = "关于某重点项目安全保卫方案的通知（机密样例XJ-7731）"
SECRET_BODY = "正文：仅限知悉范围XJ-7731-BODY"


def _secret_notice(client: Any, classification: str = "secret") -> dict[str, Any]:
    """Drafted by the secretary-general (top_secret) from the government for 市生态环境局."""
    r = client.post(
        "/documents",
        json=notice_body(title=SECRET_TITLE, body=SECRET_BODY, classification=classification),
        headers=auth("p-sg"),
    )
    doc = ok(r, 201)
    assert doc["classification"] == classification
    assert doc["drafted_by"] == "p-sg"
    return doc


def _no_leak(response: Any) -> None:
    assert SECRET_TITLE not in response.text
    assert "XJ-7731" not in response.text


@pytest.fixture
def secret_doc(client):
    doc = _secret_notice(client)
    move_clock(client, "2026-09-29T10:00:00+08:00")
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}))
    return doc


def test_uncleared_reader_is_refused_everywhere_d12(client, services, secret_doc):
    doc_id = secret_doc["id"]
    reads = [
        (f"/documents/{doc_id}", {}),
        (f"/documents/{doc_id}", {"version": 1}),
        (f"/documents/{doc_id}", {"version": 2}),
        (f"/documents/{doc_id}", {"as_of": "2026-09-28T12:00:00+08:00"}),
        (f"/documents/{doc_id}", {"as_of": "2026-09-29T12:00:00+08:00"}),
        (f"/documents/{doc_id}/history", {}),
    ]
    for who in ("p-finance-head", "p-office-dir", "p-ecology-head"):
        for path, params in reads:
            r = client.get(path, params=params, headers=auth(who))
            body = assert_problem(r, 403, "D12", type_suffix="/forbidden")
            assert body["article"] == 82
            _no_leak(r)


def test_uncleared_person_commands_nothing_on_it_d12(client, services, secret_doc):
    doc_id = secret_doc["id"]
    before = positions(services)
    attempts = [
        ("register", "p-office-dir", {"issuer_code": GOV_CODE}),
        ("issue", "p-office-dir", None),
        ("countersign-requests", "p-office-dir", {"unit_ids": ["u-finance"]}),
        ("countersignatures", "p-finance-head", {"unit_id": "u-finance", "opinion": "agree"}),
    ]
    for verb, who, body in attempts:
        r = command(client, doc_id, verb, who, body)
        assert_problem(r, 403, "D12")
        _no_leak(r)
    # With an Idempotency-Key too: no answer is replayed, nothing is stored.
    r = command(
        client, doc_id, "register", "p-office-dir", {"issuer_code": GOV_CODE}, idempotency_key="s1"
    )
    assert_problem(r, 403, "D12")
    _no_leak(r)
    assert positions(services) == before
    assert len(events_of(client, doc_id)) == 2


def test_cleared_readers_see_it(client, secret_doc):
    doc_id = secret_doc["id"]
    for who in ("p-mayor", "p-sg", "p-vm-b", "p-investigator"):
        current = ok(client.get(f"/documents/{doc_id}", headers=auth(who)))
        assert current["title"] == SECRET_TITLE
        assert current["body"] == SECRET_BODY
        assert current["status"] == "signed_off"
        first = ok(client.get(f"/documents/{doc_id}", params={"version": 1}, headers=auth(who)))
        assert first["title"] == SECRET_TITLE
        assert first["status"] == "drafted"
        earlier = ok(
            client.get(
                f"/documents/{doc_id}",
                params={"as_of": "2026-09-28T12:00:00+08:00"},
                headers=auth(who),
            )
        )
        assert earlier["version"] == 1
        events = events_of(client, doc_id, who)
        assert [e["type"] for e in events] == ["DocumentDrafted", "DocumentSignedOff"]
        assert events[0]["payload"]["title"] == SECRET_TITLE
        assert "D12" in events[0]["rules"]


def test_top_secret_is_beyond_a_secret_clearance(client, services):
    doc = _secret_notice(client, classification="top_secret")
    r = client.get(f"/documents/{doc['id']}", headers=auth("p-investigator"))
    assert_problem(r, 403, "D12")
    _no_leak(r)
    r = client.get(f"/documents/{doc['id']}/history", headers=auth("p-investigator"))
    assert_problem(r, 403, "D12")
    _no_leak(r)
    assert (
        ok(client.get(f"/documents/{doc['id']}", headers=auth("p-mayor")))["title"] == SECRET_TITLE
    )


def test_uncleared_author_cannot_draft_a_secret_document_d12(client, services):
    before = positions(services)
    r = client.post(
        "/documents",
        json=notice_body(title=SECRET_TITLE, classification="secret"),
        headers=auth("p-office-dir"),
    )
    assert_problem(r, 403, "D12")
    _no_leak(r)
    assert positions(services) == before


def test_cleared_office_staff_carries_it_through_numbering_but_not_publication(client, services):
    doc = _secret_notice(client)
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}))
    numbered = ok(command(client, doc["id"], "register", "p-sg", {"issuer_code": GOV_CODE}))
    assert numbered["number"] == "攀府发〔2026〕1号"
    ok(command(client, doc["id"], "issue", "p-sg"))
    before = positions(services)
    r = command(client, doc["id"], "publish", "p-sg", {})
    assert_problem(r, 409, "D12")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 4


def test_the_roster_and_other_documents_stay_readable(client, secret_doc):
    """D12 guards the classified document only."""
    plain = ok(client.post("/documents", json=notice_body(), headers=auth("p-office-dir")), 201)
    assert ok(client.get(f"/documents/{plain['id']}", headers=auth("p-finance-head")))["id"]
    roster = client.get("/roster", headers=auth("p-finance-head"))
    assert roster.status_code == 200
    _no_leak(roster)


def test_D12_no_version_of_a_secret_document_leaks_through_404_or_412(client, services, secret_doc):
    """An uncleared reader learns nothing of the document's versions: a version that does not
    exist, a time before it was drafted and a stale or future If-Match on every command all
    answer 403 (D12; on a write by an office that may not issue the command at all, the
    authority matrix's 403 comes first) — never the 404 or 412 a cleared reader would get."""
    doc_id = secret_doc["id"]
    before = positions(services)
    reads = [{"version": 99}, {"version": 3}, {"as_of": "2020-01-01T00:00:00+08:00"},
             {"version": 1, "as_of": "2026-09-29T12:00:00+08:00"}]  # fmt: skip
    writes = [
        ("register", {"issuer_code": GOV_CODE}),
        ("issue", None),
        ("countersign-requests", {"unit_ids": ["u-finance"]}),
        ("countersignatures", {"unit_id": "u-finance", "opinion": "agree"}),
        ("sign-off", {"opinion": "同意"}),
    ]
    for who in ("p-finance-head", "p-office-dir"):
        for params in reads:
            r = client.get(f"/documents/{doc_id}", params=params, headers=auth(who))
            assert_problem(r, 403, "D12")
            _no_leak(r)
        for verb, body in writes:
            for stale in ('"1"', '"2"', '"99"', 'W/"1"'):
                r = command(client, doc_id, verb, who, body, if_match=stale)
                # 403: D12, or first the authority matrix (R8) for an office that may not
                # issue this command at all — either way before any 404 or 412.
                assert assert_problem(r, 403)["rule"] in ("D12", rule_of(verb)), r.text
                assert "version" not in r.text, r.text
    # A cleared reader is told: 404 for a version that never was, 412 for a stale If-Match.
    assert_problem(client.get(f"/documents/{doc_id}?version=99", headers=auth("p-mayor")), 404)
    r = command(client, doc_id, "register", "p-sg", {"issuer_code": GOV_CODE}, if_match='"1"')
    assert_problem(r, 412)
    assert positions(services) == before


def rule_of(verb: str) -> str:
    """The rule the authority matrix cites for the command behind ``verb``."""
    names = {"register": "RegisterDocument", "issue": "IssueDocument",
             "countersign-requests": "RequestCountersign", "countersignatures": "Countersign",
             "sign-off": "SignOff"}  # fmt: skip
    return MATRIX[names[verb]].rule
