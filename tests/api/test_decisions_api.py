"""Major administrative decisions (重大行政决策) over HTTP: M9–M13, A1.

市财政局 initiates the 2027 budget → the four preparatory procedures (M10; legality review by
市司法局, never waived; a waiver confirmed by 市政府办公室) → decided as a set topic of an
executive meeting (M9, M11) → published with its policy interpretation (M13). Documents and
regulations that carry it out are linked on it (A1), only once it was decided (M9).
"""

from __future__ import annotations

from tests.support.decisions import (
    PROCEDURE_ORDER,
    confirm_waiver,
    decision_body,
    initiate,
    procedure_body,
    ready_decision,
    record_procedure,
)
from tests.support.documents import draft_notice
from tests.support.http import assert_problem, auth, events, get, move_clock, ok, post
from tests.support.meetings import (
    QUORUM,
    convene,
    decide,
    decided_at_executive,
    distribute_papers,
    open_executive_with_topic,
    open_meeting,
    propose,
    set_topic,
)
from tests.support.store import assert_refused, log_head, positions

# ----- initiation ------------------------------------------------------------------------------


def test_initiation_answers_201_with_location_version_and_position(client, services):
    r = post(client, "/decisions", "p-finance-head", decision_body())
    decision = ok(r, 201)
    assert r.headers["location"] == f"/decisions/{decision['id']}"
    assert r.headers["etag"] == '"1"'
    assert decision["version"] == 1
    assert decision["position"] == positions(services)
    assert decision["title"] == "2027年市级财政预算草案"
    assert decision["matter_kind"] == "budget"
    assert decision["major"] is True
    assert decision["stage"] == "preparing"
    assert decision["initiated_by_unit"] == "u-finance"
    assert decision["initiated_by"] == "p-finance-head"
    assert decision["responsible_person"] == "p-finance-head"
    assert decision["procedures"] == []
    assert decision["missing_procedures"] == PROCEDURE_ORDER
    assert decision["meeting"] is None
    assert decision["positions"] is None
    assert decision["publication"] is None
    assert decision["documents"] == []

    got = client.get(r.headers["location"], headers=auth("p-vm-c"))
    assert ok(got) == decision
    assert got.headers["etag"] == '"1"'


def test_a_matter_that_is_not_major_is_decided_without_procedures_at_a_special_topic(client):
    """M9/M10 bind major matters only: an ordinary one may be decided at a special-topic
    meeting with no preparatory procedure."""
    decision = initiate(client, matter_kind="other", title="市政府机关食堂改造")
    assert decision["major"] is False
    history = events(client, "decisions", decision["id"])
    assert [e["type"] for e in history] == ["DecisionInitiated"]
    assert history[0]["rules"] == ["A1"]

    meeting = convene(client, "special_topic", by="p-vm-a", convener_id="p-vm-a")
    topic_id = propose(client, meeting["id"], decision["id"], proposed_by="p-vm-a")["topic_id"]
    ok(set_topic(client, meeting["id"], topic_id, by="p-vm-a"))  # M6: its convener sets it
    ok(open_meeting(client, meeting["id"], ["p-vm-a", "p-office-dir"], by="p-vm-a"))
    both = {"p-vm-a": "agree", "p-office-dir": "agree"}
    ok(decide(client, meeting["id"], topic_id, both, by="p-vm-a"))
    state = get(client, f"/decisions/{decision['id']}")
    assert state["stage"] == "decided"
    assert state["meeting"]["meeting_kind"] == "special_topic"
    assert state["positions"] == both


def test_initiation_by_the_head_of_an_unrelated_unit_is_refused_a1(client, services):
    before = log_head(services)
    r = post(client, "/decisions", "p-ecology-head", decision_body())
    assert_refused(client, services, r, 403, "A1", before)


def test_M9_a_budget_marked_not_major_is_refused(client, services):
    before = log_head(services)
    r = post(client, "/decisions", "p-finance-head", decision_body(major=False))
    assert_refused(client, services, r, 409, "M9", before)


def test_M9_another_matter_marked_major_is_major(client):
    decision = initiate(client, matter_kind="other", major=True, title="市区主干道改造")
    assert (decision["major"], decision["stage"]) == (True, "preparing")
    assert decision["missing_procedures"] == PROCEDURE_ORDER
    decision = initiate(client, matter_kind="commendation", title="表彰全市先进集体")
    assert decision["major"] is True


