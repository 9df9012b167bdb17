"""The system's own endpoints: its health (store, read models, clock) and the drill clock that
tests and demos move forward."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api import errors
from api.auth import current_actor
from api.resources import Instant
from api.writes import json_response
from domain.base import Actor
from domain.rules import forbid

router = APIRouter(tags=["system"])


class ClockMove(BaseModel):
    now: Instant
    # The clock stays at ``now`` until the next move instead of running on with real time
    # (scripts/demo --url: every act of a simulated moment stamped at that moment).
    hold: bool = False


@router.get("/health", summary="The store and the clock")
def health(request: Request) -> Response:
    services = request.app.state.services
    try:
        position = services.store.max_notification_id()
    except Exception as e:
        return errors.problem(
            503,
            "unavailable",
            "Store unavailable",
            "the event store cannot be reached; retry shortly",
            headers={"Retry-After": "2"},
            status_text="unavailable",
            store={"ok": False, "error": type(e).__name__},
        )
    try:
        projections = services.engine.status()
    except Exception as e:
        projections = [{"state": "unavailable", "error": type(e).__name__}]
    return json_response(
        {
            "status": "ok",
            "store": {"ok": True, "position": position or 0},
            "projections": projections,
            "now": services.clock.now(),
            "drill_clock": services.drill_clock is not None,
            "role": services.settings.role,
        }
    )


@router.post("/_clock", summary="Move the drill clock forward (tests, demos)")
def move_clock(
    request: Request, body: ClockMove, actor: Actor = Depends(current_actor)
) -> Response:
    drill = request.app.state.services.drill_clock
    if drill is None:
        raise HTTPException(404, "Not Found")
    if actor.holds("system_admin") is None:
        raise forbid("P1", "only the system administrator moves the drill clock")
    drill.advance_to(body.now, hold=body.hold)
    # api.md: the ticker records whatever fell due before the call returns.
    ticker = request.app.state.services.ticker
    recorded = ticker.tick_after_catching_up() if ticker is not None else 0
    return json_response({"now": drill.now(), "deadlines_recorded": recorded})
