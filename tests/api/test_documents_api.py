"""Documents end to end over HTTP (D6–D11).

Incoming: a request from 市财政局 → countersign request (D7 due) → countersignature by
市生态环境局 → review and routing by the office (D8). Outgoing: a notice in the government's
name drafted for 市生态环境局 → sign-off by its vice-mayor (D9) → number (D11) → issue → publish.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tests.support.documents import (
    GOV_CODE,
    command,
    draft_notice,
    draft_request,
    events_of,
    notice_body,
    request_body,
    signed_off_notice,
)
from tests.support.http import assert_problem, auth, move_clock, ok
from tests.support.store import assert_refused, log_head, positions


def assert_written(response: Any, status: int, version: int) -> dict[str, Any]:
    """A write's answer: state, ``version``, ``position``, ``ETag`` (and ``Location`` on 201)."""
    body = ok(response, status)
    assert response.headers["content-type"].startswith("application/json")
    assert body["version"] == version
    assert isinstance(body["position"], int) and body["position"] > 0
    assert response.headers["etag"] == f'"{version}"'
    if status == 201:
        assert response.headers["location"] == f"/documents/{body['id']}"
    return body


# ----- the incoming path -----------------------------------------------------------------------


def test_incoming_request_countersigned_and_routed(client, services):
    r = client.post("/documents", json=request_body(), headers=auth("p-finance-head"))
    doc = assert_written(r, 201, 1)
    assert doc["status"] == "drafted"
    assert doc["direction"] == "incoming"
    assert doc["drafted_by"] == "p-finance-head"
    assert doc["position"] == positions(services)
    doc_id = doc["id"]

    got = client.get(r.headers["location"], headers=auth("p-office-dir"))
    assert ok(got)["id"] == doc_id
    assert got.headers["etag"] == '"1"'
    assert got.json()["position"] == doc["position"]

    r = command(
        client, doc_id, "countersign-requests", "p-finance-head", {"unit_ids": ["u-ecology"]}
    )
    asked = assert_written(r, 200, 2)
    assert asked["position"] == positions(services)
    (entry,) = asked["countersigns"]
    assert entry["unit_id"] == "u-ecology"
    assert entry["status"] == "pending"
    # D7 worked example: requested Mon 2026-09-28 → due 2026-10-14 00:00 +08:00.
    assert datetime.fromisoformat(entry["due"]) == datetime.fromisoformat(
        "2026-10-13T16:00:00+00:00"
    )

    r = command(
        client,
        doc_id,
        "countersignatures",
        "p-ecology-head",
        {"unit_id": "u-ecology", "opinion": "agree"},
    )
    signed = assert_written(r, 200, 3)
    (entry,) = signed["countersigns"]
    assert entry["status"] == "answered"
    assert entry["opinion"] == "agree"
    assert entry["answered_by"] == "p-ecology-head"

    r = command(
        client,
        doc_id,
        "review",
        "p-office-dir",
        {"conforming": True, "proposed_handling": "拟请李常务副市长阅示"},
    )
    routed = assert_written(r, 200, 4)
    assert routed["status"] == "routed"
    assert routed["review"]["routed_to"] == "p-exec-vm"
    assert routed["review"]["conforming"] is True
    assert routed["position"] == positions(services)

    types = [e["type"] for e in events_of(client, doc_id)]
    assert types == [
        "DocumentDrafted",
        "CountersignRequested",
        "DocumentCountersigned",
        "DocumentRouted",
    ]


def test_review_before_countersign_is_refused_d6(client, services):
    doc = draft_request(client)
    ok(
        command(
            client, doc["id"], "countersign-requests", "p-finance-head", {"unit_ids": ["u-ecology"]}
        )
    )
    before = positions(services)
    r = command(
        client,
        doc["id"],
        "review",
        "p-office-dir",
        {"conforming": True, "proposed_handling": "拟办"},
    )
    assert_problem(r, 409, "D6", type_suffix="/rule-refused")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_non_conforming_document_is_returned_with_reasons_d8(client, services):
    doc = draft_request(client)
    r = command(
        client,
        doc["id"],
        "review",
        "p-office-dir",
        {"conforming": False, "return_reasons": ["format"]},
    )
    returned = assert_written(r, 200, 2)
    assert returned["status"] == "returned"
    assert returned["review"]["return_reasons"] == ["format"]

    other = draft_request(client)
    before = positions(services)
    r = command(client, other["id"], "review", "p-office-dir", {"conforming": False})
    assert_problem(r, 409, "D8")
    assert positions(services) == before
    assert len(events_of(client, other["id"])) == 1


