"""Specs of the OfficialDocument aggregate (公文), rules D1–D12 with P2/P3 at sign-off.

Given past events, when a command, then new events or a refusal naming the rule
(``tests/domain/spec.py``). The rule text of ``shared/domain/rules.md`` is the spec.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.base import SYSTEM, Act
from domain.calendar import WorkingDayCalendar
from domain.clock import SHANGHAI
from domain.documents import DocumentNumberSequence, OfficialDocument
from domain.roster import Roster
from tests.domain.spec import (
    AT,
    act,
    countersign_requested,
    countersigned,
    deemed,
    drafted,
    given,
    issued,
    numbered,
    outgoing,
    refused_on_creation,
    roster,
    signed_off,
    when,
)

CALENDAR = WorkingDayCalendar()
# D7 worked example: requested Mon 2026-09-28 → due 2026-10-14 00:00 +08:00.
D7_DUE = datetime(2026, 10, 13, 16, 0, tzinfo=UTC)
DOC_TYPES = (
    "decision",
    "order",
    "opinion",
    "notice",
    "circular",
    "report",
    "request",
    "reply",
    "motion",
    "letter",
    "minutes",
)


# ----- helpers ------------------------------------------------------------------------------


def roster_with(*changes: Callable[[Roster], None]) -> Roster:
    """A copy of the example roster changed by the system administrator; nothing pending."""
    r = roster()
    for change in changes:
        change(r)
    r.collect_events()
    return r


def act_on(r: Roster, person_id: str, at: datetime = AT, absent: tuple[str, ...] = ()) -> Act:
    """The act of a person holding their offices on roster ``r`` (a variant of the example)."""
    actor = r.actor(person_id, at.astimezone(SHANGHAI).date())
    assert actor is not None, f"{person_id} holds no office on this roster"
    return Act(actor, at, correlation_id="spec", absent=frozenset(absent))


def head_of(unit_id: str, kind: str, person_id: str, superior: str | None = None) -> Roster:
    """The example roster plus a unit of ``kind`` (added if new) headed by ``person_id``."""
    admin = act("p-admin")

    def change(r: Roster) -> None:
        if unit_id not in r.units:
            r.add_unit(admin, unit_id, unit_id, kind, superior_unit_id=superior)
        r.appoint(admin, person_id, person_id, "unit_head", date(2026, 1, 1), unit_id)

    return roster_with(change)


def draft(by: str = "p-finance-head", r: Roster | None = None, **fields: Any) -> OfficialDocument:
    """Drafts a document: by default a one-matter request of u-finance to the government."""
    r = r or roster()
    values: dict[str, Any] = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["专项资金"],
    }
    values.update(fields)
    return OfficialDocument.draft(act_on(r, by), r, **values)


def drafting(by: str = "p-finance-head", r: Roster | None = None, **fields: Any) -> Any:
    """The creating command as a ``when`` command."""
    return when(None, lambda _: draft(by, r, **fields))


def disagreement_summarised(at: datetime = AT) -> tuple[type, dict[str, Any]]:
    return (
        OfficialDocument.DisagreementSummarised,
        {"sides": "财政局：资金不足；生态局：项目紧迫", "proposal": "分两年安排", "timestamp": at},
    )


def review(
    doc: OfficialDocument, by: str = "p-office-dir", at: datetime = AT, **kwargs: Any
) -> Any:
    values: dict[str, Any] = {"conforming": True, "proposed_handling": "拟请分管副市长阅示"}
    values.update(kwargs)
    return when(doc, lambda d: d.review_incoming(act(by, at=at), roster(), **values))


def sign(doc: OfficialDocument, by: str, absent: tuple[str, ...] = ()) -> Any:
    return when(doc, lambda d: d.sign_off(act(by, absent=absent), roster(), "同意"))


# ----- D1 document types --------------------------------------------------------------------


def test_D1_unknown_document_type_is_refused() -> None:
    refused_on_creation(lambda: draft(doc_type="memo"), "D1")


@pytest.mark.parametrize("doc_type", DOC_TYPES)
def test_D1_each_document_type_is_accepted(doc_type: str) -> None:
    then = drafting(doc_type=doc_type)

    (event,) = then.events("Created")
    assert event.doc_type == doc_type
    assert event.direction == "incoming"
    assert event.meta["actor_id"] == "p-finance-head"
    assert event.meta["actor_office"] == "unit_head"
    assert event.meta["actor_unit_id"] == "u-finance"
    assert "D1" in event.meta["rules"]
    assert then.aggregate.status == "drafted"


def test_D1_outgoing_document_records_the_drafting_unit() -> None:
    then = drafting(
        by="p-office-dir", doc_type="notice", from_unit_id="u-gov", to="u-ecology",
        drafting_unit_id="u-ecology",
    )  # fmt: skip

    (event,) = then.events("Created")
    assert event.direction == "outgoing"
    assert event.drafting_unit_id == "u-ecology"
    assert event.meta["actor_office"] == "office_director"


# ----- D2 no skip-level submission ----------------------------------------------------------

SUB_UNIT = "u-east-district-health"
SUB_HEAD = "p-east-health-head"


def county_subunit_roster() -> Roster:
    """A department whose superior is a county (not the government), with its head."""
    return head_of(SUB_UNIT, "department", SUB_HEAD, superior="u-east-district")


def test_D2_skip_level_submission_without_emergency_is_refused() -> None:
    r = county_subunit_roster()
    refused_on_creation(lambda: draft(SUB_HEAD, r, from_unit_id=SUB_UNIT), "D2")


def test_D2_emergency_skip_level_submission_without_copying_the_bypassed_unit_is_refused() -> None:
    r = county_subunit_roster()
    refused_on_creation(lambda: draft(SUB_HEAD, r, from_unit_id=SUB_UNIT, emergency=True), "D2")


def test_D2_emergency_skip_level_submission_copying_the_bypassed_unit_is_accepted() -> None:
    r = county_subunit_roster()

    then = drafting(
        SUB_HEAD, r, from_unit_id=SUB_UNIT, emergency=True, cc_unit_ids=["u-east-district"]
    )

    (event,) = then.events("Created")
    assert event.emergency is True
    assert event.cc_unit_ids == ["u-east-district"]
    assert "D2" in event.meta["rules"]


def test_D2_naming_another_bypassed_unit_does_not_excuse_copying_the_real_superior() -> None:
    """The bypassed unit is the sender's superior (u-east-district): copying some other unit
    named as "bypassed" does not meet D2."""
    r = county_subunit_roster()
    refused_on_creation(
        lambda: draft(
            SUB_HEAD, r, from_unit_id=SUB_UNIT, emergency=True,
            bypassed_unit_id="u-housing", cc_unit_ids=["u-housing"],
        ),
        "D2",
    )  # fmt: skip


@pytest.mark.parametrize("approver", ["p-east-head", "p-vm-b"])
def test_D2_an_approved_skip_level_submission_records_who_approved(approver: str) -> None:
    """未经批准不得越级行文: with the approval of the skipped unit's head (or a city leader),
    it goes, and the approver is on record."""
    r = county_subunit_roster()

    (event,) = drafting(SUB_HEAD, r, from_unit_id=SUB_UNIT, skip_level_approved_by=approver).events(
        "Created"
    )

    assert (event.skip_level_approved_by, event.emergency) == (approver, False)
    assert "D2" in event.meta["rules"]


@pytest.mark.parametrize("approver", ["p-finance-head", "p-office-dir", SUB_HEAD])
def test_D2_an_approval_by_someone_who_cannot_give_it_is_refused(approver: str) -> None:
    r = county_subunit_roster()
    refused_on_creation(
        lambda: draft(SUB_HEAD, r, from_unit_id=SUB_UNIT, skip_level_approved_by=approver), "D2"
    )


def test_D2_an_approval_where_no_level_is_skipped_is_refused() -> None:
    refused_on_creation(lambda: draft(skip_level_approved_by="p-mayor"), "D2")


def test_D2_a_unit_directly_under_the_government_submits_without_emergency() -> None:
    then = drafting()

    (event,) = then.events("Created")
    assert event.emergency is False
    assert event.bypassed_unit_id is None
    assert "D2" in event.meta["rules"]


# ----- D3 one matter per request; no request inside a report --------------------------------


def test_D3_request_with_two_matters_is_refused() -> None:
    refused_on_creation(lambda: draft(matters=["专项资金", "人员编制"]), "D3")


def test_D3_request_with_no_matter_is_refused() -> None:
    refused_on_creation(lambda: draft(matters=[]), "D3")


def test_D3_report_carrying_a_request_is_refused() -> None:
    refused_on_creation(
        lambda: draft(doc_type="report", title="关于工作情况的报告", includes_request=True), "D3"
    )


def test_D3_request_with_one_matter_is_accepted() -> None:
    then = drafting(matters=["专项资金"])

    (event,) = then.events("Created")
    assert event.matters == ["专项资金"]
    assert "D3" in event.meta["rules"]


def test_D3_report_without_a_request_is_accepted() -> None:
    then = drafting(doc_type="report", matters=["一季度工作", "二季度工作"])

    (event,) = then.events("Created")
    assert event.includes_request is False
    assert "D3" in event.meta["rules"]


# ----- D4 who may not submit to the city government -----------------------------------------


@pytest.mark.parametrize(
    ("unit_id", "kind", "head"),
    [
        ("u-safety-committee", "coordination_body", "p-safety-head"),
        ("u-east-district-edu", "county_department", "p-east-edu-head"),
        ("u-finance-centre", "department_managed_body", "p-centre-head"),
    ],
)
def test_D4_unit_that_may_not_submit_to_the_government_is_refused(
    unit_id: str, kind: str, head: str
) -> None:
    superior = "u-east-district" if kind == "county_department" else None
    r = head_of(unit_id, kind, head, superior=superior)

    refused_on_creation(lambda: draft(head, r, from_unit_id=unit_id), "D4")


def test_D4_coordination_body_may_not_write_to_a_leader_personally_either() -> None:
    r = head_of("u-safety-committee", "coordination_body", "p-safety-head")
    refused_on_creation(
        lambda: draft(
            "p-safety-head", r, from_unit_id="u-safety-committee", to="p-exec-vm",
            direct_to_leader_reason="leader_assigned",
        ),
        "D4",
    )  # fmt: skip


def test_D4_department_of_the_government_submits() -> None:
    then = drafting()

    (event,) = then.events("Created")
    assert "D4" in event.meta["rules"]


# ----- D5 not to a leader personally --------------------------------------------------------


def test_D5_document_to_a_leader_personally_without_reason_is_refused() -> None:
    refused_on_creation(lambda: draft(to="p-exec-vm"), "D5")


def test_D5_document_to_a_leader_personally_with_unknown_reason_is_refused() -> None:
    refused_on_creation(lambda: draft(to="p-exec-vm", direct_to_leader_reason="urgent"), "D5")


def test_D5_document_to_a_leader_personally_with_reason_is_accepted() -> None:
    then = drafting(to="p-exec-vm", direct_to_leader_reason="leader_assigned")

    (event,) = then.events("Created")
    assert event.to == "p-exec-vm"
    assert event.direction == "incoming"
    assert event.direct_to_leader_reason == "leader_assigned"
    assert "D5" in event.meta["rules"]


def test_D5_secret_reason_on_an_unclassified_document_is_refused() -> None:
    refused_on_creation(lambda: draft(to="p-exec-vm", direct_to_leader_reason="secret"), "D5")


def test_D5_major_emergency_reason_without_emergency_is_refused() -> None:
    refused_on_creation(
        lambda: draft(to="p-exec-vm", direct_to_leader_reason="major_emergency"), "D5"
    )


def test_D5_major_emergency_reason_with_emergency_is_accepted() -> None:
    then = drafting(to="p-exec-vm", direct_to_leader_reason="major_emergency", emergency=True)

    (event,) = then.events("Created")
    assert event.direct_to_leader_reason == "major_emergency"
    assert event.emergency is True


# ----- D6 countersignature (会签) -------------------------------------------------------------


def test_D6_lead_unit_requests_countersign() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(
            act("p-finance-head"), roster(), CALENDAR, ["u-ecology", "u-housing"]
        ),
    )

    (event,) = then.events("CountersignRequested")
    assert event.unit_ids == ["u-ecology", "u-housing"]
    assert event.meta["rules"] == ["D6", "D7"]
    assert event.meta["actor_unit_id"] == "u-finance"
    assert set(then.aggregate.countersigns) == {"u-ecology", "u-housing"}


def test_D6_countersign_requested_by_someone_other_than_the_lead_unit_is_refused() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(act("p-ecology-head"), roster(), CALENDAR, ["u-housing"]),
    )

    then.refused("D6", status=403)


def test_D6_lead_unit_does_not_countersign_itself() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(act("p-finance-head"), roster(), CALENDAR, ["u-finance"]),
    )

    then.refused("D6")


def test_D6_countersign_by_the_head_of_the_asked_unit_is_accepted() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    then = when(doc, lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "agree", None))

    (event,) = then.events("Countersigned")
    assert event.unit_id == "u-ecology"
    assert event.opinion == "agree"
    assert event.meta["actor_id"] == "p-ecology-head"
    assert event.meta["actor_unit_id"] == "u-ecology"
    assert event.meta["rules"] == ["D6", "D7"]
    assert then.aggregate.countersigns["u-ecology"].status == "answered"


def test_D6_countersign_by_the_wrong_person_is_refused() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    then = when(doc, lambda d: d.countersign(act("p-housing-head"), "u-ecology", "agree", None))

    then.refused("D6", status=403)


def test_D6_countersign_by_a_unit_not_asked_is_refused() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    then = when(doc, lambda d: d.countersign(act("p-housing-head"), "u-housing", "agree", None))

    then.refused("D6")


def test_D6_countersigning_twice_is_refused() -> None:
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), countersigned("u-ecology")
    )

    then = when(doc, lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "agree", None))

    then.refused("D6")


@pytest.mark.parametrize("reasons", [None, "", "   "])
def test_D6_disagreement_without_reasons_is_refused(reasons: str | None) -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    then = when(
        doc, lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "disagree", reasons)
    )

    then.refused("D6")


def test_D6_disagreement_with_reasons_is_accepted() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    then = when(
        doc,
        lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "disagree", "项目未经环评"),
    )

    (event,) = then.events("Countersigned")
    assert event.opinion == "disagree"
    assert event.reasons == "项目未经环评"


def test_D6_review_is_refused_while_a_countersign_is_pending() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    review(doc).refused("D6")


def test_D6_sign_off_is_refused_while_a_countersign_is_pending() -> None:
    doc = given(OfficialDocument, outgoing(), countersign_requested("u-finance"))

    sign(doc, "p-vm-a").refused("D6")


def test_D6_review_goes_ahead_once_every_asked_unit_answered() -> None:
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), countersigned("u-ecology")
    )

    (event,) = review(doc).events("Routed")
    assert event.meta["rules"] == ["D6", "D8"]


def test_D6_disagreement_needs_the_lead_units_summary_before_it_goes_up() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        countersign_requested("u-ecology"),
        countersigned("u-ecology", "disagree", "项目未经环评"),
    )

    review(doc).refused("D6")


def test_D6_disagreement_needs_the_summary_before_sign_off() -> None:
    doc = given(
        OfficialDocument,
        outgoing(),
        countersign_requested("u-finance"),
        countersigned("u-finance", "disagree", "资金不足"),
    )

    sign(doc, "p-vm-a").refused("D6")


def test_D6_lead_unit_summarises_the_disagreement() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        countersign_requested("u-ecology"),
        countersigned("u-ecology", "disagree", "项目未经环评"),
    )

    then = when(
        doc,
        lambda d: d.summarise_disagreement(
            act("p-finance-head"), "财政局：资金已落实；生态局：未经环评", "先行环评再拨付"
        ),
    )

    (event,) = then.events("DisagreementSummarised")
    assert event.proposal == "先行环评再拨付"
    assert event.meta["actor_id"] == "p-finance-head"
    assert event.meta["rules"] == ["D6"]


def test_D6_summary_without_a_disagreement_is_refused() -> None:
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), countersigned("u-ecology")
    )

    then = when(doc, lambda d: d.summarise_disagreement(act("p-finance-head"), "无", "照办"))

    then.refused("D6")


def test_D6_summary_by_a_unit_other_than_the_lead_unit_is_refused() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        countersign_requested("u-ecology"),
        countersigned("u-ecology", "disagree", "项目未经环评"),
    )

    then = when(doc, lambda d: d.summarise_disagreement(act("p-ecology-head"), "各方", "建议"))

    then.refused("D6", status=403)


def test_D6_with_the_summary_the_disagreement_goes_up() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        countersign_requested("u-ecology"),
        countersigned("u-ecology", "disagree", "项目未经环评"),
        disagreement_summarised(),
    )

    (event,) = review(doc).events("Routed")
    assert event.routed_to == "p-exec-vm"


def test_D6_a_disagreement_after_the_summary_needs_a_new_summary() -> None:
    later = AT + timedelta(hours=2)
    doc = given(
        OfficialDocument,
        drafted(),
        countersign_requested("u-ecology", "u-housing"),
        countersigned("u-ecology", "disagree", "项目未经环评"),
        disagreement_summarised(at=AT + timedelta(hours=1)),
        (
            OfficialDocument.Countersigned,
            {"unit_id": "u-housing", "opinion": "disagree", "reasons": "用地未落实",
             "timestamp": later},
        ),
    )  # fmt: skip

    review(doc, at=later + timedelta(hours=1)).refused("D6")


# ----- D7 countersign limit (7 working days) ------------------------------------------------


def test_D7_default_due_is_seven_working_days_after_the_request() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(act("p-finance-head"), roster(), CALENDAR, ["u-ecology"]),
    )

    (event,) = then.events("CountersignRequested")
    assert event.due == D7_DUE
    assert event.due == datetime(2026, 10, 14, 0, 0, tzinfo=SHANGHAI)
    assert event.due_basis.startswith("D7")
    assert then.aggregate.countersigns["u-ecology"].due == D7_DUE


def test_D7_lead_unit_may_set_another_limit() -> None:
    limit = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(
            act("p-finance-head"), roster(), CALENDAR, ["u-ecology"], due=limit
        ),
    )

    (event,) = then.events("CountersignRequested")
    assert event.due == limit
    assert event.due_basis == "lead unit's limit"


def test_D7_lead_unit_limit_in_the_past_is_refused() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(
        doc,
        lambda d: d.request_countersign(
            act("p-finance-head"), roster(), CALENDAR, ["u-ecology"], due=AT - timedelta(days=1)
        ),
    )

    then.refused("D7")


def test_D7_countersign_just_before_the_due_time_is_accepted() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))
    just_before = D7_DUE - timedelta(minutes=1)

    then = when(
        doc,
        lambda d: d.countersign(act("p-ecology-head", at=just_before), "u-ecology", "agree", None),
    )

    (event,) = then.events("Countersigned")
    assert event.timestamp == just_before


def test_D7_an_opinion_after_the_limit_is_recorded_late_before_the_deemed_answer() -> None:
    """The limit passed, the system has not recorded it yet: the opinion is recorded, marked
    late; the unit's answer is still no objection, recorded when the ticker comes."""
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))
    late_at = D7_DUE + timedelta(hours=2)

    then = when(
        doc, lambda d: d.countersign(act("p-ecology-head", at=late_at), "u-ecology", "disagree",
                                     "资金来源不明"),
    )  # fmt: skip

    (event,) = then.events("Countersigned")
    assert (event.late, event.opinion) == (True, "disagree")
    asked = then.aggregate.countersigns["u-ecology"]
    assert (asked.status, asked.opinion) == ("pending", None)
    assert (asked.late.opinion, asked.late.by, asked.late.at) == ("disagree", "p-ecology-head",
                                                                   late_at)  # fmt: skip
    deemed = when(doc, lambda d: d.deem_no_objection(act("p-office-dir", at=late_at), "u-ecology",
                                                     D7_DUE))  # fmt: skip
    deemed.events("CountersignDeemedNoObjection")
    assert deemed.aggregate.countersigns["u-ecology"].status == "deemed"


