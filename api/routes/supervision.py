"""/supervision-items: registration, progress reports, verification, rectification, closing
and the circular of results (S1–S6)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import Instant, add_reads
from api.writes import command, write
from domain.base import Actor
from domain.supervision import RESULTS, SOURCE_KINDS, SupervisionItem

router = APIRouter(tags=["supervision"])
SourceKind = Literal[SOURCE_KINDS]  # type: ignore[valid-type]
Result = Literal[RESULTS]  # type: ignore[valid-type]


class Source(BaseModel):
    kind: SourceKind
    ref: str = Field(min_length=1)


class RegisterItem(BaseModel):
    title: str = Field(min_length=1)
    source: Source
    lead_unit_id: str
    co_unit_ids: list[str] = Field(default_factory=list)
    deadline: Instant
    report_dates: list[Instant] = Field(default_factory=list)
    led_by: str | None = Field(default=None, description="the city leader who leads it (S4)")


class Report(BaseModel):
    unit_id: str
    text: str


class Verification(BaseModel):
    result: Result
    findings: str


class Rectification(BaseModel):
    order: str
    due: Instant


class Closing(BaseModel):
    summary: str


class Circular(BaseModel):
    text: str


def render(item: SupervisionItem) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "title": item.title,
        "status": item.status,
        "source": item.source,
        "lead_unit_id": item.lead_unit_id,
        "co_unit_ids": item.co_unit_ids,
        "first_responsible_id": item.first_responsible_id,
        "led_by": item.led_by,
        "deadline": item.deadline,
        "report_dates": item.report_dates,
        "reports_overdue": item.reports_overdue,  # S3: recorded by the deadline ticker
        "dues_overdue": item.dues_overdue,
        "reports": item.reports,
        "verifications": item.verifications,
        "rectifications": item.rectifications,
        "closed": item.closed,
        "circulars": item.circulars,
        "created_on": item.created_on,
        "modified_on": item.modified_on,
    }


add_reads(router, SupervisionItem, render)


def _command(
    request: Request, actor: Actor, item_id: uuid.UUID, body: BaseModel, fn: Any
) -> Response:
    return command(request, actor, SupervisionItem, item_id, body, fn, render)


@router.post("/supervision-items", status_code=201, summary="SupervisionItemRegistered (S1, S2)")
def register(
    request: Request, body: RegisterItem, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services
    fields = body.model_dump()
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.register_item(act, fields, **kw),
        render,
        collection="supervision-items",
        status=201,
    )


@router.post("/supervision-items/{item_id}/reports", summary="ProgressReported (S1)")
def report(
    request: Request, item_id: uuid.UUID, body: Report, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        item_id,
        body,
        lambda item, roster, act: item.report_progress(act, body.unit_id, body.text),
    )


@router.post("/supervision-items/{item_id}/verification", summary="ItemVerified (S1)")
def verify(
    request: Request, item_id: uuid.UUID, body: Verification, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        item_id,
        body,
        lambda item, roster, act: item.verify(act, body.result, body.findings),
    )


@router.post("/supervision-items/{item_id}/rectification", summary="RectificationOrdered (S1)")
def rectify(
    request: Request,
    item_id: uuid.UUID,
    body: Rectification,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        item_id,
        body,
        lambda item, roster, act: item.order_rectification(act, body.order, body.due),
    )


@router.post("/supervision-items/{item_id}/close", summary="ItemClosed (S1, S5)")
def close(
    request: Request, item_id: uuid.UUID, body: Closing, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, item_id, body, lambda item, roster, act: item.close(act, body.summary)
    )


@router.post("/supervision-items/{item_id}/circular", summary="ResultsCirculated (S1)")
def circulate(
    request: Request, item_id: uuid.UUID, body: Circular, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, item_id, body, lambda item, roster, act: item.circulate(act, body.text)
    )
