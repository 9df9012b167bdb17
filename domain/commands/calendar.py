"""The working-day calendar's command (D7): a year's State Council holiday notice, recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, ClassVar

from domain.fields import Day, Text, described
from domain.holidays import CALENDAR_ID, HolidayCalendar
from domain.service import Command, UnitOfWork


@dataclass(frozen=True)
class RecordCalendarYear(Command):
    """CalendarYearRecorded (D7): the year's holidays and make-up working days, as the State
    Council's notice gives them, recorded by the system administrator."""

    collection: ClassVar[str] = "calendar"

    year: int
    holidays: Annotated[list[Day], described("every day off (放假), YYYY-MM-DD")]
    notice_ref: Annotated[Text, described("the notice, e.g. 国办发明电〔2026〕N号")]
    workdays: Annotated[
        list[Day], described("every weekend day worked instead (调休上班), YYYY-MM-DD")
    ] = field(default_factory=list)

    def handle(self, uow: UnitOfWork) -> HolidayCalendar:
        calendar = uow.find(HolidayCalendar, CALENDAR_ID) or uow.add(HolidayCalendar.open(uow.act))
        calendar.record_year(uow.act, self.year, self.holidays, self.workdays, self.notice_ref)
        return calendar