def test_D7_an_opinion_after_the_deemed_answer_is_recorded_late_and_does_not_undo_it() -> None:
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), deemed("u-ecology")
    )
    late = act("p-ecology-head", at=D7_DUE + timedelta(days=1))

    then = when(doc, lambda d: d.countersign(late, "u-ecology", "agree", None))

    (event,) = then.events("Countersigned")
    assert event.late is True
    asked = then.aggregate.countersigns["u-ecology"]
    assert (asked.status, asked.opinion, asked.late.opinion) == ("deemed", "no_objection", "agree")
    again = when(then.aggregate, lambda d: d.countersign(late, "u-ecology", "agree", None))
    again.refused("D7")  # one late opinion per unit


def test_D7_an_answer_in_time_is_not_late() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))
    in_time = act("p-ecology-head", at=D7_DUE - timedelta(seconds=1))

    (event,) = when(doc, lambda d: d.countersign(in_time, "u-ecology", "agree", None)).events(
        "Countersigned"
    )

    assert event.late is False


def test_D7_unanswered_countersign_past_due_no_longer_blocks_review() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    (event,) = review(doc, at=D7_DUE + timedelta(hours=1)).events("Routed")
    assert event.routed_to == "p-exec-vm"


def test_D7_unanswered_countersign_past_due_no_longer_blocks_sign_off() -> None:
    doc = given(OfficialDocument, outgoing(), countersign_requested("u-finance"))

    then = when(
        doc,
        lambda d: d.sign_off(act("p-vm-a", at=D7_DUE), roster(), "同意"),
    )

    (event,) = then.events("SignedOff")
    assert event.meta["actor_id"] == "p-vm-a"


