"""The State Council's holiday notices (国务院办公厅关于部分节假日安排的通知) as recorded facts.

Working days (D7) come from ``chinese_calendar`` for the years it ships (2004–2026 in 1.11). A
government cannot stop countersigning because a library has not caught up: the system
administrator records a later year's notice — its holidays and its make-up working days (调休
上班) — as an event, replayed like any other, and every command from then on counts working days
with it. Due times already frozen in events never change when a notice arrives later.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from domain.base import Act, GovAggregate, Records
from domain.calendar import library_knows
from domain.roster import InvalidReference
from domain.rules import forbid, refuse

CALENDAR_ID = uuid.uuid5(uuid.NAMESPACE_URL, "govrules:holiday-calendar")
FIRST_YEAR, LAST_YEAR = 1949, 2200  # a notice for a year outside these is a typing error


@dataclass(frozen=True, slots=True)
class YearNotice:
    """One year's notice: the days off, the weekend days worked instead, where it was read."""

    year: int
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    notice_ref: str
    recorded_at: datetime
    recorded_by: str


class HolidayCalendar(GovAggregate):
    """The holiday notices recorded so far, year by year (D7)."""

    TOPIC = "govrules:HolidayCalendar"
    COLLECTION = "calendar"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:HolidayCalendarStarted"

        def apply(self, calendar: HolidayCalendar) -> None:
            calendar.years = Records()

    class YearRecorded(Event):
        TOPIC = "govrules:CalendarYearRecorded"
        year: int
        holidays: list[date]
        workdays: list[date]
        notice_ref: str

        def apply(self, calendar: HolidayCalendar) -> None:
            calendar.years[str(self.year)] = YearNotice(
                self.year,
                tuple(self.holidays),
                tuple(self.workdays),
                self.notice_ref,
                self.timestamp,
                self.meta["actor_id"],
            )

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        years: Records[YearNotice]

    @classmethod
    def open(cls, act: Act) -> HolidayCalendar:
        calendar: HolidayCalendar = cls.start(
            cls.Created, act, id=CALENDAR_ID, rules=("D7",), post=None
        )
        return calendar

    def notices(self) -> list[YearNotice]:
        return list(self.years.values())

    def record_year(
        self,
        act: Act,
        year: int,
        holidays: Iterable[date],
        workdays: Iterable[date],
        notice_ref: str,
    ) -> None:
        """D7: the system administrator records a year's notice, once, for a year the shipped
        calendar does not know; every date falls in that year, none both off and worked."""
        post = act.actor.holds("system_admin")
        if post is None:
            raise forbid("D7", "only the system administrator records a year's holiday notice")
        off, worked = sorted(set(holidays)), sorted(set(workdays))
        _check_notice(year, off, worked)
        if str(year) in self.years:
            raise refuse("D7", f"the holiday notice of {year} is already recorded")
        if library_knows(year):
            raise refuse(
                "D7", f"{year}'s holidays are already known from the State Council's published data"
            )
        self.record(
            self.YearRecorded,
            act,
            rules=("D7",),
            post=post,
            year=year,
            holidays=off,
            workdays=worked,
            notice_ref=notice_ref,
        )


def _check_notice(year: int, holidays: list[date], workdays: list[date]) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InvalidReference(f"year is between {FIRST_YEAR} and {LAST_YEAR}")
    if not holidays:
        raise InvalidReference("a holiday notice names the days off (holidays)")
    strays = [d.isoformat() for d in (*holidays, *workdays) if d.year != year]
    if strays:
        raise InvalidReference(f"dates outside {year}: {', '.join(strays)}")
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise InvalidReference(f"days both off and worked: {', '.join(map(str, both))}")
    weekdays = [d.isoformat() for d in workdays if d.weekday() < 5]
    if weekdays:
        raise InvalidReference(f"make-up working days fall on weekends, not {', '.join(weekdays)}")