def test_initiation_with_an_unknown_unit_or_matter_kind_is_422(client, services):
    before = log_head(services)
    r = post(client, "/decisions", "p-finance-head", decision_body(initiated_by_unit="u-nowhere"))
    assert_problem(r, 422)
    r = post(client, "/decisions", "p-finance-head", decision_body(matter_kind="lottery"))
    assert_problem(r, 422)
    assert log_head(services) == before


# ----- the four procedures (M10) ---------------------------------------------------------------


def test_each_of_the_four_procedures_is_recorded_with_performer_conclusion_and_evidence(
    client, services
):
    decision = initiate(client)
    for done, procedure in enumerate(PROCEDURE_ORDER, start=1):
        r = record_procedure(client, decision["id"], procedure)
        state = ok(r)
        assert state["version"] == 1 + done
        assert r.headers["etag"] == f'"{1 + done}"'
        assert state["position"] == positions(services)
        assert [p["procedure"] for p in state["procedures"]] == PROCEDURE_ORDER[:done]
        assert state["missing_procedures"] == PROCEDURE_ORDER[done:]
        recorded = state["procedures"][-1]
        assert recorded["conclusion"] == f"{procedure}: 同意"
        assert recorded["evidence_refs"] == [f"{procedure}-报告-1"]
        assert recorded["waived_reason"] is None
        assert recorded["recorded_at"].startswith("2026-09-28T")
        if procedure == "legality_review":
            assert (recorded["performed_by"], recorded["recorded_by"]) == (
                "u-justice",
                "p-justice-head",
            )
        else:
            assert (recorded["performed_by"], recorded["recorded_by"]) == (
                "u-finance",
                "p-finance-head",
            )
        assert state["stage"] == ("ready" if done == 4 else "preparing")

    history = events(client, "decisions", decision["id"])
    assert [e["type"] for e in history] == ["DecisionInitiated"] + ["DecisionProcedureRecorded"] * 4
    assert all(e["rules"] == ["M10"] for e in history[1:])


def test_a_legality_review_performed_by_a_justice_bureau_person_counts(client):
    decision = initiate(client)
    state = ok(
        record_procedure(client, decision["id"], "legality_review", performed_by="p-justice-head")
    )
    assert state["procedures"][0]["performed_by"] == "p-justice-head"
    assert state["missing_procedures"] == PROCEDURE_ORDER[:3]


def waive(client, decision_id, procedure="public_participation", by="p-finance-head"):
    return record_procedure(
        client, decision_id, procedure, by=by, conclusion=None, evidence_refs=[],
        waived_reason="依法应当保密",
    )  # fmt: skip


def test_M10_a_waiver_counts_once_the_office_confirms_it(client, services):
    decision = ready_decision(client, procedures=PROCEDURE_ORDER[1:])
    assert decision["missing_procedures"] == ["public_participation"]
    state = ok(waive(client, decision["id"]))
    assert state["stage"] == "preparing"
    assert state["missing_procedures"] == ["public_participation"]
    waived = state["procedures"][0]
    assert (waived["waived_reason"], waived["waiver_confirmed_by"]) == ("依法应当保密", None)

    r = confirm_waiver(client, decision["id"], "public_participation")
    state = ok(r)
    assert state["stage"] == "ready"
    assert state["missing_procedures"] == []
    assert state["version"] == 6
    assert state["position"] == positions(services)
    confirmed = state["procedures"][0]
    assert confirmed["waiver_confirmed_by"] == "p-office-dir"
    assert confirmed["waiver_confirmed_at"].endswith("+08:00")
    (event,) = events(client, "decisions", decision["id"])[-1:]
    assert (event["type"], event["rules"], event["actor_office"]) == (
        "DecisionWaiverConfirmed", ["M10"], "office_director",
    )  # fmt: skip
    assert event["payload"]["procedure"] == "public_participation"


def test_M10_a_waiver_confirmed_by_the_initiating_unit_is_refused(client, services):
    decision = initiate(client)
    ok(waive(client, decision["id"]))
    before = log_head(services)
    r = confirm_waiver(client, decision["id"], "public_participation", by="p-finance-head")
    assert_refused(client, services, r, 403, "M10", before)
    r = confirm_waiver(client, decision["id"], "expert_review")  # nothing waived there
    assert_refused(client, services, r, 409, "M10", before)
    assert_problem(confirm_waiver(client, decision["id"], "lottery"), 422)
    assert log_head(services) == before


