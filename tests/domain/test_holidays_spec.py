"""D7's working days for a year the shipped calendar does not know: the State Council's notice
of that year, recorded by the system administrator as an event (``CalendarYearRecorded``),
and counted from then on. Given an application with the example roster, when a command, then
its events or a refusal that names the rule and records nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.application import GovRules
from domain.calendar import WorkingDayCalendar
from domain.commands import (
    Countersign,
    DraftDocument,
    RecordCalendarYear,
    RequestCountersign,
    record_deadline,
)
from domain.documents import OfficialDocument
from domain.holidays import CALENDAR_ID, HolidayCalendar
from domain.roster import InvalidReference
from domain.rules import NotAuthorised, RuleViolation
from domain.service import Written
from tests.domain.spec import in_memory, run

SH = timedelta(hours=8)
CHRISTMAS_EVE = datetime(2026, 12, 24, 9, 0, tzinfo=UTC) - SH  # Thu 09:00 in Shanghai
DUE = datetime(2027, 1, 6, tzinfo=UTC) - SH  # 2027-01-06 00:00 in Shanghai


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


# Shaped like a State Council notice (New Year; the Spring Festival with make-up weekend days).
# Illustrative dates for the specs: the real notice is recorded from its own text.
NOTICE_2027 = RecordCalendarYear(
    year=2027,
    holidays=[*days("2027-01-01", "2027-01-03"), *days("2027-02-05", "2027-02-12")],
    workdays=[date(2027, 1, 31), date(2027, 2, 20)],
    notice_ref="国办发明电〔2026〕示例号",
)


def recorded(app: object) -> list[int]:
    calendar = app.load(HolidayCalendar, CALENDAR_ID)  # type: ignore[attr-defined]
    return [n.year for n in calendar.notices()]


def deadline_recorded(
    app: GovRules, kind: str, doc_id: uuid.UUID, now: datetime, due: datetime | None = None
) -> bool:
    """The ticker's call for the countersign of u-ecology (``due``: the moment it speaks
    for; for "countersign-due", when the year was recorded)."""
    moment = (due or now).isoformat()
    return record_deadline(app, kind, doc_id, "u-ecology", moment, now)


def request_countersign(app: object, at: datetime) -> Written:
    drafted = run(
        app,  # type: ignore[arg-type]
        "p-finance-head",
        DraftDocument(
            doc_type="request",
            title="关于申请专项资金的请示",
            from_unit_id="u-finance",
            to="government",
            matters=["专项资金"],
        ),
        at=at,
    )
    command = RequestCountersign(document_id=drafted.aggregate.id, unit_ids=["u-ecology"])
    return run(app, "p-finance-head", command, at=at)  # type: ignore[arg-type]


def test_D7_a_countersign_into_unrecorded_2027_is_accepted_with_its_due_pending() -> None:
    app = in_memory()

    doc = request_countersign(app, CHRISTMAS_EVE).aggregate

    (event,) = [e for e in app.events.get(doc.id) if type(e).__name__ == "CountersignRequested"]
    assert (event.due, event.due_pending_year) == (None, 2027)
    assert event.due_basis.startswith("D7")
    asked = doc.countersigns["u-ecology"]
    assert (asked.status, asked.due, asked.due_pending_year) == ("pending", None, 2027)
    assert not asked.passed(datetime(2030, 1, 1, tzinfo=UTC))  # no due time: never passed


def test_D7_a_unit_answers_a_request_whose_due_time_is_pending() -> None:
    app = in_memory()
    doc_id = request_countersign(app, CHRISTMAS_EVE).aggregate.id

    run(app, "p-ecology-head", Countersign(doc_id, "u-ecology", "agree", None), at=CHRISTMAS_EVE)

    assert app.load(OfficialDocument, doc_id).countersigns["u-ecology"].status == "answered"


def test_D7_the_due_time_is_counted_once_the_year_is_recorded_then_deemed_when_it_passes() -> None:
    app = in_memory()
    doc_id = request_countersign(app, CHRISTMAS_EVE).aggregate.id
    later = CHRISTMAS_EVE + timedelta(hours=1)
    assert not deadline_recorded(app, "countersign-due", doc_id, later)  # 2027 not recorded yet

    run(app, "p-admin", NOTICE_2027, at=later)
    assert deadline_recorded(app, "countersign-due", doc_id, later)
    assert not deadline_recorded(app, "countersign-due", doc_id, later)  # once

    doc = app.load(OfficialDocument, doc_id)
    assert doc.countersigns["u-ecology"].due == DUE
    (due_set,) = [e for e in app.events.get(doc_id) if type(e).__name__ == "CountersignDueSet"]
    assert due_set.meta["actor_id"] == "system"
    assert due_set.meta["rules"] == ["D7"]
    assert not deadline_recorded(app, "countersign", doc_id, DUE - timedelta(seconds=1), DUE)
    assert deadline_recorded(app, "countersign", doc_id, DUE, DUE)
    assert app.load(OfficialDocument, doc_id).countersigns["u-ecology"].status == "deemed"


def test_D7_the_system_administrator_records_a_years_notice() -> None:
    app = in_memory()

    written = run(app, "p-admin", NOTICE_2027, at=CHRISTMAS_EVE)

    (event,) = [e for e in app.events.get(CALENDAR_ID) if type(e).__name__ == "YearRecorded"]
    assert event.year == 2027
    assert event.holidays == sorted(NOTICE_2027.holidays)
    assert event.workdays == [date(2027, 1, 31), date(2027, 2, 20)]
    assert event.notice_ref == "国办发明电〔2026〕示例号"
    assert event.meta["rules"] == ["D7"]
    assert event.meta["actor_id"] == "p-admin"
    assert isinstance(written.aggregate, HolidayCalendar)
    assert recorded(app) == [2027]


def test_D7_with_the_notice_a_countersign_across_new_year_is_counted() -> None:
    """Requested Thu 2026-12-24: working days 12-25, 12-28, 12-29, 12-30, 12-31, then the New
    Year holiday (01-01 to 01-03), 01-04, 01-05 → due 2027-01-06 00:00 +08:00."""
    app = in_memory()
    run(app, "p-admin", NOTICE_2027, at=CHRISTMAS_EVE)

    doc = request_countersign(app, CHRISTMAS_EVE).aggregate

    assert doc.countersigns["u-ecology"].due == DUE


def test_D7_a_make_up_sunday_counts_and_the_spring_festival_does_not() -> None:
    """Requested Wed 2027-01-27: 01-28, 01-29, Sun 01-31 (worked), 02-01 … 02-04 → due 02-05
    00:00; the Saturday 01-30 is off."""
    calendar = WorkingDayCalendar().with_notices(
        [run(in_memory(), "p-admin", NOTICE_2027, at=CHRISTMAS_EVE).aggregate.notices()[0]]
    )
    requested = datetime(2027, 1, 27, 10, 0, tzinfo=UTC) - SH

    assert calendar.due_after_working_days(requested, 7) == datetime(2027, 2, 5, tzinfo=UTC) - SH
    assert calendar.add_working_days(date(2027, 2, 4), 1) == date(2027, 2, 15)


def test_D7_only_the_system_administrator_records_a_notice() -> None:
    app = in_memory()

    with pytest.raises(NotAuthorised) as refusal:
        run(app, "p-office-dir", NOTICE_2027, at=CHRISTMAS_EVE)

    assert refusal.value.rule.id == "D7"
    assert list(app.events.get(CALENDAR_ID)) == []


def test_D7_a_years_notice_is_recorded_once() -> None:
    app = in_memory()
    run(app, "p-admin", NOTICE_2027, at=CHRISTMAS_EVE)
    version = app.load(HolidayCalendar, CALENDAR_ID).version

    with pytest.raises(RuleViolation) as refusal:
        run(app, "p-admin", NOTICE_2027, at=CHRISTMAS_EVE)

    assert refusal.value.rule.id == "D7"
    assert app.load(HolidayCalendar, CALENDAR_ID).version == version


def test_D7_a_year_the_shipped_data_knows_is_not_recorded_again() -> None:
    app = in_memory()
    notice_2026 = RecordCalendarYear(
        year=2026, holidays=[date(2026, 1, 1)], workdays=[], notice_ref="国办发明电〔2025〕7号"
    )

    with pytest.raises(RuleViolation) as refusal:
        run(app, "p-admin", notice_2026, at=CHRISTMAS_EVE)

    assert refusal.value.rule.id == "D7"
    assert list(app.events.get(CALENDAR_ID)) == []


@pytest.mark.parametrize(
    ("holidays", "workdays", "message"),
    [
        ([date(2027, 1, 1), date(2028, 1, 1)], [], "dates outside 2027"),
        ([date(2027, 1, 1)], [date(2027, 1, 1)], "both off and worked"),
        ([date(2027, 1, 1)], [date(2027, 2, 3)], "fall on weekends"),
        ([], [], "names the days off"),
    ],
)
def test_D7_a_notice_that_cannot_be_one_is_refused_as_invalid(
    holidays: list[date], workdays: list[date], message: str
) -> None:
    app = in_memory()
    notice = RecordCalendarYear(year=2027, holidays=holidays, workdays=workdays, notice_ref="x")

    with pytest.raises(InvalidReference, match=message):
        run(app, "p-admin", notice, at=CHRISTMAS_EVE)

    assert list(app.events.get(CALENDAR_ID)) == []
