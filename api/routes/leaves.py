"""/leaves: reporting absences, approval, filing, return (销假) and cancellation (L1–L6), and
who acts for whom at any moment (P2, P3)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import Instant, add_reads, parse_time
from api.writes import json_response, write
from domain.base import Act, Actor
from domain.leaves import KINDS, LeaveRecord

router = APIRouter(tags=["leaves"])
Kind = Literal[KINDS]  # type: ignore[valid-type]


class ReportLeave(BaseModel):
    person_id: str
    kind: Kind
    starts_at: Instant
    ends_at: Instant
    destination: str | None = None
    acting_id: str | None = Field(
        default=None, description="required for city leaders (L4): who acts meanwhile"
    )
    urgent: bool = False
    reported_to_id: str | None = Field(
        default=None, description="the mayor or the executive vice-mayor (L2)"
    )
    override_reason: str | None = Field(
        default=None, description="the mayor's reason to be away with the executive vice-mayor"
    )


class Return(BaseModel):
    returned_at: Instant


def render(leave: LeaveRecord) -> dict[str, Any]:
    return {
        "id": str(leave.id),
        "person_id": leave.person_id,
        "office": leave.office,
        "kind": leave.kind,
        "status": leave.status,
        "starts_at": leave.starts_at,
        "ends_at": leave.ends_at,
        "destination": leave.destination,
        "acting_id": leave.acting_id,
        "acting_named_by_office": leave.acting_named_by_office,
        "urgent": leave.urgent,
        "reported_to_id": leave.reported_to_id,
        "override_reason": leave.override_reason,
        "approval_by": leave.approval_by,
        "approved": leave.approved,
        "filed": leave.filed,
        "return_due": leave.return_due,
        "return_overdue": leave.return_overdue,  # L6: recorded by the deadline ticker
        "returned_at": leave.returned_at,
        "created_on": leave.created_on,
        "modified_on": leave.modified_on,
    }


@router.get("/leaves", summary="Who is away at `at` (default now), until when, and who acts")
def who_acts(
    request: Request,
    at: str | None = Query(default=None, description="RFC 3339 time with offset"),
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    moment = parse_time(at, "at") if at else services.clock.now()
    ledger = services.app.ledger()
    position = services.store.position_of(ledger.id, ledger.version) if ledger else None
    return json_response(
        {"at": moment, "away": services.app.who_acts(moment), "position": position}
    )


add_reads(router, LeaveRecord, render)


def _command(
    request: Request, actor: Actor, leave_id: uuid.UUID, body: BaseModel | None, command: Any
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.leave_command(
            act,
            leave_id,
            lambda leave, roster, ledger: command(leave, roster, ledger, act),
            expected_version=expected,
            **kw,
        )

    return write(request, actor, body, run, render, collection="leaves")


@router.post("/leaves", status_code=201, summary="LeaveReported (L1–L5, P2, P3)")
def report(request: Request, body: ReportLeave, actor: Actor = Depends(current_actor)) -> Response:
    services = request.app.state.services
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.report_leave(act, body.model_dump(), **kw),
        render,
        collection="leaves",
        status=201,
    )


@router.post("/leaves/{leave_id}/approve", summary="LeaveApproved (L3, L5)")
def approve(
    request: Request, leave_id: uuid.UUID, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        leave_id,
        None,
        lambda leave, roster, ledger, act: leave.approve(act, roster, ledger),
    )


@router.post("/leaves/{leave_id}/file", summary="LeaveFiled (L4): with the office")
def file(request: Request, leave_id: uuid.UUID, actor: Actor = Depends(current_actor)) -> Response:
    return _command(
        request, actor, leave_id, None, lambda leave, roster, ledger, act: leave.file(act)
    )


@router.post("/leaves/{leave_id}/return", summary="ReturnReported (L6, 销假)")
def report_return(
    request: Request, leave_id: uuid.UUID, body: Return, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        leave_id,
        body,
        lambda leave, roster, ledger, act: leave.report_return(act, ledger, body.returned_at),
    )


@router.post("/leaves/{leave_id}/cancel", summary="LeaveCancelled")
def cancel(
    request: Request, leave_id: uuid.UUID, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, leave_id, None, lambda leave, roster, ledger, act: leave.cancel(act, ledger)
    )