def test_countersignature_by_another_units_head_is_forbidden(client, services):
    doc = draft_request(client)
    ok(
        command(
            client, doc["id"], "countersign-requests", "p-finance-head", {"unit_ids": ["u-ecology"]}
        )
    )
    before = positions(services)
    r = command(
        client,
        doc["id"],
        "countersignatures",
        "p-housing-head",
        {"unit_id": "u-ecology", "opinion": "agree"},
    )
    assert_problem(r, 403, "D6", type_suffix="/forbidden")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_review_by_a_unit_head_is_forbidden_d8(client, services):
    doc = draft_request(client)
    before = positions(services)
    r = command(
        client,
        doc["id"],
        "review",
        "p-ecology-head",
        {"conforming": True, "proposed_handling": "x"},
    )
    assert_problem(r, 403, "D8")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1


# ----- the outgoing path -----------------------------------------------------------------------


def test_outgoing_notice_signed_numbered_issued_published(client, services):
    r = client.post("/documents", json=notice_body(), headers=auth("p-office-dir"))
    doc = assert_written(r, 201, 1)
    assert doc["direction"] == "outgoing"
    assert doc["drafting_unit_id"] == "u-ecology"
    assert doc["drafted_by"] == "p-office-dir"
    assert doc["number"] is None
    doc_id = doc["id"]

    r = command(client, doc_id, "sign-off", "p-vm-a", {"opinion": "同意印发"})
    signed = assert_written(r, 200, 2)
    assert signed["status"] == "signed_off"
    assert signed["sign_off"]["by"] == "p-vm-a"
    assert signed["sign_off"]["office"] == "vice_mayor"
    assert signed["sign_off"]["acting_for"] is None
    assert signed["position"] == positions(services)

    r = command(client, doc_id, "register", "p-office-dir", {"issuer_code": GOV_CODE})
    numbered = assert_written(r, 200, 3)
    assert numbered["status"] == "numbered"
    assert numbered["number"] == "攀府发〔2026〕1号"
    assert numbered["position"] == positions(services)

    r = command(client, doc_id, "issue", "p-office-dir")
    issued = assert_written(r, 200, 4)
    assert issued["status"] == "issued"
    assert issued["issued_at"] is not None

    r = command(client, doc_id, "publish", "p-office-dir", {"interpretation_ref": "解读-2026-01"})
    published = assert_written(r, 200, 5)
    assert published["status"] == "published"
    assert published["published"]["interpretation_ref"] == "解读-2026-01"
    assert published["number"] == "攀府发〔2026〕1号"
    assert published["position"] == positions(services)

    current = client.get(f"/documents/{doc_id}", headers=auth("p-finance-head"))
    assert ok(current)["version"] == 5
    assert current.headers["etag"] == '"5"'
    assert current.json()["status"] == "published"

    events = events_of(client, doc_id)
    assert [e["type"] for e in events] == [
        "DocumentDrafted",
        "DocumentSignedOff",
        "DocumentNumbered",
        "DocumentIssued",
        "DocumentPublished",
    ]
    assert [e["version"] for e in events] == [1, 2, 3, 4, 5]
    assert events[1]["actor_id"] == "p-vm-a"
    assert "D9" in events[1]["rules"]
    assert "D11" in events[2]["rules"]
    assert events[2]["payload"]["number"] == "攀府发〔2026〕1号"


