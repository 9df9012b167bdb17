"""The PRC working-day calendar (工作日), including make-up workdays (调休).

Wraps `chinese_calendar` (State Council holiday notices, 2004–2026 in version 1.11) behind a
small interface with an override table, so a new year's notice can be recorded as data before
the library catches up. A year with no data is never guessed: it raises `CalendarYearUnknown`.

Used by the timer rules: D7 (countersign answered within 7 working days) and D10 (issued within
6 months, `add_months`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Protocol

import chinese_calendar

from domain.clock import SHANGHAI, local_date, require_aware

_ONE_DAY = timedelta(days=1)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_OVERRIDE_KEYS = frozenset({"holidays", "workdays", "known_years"})


class CalendarYearUnknown(Exception):
    """No holiday data for a year: record the State Council notice in the overrides."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"没有 {year} 年的节假日安排数据 / no holiday data for year {year}: "
            "record the State Council notice in the calendar overrides"
        )
        self.year = year


@dataclass(frozen=True)
class CalendarOverrides:
    """Days declared by hand, winning over `chinese_calendar`.

    `known_years` are years fully declared here: for such a year that `chinese_calendar` lacks,
    a day is a working day iff it is in `workdays`, or it is Mon–Fri and not in `holidays`.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    known_years: frozenset[int] = frozenset()

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            days = ", ".join(sorted(d.isoformat() for d in both))
            raise ValueError(f"calendar overrides declare days both holiday and workday: {days}")

    @classmethod
    def empty(cls) -> CalendarOverrides:
        return cls()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CalendarOverrides:
        """Build from `{"holidays": ["YYYY-MM-DD", ...], "workdays": [...], "known_years": [...]}`.

        Every key is optional; an unknown key or a malformed value raises ValueError.
        """
        if not isinstance(data, Mapping):
            raise ValueError("calendar overrides must be a JSON object")
        unknown = set(data) - _OVERRIDE_KEYS
        if unknown:
            raise ValueError(f"unknown keys in calendar overrides: {', '.join(sorted(unknown))}")
        return cls(
            holidays=_dates(data.get("holidays", []), "holidays"),
            workdays=_dates(data.get("workdays", []), "workdays"),
            known_years=_years(data.get("known_years", [])),
        )

    @classmethod
    def from_file(cls, path: str | Path) -> CalendarOverrides:
        """Read overrides from a UTF-8 JSON file (format as in `from_json`)."""
        with Path(path).open(encoding="utf-8") as f:
            return cls.from_json(json.load(f))


def _dates(values: object, key: str) -> frozenset[date]:
    return frozenset(_parse_date(v, key) for v in _list(values, key))


def _parse_date(value: object, key: str) -> date:
    if not isinstance(value, str) or _ISO_DATE.fullmatch(value) is None:
        raise ValueError(f"calendar overrides: {key} entries must be 'YYYY-MM-DD', got {value!r}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"calendar overrides: {key} has an invalid date {value!r}") from None


def _years(values: object) -> frozenset[int]:
    years = _list(values, "known_years")
    for y in years:
        if not isinstance(y, int) or isinstance(y, bool):
            raise ValueError(f"calendar overrides: known_years entries must be integers, got {y!r}")
    return frozenset(years)


def _list(values: object, key: str) -> list[Any]:
    if not isinstance(values, list):
        raise ValueError(f"calendar overrides: {key} must be a list")
    return values


def library_knows(year: int) -> bool:
    """Whether ``chinese_calendar`` ships the State Council's notice for ``year``."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


class Notice(Protocol):
    """A year's recorded notice (``domain.holidays.YearNotice``)."""

    @property
    def year(self) -> int: ...
    @property
    def holidays(self) -> tuple[date, ...]: ...
    @property
    def workdays(self) -> tuple[date, ...]: ...


class WorkingDayCalendar:
    """Working days (工作日) per the State Council calendar plus overrides (D7)."""

    def __init__(
        self,
        overrides: CalendarOverrides | None = None,
        recorded: Callable[[], Iterable[Notice]] | None = None,
    ) -> None:
        self._overrides = overrides if overrides is not None else CalendarOverrides.empty()
        self._recorded = recorded

    def with_recorded(self, recorded: Callable[[], Iterable[Notice]]) -> WorkingDayCalendar:
        """This calendar, and the notices recorded in the log, read only when a day falls in a
        year neither the shipped data nor the overrides know (most commands never need them:
        no store round trip for a calendar that has not changed)."""
        return WorkingDayCalendar(self._overrides, recorded)

    def with_notices(self, notices: Iterable[Notice]) -> WorkingDayCalendar:
        """This calendar and the years' notices recorded in the log (``domain.holidays``): each
        such year is known, its holidays off and its make-up days worked."""
        notices = list(notices)
        if not notices:
            return self
        o = self._overrides
        return WorkingDayCalendar(
            CalendarOverrides(
                holidays=o.holidays.union(*(n.holidays for n in notices)),
                workdays=o.workdays.union(*(n.workdays for n in notices)),
                known_years=o.known_years | {n.year for n in notices},
            )
        )

    def is_workday(self, d: date) -> bool:
        """Is `d` a working day? Overrides win; a year with no data — shipped, overridden or
        recorded — raises CalendarYearUnknown."""
        try:
            return self._is_workday(d)
        except CalendarYearUnknown:
            if self._recorded is None:
                raise
            notices, self._recorded = self._recorded(), None  # read the log once
            self._overrides = self.with_notices(notices)._overrides
            return self._is_workday(d)

    def _is_workday(self, d: date) -> bool:
        if isinstance(d, datetime):
            raise TypeError("is_workday takes a date (in Asia/Shanghai), not a datetime")
        if d in self._overrides.holidays:
            return False
        if d in self._overrides.workdays:
            return True
        return self._library_or_known_year(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day strictly after `start` (day 0, whatever kind of day it is)."""
        if n < 0:
            raise ValueError(f"number of working days must not be negative, got {n}")
        day, counted = start, 0
        while counted < n:
            day += _ONE_DAY
            if self.is_workday(day):
                counted += 1
        return day

    def due_after_working_days(self, requested_at: datetime, n: int) -> datetime:
        """D7 counting: the request's Shanghai date is day 0; due at 24:00 Asia/Shanghai at the end
        of the n-th working day after it (midnight starting the next calendar day), in UTC."""
        day_zero = local_date(require_aware(requested_at, "requested_at"))
        last_day = self.add_working_days(day_zero, n)
        return start_of_day_utc(last_day + _ONE_DAY)

    def _library_or_known_year(self, d: date) -> bool:
        try:
            return bool(chinese_calendar.is_workday(d))
        except NotImplementedError:
            if d.year in self._overrides.known_years:
                return d.weekday() < 5
            raise CalendarYearUnknown(d.year) from None


def start_of_day_utc(d: date) -> datetime:
    """00:00 Asia/Shanghai at the start of `d`, as a UTC datetime."""
    return datetime.combine(d, time(0), tzinfo=SHANGHAI).astimezone(UTC)


def add_months(d: date, months: int) -> date:
    """`d` plus calendar months, the day clamped to the month's end (D10's six-month limit):
    2026-08-31 + 6 → 2027-02-28."""
    index = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(index, 12)
    return date(year, month0 + 1, min(d.day, _days_in_month(year, month0 + 1)))


def _days_in_month(year: int, month: int) -> int:
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    return (first_of_next - _ONE_DAY).day