def test_M10_a_waiver_of_the_legality_review_is_refused(client, services):
    decision = initiate(client)
    before = log_head(services)
    r = waive(client, decision["id"], "legality_review", by="p-justice-head")
    assert_refused(client, services, r, 409, "M10", before)
    r = waive(client, decision["id"], "legality_review", by="p-finance-head")
    assert_refused(client, services, r, 403, "M10", before)
    assert get(client, f"/decisions/{decision['id']}")["procedures"] == []


def test_M10_a_legality_review_by_the_finance_bureau_is_refused(client, services):
    decision = initiate(client)
    before = log_head(services)
    r = record_procedure(
        client, decision["id"], "legality_review", by="p-finance-head", performed_by="u-finance"
    )
    assert_refused(client, services, r, 403, "M10", before)
    r = record_procedure(  # the justice bureau named, recorded by someone else
        client, decision["id"], "legality_review", by="p-office-dir", performed_by="u-justice"
    )
    assert_refused(client, services, r, 403, "M10", before)
    r = record_procedure(  # the justice bureau's head, another performer
        client, decision["id"], "legality_review", performed_by="u-finance"
    )
    assert_refused(client, services, r, 409, "M10", before)
    assert get(client, f"/decisions/{decision['id']}")["version"] == 1


def test_M10_a_legality_review_records_its_verdict(client, services):
    decision = initiate(client)
    before = log_head(services)
    r = record_procedure(client, decision["id"], "legality_review", passed=None)
    assert_refused(client, services, r, 409, "M10", before)
    r = record_procedure(client, decision["id"], "expert_review", passed=True)
    assert_problem(r, 422)  # a verdict is the legality review's alone
    assert log_head(services) == before


def test_M10_a_failed_legality_review_blocks_until_the_revised_draft_passes(client, services):
    decision = ready_decision(client, procedures=PROCEDURE_ORDER[:3])
    failed = ok(record_procedure(client, decision["id"], "legality_review", passed=False,
                                 conclusion="第五条与上位法相抵触"))  # fmt: skip
    assert failed["stage"] == "preparing"
    assert failed["missing_procedures"] == ["legality_review"]
    assert failed["procedures"][-1]["passed"] is False
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    before = log_head(services)
    body = assert_refused(client, services, decide(client, meeting["id"], topic_id), 409, "M10",
                          before)  # fmt: skip
    assert "legality_review did not pass" in body["detail"]

    passed = ok(record_procedure(client, decision["id"], "legality_review",
                                 conclusion="修订稿经审查合法"))  # fmt: skip
    assert passed["stage"] == "ready"
    ok(decide(client, meeting["id"], topic_id))
    state = get(client, f"/decisions/{decision['id']}")
    assert state["stage"] == "decided"
    reviews = [e["payload"]["passed"] for e in events(client, "decisions", decision["id"])
               if e["payload"].get("procedure") == "legality_review"]  # fmt: skip
    assert reviews == [False, True]  # the failed review stays in the history (A1)


def test_M10_deciding_with_an_unconfirmed_waiver_is_refused(client, services):
    decision = ready_decision(client, procedures=PROCEDURE_ORDER[1:])
    ok(waive(client, decision["id"]))
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    before = log_head(services)
    body = assert_refused(client, services, decide(client, meeting["id"], topic_id), 409, "M10",
                          before)  # fmt: skip
    assert "awaits the office's confirmation" in body["detail"]
    assert get(client, f"/meetings/{meeting['id']}")["topics"][0]["decided"] is None


def test_a_procedure_without_conclusion_or_evidence_is_refused_m10(client, services):
    decision = initiate(client)
    before = log_head(services)
    r = record_procedure(client, decision["id"], "expert_review", conclusion="  ")
    assert_refused(client, services, r, 409, "M10", before)
    r = record_procedure(client, decision["id"], "expert_review", evidence_refs=[])
    assert_refused(client, services, r, 409, "M10", before)


def test_M10_a_procedure_recorded_by_someone_unrelated_is_refused(client, services):
    decision = initiate(client)
    before = log_head(services)
    for by in ("p-ecology-head", "p-vm-a"):
        r = record_procedure(client, decision["id"], "expert_review", by=by)
        assert_refused(client, services, r, 403, "M10", before)
    r = record_procedure(  # a waiver has no performer: naming oneself does not help
        client, decision["id"], "expert_review", by="p-ecology-head", performed_by="u-ecology",
        conclusion=None, evidence_refs=[], waived_reason="不需要",
    )  # fmt: skip
    assert_refused(client, services, r, 403, "M10", before)