def extend(doc: OfficialDocument, by: str, due: datetime, at: datetime = AT) -> Any:
    return when(doc, lambda d: d.extend_countersign(act(by, at=at), "u-ecology", due))


def test_D7_the_lead_unit_records_the_limit_agreed_with_a_unit_and_the_due_time_moves() -> None:
    """特殊情况不能按期回复的，应主动与主办单位沟通并商定回复时限."""
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))
    agreed = D7_DUE + timedelta(days=5)

    then = extend(doc, "p-finance-head", agreed)

    (event,) = then.events("CountersignExtended")
    assert (event.unit_id, event.due, event.meta["rules"]) == ("u-ecology", agreed, ["D7"])
    asked = then.aggregate.countersigns["u-ecology"]
    assert (asked.due, asked.due_basis, asked.status) == (agreed, "agreed with the lead unit",
                                                          "pending")  # fmt: skip
    assert not asked.passed(D7_DUE)  # the old limit no longer counts


def test_D7_after_an_extension_the_old_limit_deems_nothing_and_the_agreed_one_does() -> None:
    agreed = D7_DUE + timedelta(days=5)
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"),
        (OfficialDocument.CountersignExtended, {"unit_id": "u-ecology", "due": agreed}),
    )  # fmt: skip

    assert not doc.deem_no_objection(Act(SYSTEM, D7_DUE, "tick"), "u-ecology", D7_DUE)
    assert doc.deem_no_objection(Act(SYSTEM, agreed, "tick"), "u-ecology", agreed)
    assert doc.countersigns["u-ecology"].status == "deemed"


