"""Specs of the Decision aggregate (重大行政决策): M9, M10, M13 and A1, and the decision taken
through ``Meeting.decide`` (the meeting's TopicDecided and the decision's Taken, saved together:
both or neither); M9 downstream: a document or regulation carrying out a major decision follows
the meeting that decided it.

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule (``tests/domain/spec.py``). The rule text of ``shared/domain/rules.md``
is the spec.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.decisions import MAJOR_MATTERS, PROCEDURES, Decision
from domain.meetings import Meeting
from domain.roster import InvalidReference
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
# Who records each by default: the initiating unit; the legality review, the justice bureau.
RECORDERS = {
    p: "p-justice-head" if p == "legality_review" else "p-finance-head" for p in PROCEDURES
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


def procedure_recorded(
    procedure: str, waived_reason: str | None = None, passed: bool | None = None
) -> Past:
    if procedure == "legality_review" and passed is None:
        passed = True
    return (
        Decision.ProcedureRecorded,
        {
            "procedure": procedure,
            "conclusion": None if waived_reason else "同意",
            "performed_by": PERFORMERS[procedure],
            "evidence_refs": [] if waived_reason else [f"evidence:{procedure}"],
            "waived_reason": waived_reason,
            "passed": passed,
            "meta": {**PAST_META, "actor_id": RECORDERS[procedure]},
        },
    )


def waiver_confirmed(procedure: str) -> Past:
    return (
        Decision.WaiverConfirmed,
        {"procedure": procedure, "meta": {**PAST_META, "actor_id": "p-office-dir"}},
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


def test_M9_the_major_matters_are_the_kinds_of_articles_28_and_42() -> None:
    assert set(MAJOR_MATTERS) == {
        "development_plan",  # 全市经济和社会发展规划 (28)
        "budget",  # 财政预算 (28), 政府预决算草案 (42)
        "major_plan",  # 重大规划 (28), 重要规划 (42)
        "major_policy",  # 经济调节和改革开放的重大政策措施 (28)
        "important_affairs",  # 政府和社会管理重要事务 (28)
        "regulation_draft",  # 地方性法规议案和政府规章 (28)
        "normative_document",  # 行政规范性文件 (42)
        "major_funds",  # 重大资金安排 (28), 重大项目资金安排 (42)
        "public_interest",  # 涉及重大公共利益或可能产生广泛社会影响的事项 (42)
        "cross_division",  # 跨副市长分工且需全面协调的事项 (42)
        "personnel",  # 人事任免 (42)
        "commendation",  # 表扬（表彰）奖励、命名 (42)
    }


@pytest.mark.parametrize("matter_kind", MAJOR_MATTERS)
def test_M9_a_matter_of_a_major_kind_marked_not_major_is_refused(matter_kind: str) -> None:
    """The kind decides (arts. 7, 28, 42), not the initiator: a budget marked not major is
    refused, so the initiator learns it at once rather than at the meeting."""
    refused_on_creation(lambda: initiate(matter_kind=matter_kind, major=False), "M9")


@pytest.mark.parametrize("declared", [True, None])
def test_M9_a_matter_of_a_major_kind_marked_major_or_unmarked_is_major(
    declared: bool | None,
) -> None:
    then = when(None, lambda _: initiate(matter_kind="budget", major=declared))

    assert then.events("Created")[0].major is True
    assert then.aggregate.stage == "preparing"


def test_M9_another_matter_the_initiator_marks_major_is_major() -> None:
    """Art. 42: "讨论决定市政府工作其他重要事项" — a matter of no listed kind may be major."""
    then = when(None, lambda _: initiate(matter_kind="other", major=True))

    (event,) = then.events("Created")
    assert event.major is True
    assert event.meta["rules"] == ["A1", "M9", "M10"]
    assert then.aggregate.missing_procedures() == list(PROCEDURES)


def test_M9_another_matter_marked_not_major_is_not_major() -> None:
    then = when(None, lambda _: initiate(matter_kind="other", major=False))

    assert then.events("Created")[0].major is False
    assert then.aggregate.stage == "ready"


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
    by: str | None = None,
    **fields: Any,
) -> Any:
    values: dict[str, Any] = {
        "procedure": procedure,
        "performed_by": PERFORMERS[procedure],
        "conclusion": "论证可行",
        "evidence_refs": [f"evidence:{procedure}"],
        "waived_reason": None,
        "passed": True if procedure == "legality_review" else None,
    }
    values.update(fields)
    actor = act(by or RECORDERS[procedure])
    return when(decision, lambda d: d.record_procedure(actor, roster(), **values))


def waive(decision: Decision, procedure: str = "public_participation", **fields: Any) -> Any:
    values: dict[str, Any] = {"conclusion": None, "evidence_refs": [], "passed": None,
                              "waived_reason": "依法需要保密，不宜公开征求意见"}  # fmt: skip
    values.update(fields)
    return record(decision, procedure, **values)


def confirm(
    decision: Decision, procedure: str = "public_participation", by: str = "p-office-dir"
) -> Any:
    return when(decision, lambda d: d.confirm_waiver(act(by), procedure))


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
    assert event.meta["actor_id"] == RECORDERS[procedure]
    assert event.passed is (True if procedure == "legality_review" else None)
    entry = then.aggregate.procedures[procedure]
    assert entry.performed_by == PERFORMERS[procedure]
    assert entry.conclusion == "论证可行"
    assert entry.evidence_refs == [f"evidence:{procedure}"]
    assert entry.recorded_by == RECORDERS[procedure]
    assert entry.recorded_at == AT
    assert procedure not in then.aggregate.missing_procedures()


def test_M10_a_decision_with_all_four_procedures_is_ready() -> None:
    decision = given(Decision, initiated(), *all_procedures()[:3])
    assert decision.stage == "preparing"

    then = record(decision, "legality_review")

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


@pytest.mark.parametrize("procedure", PROCEDURES[:3])
def test_M10_a_waiver_with_a_reason_is_recorded_but_does_not_count_until_confirmed(
    procedure: str,
) -> None:
    decision = given(Decision, initiated(), *[procedure_recorded(p) for p in PROCEDURES
                                              if p != procedure])  # fmt: skip

    then = waive(decision, procedure)

    (event,) = then.events("ProcedureRecorded")
    assert event.conclusion is None
    assert event.waived_reason == "依法需要保密，不宜公开征求意见"
    assert event.passed is None
    entry = then.aggregate.procedures[procedure]
    assert (entry.waived_reason, entry.waiver_confirmed_by) == (event.waived_reason, None)
    assert then.aggregate.missing_procedures() == [procedure]
    assert then.aggregate.stage == "preparing"


def test_M10_a_waiver_counts_once_the_government_office_confirms_it() -> None:
    decision = given(
        Decision, initiated(), *all_procedures()[1:],
        procedure_recorded("public_participation", waived_reason="依法需要保密"),
    )  # fmt: skip

    then = confirm(decision)

    (event,) = then.events("WaiverConfirmed")
    assert event.procedure == "public_participation"
    assert event.meta["rules"] == ["M10"]
    assert (event.meta["actor_id"], event.meta["actor_office"]) == ("p-office-dir",
                                                                    "office_director")  # fmt: skip
    entry = then.aggregate.procedures["public_participation"]
    assert entry.waived_reason == "依法需要保密"
    assert (entry.waiver_confirmed_by, entry.waiver_confirmed_at) == ("p-office-dir", AT)
    assert then.aggregate.missing_procedures() == []
    assert then.aggregate.stage == "ready"


@pytest.mark.parametrize("by", ["p-sg", "p-dsg"])
def test_M10_the_secretary_general_and_deputy_confirm_for_the_office(by: str) -> None:
    decision = given(Decision, initiated(), procedure_recorded("expert_review", "依法需要保密"))

    then = confirm(decision, "expert_review", by=by)

    assert then.events("WaiverConfirmed")[0].meta["actor_id"] == by
    assert "expert_review" not in then.aggregate.missing_procedures()


@pytest.mark.parametrize("by", ["p-finance-head", "p-justice-head", "p-mayor", "p-exec-vm"])
def test_M10_a_waiver_confirmed_by_someone_outside_the_office_is_refused(by: str) -> None:
    decision = given(Decision, initiated(), procedure_recorded("expert_review", "依法需要保密"))

    then = confirm(decision, "expert_review", by=by)

    then.refused("M10", status=403)
    assert then.aggregate.procedures["expert_review"].waiver_confirmed_by is None


@pytest.mark.parametrize(
    "past", [[], [procedure_recorded("expert_review")]], ids=["not recorded", "done"]
)
def test_M10_confirming_a_waiver_of_a_procedure_not_waived_is_refused(past: list[Past]) -> None:
    decision = given(Decision, initiated(), *past)

    then = confirm(decision, "expert_review")

    then.refused("M10")


def test_M10_a_waiver_is_confirmed_once() -> None:
    decision = given(Decision, initiated(), procedure_recorded("expert_review", "依法需要保密"),
                     waiver_confirmed("expert_review"))  # fmt: skip

    then = confirm(decision, "expert_review")

    then.refused("M10")


def test_M10_a_waiver_recorded_again_needs_the_office_again() -> None:
    """A new waiver (another reason) replaces the confirmed one: the office confirms anew."""
    decision = given(Decision, initiated(), *all_procedures()[1:],
                     procedure_recorded("public_participation", "依法需要保密"),
                     waiver_confirmed("public_participation"))  # fmt: skip
    assert decision.stage == "ready"

    then = waive(decision, waived_reason="涉及国家秘密")

    then.events("ProcedureRecorded")
    assert then.aggregate.procedures["public_participation"].waiver_confirmed_by is None
    assert then.aggregate.missing_procedures() == ["public_participation"]
    assert then.aggregate.stage == "preparing"


def test_M10_a_procedure_done_after_its_waiver_counts_without_confirmation() -> None:
    decision = given(Decision, initiated(), procedure_recorded("expert_review", "依法需要保密"))

    then = record(decision, "expert_review")

    then.events("ProcedureRecorded")
    entry = then.aggregate.procedures["expert_review"]
    assert (entry.waived_reason, entry.conclusion) == (None, "论证可行")
    assert "expert_review" not in then.aggregate.missing_procedures()


def test_M10_a_waiver_with_a_blank_reason_is_no_waiver() -> None:
    decision = given(Decision, initiated())

    then = record(decision, conclusion=None, evidence_refs=[], waived_reason="  ")

    then.refused("M10")


# ----- M10 the legality review: the justice bureau's, never waived, blocking when failed -----


@pytest.mark.parametrize("by", ["p-justice-head", "p-finance-head", "p-office-dir"])
def test_M10_a_waiver_of_the_legality_review_is_refused(by: str) -> None:
    """Never waived: by the justice bureau 409; by anyone else 403 (they do not record it)."""
    decision = given(Decision, initiated())

    then = waive(decision, "legality_review", by=by, waived_reason="时间紧迫")

    then.refused("M10", status=409 if by == "p-justice-head" else 403)
    assert then.aggregate.procedures == {}


@pytest.mark.parametrize("performer", ["u-finance", "u-gov-office", "p-finance-head"])
def test_M10_legality_review_by_a_unit_that_is_not_the_justice_bureau_is_refused(
    performer: str,
) -> None:
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", performed_by=performer)

    then.refused("M10")


@pytest.mark.parametrize("performer", ["u-justice", "p-justice-head"])
def test_M10_legality_review_recorded_by_the_justice_bureau_is_accepted(performer: str) -> None:
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", performed_by=performer)

    (event,) = then.events("ProcedureRecorded")
    assert event.performed_by == performer
    assert event.meta["actor_id"] == "p-justice-head"
    assert (event.meta["actor_office"], event.meta["actor_unit_id"]) == ("unit_head",
                                                                        "u-justice")  # fmt: skip


@pytest.mark.parametrize("by", ["p-finance-head", "p-office-dir", "p-sg", "p-mayor", "p-exec-vm"])
def test_M10_legality_review_recorded_by_anyone_but_the_justice_bureau_is_refused(
    by: str,
) -> None:
    """Even with the justice bureau named as performer: only it records its own review."""
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", by=by, performed_by="u-justice")

    then.refused("M10", status=403)
    assert then.aggregate.procedures == {}


def test_M10_a_legality_review_without_its_verdict_is_refused() -> None:
    decision = given(Decision, initiated())

    then = record(decision, "legality_review", passed=None)

    then.refused("M10")


def test_M10_a_verdict_is_the_legality_reviews_alone() -> None:
    decision = given(Decision, initiated())

    with pytest.raises(InvalidReference):  # 422
        record(decision, "expert_review", passed=True)
    assert decision.pending_events == []


def test_M10_a_failed_legality_review_is_recorded_and_does_not_count() -> None:
    decision = given(Decision, initiated(), *all_procedures()[:3])

    then = record(decision, "legality_review", passed=False, conclusion="第五条与上位法相抵触")

    (event,) = then.events("ProcedureRecorded")
    assert (event.passed, event.conclusion) == (False, "第五条与上位法相抵触")
    assert then.aggregate.procedures["legality_review"].passed is False
    assert then.aggregate.missing_procedures() == ["legality_review"]
    assert then.aggregate.stage == "preparing"


def test_M10_a_failed_review_recorded_after_a_passed_one_makes_the_decision_preparing() -> None:
    decision = ready_decision()

    then = record(decision, "legality_review", passed=False, conclusion="上位法已修改，须修订")

    then.events("ProcedureRecorded")
    assert then.aggregate.stage == "preparing"


def test_M10_a_passed_review_of_the_revised_draft_replaces_the_failed_one() -> None:
    """What a user expects: the justice bureau's no stops the decision; the unit revises the
    draft and asks again; a yes then lets it go to the meeting. The failed review stays in
    the decision's history (A1)."""
    decision = given(Decision, initiated(), *all_procedures()[:3],
                     procedure_recorded("legality_review", passed=False))  # fmt: skip

    then = record(decision, "legality_review", conclusion="修订稿经审查合法",
                  evidence_refs=["合法性审查意见书（修订稿）"])  # fmt: skip

    then.events("ProcedureRecorded")
    entry = then.aggregate.procedures["legality_review"]
    assert (entry.passed, entry.conclusion) == (True, "修订稿经审查合法")
    assert then.aggregate.missing_procedures() == []
    assert then.aggregate.stage == "ready"