def test_M10_the_office_or_the_performing_unit_records_a_procedure(client):
    decision = initiate(client)
    by_office = ok(record_procedure(client, decision["id"], "expert_review", by="p-office-dir"))
    assert by_office["procedures"][0]["recorded_by"] == "p-office-dir"
    by_performer = ok(record_procedure(client, decision["id"], "risk_assessment",
                                       by="p-ecology-head", performed_by="u-ecology"))  # fmt: skip
    assert by_performer["procedures"][1]["recorded_by"] == "p-ecology-head"


def test_no_procedure_after_the_decision_was_taken(client, services):
    decision, _, _ = decided_at_executive(client, procedures=PROCEDURE_ORDER)
    before = log_head(services)
    r = record_procedure(client, decision["id"], "expert_review")
    assert_refused(client, services, r, 409, "M10", before)


# ----- the stages, the meeting and the positions -----------------------------------------------


def test_stages_preparing_ready_decided_published(client, services):
    decision = initiate(client)
    assert decision["stage"] == "preparing"
    decision = ready_decision(client)
    assert decision["stage"] == "ready"
    assert decision["missing_procedures"] == []

    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    positions_taken = {
        "p-mayor": "agree",
        "p-exec-vm": "agree",
        "p-vm-a": "dissent",
        "p-sg": "abstain",
    }
    ok(decide(client, meeting["id"], topic_id, positions_taken, {"p-vm-a": "增支过多"}))

    state = get(client, f"/decisions/{decision['id']}")
    assert state["stage"] == "decided"
    assert state["version"] == 7  # initiated, 4 procedures, linked to its topic, taken
    assert state["topics"] == [
        {"meeting_id": meeting["id"], "meeting_kind": "executive", "topic_id": topic_id}
    ]
    assert state["meeting"]["meeting_id"] == meeting["id"]
    assert state["meeting"]["meeting_kind"] == "executive"
    assert state["meeting"]["topic_id"] == topic_id
    assert state["meeting"]["text"] == "原则通过"
    assert state["meeting"]["dissent_notes"] == {"p-vm-a": "增支过多"}
    assert state["positions"] == positions_taken
    taken = events(client, "decisions", decision["id"])[-1]
    assert taken["type"] == "DecisionTaken"
    assert taken["actor_id"] == "p-mayor"
    assert set(taken["rules"]) >= {"M9", "M10", "M11", "A1"}

    r = post(
        client,
        f"/decisions/{decision['id']}/publication",
        "p-office-dir",
        {"interpretation_ref": "《2027年预算草案》政策解读"},
    )
    published = ok(r)
    assert published["stage"] == "published"
    assert published["status"] == "published"  # api.md: GET /decisions/{id} shows status
    assert published["version"] == 8
    assert published["position"] == positions(services)
    assert published["publication"]["published"] is True
    assert published["publication"]["interpretation_ref"] == "《2027年预算草案》政策解读"
    assert published["publication"]["by"] == "p-office-dir"
    assert published["publication"]["withheld_reason"] is None
    assert get(client, f"/decisions/{decision['id']}") == published


def test_a_decision_secret_by_law_is_withheld_with_its_reason(client):
    decision, _, _ = decided_at_executive(client)
    state = ok(
        post(
            client,
            f"/decisions/{decision['id']}/publication",
            "p-sg",
            {"withheld_reason": "涉及国家秘密，依法不予公开"},
        )
    )
    assert state["stage"] == "withheld"
    assert state["publication"]["published"] is False
    assert state["publication"]["withheld_reason"] == "涉及国家秘密，依法不予公开"


# ----- publication (M13) -----------------------------------------------------------------------


def test_publication_by_a_vice_mayor_is_refused_m13(client, services):
    decision, _, _ = decided_at_executive(client)
    before = log_head(services)
    r = post(
        client,
        f"/decisions/{decision['id']}/publication",
        "p-vm-a",
        {"interpretation_ref": "解读-1"},
    )
    assert_refused(client, services, r, 403, "M13", before)
    assert get(client, f"/decisions/{decision['id']}")["stage"] == "decided"


def test_publication_without_interpretation_is_refused_m13(client, services):
    decision, _, _ = decided_at_executive(client)
    before = log_head(services)
    r = post(client, f"/decisions/{decision['id']}/publication", "p-office-dir", {})
    assert_refused(client, services, r, 409, "M13", before)