def test_D7_an_extension_is_agreed_before_the_limit_passes() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    extend(doc, "p-finance-head", D7_DUE + timedelta(days=5), at=D7_DUE).refused("D7")


def test_D7_an_extension_after_the_deemed_answer_is_refused() -> None:
    doc = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), deemed("u-ecology")
    )

    extend(doc, "p-finance-head", D7_DUE + timedelta(days=5)).refused("D7")


def test_D7_an_agreed_limit_is_later_than_the_one_it_replaces() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    extend(doc, "p-finance-head", D7_DUE).refused("D7")


def test_D7_the_asked_unit_does_not_extend_its_own_limit_alone() -> None:
    doc = given(OfficialDocument, drafted(), countersign_requested("u-ecology"))

    extend(doc, "p-ecology-head", D7_DUE + timedelta(days=5)).refused("D7", status=403)


# ----- D8 review by the office --------------------------------------------------------------


def test_D8_only_office_staff_review() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, by="p-finance-head").refused("D8", status=403)


def test_D8_a_leader_who_is_not_office_staff_does_not_review() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, by="p-exec-vm").refused("D8", status=403)


def test_D8_returned_document_needs_reasons() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, conforming=False, proposed_handling=None).refused("D8")


def test_D8_return_reason_other_needs_a_text() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, conforming=False, return_reasons=["other"]).refused("D8")


def test_D8_non_conforming_document_is_returned_with_reasons() -> None:
    doc = given(OfficialDocument, drafted(doc_type="request", matters=["a", "b"]))

    then = review(doc, conforming=False, return_reasons=["multiple_matters"])

    (event,) = then.events("Returned")
    assert event.return_reasons == ["multiple_matters"]
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["rules"] == ["D8"]
    assert then.aggregate.status == "returned"


def test_D8_conforming_document_needs_a_proposed_handling() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, proposed_handling="  ").refused("D8")