# ----- M10 who records a procedure -----------------------------------------------------------


@pytest.mark.parametrize("by", ["p-finance-head", "p-office-dir", "p-sg", "p-dsg"])
def test_M10_the_initiating_unit_or_the_office_records_a_procedure_and_a_waiver(by: str) -> None:
    decision = given(Decision, initiated())

    done = record(decision, "expert_review", by=by)
    waived = waive(done.aggregate, "risk_assessment", by=by)

    assert done.events("ProcedureRecorded")[0].meta["actor_id"] == by
    assert waived.events("ProcedureRecorded")[0].meta["actor_id"] == by


def test_M10_the_unit_that_performed_a_procedure_records_it() -> None:
    decision = given(Decision, initiated())

    then = record(decision, "risk_assessment", by="p-housing-head", performed_by="u-housing")

    (event,) = then.events("ProcedureRecorded")
    assert (event.performed_by, event.meta["actor_unit_id"]) == ("u-housing", "u-housing")


@pytest.mark.parametrize("by", ["p-housing-head", "p-ecology-head", "p-mayor", "p-vm-a"])
def test_M10_a_procedure_recorded_by_someone_unrelated_is_refused(by: str) -> None:
    """Neither the initiating unit, the office nor the performer (here 市财政局)."""
    decision = given(Decision, initiated())

    then = record(decision, by=by)

    then.refused("M10", status=403)
    assert then.aggregate.procedures == {}