def test_publication_before_the_decision_is_taken_is_refused_m13(client, services):
    decision = ready_decision(client)
    before = log_head(services)
    r = post(
        client,
        f"/decisions/{decision['id']}/publication",
        "p-office-dir",
        {"interpretation_ref": "解读-1"},
    )
    assert_refused(client, services, r, 409, "M13", before)


def test_publication_is_recorded_once(client, services):
    decision, _, _ = decided_at_executive(client)
    path = f"/decisions/{decision['id']}/publication"
    ok(post(client, path, "p-office-dir", {"interpretation_ref": "解读-1"}))
    before = log_head(services)
    r = post(client, path, "p-office-dir", {"interpretation_ref": "解读-2"})
    assert_refused(client, services, r, 409, "M13", before)


# ----- documents that carry a decision out (A1) ------------------------------------------------


def test_a_document_drafted_with_a_decision_id_is_linked_on_the_decision(client, services):
    decision, _, _ = decided_at_executive(client)
    version = get(client, f"/decisions/{decision['id']}")["version"]
    doc = draft_notice(client, decision_id=decision["id"], title="关于执行2027年预算的通知")
    assert doc["decision_id"] == decision["id"]

    state = get(client, f"/decisions/{decision['id']}")
    assert state["documents"] == [{"document_id": doc["id"], "doc_type": "notice"}]
    assert state["version"] == version + 1
    # Saved in the document's transaction: the link follows the draft in the log.
    linked = events(client, "decisions", decision["id"])[-1]
    assert linked["type"] == "DecisionDocumentLinked"
    assert linked["payload"]["document_id"] == doc["id"]
    (drafted,) = events(client, "documents", doc["id"])
    assert linked["position"] == drafted["position"] + 1 == positions(services)


def draft_body(decision_id: str) -> dict[str, object]:
    return {
        "doc_type": "notice", "title": "关于执行2027年预算的通知", "from_unit_id": "u-gov",
        "drafting_unit_id": "u-finance", "to": "u-finance", "matters": ["预算执行"],
        "decision_id": decision_id,
    }  # fmt: skip


def test_M9_a_document_carrying_out_a_major_decision_not_yet_decided_is_refused(client, services):
    for decision in (initiate(client), ready_decision(client)):
        before = log_head(services)
        r = post(client, "/documents", "p-office-dir", draft_body(decision["id"]))
        body = assert_refused(client, services, r, 409, "M9", before)
        assert "plenary or executive" in body["detail"]
        assert get(client, f"/decisions/{decision['id']}")["documents"] == []


def test_M9_a_document_carrying_out_a_matter_that_is_not_major_is_linked_at_once(client):
    decision = initiate(client, matter_kind="other", title="市政府机关食堂改造")
    doc = ok(post(client, "/documents", "p-office-dir", draft_body(decision["id"])), 201)
    state = get(client, f"/decisions/{decision['id']}")
    assert state["documents"] == [{"document_id": doc["id"], "doc_type": "notice"}]


def reviewed_normative_document(client) -> str:
    """A city normative document (行政规范性文件) drafted by the office, legality review passed."""
    reg = ok(post(client, "/regulations", "p-office-dir", {
        "kind": "city_normative", "title": "攀枝花市政务公开工作规定",
        "drafting_unit_id": "u-gov-office",
    }), 201)  # fmt: skip
    review = {"passed": True, "opinion": "符合上位法"}
    ok(post(client, f"/regulations/{reg['id']}/legality-review", "p-justice-head", review))
    return str(reg["id"])


def test_M9_a_regulation_adopted_to_carry_out_a_major_decision_follows_its_meeting(
    client, services
):
    """Adopted at the executive meeting (its topic on the regulation decided, G4) while the
    decision it carries out is not yet decided there: refused M9; once the meeting decided
    it, adopted and linked on the decision."""
    decision = ready_decision(client, matter_kind="normative_document")
    reg_id = reviewed_normative_document(client)
    meeting = convene(client)
    topic_id = propose(client, meeting["id"], decision["id"])["topic_id"]
    on_rule = propose(client, meeting["id"], None, title="审议规范性文件", regulation_id=reg_id)
    for topic in (topic_id, on_rule["topic_id"]):
        ok(set_topic(client, meeting["id"], topic))
    distribute_papers(client, meeting["id"])
    ok(open_meeting(client, meeting["id"], QUORUM))
    ok(decide(client, meeting["id"], on_rule["topic_id"]))
    adopt = {"meeting_id": meeting["id"], "decision_id": decision["id"]}
    before = log_head(services)
    r = post(client, f"/regulations/{reg_id}/adopt", "p-office-dir", adopt)
    body = assert_refused(client, services, r, 409, "M9", before)
    assert "ready" in body["detail"]
    assert get(client, f"/regulations/{reg_id}")["status"] == "drafting"

    ok(decide(client, meeting["id"], topic_id))
    adopted = ok(post(client, f"/regulations/{reg_id}/adopt", "p-office-dir", adopt))
    assert adopted["adoption"]["decision_id"] == decision["id"]
    state = get(client, f"/decisions/{decision['id']}")
    assert state["regulations"] == [{"regulation_id": reg_id}]
    linked = events(client, "decisions", decision["id"])[-1]
    assert (linked["type"], linked["rules"]) == ("DecisionRegulationLinked", ["A1", "M9"])


