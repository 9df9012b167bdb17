"""/roster: units, offices and who holds them, divisions of work, AB pairs (P1, P3)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.contract import InstantQuery
from api.resources import history_of, parse_time
from api.writes import add_command, json_response
from domain.base import Actor
from domain.clock import local_date
from domain.commands import roster as c
from domain.roster import ROSTER_ID, Roster

router = APIRouter(tags=["roster"])


@router.get("/roster", summary="Who held which office on a day (as_of), as recorded (known_at)")
def get_roster(
    request: Request,
    as_of: InstantQuery | None = Query(
        default=None,
        description="RFC 3339 time with offset: the holders on that day (Asia/Shanghai), from "
        "the tenures' own dates (since, relieved on)",
    ),
    known_at: InstantQuery | None = Query(
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
    body = {
        "id": str(roster.id),
        **roster.snapshot(on),
        "tenures": roster.tenure_history(),
        "version": roster.version,
        "position": position,
    }
    return json_response(body, headers={"ETag": f'"{roster.version}"'})


@router.get("/roster/history", summary="Every roster event with its metadata")
def roster_history(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    store = request.app.state.services.store
    return json_response({"id": str(ROSTER_ID), "events": history_of(store, ROSTER_ID)})


add_command(router, "/roster/appointments", c.Appoint, "OfficeHolderAppointed (P1)")
add_command(router, "/roster/relievals", c.Relieve, "OfficeHolderRelieved (P1)")
add_command(router, "/roster/units", c.AddUnit, Roster.UnitAdded.NAME)
add_command(router, "/roster/divisions", c.AssignDivision, "DivisionAssigned (分管)")
add_command(router, "/roster/ab-pairs", c.FormABPair, "ABPairFormed (P3)")
add_command(router, "/roster/clearances", c.GrantClearance, "ClearanceGranted (D12)")