@pytest.mark.parametrize(
    ("from_unit_id", "leader"),
    [("u-finance", "p-exec-vm"), ("u-ecology", "p-vm-a"), ("u-housing", "p-vm-b")],
)
def test_D8_conforming_document_goes_to_the_vice_mayor_in_charge(
    from_unit_id: str, leader: str
) -> None:
    doc = given(OfficialDocument, drafted(from_unit_id=from_unit_id))

    then = review(doc)

    (event,) = then.events("Routed")
    assert event.routed_to == leader
    assert event.proposed_handling == "拟请分管副市长阅示"
    assert then.aggregate.status == "routed"
    assert then.aggregate.review.routed_to == leader


def test_D8_document_may_be_routed_to_a_named_leader() -> None:
    doc = given(OfficialDocument, drafted())

    (event,) = review(doc, routed_to="p-mayor").events("Routed")
    assert event.routed_to == "p-mayor"


def test_D8_routing_to_someone_who_is_not_a_leader_is_refused() -> None:
    doc = given(OfficialDocument, drafted())

    review(doc, routed_to="p-ecology-head").refused("D8")


def test_D8_outgoing_documents_are_not_reviewed() -> None:
    doc = given(OfficialDocument, outgoing())

    review(doc).refused("D8")


def test_D8_a_second_review_is_refused() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        (OfficialDocument.Routed, {"proposed_handling": "拟办", "routed_to": "p-exec-vm"}),
    )

    review(doc).refused("D8")


def test_D8_a_returned_document_is_not_reviewed_again() -> None:
    doc = given(
        OfficialDocument,
        drafted(),
        (OfficialDocument.Returned, {"return_reasons": ["format"], "note": None}),
    )

    review(doc).refused("D8")


@pytest.mark.parametrize(
    "source",
    [{"from_unit_id": "u-province-gov"}, {"matter_kind": "budget"}],
    ids=["provincial-document", "major-matter"],
)
def test_D8_provincial_documents_and_major_matters_go_to_the_mayor(source: dict[str, Any]) -> None:
    """党中央国务院、省委省政府文件…以及涉及重大事项的来文，应及时报市长阅批."""
    doc = given(OfficialDocument, drafted(**source))

    (event,) = review(doc).events("Routed")
    assert event.routed_to == "p-mayor"
    review(doc, routed_to="p-exec-vm").refused("D8")


def test_D8_the_office_receives_a_provincial_document_a_department_does_not() -> None:
    fields = {
        "doc_type": "notice", "title": "四川省人民政府关于做好防汛工作的通知",
        "from_unit_id": "u-province-gov", "to": "government", "matters": ["防汛"],
    }  # fmt: skip

    (event,) = drafting(by="p-office-dir", **fields).events("Created")
    assert event.direction == "incoming"
    drafting(by="p-finance-head", **fields).refused("P1", status=403)


def test_D8_an_ordinary_matter_goes_to_the_vice_mayor_in_charge() -> None:
    doc = given(OfficialDocument, drafted(matter_kind="other"))

    assert review(doc).events("Routed")[0].routed_to == "p-exec-vm"


# ----- D8 the leader's instruction (批示) and the reply (批复) --------------------------------


def routed(to: str = "p-exec-vm") -> tuple[type, dict[str, Any]]:
    return (OfficialDocument.Routed, {"proposed_handling": "拟同意", "routed_to": to})


def instruct(doc: OfficialDocument, by: str, text: str = "同意", **kwargs: Any) -> Any:
    absent = kwargs.pop("absent", ())
    return when(doc, lambda d: d.instruct(act(by, absent=absent), roster(), text, **kwargs))


def test_D8_the_leader_it_was_routed_to_instructs() -> None:
    doc = given(OfficialDocument, drafted(), routed())

    then = instruct(doc, "p-exec-vm", "同意，请财政局按程序办理")

    (event,) = then.events("Instructed")
    assert (event.text, event.forwarded_to, event.meta["rules"]) == (
        "同意，请财政局按程序办理", None, ["D8"])  # fmt: skip
    assert then.aggregate.status == "instructed"
    assert then.aggregate.instructions[0].by == "p-exec-vm"


@pytest.mark.parametrize("person", ["p-mayor", "p-vm-a", "p-office-dir", "p-finance-head"])
def test_D8_a_leader_it_was_not_routed_to_does_not_instruct(person: str) -> None:
    doc = given(OfficialDocument, drafted(), routed())

    instruct(doc, person).refused("D8", status=403)


def test_D8_an_unrouted_document_gets_no_instruction() -> None:
    instruct(given(OfficialDocument, drafted()), "p-exec-vm").refused("D8")


def test_D8_an_instruction_has_a_text() -> None:
    instruct(given(OfficialDocument, drafted(), routed()), "p-exec-vm", " ").refused("D8")


def test_D8_forwarded_to_another_leader_who_then_instructs() -> None:
    """根据需要由市政府领导同志转请市政府其他领导同志核批."""
    doc = given(OfficialDocument, drafted(), routed())

    first = instruct(doc, "p-exec-vm", "请张副市长核批", forwarded_to="p-vm-a")
    assert first.aggregate.status == "routed"
    instruct(first.aggregate, "p-exec-vm").refused("D8", status=403)
    second = instruct(first.aggregate, "p-vm-a", "同意")
    assert second.aggregate.status == "instructed"
    assert [i.by for i in second.aggregate.instructions] == ["p-exec-vm", "p-vm-a"]


def test_D8_P2_the_acting_mayor_instructs_for_the_absent_mayor() -> None:
    def doc() -> OfficialDocument:
        return given(OfficialDocument, drafted(from_unit_id="u-province-gov"), routed("p-mayor"))

    (event,) = instruct(doc(), "p-exec-vm", absent=("p-mayor",)).events("Instructed")
    assert (event.meta["acting_for"], event.meta["rules"]) == ("p-mayor", ["D8", "P2"])
    instruct(doc(), "p-exec-vm").refused("D8", status=403)  # the mayor is here


def reply_to(request: OfficialDocument, to: str = "u-finance") -> Any:
    reply = draft("p-office-dir", doc_type="reply", title="关于同意拨付专项资金的批复",
                  from_unit_id="u-gov", to=to, drafting_unit_id="u-finance",
                  replies_to=str(request.id))  # fmt: skip
    return when(request, lambda d: d.link_reply(act("p-office-dir"), reply))


def test_D8_a_reply_follows_the_leaders_instruction() -> None:
    instructed = (OfficialDocument.Instructed, {"text": "同意"})
    doc = given(OfficialDocument, drafted(), routed(), instructed)

    (event,) = reply_to(doc).events("ReplyLinked")
    assert event.meta["rules"] == ["D1", "A1"]


