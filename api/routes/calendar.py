"""/calendar: the working-day calendar (D7). The years the shipped State Council data covers,
and the notices the system administrator recorded for later years."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.writes import add_command, json_response
from domain.base import Actor, GovAggregate
from domain.calendar import library_knows
from domain.clock import local_date
from domain.commands import calendar as c
from domain.holidays import CALENDAR_ID, HolidayCalendar, YearNotice
from domain.rules import NotFound

router = APIRouter(tags=["calendar"])


def _notice(n: YearNotice) -> dict[str, Any]:
    return {
        "year": n.year,
        "source": "recorded",
        "holidays": n.holidays,
        "workdays": n.workdays,
        "notice_ref": n.notice_ref,
        "recorded_at": n.recorded_at,
        "recorded_by": n.recorded_by,
    }


def _answer(calendar: GovAggregate, now: Any) -> dict[str, Any]:
    assert isinstance(calendar, HolidayCalendar)
    return {"years": [_notice(n) for n in sorted(calendar.notices(), key=lambda n: n.year)]}


@router.get("/calendar/years", summary="The years whose working days are known (D7)")
def calendar_years(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    """Every year from the shipped data's first to the last one known (shipped or recorded),
    each with its source; a year missing here has no working days yet: a due time that falls
    in it cannot be computed until its notice is recorded."""
    services = request.app.state.services
    try:
        calendar: HolidayCalendar | None = services.app.load(HolidayCalendar, CALENDAR_ID)
    except NotFound:
        calendar = None
    recorded = {n.year: n for n in calendar.notices()} if calendar else {}
    this_year = local_date(services.clock.now()).year
    shipped = [y for y in range(2004, this_year + 2) if library_knows(y)]
    years = [{"year": y, "source": "shipped"} for y in shipped]
    years += [_notice(recorded[y]) for y in sorted(recorded)]
    known = set(shipped) | set(recorded)
    missing = [y for y in (this_year, this_year + 1) if y not in known]
    body = {
        "years": years,
        "missing": missing,
        "today": local_date(services.clock.now()),
        "version": calendar.version if calendar else 0,
    }
    return json_response(body)


add_command(
    router,
    "/calendar/years/{year}",
    c.RecordCalendarYear,
    "CalendarYearRecorded (D7): the State Council's holiday notice of a year",
    _answer,
)
