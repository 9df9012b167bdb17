"""Specs of the timer rules (design.md "Deadlines"): D7, S3, L6, G5, G6.

When a due time passes, the system records it with its own command: the actor is ``system``,
the act's time is the due moment (not the tick's), and the command is idempotent — it answers
True when it recorded the event and False when there was nothing to record (too early,
already recorded, or the obligation was met). ``domain.commands.record_deadline`` is the ticker's
door to these commands, against a real PostgreSQL, raced by two tickers at once.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from api.services import Services
from domain import commands as c
from domain.application import GovRules
from domain.base import SYSTEM, Act
from domain.calendar import WorkingDayCalendar
from domain.clock import SHANGHAI
from domain.commands import record_deadline
from domain.documents import OfficialDocument
from domain.leaves import LeaveRecord
from domain.regulations import FILING_BODIES, Ending, Regulation, expiry_at, filing_overdue_at
from domain.supervision import SupervisionItem
from tests.domain.spec import (
    AT,
    PAST_META,
    act,
    countersign_requested,
    countersigned,
    drafted,
    given,
    outgoing,
    roster,
    run,
    when,
)
from tests.support.past_events import leave_reported

Past = tuple[type, dict[str, Any]]

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
SECOND = timedelta(seconds=1)
# D7 worked example: requested Mon 2026-09-28 → due 2026-10-14 00:00 +08:00.
D7_DUE = datetime(2026, 10, 13, 16, 0, tzinfo=UTC)
REPORT_1 = AT + 10 * DAY
REPORT_2 = AT + 20 * DAY
DEADLINE = AT + 30 * DAY
LEAVE_START = AT + 2 * DAY
LEAVE_END = LEAVE_START + 3 * DAY
PUBLISHED = date(2026, 9, 1)
FILING_DUE = PUBLISHED + timedelta(days=30)  # 2026-10-01
VALID_UNTIL = date(2031, 9, 1)


def system(at: datetime) -> Act:
    return Act(SYSTEM, at, correlation_id="tick")


def meta(actor_id: str) -> dict[str, Any]:
    return {**PAST_META, "actor_id": actor_id}


def recorded(then: Any, name: str, due_moment: datetime, rule: str) -> Any:
    """The command answered True and recorded exactly ``name``, by the system, as of the due
    moment, under ``rule``."""
    (event,) = then.events(name)
    assert event.timestamp == due_moment
    assert event.meta["actor_id"] == "system"
    assert event.meta["actor_office"] is None
    assert event.meta["rules"] == [rule]
    assert event.meta["correlation_id"] == "tick"
    return event


def nothing(aggregate: Any, command: Callable[[Any], bool]) -> None:
    """The command answered False and recorded nothing."""
    version = aggregate.version
    assert command(aggregate) is False
    assert list(aggregate.collect_events()) == []
    assert aggregate.version == version


def once(aggregate: Any, command: Callable[[Any], bool]) -> Any:
    """Runs the command (True), then runs it again: False, nothing more."""
    answers: list[bool] = []
    then = when(aggregate, lambda a: answers.append(command(a)))
    assert answers == [True]
    nothing(then.aggregate, command)
    return then


# ----- D7: countersign deemed no objection ----------------------------------------------------


def pending_doc(*more: Past) -> OfficialDocument:
    doc: OfficialDocument = given(
        OfficialDocument, drafted(), countersign_requested("u-ecology"), *more
    )
    return doc


def test_D7_an_unanswered_countersign_is_deemed_no_objection_when_its_due_time_passes() -> None:
    doc = pending_doc()

    then = once(doc, lambda d: d.deem_no_objection(system(D7_DUE), "u-ecology", D7_DUE))

    event = recorded(then, "CountersignDeemedNoObjection", D7_DUE, "D7")
    assert (event.unit_id, event.due) == ("u-ecology", D7_DUE)
    assert type(event).TOPIC == "govrules:CountersignDeemedNoObjection"
    entry = then.aggregate.countersigns["u-ecology"]
    assert entry.status == "deemed"
    assert entry.opinion == "no_objection"
    assert entry.reasons is None
    assert entry.answered_by == "system"
    assert entry.answered_at == D7_DUE


def test_D7_deemed_later_still_speaks_for_the_due_time() -> None:
    doc = pending_doc()
    late = D7_DUE + 3 * DAY

    then = once(doc, lambda d: d.deem_no_objection(system(late), "u-ecology", D7_DUE))

    (event,) = then.events("CountersignDeemedNoObjection")
    assert event.due == D7_DUE
    assert then.aggregate.countersigns["u-ecology"].answered_at == D7_DUE


def test_D7_nothing_is_deemed_before_the_due_time() -> None:
    nothing(
        pending_doc(), lambda d: d.deem_no_objection(system(D7_DUE - SECOND), "u-ecology", D7_DUE)
    )


def test_D7_an_answered_countersign_is_not_deemed() -> None:
    doc = pending_doc(countersigned("u-ecology"))

    nothing(doc, lambda d: d.deem_no_objection(system(D7_DUE), "u-ecology", D7_DUE))
    assert doc.countersigns["u-ecology"].status == "answered"


def test_D7_a_due_time_not_on_record_or_a_unit_not_asked_records_nothing() -> None:
    doc = pending_doc()
    other_due = D7_DUE - DAY

    nothing(doc, lambda d: d.deem_no_objection(system(D7_DUE), "u-ecology", other_due))
    nothing(doc, lambda d: d.deem_no_objection(system(D7_DUE), "u-housing", D7_DUE))


def test_D7_a_deemed_countersigns_later_answer_is_recorded_late_the_deemed_one_stands() -> None:
    doc = pending_doc()
    doc.deem_no_objection(system(D7_DUE), "u-ecology", D7_DUE)
    doc.collect_events()

    then = when(
        doc,
        lambda d: d.countersign(act("p-ecology-head", at=D7_DUE), "u-ecology", "agree", None),
    )

    (event,) = then.events("Countersigned")
    assert event.late is True
    assert then.aggregate.countersigns["u-ecology"].status == "deemed"


def test_D7_a_deemed_unit_is_not_asked_again_as_a_pending_one_is_not() -> None:
    calendar = WorkingDayCalendar()
    for deemed in (False, True):
        doc = pending_doc()
        if deemed:
            doc.deem_no_objection(system(D7_DUE), "u-ecology", D7_DUE)
            doc.collect_events()

        then = when(
            doc,
            lambda d: d.request_countersign(
                act("p-finance-head", at=D7_DUE + HOUR), roster(), calendar, ["u-ecology"]
            ),
        )

        then.refused("D6")


def test_D7_a_deemed_countersign_lets_sign_off_go_ahead_exactly_as_a_past_due_one() -> None:
    at = D7_DUE + HOUR
    signed = []
    for deemed in (False, True):
        doc = given(OfficialDocument, outgoing(), countersign_requested("u-finance"))
        if deemed:
            assert doc.deem_no_objection(system(D7_DUE), "u-finance", D7_DUE)
            doc.collect_events()

        then = when(doc, lambda d: d.sign_off(act("p-vm-a", at=at), roster(), "同意"))

        (event,) = then.events("SignedOff")
        signed.append((event.authority, event.meta["rules"], then.aggregate.status))
    assert signed[0] == signed[1]


def test_D7_a_deemed_countersign_lets_review_go_ahead_and_needs_no_disagreement_summary() -> None:
    doc = pending_doc()
    doc.deem_no_objection(system(D7_DUE), "u-ecology", D7_DUE)
    doc.collect_events()

    then = when(
        doc,
        lambda d: d.review_incoming(
            act("p-office-dir", at=D7_DUE + HOUR),
            roster(),
            conforming=True,
            proposed_handling="拟请分管副市长阅示",
        ),
    )

    then.events("Routed")
    summary = when(
        doc,
        lambda d: d.summarise_disagreement(act("p-finance-head", at=D7_DUE), "双方理由", "建议"),
    )
    summary.refused("D6")


# ----- D10: handling limits (限时办结) and the 6 months of an implementing document ----------

HANDLING_DUE = AT + 5 * DAY
PROVINCIAL = {"ref": "川府发〔2026〕3号", "issued_on": date(2026, 3, 31)}
IMPLEMENTATION_DUE = date(2026, 9, 30)  # 6 months after 2026-03-31
IMPLEMENTATION_MOMENT = datetime(2026, 10, 1, tzinfo=SHANGHAI)  # the next day, 00:00


def routed_with_limit(*more: Past) -> OfficialDocument:
    routing = {"proposed_handling": "拟请分管副市长阅示", "routed_to": "p-exec-vm",
               "handling_due": HANDLING_DUE}  # fmt: skip
    doc: OfficialDocument = given(
        OfficialDocument, drafted(), (OfficialDocument.Routed, routing), *more
    )
    return doc


def instructed(at: datetime, **fields: Any) -> Past:
    return (OfficialDocument.Instructed,
            {"text": "同意", "timestamp": at, "meta": meta("p-exec-vm"), **fields})  # fmt: skip


def test_D10_a_document_not_handled_by_its_limit_is_recorded_overdue() -> None:
    doc = routed_with_limit()

    then = once(doc, lambda d: d.record_handling_overdue(system(HANDLING_DUE), HANDLING_DUE))

    event = recorded(then, "HandlingOverdue", HANDLING_DUE, "D10")
    assert event.due == HANDLING_DUE
    assert then.aggregate.overdue == ["handling"]


def test_D10_handled_in_time_nothing_is_recorded_before_the_limit_nothing_either() -> None:
    in_time = routed_with_limit(instructed(HANDLING_DUE - SECOND))
    nothing(in_time, lambda d: d.record_handling_overdue(system(HANDLING_DUE), HANDLING_DUE))
    early = system(HANDLING_DUE - SECOND)
    nothing(routed_with_limit(), lambda d: d.record_handling_overdue(early, HANDLING_DUE))


def test_D10_a_forward_is_not_handling_and_a_late_instruction_is_still_overdue() -> None:
    """The ticker may come after the act: an instruction after the limit does not excuse it,
    nor does a forward to another leader (转请核批) before it."""
    forwarded = instructed(HANDLING_DUE - DAY, forwarded_to="p-vm-a")
    late = instructed(HANDLING_DUE + HOUR)

    for doc in (routed_with_limit(forwarded), routed_with_limit(late)):
        then = once(doc, lambda d: d.record_handling_overdue(system(HANDLING_DUE), HANDLING_DUE))
        recorded(then, "HandlingOverdue", HANDLING_DUE, "D10")


def test_D10_a_handling_limit_lies_in_the_future() -> None:
    doc = given(OfficialDocument, drafted())

    then = when(doc, lambda d: d.review_incoming(act("p-office-dir"), roster(), True,
                proposed_handling="拟办", handling_due=AT))  # fmt: skip

    then.refused("D10")


def implementing(*more: Past) -> OfficialDocument:
    doc: OfficialDocument = given(
        OfficialDocument,
        outgoing(implements=PROVINCIAL, implementation_due=IMPLEMENTATION_DUE),
        *more,
    )
    return doc


def test_D10_an_implementing_document_not_issued_within_6_months_is_recorded_overdue() -> None:
    doc = implementing()

    then = once(doc, lambda d: d.record_implementation_overdue(
        system(IMPLEMENTATION_MOMENT), IMPLEMENTATION_DUE))  # fmt: skip

    event = recorded(then, "ImplementationOverdue", IMPLEMENTATION_MOMENT, "D10")
    assert event.due == IMPLEMENTATION_DUE


def test_D10_issued_on_the_last_day_is_in_time() -> None:
    """以内: the 6 months include their last day."""
    last_day = IMPLEMENTATION_MOMENT - SECOND
    doc = implementing((OfficialDocument.Issued, {"timestamp": last_day}))

    nothing(doc, lambda d: d.record_implementation_overdue(
        system(IMPLEMENTATION_MOMENT), IMPLEMENTATION_DUE))  # fmt: skip
    nothing(implementing(), lambda d: d.record_implementation_overdue(
        system(last_day), IMPLEMENTATION_DUE))  # fmt: skip


# ----- S3: reports and the item overdue -------------------------------------------------------


def registered() -> Past:
    return (
        SupervisionItem.Registered,
        {
            "title": "中央环保督察反馈问题整改",
            "source": {"kind": "instruction", "ref": "王市长批示〔2026〕12号"},
            "lead_unit_id": "u-ecology",
            "co_unit_ids": ["u-housing"],
            "deadline": DEADLINE,
            "report_dates": [REPORT_1, REPORT_2],
            "first_responsible_id": "p-ecology-head",
            "led_by": None,
            "meta": meta("p-office-dir"),
        },
    )


def progress(at: datetime) -> Past:
    return (
        SupervisionItem.ProgressReported,
        {
            "unit_id": "u-ecology",
            "text": "已完成阶段整改",
            "timestamp": at,
            "meta": meta("p-ecology-head"),
        },
    )


def verified(result: str, at: datetime) -> Past:
    return (
        SupervisionItem.Verified,
        {"result": result, "findings": "经核查", "timestamp": at, "meta": meta("p-office-dir")},
    )


def rectification(due: datetime, at: datetime) -> Past:
    return (
        SupervisionItem.RectificationOrdered,
        {"order": "限期整改", "due": due, "timestamp": at, "meta": meta("p-office-dir")},
    )


def closed(at: datetime) -> Past:
    return (
        SupervisionItem.Closed,
        {"summary": "整改完成", "timestamp": at, "meta": meta("p-office-dir")},
    )


def item(*more: Past) -> SupervisionItem:
    supervised: SupervisionItem = given(SupervisionItem, registered(), *more)
    return supervised


def test_S3_a_report_date_passed_without_a_report_is_recorded_overdue() -> None:
    then = once(item(), lambda i: i.record_report_overdue(system(REPORT_1), REPORT_1))

    event = recorded(then, "ReportOverdue", REPORT_1, "S3")
    assert event.due == REPORT_1
    assert type(event).TOPIC == "govrules:ReportOverdue"
    assert then.aggregate.reports_overdue == [REPORT_1]


def test_S3_nothing_is_overdue_before_the_report_date() -> None:
    nothing(item(), lambda i: i.record_report_overdue(system(REPORT_1 - SECOND), REPORT_1))


def test_S3_a_report_before_the_date_answers_it() -> None:
    supervised = item(progress(REPORT_1 - DAY))

    nothing(supervised, lambda i: i.record_report_overdue(system(REPORT_1), REPORT_1))
    # ... but not the next date: a report answers the dates after the previous one only.
    assert supervised.record_report_overdue(system(REPORT_2), REPORT_2) is True


def test_S3_a_report_after_the_date_does_not_answer_it() -> None:
    supervised = item(progress(REPORT_1 + HOUR))

    then = once(supervised, lambda i: i.record_report_overdue(system(REPORT_1), REPORT_1))

    then.events("ReportOverdue")
    assert supervised.overdue_at(REPORT_1 + HOUR)["reports"] == [REPORT_1]


def test_S3_a_date_that_is_not_a_report_date_records_nothing() -> None:
    nothing(item(), lambda i: i.record_report_overdue(system(REPORT_2), REPORT_1 + HOUR))


def test_S3_a_closed_item_has_no_report_overdue() -> None:
    supervised = item(
        progress(REPORT_1 - DAY), verified("passed", REPORT_1 - HOUR), closed(REPORT_1 - HOUR)
    )

    nothing(supervised, lambda i: i.record_report_overdue(system(REPORT_2), REPORT_2))


def test_S3_the_deadline_passed_while_open_is_recorded_overdue() -> None:
    then = once(item(), lambda i: i.record_overdue(system(DEADLINE), DEADLINE))

    event = recorded(then, "ItemOverdue", DEADLINE, "S3")
    assert event.due == DEADLINE
    assert type(event).TOPIC == "govrules:ItemOverdue"
    assert then.aggregate.dues_overdue == [DEADLINE]


def test_S3_nothing_is_overdue_before_the_deadline() -> None:
    nothing(item(), lambda i: i.record_overdue(system(DEADLINE - SECOND), DEADLINE))


def test_S3_a_closed_item_is_not_overdue() -> None:
    supervised = item(progress(REPORT_1 - DAY), verified("passed", REPORT_2), closed(REPORT_2))

    nothing(supervised, lambda i: i.record_overdue(system(DEADLINE), DEADLINE))


def test_S3_a_rectification_due_passed_is_recorded_on_its_own() -> None:
    rect_due = DEADLINE + 10 * DAY
    supervised = item(
        progress(REPORT_1 - DAY),
        verified("failed", REPORT_2),
        rectification(rect_due, REPORT_2 + DAY),
    )

    assert supervised.record_overdue(system(DEADLINE), DEADLINE) is True
    supervised.collect_events()
    nothing(supervised, lambda i: i.record_overdue(system(rect_due - SECOND), rect_due))
    then = once(supervised, lambda i: i.record_overdue(system(rect_due), rect_due))

    recorded(then, "ItemOverdue", rect_due, "S3")
    assert then.aggregate.dues_overdue == [DEADLINE, rect_due]


def test_S3_a_time_that_is_no_due_of_the_item_records_nothing() -> None:
    nothing(item(), lambda i: i.record_overdue(system(DEADLINE), DEADLINE - HOUR))


# ----- L6: return overdue ---------------------------------------------------------------------


def leave(*more: Past) -> LeaveRecord:
    reported = leave_reported("p-finance-head", starts_at=LEAVE_START, ends_at=LEAVE_END)
    record: LeaveRecord = given(LeaveRecord, reported, *more)
    return record


def test_L6_an_absence_past_its_planned_end_without_return_is_recorded_overdue() -> None:
    then = once(leave(), lambda lv: lv.record_return_overdue(system(LEAVE_END), LEAVE_END))

    event = recorded(then, "ReturnOverdue", LEAVE_END, "L6")
    assert event.due == LEAVE_END
    assert type(event).TOPIC == "govrules:ReturnOverdue"
    assert then.aggregate.return_overdue == LEAVE_END
    assert then.aggregate.status == "approved"  # the absence goes on until the return


def test_L6_nothing_is_overdue_before_the_planned_end() -> None:
    nothing(leave(), lambda lv: lv.record_return_overdue(system(LEAVE_END - SECOND), LEAVE_END))


def test_L6_a_returned_or_cancelled_absence_is_not_overdue() -> None:
    returned = (
        LeaveRecord.ReturnReported,
        {"returned_at": LEAVE_END - HOUR, "meta": meta("p-finance-head")},
    )
    cancelled = (LeaveRecord.Cancelled, {"meta": meta("p-finance-head")})
    for met in (returned, cancelled):
        nothing(leave(met), lambda lv: lv.record_return_overdue(system(LEAVE_END), LEAVE_END))


def test_L6_a_due_that_is_not_the_planned_return_records_nothing() -> None:
    nothing(leave(), lambda lv: lv.record_return_overdue(system(LEAVE_END), LEAVE_END - DAY))


# ----- G5: filing overdue ---------------------------------------------------------------------


def published(valid_until: date = VALID_UNTIL) -> list[Past]:
    kind = "department_normative"
    return [
        (
            Regulation.Created,
            {
                "kind": kind,
                "title": "攀枝花市财政局政府采购管理规定",
                "drafting_unit_id": "u-finance",
                "revises": None,
                "meta": meta("p-finance-head"),
            },
        ),
        (
            Regulation.LegalityReviewed,
            {"passed": True, "opinion": "合法", "meta": meta("p-justice-head")},
        ),
        (
            Regulation.Published,
            {
                "kind": kind,
                "title": "攀枝花市财政局政府采购管理规定",
                "drafting_unit_id": "u-finance",
                "number": "攀财规〔2026〕1号",
                "published_on": PUBLISHED,
                "valid_until": valid_until,
                "filings_due": dict.fromkeys(FILING_BODIES[kind], FILING_DUE),
                "revises": None,
                "meta": meta("p-office-dir"),
            },
        ),
    ]


def regulation(*more: Past, valid_until: date = VALID_UNTIL) -> Regulation:
    reg: Regulation = given(Regulation, *published(valid_until), *more)
    return reg


FILING_MOMENT = datetime(2026, 10, 2, 0, 0, tzinfo=SHANGHAI)  # the day after the due date


def test_G5_a_filing_not_made_by_the_end_of_its_due_day_is_recorded_overdue() -> None:
    assert filing_overdue_at(FILING_DUE) == FILING_MOMENT
    reg = regulation()

    then = once(
        reg, lambda r: r.record_filing_overdue(system(FILING_MOMENT), "city_government", FILING_DUE)
    )

    event = recorded(then, "FilingOverdue", FILING_MOMENT, "G5")
    assert (event.body, event.due) == ("city_government", FILING_DUE)
    assert type(event).TOPIC == "govrules:FilingOverdue"
    # Each body on its own (G5): the other one is still to be recorded.
    assert reg.record_filing_overdue(system(FILING_MOMENT), "superior_department", FILING_DUE)


def test_G5_nothing_is_overdue_during_the_due_day() -> None:
    nothing(
        regulation(),
        lambda r: r.record_filing_overdue(
            system(FILING_MOMENT - SECOND), "city_government", FILING_DUE
        ),
    )


def test_G5_a_filing_made_is_not_overdue() -> None:
    filed = (
        Regulation.Filed,
        {"body": "city_government", "filed_on": FILING_DUE, "meta": meta("p-office-dir")},
    )

    nothing(
        regulation(filed),
        lambda r: r.record_filing_overdue(system(FILING_MOMENT), "city_government", FILING_DUE),
    )


def test_G5_a_body_or_due_not_on_record_records_nothing() -> None:
    reg = regulation()

    nothing(
        reg, lambda r: r.record_filing_overdue(system(FILING_MOMENT), "state_council", FILING_DUE)
    )
    nothing(
        reg,
        lambda r: r.record_filing_overdue(
            system(FILING_MOMENT), "city_government", FILING_DUE - timedelta(days=1)
        ),
    )


# ----- G6: expiry -----------------------------------------------------------------------------

EXPIRY_MOMENT = datetime(2031, 9, 1, 0, 0, tzinfo=SHANGHAI)  # in force while day < valid_until


def test_G6_expiry_is_recorded_when_the_validity_period_ends() -> None:
    assert expiry_at(VALID_UNTIL) == EXPIRY_MOMENT
    reg = regulation()
    assert reg.in_force_on(VALID_UNTIL - timedelta(days=1))
    assert not reg.in_force_on(VALID_UNTIL)

    then = once(reg, lambda r: r.record_expiry(system(EXPIRY_MOMENT), VALID_UNTIL))

    event = recorded(then, "Expired", EXPIRY_MOMENT, "G6")
    assert event.valid_until == VALID_UNTIL
    assert type(event).TOPIC == "govrules:RegulationExpired"
    assert then.aggregate.status == "expired"
    assert then.aggregate.ended == Ending("expired", VALID_UNTIL)


def test_G6_nothing_expires_before_the_end_of_the_validity_period() -> None:
    nothing(regulation(), lambda r: r.record_expiry(system(EXPIRY_MOMENT - SECOND), VALID_UNTIL))


def test_G6_an_abolished_or_superseded_regulation_does_not_expire() -> None:
    abolished = (
        Regulation.Abolished,
        {"on": date(2027, 1, 1), "reason": "已不适应", "meta": meta("p-office-dir")},
    )
    superseded = (
        Regulation.Superseded,
        {
            "by_regulation_id": str(uuid.uuid4()),
            "on": date(2027, 1, 1),
            "meta": meta("p-office-dir"),
        },
    )
    for ended in (abolished, superseded):
        nothing(regulation(ended), lambda r: r.record_expiry(system(EXPIRY_MOMENT), VALID_UNTIL))


def test_G6_another_end_date_records_nothing() -> None:
    nothing(
        regulation(),
        lambda r: r.record_expiry(system(EXPIRY_MOMENT), VALID_UNTIL + timedelta(days=1)),
    )


@pytest.mark.parametrize("recorded_expiry", [False, True])
def test_G6_an_expired_regulation_is_no_longer_cleaned_up_revised_or_abolished(
    recorded_expiry: bool,
) -> None:
    after = EXPIRY_MOMENT + HOUR
    commands: list[Callable[[Regulation], Any]] = [
        lambda r: r.review_cleanup(act("p-finance-head", at=after), roster(), "continue", "仍适用"),
        lambda r: r.start_revision(act("p-finance-head", at=after), roster(), "修订稿"),
        lambda r: r.abolish(act("p-office-dir", at=after), roster(), "已不适应"),
    ]
    for command in commands:
        reg = regulation()
        if recorded_expiry:
            assert reg.record_expiry(system(EXPIRY_MOMENT), VALID_UNTIL)
            reg.collect_events()

        when(reg, command).refused("G6")


def test_G6_just_before_expiry_it_can_still_be_cleaned_up() -> None:
    reg = regulation()
    just_before = EXPIRY_MOMENT - SECOND

    then = when(
        reg,
        lambda r: r.review_cleanup(
            act("p-finance-head", at=just_before), roster(), "revise", "需修订"
        ),
    )

    then.events("CleanupReviewed")


# ----- record_deadline: the ticker's door, on PostgreSQL ---------------------------------------
# (``services`` runs no ticker or runners in the background: the test alone writes.)


def types_of(app: GovRules, aggregate_id: uuid.UUID) -> list[str]:
    return [type(e).__name__ for e in app.events.get(aggregate_id)]


def new_document(app: GovRules) -> uuid.UUID:
    draft = c.DraftDocument(
        doc_type="request", title="关于申请专项资金的请示", from_unit_id="u-finance",
        to="government", matters=["专项资金"],
    )  # fmt: skip
    doc_id = run(app, "p-finance-head", draft).aggregate.id
    run(app, "p-finance-head", c.RequestCountersign(doc_id, ["u-ecology"]))
    return doc_id


def test_record_deadline_records_a_countersign_deemed_once_as_of_its_due_time(
    services: Services,
) -> None:
    app = services.app
    doc_id = new_document(app)
    assert app.load(OfficialDocument, doc_id).countersigns["u-ecology"].due == D7_DUE
    due = D7_DUE.isoformat()  # as the deadlines model keys it

    assert record_deadline(app, "countersign", doc_id, "u-ecology", due, D7_DUE - SECOND) is False
    assert record_deadline(app, "countersign", doc_id, "u-ecology", due, D7_DUE + 5 * DAY) is True
    assert record_deadline(app, "countersign", doc_id, "u-ecology", due, D7_DUE + 6 * DAY) is False

    events = list(app.events.get(doc_id))
    assert [type(e).__name__ for e in events][-1] == "CountersignDeemedNoObjection"
    assert types_of(app, doc_id).count("CountersignDeemedNoObjection") == 1
    event = events[-1]
    assert event.timestamp == D7_DUE
    assert event.due == D7_DUE
    assert event.meta["actor_id"] == "system"
    assert event.meta["rules"] == ["D7"]
    assert event.meta["correlation_id"] == f"deadline:countersign:{doc_id}:u-ecology:{due}"
    assert app.load(OfficialDocument, doc_id).countersigns["u-ecology"].status == "deemed"


def race(app: GovRules, doc_id: uuid.UUID, tickers: int = 2) -> list[bool]:
    """Several tickers ask for the same deadline at the same instant; their answers."""
    barrier = threading.Barrier(tickers)
    answers: list[bool] = []
    errors: list[BaseException] = []

    def tick() -> None:
        try:
            barrier.wait()
            due = D7_DUE.isoformat()
            answers.append(
                record_deadline(app, "countersign", doc_id, "u-ecology", due, D7_DUE + DAY)
            )
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=tick) for _ in range(tickers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    return answers


def test_record_deadline_two_tickers_at_once_record_the_deadline_exactly_once(
    services: Services,
) -> None:
    app = services.app
    for _ in range(5):
        doc_id = new_document(app)

        assert sorted(race(app, doc_id)) == [False, True]
        assert types_of(app, doc_id).count("CountersignDeemedNoObjection") == 1


def test_record_deadline_supervision_leave_and_regulation_kinds(services: Services) -> None:
    app = services.app
    register = c.RegisterItem(
        title="中央环保督察反馈问题整改", source={"kind": "instruction", "ref": "批示12号"},
        lead_unit_id="u-ecology", deadline=DEADLINE, report_dates=[REPORT_1],
    )  # fmt: skip
    item_id = run(app, "p-office-dir", register).aggregate.id
    later = DEADLINE + DAY
    assert record_deadline(app, "report", item_id, "", REPORT_1.isoformat(), later) is True
    assert record_deadline(app, "report", item_id, "", REPORT_1.isoformat(), later) is False
    assert record_deadline(app, "item", item_id, "", DEADLINE.isoformat(), later) is True
    assert record_deadline(app, "item", item_id, "", DEADLINE.isoformat(), later) is False
    item_events = list(app.events.get(item_id))
    assert [type(e).__name__ for e in item_events][-2:] == ["ReportOverdue", "ItemOverdue"]
    assert [e.timestamp for e in item_events[-2:]] == [REPORT_1, DEADLINE]

    trip = c.ReportLeave("p-finance-head", "out_of_city", LEAVE_START, LEAVE_END)
    leave_id = run(app, "p-finance-head", trip).aggregate.id
    assert record_deadline(app, "return", leave_id, "", LEAVE_END.isoformat(), later) is True
    assert record_deadline(app, "return", leave_id, "", LEAVE_END.isoformat(), later) is False
    (overdue,) = [e for e in app.events.get(leave_id) if type(e).__name__ == "ReturnOverdue"]
    assert overdue.timestamp == LEAVE_END

    draft = c.DraftRegulation("department_normative", "攀枝花市财政局政府采购管理规定", "u-finance")
    reg_id = run(app, "p-finance-head", draft).aggregate.id
    run(app, "p-finance-legal", c.ReviewLegality(reg_id, True, "合法"))  # G2: its own
    published_on = date(2026, 9, 28)
    until = date(2028, 9, 28)
    publish = c.PublishRegulation(reg_id, published_on, "攀财规〔2026〕1号", until)
    run(app, "p-office-dir", publish)
    filing_due = (published_on + timedelta(days=30)).isoformat()
    moment = filing_overdue_at(date.fromisoformat(filing_due))
    assert (
        record_deadline(app, "filing", reg_id, "city_government", filing_due, moment - SECOND)
        is False
    )
    assert record_deadline(app, "filing", reg_id, "city_government", filing_due, moment) is True
    assert record_deadline(app, "filing", reg_id, "city_government", filing_due, moment) is False
    far = expiry_at(until) + DAY
    assert record_deadline(app, "expiry", reg_id, "", until.isoformat(), far - 2 * DAY) is False
    assert record_deadline(app, "expiry", reg_id, "", until.isoformat(), far) is True
    assert record_deadline(app, "expiry", reg_id, "", until.isoformat(), far) is False
    reg_events = list(app.events.get(reg_id))
    assert [type(e).__name__ for e in reg_events][-2:] == ["FilingOverdue", "Expired"]
    assert [e.timestamp for e in reg_events[-2:]] == [moment, expiry_at(until)]
    assert app.load(Regulation, reg_id).status == "expired"
    assert app.load(Regulation, reg_id).in_force_on(until) is False


def test_record_deadline_unknown_kind_is_an_error_and_an_unknown_aggregate_is_nothing(
    services: Services,
) -> None:
    app = services.app
    with pytest.raises(ValueError):
        record_deadline(app, "meeting", uuid.uuid4(), "", D7_DUE.isoformat(), D7_DUE)
    assert (
        record_deadline(app, "countersign", uuid.uuid4(), "u-ecology", D7_DUE.isoformat(), D7_DUE)
        is False
    )
    # The wrong kind of aggregate for the id is nothing to record either.
    doc_id = new_document(app)
    assert record_deadline(app, "return", doc_id, "", D7_DUE.isoformat(), D7_DUE) is False