def test_second_number_of_the_year_follows_the_first(client):
    first = signed_off_notice(client)
    second = signed_off_notice(client, title="关于开展秋季植树活动的通知")
    a = ok(command(client, first["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))
    b = ok(command(client, second["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))
    assert (a["number"], b["number"]) == ("攀府发〔2026〕1号", "攀府发〔2026〕2号")


def test_sign_off_by_a_vice_mayor_not_in_charge_is_forbidden_d9(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-b", {"opinion": "同意"})
    body = assert_problem(r, 403, "D9", type_suffix="/forbidden")
    assert body["article"] == 51
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1
    assert ok(client.get(f"/documents/{doc['id']}", headers=auth("p-mayor")))["status"] == "drafted"


def test_decision_is_signed_off_by_the_mayor_only_d9(client, services):
    doc = draft_notice(client, doc_type="decision", title="关于表彰生态环境保护先进集体的决定")
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"})
    assert_problem(r, 403, "D9")
    assert positions(services) == before
    signed = ok(command(client, doc["id"], "sign-off", "p-mayor", {"opinion": "同意"}))
    assert signed["sign_off"]["authority"] == "mayor"


def test_register_before_sign_off_is_refused_d11(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE})
    assert_problem(r, 409, "D11", type_suffix="/rule-refused")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1
    # The refused registration took no number: the first registered document gets 1.
    signed = signed_off_notice(client, title="另一份通知")
    numbered = ok(
        command(client, signed["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE})
    )
    assert numbered["number"] == "攀府发〔2026〕1号"


def test_register_twice_is_refused_d11(client, services):
    doc = signed_off_notice(client)
    ok(command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))
    before = positions(services)
    r = command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE})
    assert_problem(r, 409, "D11")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 3


def test_register_by_a_unit_head_is_forbidden_d11(client, services):
    doc = signed_off_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "register", "p-ecology-head", {"issuer_code": GOV_CODE})
    assert_problem(r, 403, "D11")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_issue_before_numbering_is_refused(client, services):
    doc = signed_off_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "issue", "p-office-dir")
    assert_problem(r, 409, "D11")
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 2


def test_drafting_in_another_units_name_is_forbidden_p1(client, services):
    before = positions(services)
    r = client.post("/documents", json=request_body(), headers=auth("p-ecology-head"))
    assert_problem(r, 403, "P1")
    assert positions(services) == before


def test_coordination_body_may_not_submit_d4(client, services):
    # Appoint a head for 市安全生产委员会 so that someone may write in its name.
    ok(
        client.post(
            "/roster/appointments",
            json={
                "person_id": "p-safety-head",
                "name": "安委会主任",
                "office": "unit_head",
                "unit_id": "u-safety-committee",
                "since": "2026-01-01",
            },
            headers=auth("p-admin"),
        )
    )
    before = positions(services)
    r = client.post(
        "/documents",
        json=request_body(from_unit_id="u-safety-committee"),
        headers=auth("p-safety-head"),
    )
    assert_problem(r, 409, "D4")
    assert positions(services) == before


def test_unknown_document_type_is_refused_d1(client, services):
    before = positions(services)
    r = client.post(
        "/documents", json=request_body(doc_type="memo"), headers=auth("p-finance-head")
    )
    assert_problem(r, 409, "D1")
    assert positions(services) == before


def test_a_second_publication_is_refused_with_m13_and_stores_nothing(client, services):
    doc = signed_off_notice(client)
    ok(command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))
    ok(command(client, doc["id"], "issue", "p-office-dir"))
    ok(command(client, doc["id"], "publish", "p-office-dir", {"interpretation_ref": "解读-1"}))
    before = log_head(services)

    r = command(client, doc["id"], "publish", "p-office-dir", {"interpretation_ref": "解读-2"})

    body = assert_refused(client, services, r, 409, "M13", before)
    assert "published already" in body["detail"]


def test_an_opinion_after_the_deemed_no_objection_is_recorded_late_d7(client, services):
    doc = draft_request(client)
    ok(command(client, doc["id"], "countersign-requests", "p-finance-head",
               {"unit_ids": ["u-ecology"]}))  # fmt: skip
    moved = move_clock(client, "2026-10-14T09:00:00+08:00")  # past the D7 limit: deemed
    assert moved["deadlines_recorded"] >= 1

    late = {"unit_id": "u-ecology", "opinion": "disagree", "reasons": "资金来源不明"}
    r = command(client, doc["id"], "countersignatures", "p-ecology-head", late)

    (asked,) = ok(r)["countersigns"]
    assert (asked["status"], asked["opinion"]) == ("deemed", "no_objection")
    assert (asked["late"]["opinion"], asked["late"]["by"]) == ("disagree", "p-ecology-head")
    last = events_of(client, doc["id"])[-1]
    assert (last["type"], last["payload"]["late"]) == ("DocumentCountersigned", True)