def test_D8_a_reply_before_any_instruction_is_refused() -> None:
    reply_to(given(OfficialDocument, drafted(), routed())).refused("D8")


def test_D1_a_reply_goes_to_the_unit_that_asked() -> None:
    instructed = (OfficialDocument.Instructed, {"text": "同意"})
    doc = given(OfficialDocument, drafted(), routed(), instructed)

    reply_to(doc, to="u-ecology").refused("D1")


# ----- D9 sign-off authority (签发) ----------------------------------------------------------

MAYOR_LEVEL: dict[str, dict[str, Any]] = {
    "decision": {"doc_type": "decision"},
    "order": {"doc_type": "order"},
    "motion": {"doc_type": "motion"},
    "request": {"doc_type": "request"},
    "personnel": {"doc_type": "notice", "personnel": True},
    "to_external": {"doc_type": "report", "to": "u-province-gov"},
}


@pytest.mark.parametrize("kind", MAYOR_LEVEL)
def test_D9_mayor_level_document_signed_by_a_vice_mayor_is_refused(kind: str) -> None:
    doc = given(OfficialDocument, outgoing(**MAYOR_LEVEL[kind]))

    sign(doc, "p-vm-a").refused("D9", status=403)


@pytest.mark.parametrize("kind", MAYOR_LEVEL)
def test_D9_mayor_level_document_signed_by_the_executive_vice_mayor_is_refused(kind: str) -> None:
    doc = given(OfficialDocument, outgoing(**MAYOR_LEVEL[kind]))

    sign(doc, "p-exec-vm").refused("D9", status=403)


@pytest.mark.parametrize("kind", MAYOR_LEVEL)
def test_D9_mayor_level_document_signed_by_the_mayor_is_accepted(kind: str) -> None:
    doc = given(OfficialDocument, outgoing(**MAYOR_LEVEL[kind]))

    then = sign(doc, "p-mayor")

    (event,) = then.events("SignedOff")
    assert event.authority == "mayor"
    assert event.opinion == "同意"
    assert event.meta["actor_id"] == "p-mayor"
    assert event.meta["actor_office"] == "mayor"
    assert event.meta["acting_for"] is None
    assert "D9" in event.meta["rules"]
    assert then.aggregate.status == "signed_off"


def test_D9_ordinary_notice_signed_by_the_vice_mayor_in_charge_is_accepted() -> None:
    doc = given(OfficialDocument, outgoing())

    then = sign(doc, "p-vm-a")

    (event,) = then.events("SignedOff")
    assert event.authority == "vice_mayor_in_charge"
    assert event.meta["actor_id"] == "p-vm-a"
    assert event.meta["actor_office"] == "vice_mayor"
    assert event.meta["acting_for"] is None
    assert event.meta["rules"] == ["D6", "D9"]
    assert then.aggregate.signature.by == "p-vm-a"


def test_D9_ordinary_notice_signed_by_the_mayor_is_accepted() -> None:
    doc = given(OfficialDocument, outgoing())

    (event,) = sign(doc, "p-mayor").events("SignedOff")
    assert event.authority == "vice_mayor_in_charge"
    assert event.meta["actor_office"] == "mayor"


@pytest.mark.parametrize("person", ["p-vm-b", "p-vm-c", "p-exec-vm", "p-sg", "p-office-dir"])
def test_D9_ordinary_notice_signed_by_someone_not_in_charge_is_refused(person: str) -> None:
    doc = given(OfficialDocument, outgoing())

    sign(doc, person).refused("D9", status=403)


# D9: 事务性文件 — a notice or letter the government office drafts on its own business.
OFFICE_ROUTINE: dict[str, Any] = {"routine": True, "drafting_unit_id": "u-gov-office"}


def test_D9_routine_document_signed_by_the_secretary_general_is_accepted() -> None:
    doc = given(OfficialDocument, outgoing(**OFFICE_ROUTINE))

    (event,) = sign(doc, "p-sg").events("SignedOff")
    assert event.authority == "routine"
    assert event.meta["actor_office"] == "secretary_general"


def test_D9_routine_document_signed_by_the_deputy_secretary_general_is_refused() -> None:
    doc = given(OfficialDocument, outgoing(**OFFICE_ROUTINE))

    sign(doc, "p-dsg").refused("D9", status=403)


@pytest.mark.parametrize(
    "claim",
    [
        {"drafting_unit_id": "u-ecology"},  # a department's notice: the vice-mayor in charge
        {"drafting_unit_id": "u-gov-office", "doc_type": "opinion"},  # not a notice or letter
        {"drafting_unit_id": "u-gov-office", "matter_kind": "budget"},  # a major matter
    ],
    ids=["department-notice", "opinion", "major-matter"],
)
def test_D9_a_drafter_claiming_routine_alone_does_not_make_it_routine(
    claim: dict[str, Any],
) -> None:
    """Which signer a document needs follows from its type, recipient and matter: a drafter's
    ``routine`` counts only for the office's own notices and letters."""
    fields = {"doc_type": "notice", "from_unit_id": "u-gov", "to": "u-ecology", "matters": []}
    refused_on_creation(lambda: draft("p-office-dir", routine=True, **{**fields, **claim}), "D9")


def test_D9_the_office_drafts_a_routine_notice() -> None:
    then = drafting(
        by="p-office-dir", doc_type="notice", from_unit_id="u-gov", to="u-ecology", matters=[],
        routine=True,
    )  # fmt: skip

    (event,) = then.events("Created")
    assert (event.routine, event.drafting_unit_id) == (True, "u-gov-office")
    assert "D9" in event.meta["rules"]


def test_D9_a_routine_flag_in_history_on_a_department_notice_still_needs_the_vice_mayor() -> None:
    """Documents drafted before the rule was read right are judged by it at sign-off: the
    secretary-general does not sign a department's notice however it was flagged."""
    doc = given(OfficialDocument, outgoing(routine=True))

    sign(doc, "p-sg").refused("D9", status=403)
    (event,) = sign(doc, "p-vm-a").events("SignedOff")
    assert event.authority == "vice_mayor_in_charge"