def test_M10_a_waiver_by_an_unrelated_unit_naming_itself_as_performer_is_refused() -> None:
    """A waiver has no performer: only the initiating unit or the office waives."""
    decision = given(Decision, initiated())

    then = waive(decision, "expert_review", by="p-housing-head", performed_by="u-housing")

    then.refused("M10", status=403)
    assert then.aggregate.procedures == {}


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


@pytest.mark.parametrize(
    ("past", "why"),
    [
        ([procedure_recorded("legality_review", passed=False)], "legality_review did not pass"),
        ([procedure_recorded("legality_review"),
          procedure_recorded("public_participation", "依法需要保密")],
         "the waiver of public_participation awaits the office's confirmation"),
    ],
    ids=["failed legality review", "unconfirmed waiver"],
)  # fmt: skip
def test_M10_deciding_with_a_procedure_that_does_not_count_is_refused(
    past: list[Past], why: str
) -> None:
    decision = given(Decision, initiated(), *all_procedures()[:3], *past)
    meeting = meeting_for(decision)

    then = decide_at(meeting, decision)

    refusal = then.refused("M10")  # nothing pending on the meeting
    assert why in refusal.detail
    assert pending(decision) == []
    assert decision.taken is None


def test_M10_a_confirmed_waiver_lets_the_decision_be_taken() -> None:
    decision = given(Decision, initiated(), *all_procedures()[1:],
                     procedure_recorded("public_participation", "依法需要保密"),
                     waiver_confirmed("public_participation"))  # fmt: skip
    meeting = meeting_for(decision)

    decide_at(meeting, decision).events("TopicDecided")

    assert decision.stage == "decided"