def test_a_document_with_an_unknown_decision_id_is_422(client, services):
    before = log_head(services)
    unknown = "00000000-0000-4000-8000-000000000000"
    r = client.post(
        "/documents",
        json={
            "doc_type": "notice",
            "title": "关于执行预算的通知",
            "from_unit_id": "u-gov",
            "drafting_unit_id": "u-finance",
            "to": "u-finance",
            "matters": ["预算执行"],
            "decision_id": unknown,
        },
        headers=auth("p-office-dir"),
    )
    assert_problem(r, 422)
    assert log_head(services) == before
    r = client.post(
        "/documents",
        json={
            "doc_type": "notice",
            "title": "关于执行预算的通知",
            "from_unit_id": "u-gov",
            "drafting_unit_id": "u-finance",
            "to": "u-finance",
            "matters": ["预算执行"],
            "decision_id": "not-a-uuid",
        },
        headers=auth("p-office-dir"),
    )
    assert_problem(r, 422)
    assert log_head(services) == before


# ----- reads: 404, ?version=, ?as_of=, /history ------------------------------------------------


def test_an_unknown_decision_is_404(client):
    r = client.get("/decisions/00000000-0000-4000-8000-000000000000", headers=auth("p-mayor"))
    assert_problem(r, 404)
    r = client.post(
        "/decisions/00000000-0000-4000-8000-000000000000/procedures",
        json=procedure_body("expert_review"),
        headers=auth("p-finance-head"),
    )
    assert_problem(r, 404)


def test_version_as_of_and_history_of_a_decision(client):
    decision = initiate(client)
    move_clock(client, "2026-09-29T10:00:00+08:00")
    for procedure in PROCEDURE_ORDER:
        ok(record_procedure(client, decision["id"], procedure))
    path = f"/decisions/{decision['id']}"

    first = client.get(path, params={"version": 1}, headers=auth("p-mayor"))
    assert first.headers["etag"] == '"1"'
    assert ok(first)["stage"] == "preparing"
    assert first.json()["procedures"] == []
    assert first.json()["position"] == decision["position"]
    third = get(client, path, version=3)
    assert [p["procedure"] for p in third["procedures"]] == PROCEDURE_ORDER[:2]
    assert_problem(client.get(path, params={"version": 9}, headers=auth("p-mayor")), 404)

    before = get(client, path, as_of="2026-09-28T18:00:00+08:00")
    assert (before["version"], before["stage"]) == (1, "preparing")
    after = get(client, path, as_of="2026-09-29T12:00:00+08:00")
    assert (after["version"], after["stage"]) == (5, "ready")
    r = client.get(path, params={"as_of": "2026-09-27T00:00:00+08:00"}, headers=auth("p-mayor"))
    assert_problem(r, 404)

    history = events(client, "decisions", decision["id"])
    assert [e["version"] for e in history] == [1, 2, 3, 4, 5]
    assert [e["type"] for e in history] == ["DecisionInitiated"] + ["DecisionProcedureRecorded"] * 4
    assert history[0]["position"] == decision["position"]
    assert history[0]["actor_id"] == "p-finance-head"
    assert history[0]["actor_office"] == "unit_head"
    assert set(history[0]["rules"]) == {"A1", "M9", "M10"}
    assert history[0]["payload"]["matter_kind"] == "budget"
    assert history[-1]["actor_id"] == "p-justice-head"
    assert history[-1]["payload"]["procedure"] == "legality_review"
    assert history[-1]["recorded_at"].startswith("2026-09-29T")
    assert all(len(e["hash"]) == 64 for e in history)
    assert [e["position"] for e in history] == sorted(e["position"] for e in history)