@pytest.mark.parametrize("matter_kind", ["personnel", "regulation_draft"])
def test_D9_the_matter_makes_a_notice_the_mayors_to_sign(matter_kind: str) -> None:
    doc = given(OfficialDocument, outgoing(matter_kind=matter_kind))

    sign(doc, "p-vm-a").refused("D9", status=403)
    (event,) = sign(doc, "p-mayor").events("SignedOff")
    assert event.authority == "mayor"


def test_D9_a_letter_asking_support_on_a_major_matter_is_the_mayors_to_sign() -> None:
    """商请支持、协调解决重要事项的文件 are signed by the mayor; an ordinary letter is not."""
    major = given(OfficialDocument, outgoing(doc_type="letter", matter_kind="major_funds"))
    ordinary = given(OfficialDocument, outgoing(doc_type="letter", matter_kind="other"))

    sign(major, "p-vm-a").refused("D9", status=403)
    assert sign(ordinary, "p-vm-a").events("SignedOff")[0].authority == "vice_mayor_in_charge"


def test_D9_incoming_documents_are_not_signed_off() -> None:
    doc = given(OfficialDocument, drafted())

    sign(doc, "p-mayor").refused("D9")


def test_D9_a_second_sign_off_is_refused() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off())

    sign(doc, "p-mayor").refused("D9")


# ----- P2 acting mayor, P3 AB partner at sign-off -------------------------------------------


def test_P2_executive_vice_mayor_signs_a_mayor_level_document_while_the_mayor_is_away() -> None:
    doc = given(OfficialDocument, outgoing(doc_type="decision"))

    then = sign(doc, "p-exec-vm", absent=("p-mayor",))

    (event,) = then.events("SignedOff")
    assert event.authority == "mayor"
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["actor_office"] == "executive_vice_mayor"
    assert event.meta["acting_for"] == "p-mayor"
    assert "P2" in event.meta["rules"]
    assert "D9" in event.meta["rules"]
    assert then.aggregate.signature.acting_for == "p-mayor"


def test_P2_executive_vice_mayor_signing_a_mayor_level_document_is_refused_without_absence() -> (
    None
):
    doc = given(OfficialDocument, outgoing(doc_type="decision"))

    sign(doc, "p-exec-vm").refused("D9", status=403)


def test_P2_a_vice_mayor_does_not_act_for_the_absent_mayor() -> None:
    doc = given(OfficialDocument, outgoing(doc_type="decision"))

    sign(doc, "p-vm-a", absent=("p-mayor",)).refused("D9", status=403)


def test_P2_acting_mayor_signing_an_ordinary_notice_cites_P2_not_P3() -> None:
    """The executive vice-mayor signing a u-ecology notice as acting mayor acts for the mayor
    (P2); nothing in it is an AB partner's act (P3)."""
    doc = given(OfficialDocument, outgoing())

    (event,) = sign(doc, "p-exec-vm", absent=("p-mayor",)).events("SignedOff")
    assert event.meta["acting_for"] == "p-mayor"
    assert "P2" in event.meta["rules"]
    assert "P3" not in event.meta["rules"]


def test_P2_vice_mayor_in_charge_signs_in_own_right_while_the_mayor_is_away() -> None:
    """p-exec-vm is in charge of u-finance: signing its notice is his own authority (D9),
    not an act for the absent mayor."""
    doc = given(OfficialDocument, outgoing(to="u-finance", drafting_unit_id="u-finance"))

    (event,) = sign(doc, "p-exec-vm", absent=("p-mayor",)).events("SignedOff")
    assert event.authority == "vice_mayor_in_charge"
    assert event.meta["acting_for"] is None
    assert event.meta["rules"] == ["D6", "D9"]


def test_D9_P3_ab_partner_does_not_sign_off_for_the_absent_vice_mayor_in_charge() -> None:
    """AB partners cover some official activities (art. 61), not sign-off (art. 51)."""
    doc = given(OfficialDocument, outgoing())

    sign(doc, "p-vm-b", absent=("p-vm-a",)).refused("D9", status=403)


def test_D9_P3_while_the_vice_mayor_in_charge_is_away_the_mayor_signs() -> None:
    """如有必要，报市长签发: the mayor signs in their own right, acting for nobody."""
    doc = given(OfficialDocument, outgoing())

    (event,) = sign(doc, "p-mayor", absent=("p-vm-a",)).events("SignedOff")
    assert event.meta["actor_office"] == "mayor"
    assert event.meta["acting_for"] is None
    assert "P3" not in event.meta["rules"]


def test_P3_ab_partner_is_refused_while_the_vice_mayor_in_charge_is_present() -> None:
    doc = given(OfficialDocument, outgoing())

    sign(doc, "p-vm-b").refused("D9", status=403)


def test_P3_a_vice_mayor_who_is_not_the_partner_does_not_act() -> None:
    doc = given(OfficialDocument, outgoing())

    sign(doc, "p-vm-c", absent=("p-vm-a",)).refused("D9", status=403)


def test_P3_ab_partner_does_not_sign_a_mayor_level_document() -> None:
    doc = given(OfficialDocument, outgoing(doc_type="decision"))

    sign(doc, "p-vm-b", absent=("p-vm-a",)).refused("D9", status=403)


# ----- D10 implementation within 6 months ---------------------------------------------------


def test_D10_implementing_document_stores_its_implementation_due() -> None:
    then = drafting(
        by="p-office-dir", doc_type="opinion", from_unit_id="u-gov", to="u-ecology",
        drafting_unit_id="u-ecology",
        implements={"ref": "川府发〔2026〕3号", "issued_on": date(2026, 3, 31)},
    )  # fmt: skip

    (event,) = then.events("Created")
    assert event.implementation_due == date(2026, 9, 30)
    assert event.implements == {"ref": "川府发〔2026〕3号", "issued_on": date(2026, 3, 31)}
    assert "D10" in event.meta["rules"]
    assert then.aggregate.implementation_due == date(2026, 9, 30)


def test_D10_document_implementing_nothing_has_no_due() -> None:
    (event,) = drafting().events("Created")
    assert event.implementation_due is None
    assert "D10" not in event.meta["rules"]


def test_D10_issuing_an_implementing_document_cites_D10() -> None:
    doc = given(
        OfficialDocument,
        outgoing(
            implements={"ref": "川府发〔2026〕3号", "issued_on": date(2026, 3, 31)},
            implementation_due=date(2026, 9, 30),
        ),
        signed_off(),
        numbered(),
    )

    (event,) = when(doc, lambda d: d.issue(act("p-office-dir"))).events("Issued")
    assert event.meta["rules"] == ["D11", "D10"]


