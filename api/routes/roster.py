"""/roster: units, offices and who holds them, divisions of work, AB pairs (P1, P3)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import history_entry, parse_time
from api.writes import json_response, write
from domain.application import local_date
from domain.base import Actor
from domain.roster import CLEARANCES, OFFICES, ROSTER_ID, UNIT_FUNCTIONS, UNIT_KINDS, Roster

router = APIRouter(tags=["roster"])

# One source of truth: the domain's lists become the schema's enums.
Office = Literal[OFFICES]  # type: ignore[valid-type]
Clearance = Literal[CLEARANCES]  # type: ignore[valid-type]
CREATABLE_KINDS = tuple(k for k in UNIT_KINDS if k != "government")  # the government exists
UnitKind = Literal[CREATABLE_KINDS]  # type: ignore[valid-type]
UnitFunction = Literal[UNIT_FUNCTIONS]  # type: ignore[valid-type]
Slug = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class Appointment(BaseModel):
    person_id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    office: Office
    unit_id: str | None = None
    since: date
    decided_by: str | None = None
    clearance: Clearance | None = None


class Relieval(BaseModel):
    person_id: str = Slug
    office: Office
    on: date


class Unit(BaseModel):
    unit_id: str = Slug
    name: str = Field(min_length=1, max_length=200)
    kind: UnitKind
    function: UnitFunction | None = None
    superior_unit_id: str | None = None


class Division(BaseModel):
    vice_mayor_id: str
    unit_ids: list[str]


class ABPair(BaseModel):
    a: str
    b: str


def _render_at(on: date) -> Any:
    def render(roster: Roster) -> dict[str, Any]:
        return {"id": str(roster.id), **roster.snapshot(on), "tenures": roster.tenure_history()}

    return render


def _change(request: Request, actor: Actor, body: BaseModel, command: Any) -> Response:
    services = request.app.state.services
    today = local_date(services.clock.now())
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.change_roster(
            act, lambda roster: command(roster, act), expected_version=expected, **kw
        ),
        _render_at(today),
        collection="roster",
    )


@router.get("/roster", summary="Who held which office on a day (as_of), as recorded (known_at)")
def get_roster(
    request: Request,
    as_of: str | None = Query(
        default=None,
        description="RFC 3339 time with offset: the holders on that day (Asia/Shanghai), from "
        "the tenures' own dates (since, relieved on)",
    ),
    known_at: str | None = Query(
        default=None,
        description="RFC 3339 time with offset: the roster as it was recorded at that instant "
        "(default: now)",
    ),
    actor: Actor = Depends(current_actor),
) -> Response:
    """P1 has two times: when a tenure held (``as_of``) and when it was recorded
    (``known_at``). A roster entered today answers for its whole history by the first; the
    second shows what the record said then, corrections not yet made."""
    services = request.app.state.services
    now = services.clock.now()
    if known_at is None:
        roster = services.app.roster()
    else:
        roster = services.app.load_as_of(Roster, ROSTER_ID, parse_time(known_at, "known_at"))
    recorded = parse_time(known_at, "known_at") if known_at is not None else now
    on = local_date(parse_time(as_of) if as_of is not None else recorded)
    position = services.store.position_of(roster.id, roster.version)
    body = {**_render_at(on)(roster), "version": roster.version, "position": position}
    return json_response(body, headers={"ETag": f'"{roster.version}"'})


@router.get("/roster/history", summary="Every roster event with its metadata")
def roster_history(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    store = request.app.state.services.store
    return json_response(
        {"id": str(ROSTER_ID), "events": [history_entry(r) for r in store.history(ROSTER_ID)]}
    )


@router.post("/roster/appointments", summary="OfficeHolderAppointed (P1)")
def appoint(request: Request, body: Appointment, actor: Actor = Depends(current_actor)) -> Response:
    return _change(
        request,
        actor,
        body,
        lambda roster, act: roster.appoint(
            act,
            body.person_id,
            body.name,
            body.office,
            body.since,
            body.unit_id,
            body.decided_by,
            body.clearance,
        ),
    )


@router.post("/roster/relievals", summary="OfficeHolderRelieved (P1)")
def relieve(request: Request, body: Relieval, actor: Actor = Depends(current_actor)) -> Response:
    return _change(
        request,
        actor,
        body,
        lambda roster, act: roster.relieve(act, body.person_id, body.office, body.on),
    )


@router.post("/roster/units", summary="UnitAdded")
def add_unit(request: Request, body: Unit, actor: Actor = Depends(current_actor)) -> Response:
    return _change(
        request,
        actor,
        body,
        lambda roster, act: roster.add_unit(
            act, body.unit_id, body.name, body.kind, body.function, body.superior_unit_id
        ),
    )


@router.post("/roster/divisions", summary="DivisionAssigned (分管)")
def assign_division(
    request: Request, body: Division, actor: Actor = Depends(current_actor)
) -> Response:
    return _change(
        request,
        actor,
        body,
        lambda roster, act: roster.assign_division(act, body.vice_mayor_id, body.unit_ids),
    )


@router.post("/roster/ab-pairs", summary="ABPairFormed (P3)")
def pair(request: Request, body: ABPair, actor: Actor = Depends(current_actor)) -> Response:
    return _change(request, actor, body, lambda roster, act: roster.pair(act, body.a, body.b))
