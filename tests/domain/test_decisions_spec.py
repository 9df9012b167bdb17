"""Specs of the Decision aggregate (重大行政决策): M9, M10, M13 and A1, and the decision taken
through ``Meeting.decide`` (the meeting's TopicDecided and the decision's Taken, saved together:
both or neither).

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule (``tests/domain/spec.py``). The rule text of ``shared/domain/rules.md``
is the spec.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.decisions import MAJOR_MATTERS, PROCEDURES, Decision
from domain.meetings import Meeting
from tests.domain.spec import AT, PAST_META, Past, act, given, refused_on_creation, roster, when
from tests.support.past_events import (
    EXECUTIVE,
    TOPIC,
    convened,
    opened,
    papers_distributed,
    topic_proposed,
    topic_set,
)

PERFORMERS = {
    "public_participation": "u-finance",
    "expert_review": "u-finance",
    "risk_assessment": "u-finance",
    "legality_review": "u-justice",
}


# ----- past events of a decision -------------------------------------------------------------


def initiated(matter_kind: str = "budget", unit: str = "u-finance") -> Past:
    return (
        Decision.Created,
        {
            "title": "2027年市级预算草案",
            "matter_kind": matter_kind,
            "major": matter_kind in MAJOR_MATTERS,
            "initiated_by_unit": unit,
            "responsible_person": "p-finance-head",
            "meta": {**PAST_META, "actor_id": "p-finance-head"},
        },
    )


def procedure_recorded(procedure: str, waived_reason: str | None = None) -> Past:
    return (
        Decision.ProcedureRecorded,
        {
            "procedure": procedure,
            "conclusion": None if waived_reason else "同意",
            "performed_by": PERFORMERS[procedure],
            "evidence_refs": [] if waived_reason else [f"evidence:{procedure}"],
            "waived_reason": waived_reason,
            "meta": {**PAST_META, "actor_id": "p-finance-head"},
        },
    )


def all_procedures() -> list[Past]:
    return [procedure_recorded(p) for p in PROCEDURES]


def taken(meeting_kind: str = "executive") -> Past:
    return (
        Decision.Taken,
        {
            "meeting_id": "m-earlier",
            "meeting_kind": meeting_kind,
            "topic_id": "t-earlier",
            "text": "原则通过",
            "positions": dict.fromkeys(EXECUTIVE, "agree"),
            "dissent_notes": {},
            "meta": {**PAST_META, "actor_id": "p-mayor", "actor_office": "mayor"},
        },
    )


def ready_decision(matter_kind: str = "budget") -> Decision:
    """A decision with its four procedures recorded (M10), ready for the meeting."""
    return given(Decision, initiated(matter_kind), *all_procedures())


def taken_decision(*more: Past) -> Decision:
    return given(Decision, initiated(), *all_procedures(), taken(), *more)


# ----- a meeting deciding the decision's topic -----------------------------------------------


def meeting_for(decision: Decision, kind: str = "executive", *more: Past) -> Meeting:
    """A meeting open with everyone present, its topic carrying ``decision``."""
    if kind == "executive":
        convener, members, present = "p-mayor", EXECUTIVE, EXECUTIVE
    else:
        convener, members, present = "p-vm-a", [], ["p-vm-a", "p-vm-b", "p-sg"]
    return given(
        Meeting,
        convened(kind, convener),
        topic_proposed(decision_id=str(decision.id)),
        topic_set(),
        papers_distributed(),
        opened(members, present),
        *more,
    )


def decide_at(
    meeting: Meeting,
    decision: Decision,
    positions: dict[str, str] | None = None,
    dissent_notes: dict[str, str] | None = None,
    topic_id: str = TOPIC,
) -> Any:
    chair = meeting.convener_id
    present = meeting.opening.present if meeting.opening else []
    positions = positions or dict.fromkeys(present, "agree")
    return when(
        meeting,
        lambda m: m.decide(
            act(chair), roster(), topic_id, "原则通过", positions, dissent_notes, decision
        ),
    )


def pending(aggregate: Any) -> list[str]:
    return [type(e).__name__ for e in aggregate.pending_events]


# ----- A1 initiation -------------------------------------------------------------------------


def initiate(by: str = "p-finance-head", **fields: Any) -> Decision:
    values: dict[str, Any] = {
        "title": "2027年市级预算草案",
        "matter_kind": "budget",
        "initiated_by_unit": "u-finance",
        "responsible_person": "p-finance-head",
    }
    values.update(fields)
    return Decision.initiate(act(by), roster(), **values)


@pytest.mark.parametrize("matter_kind", MAJOR_MATTERS)
def test_A1_M9_initiation_of_a_major_matter_is_major(matter_kind: str) -> None:
    then = when(None, lambda _: initiate(matter_kind=matter_kind))

    (event,) = then.events("Created")
    assert event.matter_kind == matter_kind
    assert event.major is True
    assert event.initiated_by_unit == "u-finance"
    assert event.responsible_person == "p-finance-head"
    assert event.meta["actor_id"] == "p-finance-head"
    assert event.meta["actor_office"] == "unit_head"
    assert event.meta["actor_unit_id"] == "u-finance"
    assert event.meta["rules"] == ["A1", "M9", "M10"]
    assert then.aggregate.major is True
    assert then.aggregate.stage == "preparing"
    assert then.aggregate.missing_procedures() == list(PROCEDURES)


def test_A1_initiation_of_another_matter_is_not_major() -> None:
    then = when(None, lambda _: initiate(matter_kind="other"))

    (event,) = then.events("Created")
    assert event.major is False
    assert event.meta["rules"] == ["A1"]
    assert then.aggregate.major is False
    assert then.aggregate.initiated_by == "p-finance-head"


def test_all_six_major_matters_of_M9_are_major() -> None:
    assert set(MAJOR_MATTERS) == {
        "development_plan",
        "budget",
        "major_policy",
        "regulation_draft",
        "major_funds",
        "personnel",
    }


@pytest.mark.parametrize(
    ("by", "office"),
    [("p-office-dir", "office_director"), ("p-exec-vm", "executive_vice_mayor"),
     ("p-mayor", "mayor"), ("p-dsg", "deputy_secretary_general")],
)  # fmt: skip
def test_A1_initiation_by_a_leader_or_the_office_is_accepted(by: str, office: str) -> None:
    then = when(None, lambda _: initiate(by))

    (event,) = then.events("Created")
    assert event.meta["actor_id"] == by
    assert event.meta["actor_office"] == office
    assert then.aggregate.initiated_by == by


@pytest.mark.parametrize("by", ["p-ecology-head", "p-east-head", "p-investigator", "p-admin"])
def test_A1_initiation_by_someone_not_the_units_head_a_leader_or_the_office_is_refused(
    by: str,
) -> None:
    refused_on_creation(lambda: initiate(by), "A1", status=403)


# ----- M10 preparatory procedures ----------------------------------------------------------


def record(
    decision: Decision,
    procedure: str = "expert_review",
    by: str = "p-finance-head",
    **fields: Any,
) -> Any:
    values: dict[str, Any] = {
        "procedure": procedure,
        "performed_by": PERFORMERS[procedure],
        "conclusion": "论证可行",
        "evidence_refs": [f"evidence:{procedure}"],
        "waived_reason": None,
    }
    values.update(fields)
    return when(decision, lambda d: d.record_procedure(act(by), roster(), **values))


@pytest.mark.parametrize("procedure", PROCEDURES)
def test_M10_each_procedure_is_recorded_with_performer_conclusion_and_evidence(
    procedure: str,
) -> None:
    decision = given(Decision, initiated())

    then = record(decision, procedure)

    (event,) = then.events("ProcedureRecorded")
    assert event.procedure == procedure
    assert event.performed_by == PERFORMERS[procedure]
    assert event.conclusion == "论证可行"
    assert event.evidence_refs == [f"evidence:{procedure}"]
    assert event.waived_reason is None
    assert event.meta["rules"] == ["M10"]
    assert event.meta["actor_id"] == "p-finance-head"
    entry = then.aggregate.procedures[procedure]
    assert entry.performed_by == PERFORMERS[procedure]
    assert entry.conclusion == "论证可行"
    assert entry.evidence_refs == [f"evidence:{procedure}"]
    assert entry.recorded_by == "p-finance-head"
    assert entry.recorded_at == AT
    assert procedure not in then.aggregate.missing_procedures()


def test_M10_a_decision_with_all_four_procedures_is_ready() -> None:
    decision = given(Decision, initiated(), *all_procedures()[:3])
    assert decision.stage == "preparing"

    then = record(decision, "legality_review", by="p-justice-head")

    then.events("ProcedureRecorded")
    assert then.aggregate.missing_procedures() == []
    assert then.aggregate.stage == "ready"


@pytest.mark.parametrize("conclusion", [None, "", "   "])
def test_M10_a_procedure_without_a_conclusion_is_refused(conclusion: str | None) -> None:
    decision = given(Decision, initiated())

    then = record(decision, conclusion=conclusion)

    then.refused("M10")
    assert then.aggregate.procedures == {}


def test_M10_a_procedure_without_evidence_is_refused() -> None:
    decision = given(Decision, initiated())

    then = record(decision, evidence_refs=[])

    then.refused("M10")


def test_M10_a_procedure_waived_with_a_reason_is_accepted_without_a_conclusion() -> None:
    decision = given(Decision, initiated())

    then = record(
        decision, "public_participation", conclusion=None, evidence_refs=[],
        waived_reason="依法需要保密，不宜公开征求意见",
    )  # fmt: skip

    (event,) = then.events("ProcedureRecorded")
    assert event.conclusion is None
    assert event.waived_reason == "依法需要保密，不宜公开征求意见"
    assert then.aggregate.procedures["public_participation"].waived_reason
    assert "public_participation" not in then.aggregate.missing_procedures()


def test_M10_a_waiver_with_a_blank_reason_is_no_waiver() -> None:
    decision = given(Decision, initiated())

    then = record(decision, conclusion=None, evidence_refs=[], waived_reason="  ")

    then.refused("M10")


@pytest.mark.parametrize("performer", ["u-finance", "u-gov-office", "p-finance-head"])
def test_M10_legality_review_by_a_unit_that_is_not_the_justice_bureau_is_refused(
    performer: str,
) -> None:
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", performed_by=performer)

    then.refused("M10")


@pytest.mark.parametrize(("performer", "by"), [("u-justice", "p-finance-head"),
                                               ("p-justice-head", "p-justice-head")])  # fmt: skip
def test_M10_legality_review_by_the_justice_bureau_is_accepted(performer: str, by: str) -> None:
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", by=by, performed_by=performer)

    (event,) = then.events("ProcedureRecorded")
    assert event.performed_by == performer
    assert event.meta["actor_id"] == by


def test_M10_a_procedure_recorded_by_an_unrelated_unit_head_is_refused() -> None:
    decision = given(Decision, initiated())

    then = record(decision, by="p-housing-head")

    then.refused("M10", status=403)


def test_M10_recording_a_procedure_after_the_decision_was_taken_is_refused() -> None:
    decision = taken_decision()

    then = record(decision, "risk_assessment", conclusion="风险可控")

    then.refused("M10")


# ----- M9 / M10 through Meeting.decide ------------------------------------------------------


def test_M10_a_major_decision_missing_a_procedure_is_refused_and_nothing_is_pending() -> None:
    decision = given(Decision, initiated(), *all_procedures()[:3])  # no legality review
    meeting = meeting_for(decision)

    then = decide_at(meeting, decision)

    refusal = then.refused("M10")  # nothing pending on the meeting
    assert "legality_review" in refusal.detail
    assert pending(decision) == []
    assert decision.taken is None


def test_M9_a_major_matter_decided_at_a_special_topic_meeting_is_refused() -> None:
    decision = ready_decision()
    meeting = meeting_for(decision, "special_topic")

    then = decide_at(meeting, decision)

    then.refused("M9")  # nothing pending on the meeting
    assert pending(decision) == []
    assert decision.taken is None


def test_M9_a_matter_that_is_not_major_may_be_decided_at_a_special_topic_meeting() -> None:
    decision = given(Decision, initiated("other"))
    meeting = meeting_for(decision, "special_topic")

    then = decide_at(meeting, decision)

    (decided,) = then.events("TopicDecided")
    assert decided.decision_id == str(decision.id)
    (event,) = decision.collect_events()
    assert type(event).__name__ == "Taken"
    assert event.meeting_kind == "special_topic"
    assert event.meta["rules"] == ["M11", "A1"]


def test_M9_M10_M11_a_major_matter_decided_at_an_executive_meeting_is_accepted() -> None:
    decision = ready_decision()
    meeting = meeting_for(decision)
    positions = {**dict.fromkeys(EXECUTIVE, "agree"), "p-vm-c": "dissent"}
    notes = {"p-vm-c": "建议压缩一般性支出"}

    then = decide_at(meeting, decision, positions, notes)

    (decided,) = then.events("TopicDecided")
    assert decided.topic_id == TOPIC
    assert decided.decision_id == str(decision.id)
    assert decided.positions == positions
    assert decided.dissent_notes == notes
    (event,) = decision.collect_events()
    assert type(event).__name__ == "Taken"
    assert event.meeting_id == str(meeting.id)
    assert event.meeting_kind == "executive"
    assert event.topic_id == TOPIC
    assert event.text == "原则通过"
    assert event.positions == positions
    assert event.dissent_notes == notes
    assert event.meta["rules"] == ["M9", "M10", "M11", "A1"]
    assert decision.stage == "decided"
    assert decision.taken.positions["p-vm-c"] == "dissent"
    assert decision.taken.dissent_notes == notes


def test_M9_M11_deciding_the_same_topic_twice_is_refused() -> None:
    decision = ready_decision()
    meeting = meeting_for(decision)
    first = decide_at(meeting, decision)
    first.events("TopicDecided")
    decision.collect_events()

    then = decide_at(meeting, decision)

    then.refused("M11")  # the topic was already decided: nothing pending on the meeting
    assert pending(decision) == []


def test_M9_a_decision_taken_at_one_topic_is_not_taken_again_at_another() -> None:
    decision = taken_decision()
    meeting = meeting_for(decision)

    then = decide_at(meeting, decision)

    then.refused("M9")  # nothing pending on the meeting
    assert pending(decision) == []
    assert decision.taken.meeting_id == "m-earlier"


def test_M9_a_decision_is_taken_only_once() -> None:
    decision = taken_decision()

    then = when(
        decision,
        lambda d: d.take(
            act("p-mayor"), None, meeting_id="m-2", meeting_kind="executive", topic_id="t-2",
            text="再次通过", positions={"p-mayor": "agree"}, dissent_notes={},
        ),
    )  # fmt: skip

    then.refused("M9")


# ----- M13 publication ----------------------------------------------------------------------


def publish(
    decision: Decision,
    by: str = "p-office-dir",
    interpretation_ref: str | None = "interp:2027-budget",
    withheld_reason: str | None = None,
) -> Any:
    return when(decision, lambda d: d.publish(act(by), interpretation_ref, withheld_reason))


def test_M13_a_decision_is_published_with_its_interpretation() -> None:
    then = publish(taken_decision())

    (event,) = then.events("Published")
    assert event.interpretation_ref == "interp:2027-budget"
    assert event.withheld_reason is None
    assert event.meta["rules"] == ["M13"]
    assert event.meta["actor_office"] == "office_director"
    assert then.aggregate.publication.published is True
    assert then.aggregate.publication.by == "p-office-dir"
    assert then.aggregate.stage == "published"


def test_M13_publishing_before_the_decision_is_taken_is_refused() -> None:
    then = publish(ready_decision())

    then.refused("M13")
    assert then.aggregate.publication is None


@pytest.mark.parametrize("interpretation_ref", [None, "", "  "])
def test_M13_publishing_without_the_policy_interpretation_is_refused(
    interpretation_ref: str | None,
) -> None:
    then = publish(taken_decision(), interpretation_ref=interpretation_ref)

    then.refused("M13")


def test_M13_a_decision_withheld_with_a_reason_is_recorded_unpublished() -> None:
    then = publish(taken_decision(), interpretation_ref=None, withheld_reason="涉及国家秘密")

    (event,) = then.events("Published")
    assert event.withheld_reason == "涉及国家秘密"
    assert then.aggregate.publication.published is False
    assert then.aggregate.publication.withheld_reason == "涉及国家秘密"
    assert then.aggregate.stage == "withheld"


@pytest.mark.parametrize("by", ["p-finance-head", "p-vm-a", "p-mayor"])
def test_M13_publication_by_someone_outside_the_office_is_refused(by: str) -> None:
    then = publish(taken_decision(), by=by)

    then.refused("M13", status=403)


def test_M13_publication_is_recorded_once() -> None:
    decision = taken_decision()
    publish(decision).events("Published")

    then = publish(decision)

    then.refused("M13")


# ----- A1 accountability trace ----------------------------------------------------------------


def test_A1_a_document_carrying_out_the_decision_is_linked() -> None:
    decision = taken_decision()

    then = when(decision, lambda d: d.link_document(act("p-office-dir"), "doc-1", "notice"))

    (event,) = then.events("DocumentLinked")
    assert event.document_id == "doc-1"
    assert event.doc_type == "notice"
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["rules"] == ["A1"]
    assert then.aggregate.documents == [{"document_id": "doc-1", "doc_type": "notice"}]

    second = when(then.aggregate, lambda d: d.link_document(act("p-office-dir"), "doc-2", "order"))

    second.events("DocumentLinked")
    assert [d["document_id"] for d in second.aggregate.documents] == ["doc-1", "doc-2"]


def test_A1_a_linked_document_records_the_office_its_actor_held() -> None:
    """A1: every step records "the office each person held at that moment"."""
    decision = taken_decision()

    then = when(decision, lambda d: d.link_document(act("p-office-dir"), "doc-1", "notice"))

    (event,) = then.events("DocumentLinked")
    assert event.meta["actor_office"] == "office_director"
    assert event.meta["actor_unit_id"] == "u-gov-office"


def test_A1_the_taken_event_records_the_actor_and_the_office_held() -> None:
    decision = ready_decision()
    meeting = meeting_for(decision)

    decide_at(meeting, decision).events("TopicDecided")

    (event,) = decision.collect_events()
    assert event.meta["actor_id"] == "p-mayor"
    assert event.meta["actor_office"] == "mayor"
    assert event.meta["acting_for"] is None
    assert "A1" in event.meta["rules"]


def test_A1_P2_the_taken_event_records_the_acting_mayor_and_the_mayor_acted_for() -> None:
    decision = ready_decision()
    present = EXECUTIVE[1:]
    meeting = given(
        Meeting,
        convened("executive", "p-mayor"),
        topic_proposed(decision_id=str(decision.id)),
        topic_set(),
        papers_distributed(),
        opened(EXECUTIVE, present),
    )

    then = when(
        meeting,
        lambda m: m.decide(
            act("p-exec-vm", absent=("p-mayor",)), roster(), TOPIC, "原则通过",
            dict.fromkeys(present, "agree"), None, decision,
        ),
    )  # fmt: skip

    then.events("TopicDecided")
    (event,) = decision.collect_events()
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["actor_office"] == "executive_vice_mayor"
    assert event.meta["acting_for"] == "p-mayor"
