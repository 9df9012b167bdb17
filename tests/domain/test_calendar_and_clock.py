"""Working-day calendar (D7, D10) and clocks (drill clock of GOVRULES_TEST_CLOCK)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    CalendarOverrides,
    CalendarYearUnknown,
    WorkingDayCalendar,
    add_months,
)
from domain.clock import (
    SHANGHAI,
    Clock,
    ClockWentBackwards,
    DrillClock,
    FixedClock,
    SystemClock,
    parse_test_clock,
)

CAL = WorkingDayCalendar()


def shanghai(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


def d(text: str) -> date:
    return date.fromisoformat(text)


class FakeMonotonic:
    """A monotonic time source the test moves by hand."""

    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


# --- D7: counting working days -------------------------------------------------------------


def test_D7_worked_example_national_day_2026() -> None:
    due = CAL.due_after_working_days(shanghai(2026, 9, 28, 10, 0), 7)
    assert due == shanghai(2026, 10, 14, 0, 0)
    assert due == datetime(2026, 10, 13, 16, 0, tzinfo=UTC)
    assert due.utcoffset() == timedelta(0)


def test_D7_worked_example_working_days_listed() -> None:
    days = [CAL.add_working_days(d("2026-09-28"), n) for n in range(1, 8)]
    expected = ["2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"]
    assert days == [d(x) for x in [*expected, "2026-10-12", "2026-10-13"]]


@pytest.mark.parametrize("hour", [0, 9, 17, 23])
def test_D7_any_time_on_the_request_day_gives_the_same_deadline(hour: int) -> None:
    due = CAL.due_after_working_days(shanghai(2026, 9, 28, hour, 59), 7)
    assert due == shanghai(2026, 10, 14)


def test_D7_request_on_a_sunday_counts_from_that_sunday() -> None:
    # Sun 2026-09-27 is day 0; the next Monday is working day 1.
    due = CAL.due_after_working_days(shanghai(2026, 9, 27, 15, 0), 7)
    assert due == shanghai(2026, 10, 13)


def test_D7_request_on_a_holiday_counts_from_that_holiday() -> None:
    # National Day 2026-10-01 is day 0; 10-02..10-07 are holidays too.
    assert CAL.due_after_working_days(shanghai(2026, 10, 1, 11, 0), 1) == shanghai(2026, 10, 9)
    assert CAL.due_after_working_days(shanghai(2026, 10, 1, 11, 0), 7) == shanghai(2026, 10, 16)


def test_D7_late_evening_in_shanghai_counts_from_that_shanghai_day() -> None:
    requested = datetime.fromisoformat("2026-09-28T23:30:00+08:00")
    assert requested.astimezone(UTC) == datetime(2026, 9, 28, 15, 30, tzinfo=UTC)
    assert CAL.due_after_working_days(requested, 7) == shanghai(2026, 10, 14)
    assert CAL.due_after_working_days(requested.astimezone(UTC), 7) == shanghai(2026, 10, 14)


def test_D7_just_after_midnight_in_shanghai_is_the_previous_day_in_utc() -> None:
    requested = datetime(2026, 9, 27, 16, 30, tzinfo=UTC)  # 2026-09-28T00:30+08:00
    assert requested.astimezone(SHANGHAI).date() == d("2026-09-28")
    assert CAL.due_after_working_days(requested, 7) == shanghai(2026, 10, 14)


def test_D7_zero_working_days_is_midnight_ending_the_request_day() -> None:
    assert CAL.due_after_working_days(shanghai(2026, 9, 28, 9), 0) == shanghai(2026, 9, 29)


def test_D7_naive_request_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.due_after_working_days(datetime(2026, 9, 28, 9, 0), 7)


def test_D7_negative_working_days_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_days(d("2026-09-28"), -1)


def test_make_up_saturday_is_a_working_day() -> None:
    assert CAL.is_workday(d("2026-10-10"))
    assert not CAL.is_workday(d("2026-10-01"))
    assert not CAL.is_workday(d("2026-06-06"))


def test_is_workday_refuses_a_datetime() -> None:
    with pytest.raises(TypeError):
        CAL.is_workday(datetime(2026, 9, 28, tzinfo=UTC))


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2025, 12, 31)),
    n=st.integers(min_value=1, max_value=30),
)
def test_D7_property_exactly_n_working_days_after_start(start: date, n: int) -> None:
    result = CAL.add_working_days(start, n)
    assert result > start
    assert chinese_calendar.is_workday(result)
    days = [start + timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(1 for day in days if chinese_calendar.is_workday(day)) == n


# --- overrides ------------------------------------------------------------------------------


def test_D7_declared_holiday_on_a_weekday_does_not_count() -> None:
    cal = WorkingDayCalendar(CalendarOverrides(holidays=frozenset({d("2026-06-02")})))
    assert CAL.add_working_days(d("2026-06-01"), 1) == d("2026-06-02")
    assert cal.add_working_days(d("2026-06-01"), 1) == d("2026-06-03")
    assert not cal.is_workday(d("2026-06-02"))


def test_D7_declared_workday_saturday_counts() -> None:
    cal = WorkingDayCalendar(CalendarOverrides(workdays=frozenset({d("2026-06-06")})))
    assert CAL.add_working_days(d("2026-06-05"), 1) == d("2026-06-08")
    assert cal.add_working_days(d("2026-06-05"), 1) == d("2026-06-06")


def test_unknown_year_raises_naming_the_year() -> None:
    with pytest.raises(CalendarYearUnknown) as info:
        CAL.is_workday(d("2027-03-01"))
    assert info.value.year == 2027
    assert "2027" in str(info.value)
    assert "calendar overrides" in str(info.value)


def test_D7_counting_into_an_unknown_year_raises_rather_than_guess() -> None:
    with pytest.raises(CalendarYearUnknown) as info:
        CAL.due_after_working_days(shanghai(2026, 12, 30, 9), 7)
    assert info.value.year == 2027


def test_year_before_the_library_data_is_unknown_too() -> None:
    with pytest.raises(CalendarYearUnknown) as info:
        CAL.is_workday(d("2003-06-02"))
    assert info.value.year == 2003


def test_known_year_works_from_the_overrides_alone() -> None:
    overrides = CalendarOverrides.from_json(
        {"holidays": ["2027-01-01"], "workdays": ["2027-01-09"], "known_years": [2027]}
    )
    cal = WorkingDayCalendar(overrides)
    assert not cal.is_workday(d("2027-01-01"))  # Friday, declared holiday
    assert not cal.is_workday(d("2027-01-02"))  # Saturday
    assert cal.is_workday(d("2027-01-04"))  # Monday
    assert cal.is_workday(d("2027-01-09"))  # Saturday, declared workday
    # Wed 2026-12-30 (library data) → Thu 12-31, Mon 01-04 … Fri 01-08, Sat 01-09.
    assert cal.add_working_days(d("2026-12-30"), 7) == d("2027-01-09")
    with pytest.raises(CalendarYearUnknown):
        cal.is_workday(d("2028-01-03"))


def test_overrides_from_file(tmp_path: Path) -> None:
    path = tmp_path / "calendar.json"
    path.write_text(json.dumps({"holidays": ["2027-02-10"], "known_years": [2027]}), "utf-8")
    overrides = CalendarOverrides.from_file(path)
    assert overrides == CalendarOverrides(
        holidays=frozenset({d("2027-02-10")}), known_years=frozenset({2027})
    )


def test_overrides_empty() -> None:
    assert CalendarOverrides.empty() == CalendarOverrides.from_json({})
    assert WorkingDayCalendar(CalendarOverrides.empty()).is_workday(d("2026-09-28"))


@pytest.mark.parametrize(
    "data",
    [
        {"holiday": ["2027-01-01"]},
        {"holidays": "2027-01-01"},
        {"holidays": ["2027/01/01"]},
        {"holidays": ["2027-02-30"]},
        {"workdays": [20270101]},
        {"known_years": ["2027"]},
        {"known_years": [True]},
        {"holidays": ["2027-01-01"], "workdays": ["2027-01-01"]},
    ],
)
def test_malformed_overrides_are_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        CalendarOverrides.from_json(data)


# --- D10: calendar months --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-08-31", 6, "2027-02-28"),
        ("2027-08-31", 6, "2028-02-29"),
        ("2026-01-15", 6, "2026-07-15"),
        ("2026-07-31", 6, "2027-01-31"),
        ("2026-12-31", 2, "2027-02-28"),
        ("2026-03-31", -1, "2026-02-28"),
        ("2026-01-31", -1, "2025-12-31"),
        ("2026-05-10", 0, "2026-05-10"),
    ],
)
def test_D10_add_months_clamps_to_month_end(start: str, months: int, expected: str) -> None:
    assert add_months(d(start), months) == d(expected)


# --- clocks ----------------------------------------------------------------------------------


def test_system_clock_is_utc_and_current() -> None:
    clock: Clock = SystemClock()
    now = clock.now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_fixed_clock_returns_what_it_was_set_to_even_backwards() -> None:
    clock = FixedClock(shanghai(2026, 9, 28, 9))
    assert clock.now() == datetime(2026, 9, 28, 1, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    clock.set(datetime(2020, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2020, 1, 1, tzinfo=UTC)


def test_fixed_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError):
        FixedClock(datetime(2026, 9, 28))
    clock = FixedClock(datetime(2026, 9, 28, tzinfo=UTC))
    with pytest.raises(ValueError):
        clock.set(datetime(2026, 9, 29))


def test_drill_clock_keeps_running() -> None:
    mono = FakeMonotonic()
    clock = DrillClock(shanghai(2026, 9, 28, 9), monotonic=mono)
    assert clock.now() == shanghai(2026, 9, 28, 9)
    mono.value += 90.5
    assert clock.now() == shanghai(2026, 9, 28, 9) + timedelta(seconds=90.5)
    assert clock.now().tzinfo is UTC


def test_drill_clock_keeps_running_in_real_time() -> None:
    start = datetime(2026, 9, 28, 1, tzinfo=UTC)
    clock = DrillClock(start)
    first = clock.now()
    assert start <= first <= clock.now() < start + timedelta(seconds=5)


def test_drill_clock_advances_forward_and_keeps_running_from_there() -> None:
    mono = FakeMonotonic()
    clock = DrillClock(shanghai(2026, 9, 28, 9), monotonic=mono)
    mono.value += 10
    clock.advance_to(shanghai(2026, 10, 14, 0, 0, 1))
    assert clock.now() == shanghai(2026, 10, 14, 0, 0, 1)
    mono.value += 2
    assert clock.now() == shanghai(2026, 10, 14, 0, 0, 3)


def test_drill_clock_advance_to_exactly_now_is_allowed() -> None:
    mono = FakeMonotonic()
    clock = DrillClock(shanghai(2026, 9, 28, 9), monotonic=mono)
    clock.advance_to(shanghai(2026, 9, 28, 9))
    assert clock.now() == shanghai(2026, 9, 28, 9)


def test_drill_clock_never_goes_back() -> None:
    mono = FakeMonotonic()
    clock = DrillClock(shanghai(2026, 9, 28, 9), monotonic=mono)
    mono.value += 60
    with pytest.raises(ClockWentBackwards) as info:
        clock.advance_to(shanghai(2026, 9, 28, 9, 0, 30))  # before now (09:01)
    assert isinstance(info.value, ValueError)
    assert info.value.current == shanghai(2026, 9, 28, 9, 1)
    assert clock.now() == shanghai(2026, 9, 28, 9, 1)


def test_drill_clock_refuses_naive_times() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DrillClock(datetime(2026, 9, 28, 9))
    clock = DrillClock(datetime(2026, 9, 28, 9, tzinfo=UTC))
    with pytest.raises(ValueError, match="timezone-aware"):
        clock.advance_to(datetime(2026, 10, 1))


def test_drill_clock_is_safe_across_threads() -> None:
    clock = DrillClock(datetime(2026, 9, 28, tzinfo=UTC))
    targets = [datetime(2026, 9, 28, tzinfo=UTC) + timedelta(hours=h) for h in range(1, 201)]
    errors: list[ClockWentBackwards] = []

    def advance(ts: list[datetime]) -> None:
        for t in ts:
            try:
                clock.advance_to(t)
            except ClockWentBackwards as e:
                errors.append(e)

    threads = [threading.Thread(target=advance, args=(targets[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert clock.now() >= targets[-1]
    assert all(e.requested < e.current for e in errors)


def test_parse_test_clock_unset_or_empty_is_no_drill_clock() -> None:
    assert parse_test_clock(None) is None
    assert parse_test_clock("") is None


def test_parse_test_clock_1_starts_at_the_real_time() -> None:
    clock = parse_test_clock("1")
    assert isinstance(clock, DrillClock)
    assert abs(clock.now() - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "value",
    ["2026-09-28T09:00:00+08:00", "2026-09-28T01:00:00Z", "2026-09-28t01:00:00.000z"],
)
def test_parse_test_clock_rfc3339_starts_there(value: str) -> None:
    clock = parse_test_clock(value)
    assert isinstance(clock, DrillClock)
    assert timedelta(0) <= clock.now() - shanghai(2026, 9, 28, 9) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "value",
    [
        "garbage",
        "0",
        "yes",
        "2026-09-28",
        "2026-09-28T09:00:00",
        "2026-09-28T25:00:00+08:00",
        "20260928T090000+0800",
    ],
)
def test_parse_test_clock_refuses_anything_else(value: str) -> None:
    with pytest.raises(ValueError, match="GOVRULES_TEST_CLOCK") as info:
        parse_test_clock(value)
    assert "\n" not in str(info.value)


def test_a_held_drill_clock_stays_at_its_moment_until_moved_again() -> None:
    ticks = [0.0]
    clock = DrillClock(shanghai(2026, 9, 28, 9), monotonic=lambda: ticks[0])
    clock.advance_to(shanghai(2026, 9, 29, 9), hold=True)
    ticks[0] += 90
    assert clock.now() == shanghai(2026, 9, 29, 9)  # held: real time does not move it
    clock.advance_to(shanghai(2026, 9, 29, 9))  # released where it stands
    ticks[0] += 60
    assert clock.now() == shanghai(2026, 9, 29, 9, 1)