# ----- D11 document numbers (发文字号) --------------------------------------------------------


def register(
    doc: OfficialDocument, seq: DocumentNumberSequence | None, code: str = "攀府发"
) -> Any:
    return when(doc, lambda d: d.register(act("p-office-dir"), seq, code))


def test_D11_registering_before_sign_off_is_refused() -> None:
    doc = given(OfficialDocument, outgoing())

    register(doc, None).refused("D11")


def test_D11_register_assigns_the_next_number_of_the_issuer_codes_register() -> None:
    office = act("p-office-dir")
    seq = DocumentNumberSequence.open(office, "攀府发", 2026)
    seq.assign(office, "doc-earlier-1", None)
    seq.assign(office, "doc-earlier-2", None)
    seq.collect_events()
    doc = given(OfficialDocument, outgoing(), signed_off())

    then = register(doc, seq)

    (event,) = then.events("Numbered")
    assert event.issuer_code == "攀府发"
    assert event.year == 2026
    assert event.sequence == 3
    assert event.number == "攀府发〔2026〕3号"
    assert event.meta["rules"] == ["D11"]
    assert then.aggregate.number == "攀府发〔2026〕3号"
    assert then.aggregate.status == "numbered"
    (assigned,) = list[Any](seq.collect_events())
    assert type(assigned).__name__ == "NumberAssigned"
    assert assigned.sequence == 3
    assert assigned.document_id == str(doc.id)


def test_D11_first_document_of_the_year_opens_the_register_with_number_1() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off())
    seq: list[DocumentNumberSequence] = []

    then = when(doc, lambda d: seq.append(d.register(act("p-office-dir"), None, "攀府发")))

    (event,) = then.events("Numbered")
    assert event.number == "攀府发〔2026〕1号"
    assert [type(e).__name__ for e in seq[0].collect_events()] == ["Created", "NumberAssigned"]
    assert (seq[0].issuer_code, seq[0].year, seq[0].last) == ("攀府发", 2026, 1)


@pytest.mark.parametrize("code", ["", "攀府发2026", "攀府发〔2026〕", "攀 府发"])
def test_D11_bad_issuer_code_is_refused(code: str) -> None:
    doc = given(OfficialDocument, outgoing(), signed_off())

    register(doc, None, code).refused("D11")


def test_D11_registering_twice_is_refused() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off(), numbered())

    register(doc, None).refused("D11")


def test_D11_only_the_office_registers() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off())

    then = when(doc, lambda d: d.register(act("p-finance-head"), None, "攀府发"))

    then.refused("D11", status=403)


def test_D11_issuing_before_numbering_is_refused() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off())

    when(doc, lambda d: d.issue(act("p-office-dir"))).refused("D11")


def test_D11_numbered_document_is_issued() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off(), numbered())

    then = when(doc, lambda d: d.issue(act("p-office-dir")))

    (event,) = then.events("Issued")
    assert event.meta["rules"] == ["D11"]
    assert then.aggregate.status == "issued"
    assert then.aggregate.issued_at == AT


def test_D11_publishing_before_issue_is_refused() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off(), numbered())

    when(doc, lambda d: d.publish(act("p-office-dir"), None)).refused("D11")


def test_M13_a_published_document_is_not_published_again() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off(), numbered(), issued())
    when(doc, lambda d: d.publish(act("p-office-dir"), "解读-1")).events("Published")

    then = when(doc, lambda d: d.publish(act("p-office-dir"), "解读-2"))

    refusal = then.refused("M13")
    assert "published already" in refusal.detail
    assert then.aggregate.published.interpretation_ref == "解读-1"


# ----- D12 secret documents -----------------------------------------------------------------


def test_D12_drafting_a_secret_document_without_clearance_is_refused() -> None:
    refused_on_creation(lambda: draft(classification="secret"), "D12", status=403)


def test_D12_office_director_without_clearance_does_not_draft_a_secret_outgoing_document() -> None:
    refused_on_creation(
        lambda: draft(
            "p-office-dir", doc_type="notice", from_unit_id="u-gov", to="u-ecology",
            drafting_unit_id="u-ecology", classification="secret",
        ),
        "D12",
        status=403,
    )  # fmt: skip


def test_D12_a_cleared_person_drafts_a_secret_document() -> None:
    then = drafting(
        by="p-sg", doc_type="notice", from_unit_id="u-gov", to="u-ecology",
        drafting_unit_id="u-ecology", classification="secret",
    )  # fmt: skip

    (event,) = then.events("Created")
    assert event.classification == "secret"
    assert "D12" in event.meta["rules"]


def test_D12_countersign_of_a_secret_document_by_an_uncleared_head_is_refused() -> None:
    doc = given(
        OfficialDocument, drafted(classification="secret"), countersign_requested("u-ecology")
    )

    then = when(doc, lambda d: d.countersign(act("p-ecology-head"), "u-ecology", "agree", None))

    then.refused("D12", status=403)


def test_D12_review_of_a_secret_document_by_uncleared_office_staff_is_refused() -> None:
    doc = given(OfficialDocument, drafted(classification="secret"))

    review(doc, by="p-office-dir").refused("D12", status=403)


def test_D12_publishing_a_secret_document_is_refused() -> None:
    doc = given(
        OfficialDocument, outgoing(classification="secret"), signed_off(), numbered(), issued()
    )

    when(doc, lambda d: d.publish(act("p-sg"), None)).refused("D12")


def test_D12_an_unclassified_issued_document_is_published() -> None:
    doc = given(OfficialDocument, outgoing(), signed_off(), numbered(), issued())

    then = when(doc, lambda d: d.publish(act("p-office-dir"), "解读〔2026〕1号"))

    (event,) = then.events("Published")
    assert event.interpretation_ref == "解读〔2026〕1号"
    assert event.meta["rules"] == ["D12"]
    assert then.aggregate.status == "published"


@pytest.mark.parametrize(
    ("classification", "clearance", "readable"),
    [
        ("secret", "none", False),
        ("secret", "secret", True),
        ("secret", "top_secret", True),
        ("confidential", "secret", False),
        ("top_secret", "confidential", False),
        ("top_secret", "top_secret", True),
        ("none", "none", True),
    ],
)
def test_D12_readable_only_by_those_cleared(
    classification: str, clearance: str, readable: bool
) -> None:
    doc = given(OfficialDocument, outgoing(classification=classification))

    assert doc.readable_by(clearance) is readable