def test_M10_a_decision_taken_with_a_waiver_of_before_confirmations_misses_nothing() -> None:
    """Stored history: a waiver recorded when a reason was enough, the decision taken then."""
    waived = procedure_recorded("public_participation", "依法需要保密")
    decision = given(Decision, initiated(), *all_procedures()[1:], waived, taken())

    assert decision.stage == "decided"
    assert decision.missing_procedures() == []
    assert decision.procedures["public_participation"].waiver_confirmed_by is None


def test_M10_a_waiver_is_not_confirmed_after_the_decision_was_taken() -> None:
    decision = given(Decision, initiated(), procedure_recorded("expert_review", "依法需要保密"),
                     taken("executive"))  # fmt: skip

    then = confirm(decision, "expert_review")

    then.refused("M10")


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
    assert event.meta["rules"] == ["A1", "M9"]
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


# ----- M9 downstream: what carries out a major decision follows its meeting -------------------


def link(decision: Decision, what: str) -> Any:
    if what == "document":
        return when(decision, lambda d: d.link_document(act("p-office-dir"), "doc-1", "notice"))
    return when(decision, lambda d: d.link_regulation(act("p-office-dir"), "reg-1"))


@pytest.mark.parametrize("what", ["document", "regulation"])
@pytest.mark.parametrize(
    "past",
    [[], all_procedures(), [*all_procedures()[:3], procedure_recorded("legality_review",
                                                                      passed=False)]],
    ids=["preparing", "ready", "legality failed"],
)  # fmt: skip
def test_M9_carrying_out_a_major_decision_not_yet_decided_is_refused(
    what: str, past: list[Past]
) -> None:
    decision = given(Decision, initiated(), *past)

    then = link(decision, what)

    refusal = then.refused("M9")
    assert "plenary or executive" in refusal.detail
    assert (then.aggregate.documents, then.aggregate.regulations) == ([], [])


@pytest.mark.parametrize("what", ["document", "regulation"])
@pytest.mark.parametrize("kind", ["plenary", "executive"])
def test_M9_carrying_out_a_major_decision_taken_at_its_meeting_is_linked(
    what: str, kind: str
) -> None:
    decision = given(Decision, initiated(), *all_procedures(), taken(kind))

    then = link(decision, what)

    (event,) = then.events("DocumentLinked" if what == "document" else "RegulationLinked")
    assert event.meta["rules"] == ["A1", "M9"]


def test_M9_a_major_decision_recorded_taken_at_another_meeting_is_not_carried_out() -> None:
    """Only a history from before M9 was guarded could hold one; it is still not carried out."""
    decision = given(Decision, initiated(), *all_procedures(), taken("special_topic"))

    link(decision, "document").refused("M9")


@pytest.mark.parametrize("what", ["document", "regulation"])
def test_M9_a_matter_that_is_not_major_is_linked_before_it_is_decided(what: str) -> None:
    decision = given(Decision, initiated("other"))

    then = link(decision, what)

    (event,) = then.events("DocumentLinked" if what == "document" else "RegulationLinked")
    assert event.meta["rules"] == ["A1"]
