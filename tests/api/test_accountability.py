"""Lifetime accountability over HTTP (A1, D12, P1, P2): a decision's trace in one call, a
person's acts for life, links as facts both ways, investigators who read and never write."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.documents import events_of, instructed_request
from tests.support.http import assert_problem, auth, create, move_clock, ok
from tests.support.lifecycle import DISSENT, STORY, WAIVER, Lifecycle, decision_lifecycle
from tests.support.store import positions


def trace(client: Any, life: Lifecycle, by: str = "p-investigator") -> dict[str, Any]:
    return ok(
        client.get(
            f"/accountability/decisions/{life.decision_id}",
            params={"min_position": life.last_position},
            headers=auth(by),
        )
    )


def relieve_vm_a(client: Any) -> int:
    """张副市长 leaves office on 2026-11-01, after everything; the trace keeps his office."""
    move_clock(client, "2026-11-01T10:00:00+08:00")
    body = {"person_id": "p-vm-a", "office": "vice_mayor", "on": "2026-11-01"}
    return int(ok(client.post("/roster/relievals", json=body, headers=auth("p-admin")))["position"])


def one(entries: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    (found,) = [e for e in entries if e["type"] == kind]
    return found


def office(person: dict[str, Any] | None) -> list[str]:
    assert person is not None
    return [o["office"] for o in person["offices"]]


@pytest.mark.usefixtures("live_services")
def test_a_decision_traced_from_initiation_to_its_supervision_closed_a1(client, services):
    life = decision_lifecycle(client)
    relieved_at = relieve_vm_a(client)
    body = trace(client, life)
    entries = body["entries"]

    assert [e["type"] for e in entries] == STORY
    assert [e["position"] for e in entries] == sorted({e["position"] for e in entries})
    assert body["position"] >= life.last_position
    assert relieved_at > life.last_position  # the relieval came after every act traced
    assert body["decision"]["title"] == "2027年市级财政预算草案"
    assert {(link["kind"], link["id"]) for link in body["links"]} == {
        ("decision", life.decision_id),
        ("meeting", life.meeting_id),
        ("document", life.document_id),
        ("supervision_item", life.item_id),
    }
    for entry in entries:  # every act: who, in which office, under which rules, its hash
        assert entry["rules"], entry
        assert len(entry["hash"]) == 64
        assert entry["recorded_at"].endswith("+08:00")
        if entry["actor_id"] == "system":
            assert entry["person"] is None
        else:
            assert entry["person"]["office"] == entry["actor_office"] is not None
            assert entry["actor_office"] in office(entry["person"])

    # Each entry is the stored event itself: the same hash as the resource's own history.
    history = {e["position"]: e["hash"] for e in events_of(client, life.document_id)}
    for entry in entries:
        if entry["originator_id"] == life.document_id:
            assert entry["hash"] == history[entry["position"]]

    # M11: every position, 张副市长's dissent with its note and the office he held that day —
    # though he holds none now.
    taken = one(entries, "DecisionTaken")
    votes = {p["person_id"]: p for p in taken["people"]}
    assert votes["p-vm-a"]["roles"] == ["voted_dissent", "dissent_note"]
    assert office(votes["p-vm-a"]) == ["vice_mayor"]
    assert votes["p-sg"]["roles"] == ["voted_abstain"]
    assert taken["person"]["person_id"] == "p-mayor"
    assert body["dissent"] == [
        {"position": taken["position"], "person": votes["p-vm-a"], "note": DISSENT}
    ]
    roster = ok(client.get("/roster", headers=auth("p-mayor")))
    assert "p-vm-a" not in {h["person_id"] for h in roster["office_holders"]}

    # M10: the waiver with its reason, who recorded it and who confirmed it for the office.
    (waiver,) = body["waivers"]
    assert (waiver["procedure"], waiver["reason"]) == ("public_participation", WAIVER)
    assert waiver["recorded_by"]["person_id"] == "p-finance-head"
    assert (waiver["confirmed_by"]["person_id"], waiver["confirmed_by"]["office"]) == (
        "p-office-dir", "office_director",
    )  # fmt: skip
    assert one(entries, "DecisionWaiverConfirmed")["rules"] == ["M10"]
    # M10: the legality review, recorded by the justice bureau, passed.
    legality = [e for e in entries if (e["payload"] or {}).get("procedure") == "legality_review"]
    assert [(e["person"]["person_id"], e["payload"]["passed"]) for e in legality] == [
        ("p-justice-head", True)
    ]

    # D9, P2: the executive vice-mayor signed off as acting mayor.
    signed = one(entries, "DocumentSignedOff")
    assert signed["person"]["person_id"] == "p-exec-vm"
    assert signed["person"]["office"] == "executive_vice_mayor"
    assert signed["acting_for"] == "p-mayor"
    assert office(signed["acting_for_person"]) == ["mayor"]
    assert {"D9", "P2"} <= set(signed["rules"])

    # D7, S3: the system's own records, for the due time they speak for.
    deemed = one(entries, "CountersignDeemedNoObjection")
    assert (deemed["actor_id"], deemed["payload"]["unit_id"]) == ("system", "u-housing")
    assert one(entries, "ItemOverdue")["payload"]["due"] == "2026-10-25T18:00:00+08:00"
    failed, passed = [e for e in entries if e["type"] == "ItemVerified"]
    assert (failed["payload"]["result"], passed["payload"]["result"]) == ("failed", "passed")
    registered = one(entries, "SupervisionItemRegistered")
    (first,) = registered["people"]
    assert (first["person_id"], first["roles"]) == ("p-finance-head", ["first_responsible"])


def test_links_are_facts_on_both_sides_a1(client):
    life = decision_lifecycle(client)
    decision = ok(client.get(f"/decisions/{life.decision_id}", headers=auth("p-mayor")))
    assert decision["topics"] == [
        {"meeting_id": life.meeting_id, "meeting_kind": "executive", "topic_id": life.topic_id}
    ]
    assert decision["documents"] == [{"document_id": life.document_id, "doc_type": "decision"}]
    assert decision["supervision_items"] == [{"item_id": life.item_id}]
    document = ok(client.get(f"/documents/{life.document_id}", headers=auth("p-mayor")))
    assert document["decision_id"] == life.decision_id
    item = ok(client.get(f"/supervision-items/{life.item_id}", headers=auth("p-mayor")))
    assert item["source"] == {"kind": "decision", "ref": life.decision_id}


def test_a_reply_and_the_request_it_answers_know_each_other_a1(client):
    request = instructed_request(client)
    reply = create(client, "/documents", "p-office-dir", {
        "doc_type": "reply", "title": "关于同意拨付专项资金的批复", "from_unit_id": "u-gov",
        "drafting_unit_id": "u-finance", "to": "u-finance", "matters": ["专项资金"],
        "replies_to": request["id"],
    })  # fmt: skip
    assert reply["replies_to"] == request["id"]
    answered = ok(client.get(f"/documents/{request['id']}", headers=auth("p-mayor")))
    assert answered["replies"] == [reply["id"]]
    assert answered["version"] == request["version"] + 1
    assert [e["type"] for e in events_of(client, request["id"])][-1] == "DocumentReplyLinked"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/supervision-items", {"source": {"kind": "decision", "ref": "市政府决定〔2026〕1号"}}),
        ("/supervision-items", {"source": {"kind": "decision", "ref": str(uuid.UUID(int=0))}}),
        ("/supervision-items", {"source": {"kind": "document", "ref": "攀府办函〔2026〕3号"}}),
        ("/documents", {"replies_to": "00000000-0000-0000-0000-000000000000"}),
        ("/documents", {"decision_id": "not-an-id"}),
    ],
)  # fmt: skip
def test_a_reference_to_an_id_that_does_not_exist_is_422_and_stores_nothing(
    client, services, path, body
):
    base = {
        "/supervision-items": {
            "title": "督办", "lead_unit_id": "u-finance", "deadline": "2026-11-30T18:00:00+08:00",
        },
        "/documents": {
            "doc_type": "reply", "title": "批复", "from_unit_id": "u-gov",
            "drafting_unit_id": "u-finance", "to": "u-finance", "matters": ["x"],
        },
    }[path]  # fmt: skip
    before = positions(services)
    r = client.post(path, json={**base, **body}, headers=auth("p-office-dir"))
    assert_problem(r, 422)
    assert positions(services) == before


def test_a_reply_answers_only_a_request_d1(client, services):
    notice = create(client, "/documents", "p-office-dir", {
        "doc_type": "notice", "title": "通知", "from_unit_id": "u-gov",
        "drafting_unit_id": "u-ecology", "to": "u-ecology", "matters": ["x"],
    })  # fmt: skip
    before = positions(services)
    r = client.post("/documents", json={
        "doc_type": "reply", "title": "批复", "from_unit_id": "u-gov",
        "drafting_unit_id": "u-finance", "to": "u-finance", "matters": ["x"],
        "replies_to": notice["id"],
    }, headers=auth("p-office-dir"))  # fmt: skip
    assert_problem(r, 409, "D1")
    assert positions(services) == before


@pytest.mark.usefixtures("live_services")
def test_a_persons_acts_for_life_with_the_office_of_the_time_a1(client):
    decision_lifecycle(client)
    relieved_at = relieve_vm_a(client)
    r = client.get(
        "/accountability/people/p-vm-a",
        params={"min_position": relieved_at},
        headers=auth("p-investigator"),
    )
    body = ok(r)
    assert body["person"]["name"] == "张副市长"
    (tenure,) = body["person"]["tenures"]
    assert (tenure["office"], tenure["until"]) == ("vice_mayor", "2026-11-01")
    acts = {a["type"]: a for a in body["acts"]}
    for kind in ("MeetingOpened", "TopicDecided", "DecisionTaken"):
        them = next(p for p in acts[kind]["people"] if p["person_id"] == "p-vm-a")
        assert office(them) == ["vice_mayor"]
    assert acts["DecisionTaken"]["roles"] == ["voted_dissent", "dissent_note"]
    assert acts["OfficeHolderRelieved"]["roles"] == ["relieved"]

    # The acting mayor's sign-off, in a window of time, with whom he acted for.
    r = client.get(
        "/accountability/people/p-exec-vm",
        params={"from": "2026-10-14T00:00:00+08:00", "to": "2026-10-15T00:00:00+08:00"},
        headers=auth("p-investigator"),
    )
    (signed,) = [a for a in ok(r)["acts"] if a["type"] == "DocumentSignedOff"]
    assert signed["roles"] == ["actor"]
    assert signed["acting_for"] == "p-mayor"
    assert all(a["recorded_at"] >= "2026-10-14" for a in ok(r)["acts"])


def test_a_person_never_on_the_roster_is_404(client):
    r = client.get("/accountability/people/p-nobody", headers=auth("p-investigator"))
    assert_problem(r, 404)


def test_an_unknown_decision_has_no_trace(client):
    r = client.get(
        "/accountability/decisions/00000000-0000-0000-0000-000000000000",
        headers=auth("p-investigator"),
    )
    assert_problem(r, 404)


@pytest.mark.usefixtures("live_services")
def test_a_secret_document_in_a_trace_shows_only_that_it_exists_d12(client):
    life = decision_lifecycle(client)
    secret = create(client, "/documents", "p-sg", {
        "doc_type": "decision", "title": "关于2027年预算涉密安排的决定",
        "body": "密件正文：涉密安排", "from_unit_id": "u-gov", "drafting_unit_id": "u-gov-office",
        "to": "u-finance", "matters": ["2027年预算"], "decision_id": life.decision_id,
        "classification": "secret",
    })  # fmt: skip
    life.document_id, life.last_position = secret["id"], secret["position"]
    uncleared = client.get(
        f"/accountability/decisions/{life.decision_id}",
        params={"min_position": life.last_position},
        headers=auth("p-finance-head"),
    )
    assert uncleared.status_code == 200
    assert "关于2027年预算涉密安排的决定" not in uncleared.text
    assert "密件正文" not in uncleared.text
    hidden = [e for e in uncleared.json()["entries"] if e["originator_id"] == life.document_id]
    assert [e["type"] for e in hidden] == ["DocumentDrafted"]
    assert all(e["redacted"] and e["payload"] is None for e in hidden)

    cleared = trace(client, life, by="p-mayor")
    (drafted,) = [e for e in cleared["entries"] if e["originator_id"] == life.document_id]
    assert drafted["payload"]["title"] == "关于2027年预算涉密安排的决定"


WRITES = [
    ("/documents", {"doc_type": "notice", "title": "x", "from_unit_id": "u-gov",
                    "drafting_unit_id": "u-ecology", "to": "u-ecology", "matters": ["x"]}),
    ("/decisions", {"title": "x", "matter_kind": "other", "initiated_by_unit": "u-finance",
                    "responsible_person": "p-finance-head"}),
    ("/meetings", {"kind": "special_topic", "title": "x", "convener_id": "p-vm-a",
                   "scheduled_at": "2026-10-01T09:00:00+08:00"}),
    ("/leaves", {"person_id": "p-investigator", "kind": "private",
                 "starts_at": "2026-10-05T09:00:00+08:00", "ends_at": "2026-10-06T09:00:00+08:00"}),
    ("/supervision-items", {"title": "x", "source": {"kind": "instruction", "ref": "批示"},
                            "lead_unit_id": "u-finance", "deadline": "2026-11-30T18:00:00+08:00"}),
    ("/regulations", {"kind": "city_normative", "title": "x", "drafting_unit_id": "u-justice"}),
    ("/roster/units", {"unit_id": "u-new", "name": "新局", "kind": "department"}),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body"), WRITES, ids=[w[0] for w in WRITES])
def test_an_investigator_reads_everything_and_writes_nothing_a1(client, services, path, body):
    before = positions(services)
    r = client.post(path, json=body, headers=auth("p-investigator"))
    assert_problem(r, 403, "A1")
    assert positions(services) == before


def test_an_investigator_commands_nothing_on_existing_resources_a1(client, services):
    life = decision_lifecycle(client)
    before = positions(services)
    for path, body in (
        (f"/meetings/{life.meeting_id}/topics", {"title": "x", "proposed_by": "p-investigator"}),
        (f"/decisions/{life.decision_id}/publication", {"interpretation_ref": "解读"}),
        (f"/supervision-items/{life.item_id}/circular", {"text": "x"}),
        (f"/documents/{life.document_id}/publish", {}),
    ):
        assert_problem(client.post(path, json=body, headers=auth("p-investigator")), 403, "A1")
    assert positions(services) == before
    # ... and reads everything its clearance allows.
    for path in (f"/decisions/{life.decision_id}", f"/documents/{life.document_id}/history",
                 "/events", "/accountability/digest", f"/meetings/{life.meeting_id}"):  # fmt: skip
        assert client.get(path, headers=auth("p-investigator")).status_code == 200, path
