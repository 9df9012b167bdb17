"""What the API answers for each resource (api.md "Every resource"): the aggregate's state as
its events left it, typed records and all (orjson writes dataclasses, datetimes and dates),
with its id and times. Records keyed for lookup (``Records``) answer as a list. A few
aggregates answer more than their state: what the rules derive from it (``EXTRAS``), and a
state name the contract spells differently (``RENAMED``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.base import GovAggregate, Records
from domain.clock import local_date
from domain.decisions import Decision
from domain.documents import OfficialDocument
from domain.holidays import HolidayCalendar
from domain.leaves import LeaveRecord
from domain.meetings import CitywideMeetingApproval, Meeting
from domain.performance import PerformanceAssessment
from domain.regulations import Regulation
from domain.roster import Roster
from domain.supervision import SupervisionItem

RENAMED: dict[type[GovAggregate], dict[str, str]] = {
    OfficialDocument: {"signature": "sign_off"},
    Decision: {"taken": "meeting"},
}
EXTRAS: dict[type[GovAggregate], Callable[[Any], dict[str, Any]]] = {
    Decision: lambda d: {
        "status": d.stage,  # api.md says status, the issue said stage: both
        "missing_procedures": d.missing_procedures(),
        "positions": d.taken.positions if d.taken else None,
    },
    Regulation: lambda r: {"temporary": r.temporary},
    PerformanceAssessment: lambda a: {"ranking": a.ranking()},
}
RESOURCES: tuple[type[GovAggregate], ...] = (
    OfficialDocument, Decision, Meeting, SupervisionItem, LeaveRecord, Regulation, Roster,
    HolidayCalendar, CitywideMeetingApproval, PerformanceAssessment,
)  # fmt: skip
COLLECTIONS = {cls.COLLECTION: cls for cls in RESOURCES}


def state_of(aggregate: GovAggregate) -> dict[str, Any]:
    """Every attribute the aggregate's events set, as the API names it."""
    cls = type(aggregate)
    renamed = RENAMED.get(cls, {})
    state: dict[str, Any] = {"id": str(aggregate.id)}
    for name, value in vars(aggregate).items():
        if not name.startswith("_"):
            state[renamed.get(name, name)] = (
                list(value.values()) if isinstance(value, Records) else value
            )
    if cls in EXTRAS:
        state.update(EXTRAS[cls](aggregate))
    state.update(created_on=aggregate.created_on, modified_on=aggregate.modified_on)
    return state


def render_roster_on(roster: Roster, now: datetime) -> dict[str, Any]:
    """The roster as it stands on the day of ``now``, with every tenure for life (P1)."""
    return {"id": str(roster.id), **roster.snapshot(local_date(now)),
            "tenures": roster.tenure_history()}  # fmt: skip


def render(aggregate: GovAggregate, now: datetime) -> dict[str, Any]:
    """The resource's state (the roster's as of the day of ``now``)."""
    if isinstance(aggregate, Roster):
        return render_roster_on(aggregate, now)
    return state_of(aggregate)
