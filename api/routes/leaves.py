"""/leaves: reporting absences, approval or refusal, filing, return (销假) and cancellation
(L1–L6), and who acts for whom at any moment (P2, P3). A private-leave request (L3) is not on
the absence ledger until approved, so GET /leaves does not list it."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.contract import InstantQuery
from api.resources import add_reads, parse_time
from api.writes import add_command, json_response
from domain.base import Actor
from domain.commands import leaves as c
from domain.leaves import LeaveRecord

router = APIRouter(tags=["leaves"])


@router.get("/leaves", summary="Who is away at `at` (default now), until when, and who acts")
def who_acts(
    request: Request,
    at: InstantQuery | None = Query(default=None, description="RFC 3339 time with offset"),
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    moment = parse_time(at, "at") if at else services.clock.now()
    ledger = services.app.ledger()
    position = services.store.position_of(ledger.id, ledger.version) if ledger else None
    return json_response(
        {"at": moment, "away": services.app.who_acts(moment), "position": position}
    )


add_reads(router, LeaveRecord)
L = "/leaves/{leave_id}"
add_command(router, "/leaves", c.ReportLeave, "LeaveReported (L1–L5, P2, P3)")
add_command(router, f"{L}/approve", c.ApproveLeave, "LeaveApproved (L3, L5)")
add_command(router, f"{L}/refuse", c.RefuseLeave, "LeaveRefused (L3, L5): no absence")
add_command(router, f"{L}/file", c.FileLeave, "LeaveFiled (L4): with the office")
add_command(router, f"{L}/return", c.ReportReturn, "ReturnReported (L6, 销假)")
add_command(router, f"{L}/cancel", c.CancelLeave, LeaveRecord.Cancelled.NAME)
