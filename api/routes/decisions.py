"""/decisions: major administrative decisions (重大行政决策), M9–M13, A1."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import add_reads
from api.writes import command, write
from domain.base import Actor
from domain.decisions import MATTER_KINDS, PROCEDURES, Decision

router = APIRouter(tags=["decisions"])
MatterKind = Literal[MATTER_KINDS]  # type: ignore[valid-type]
Procedure = Literal[PROCEDURES]  # type: ignore[valid-type]


class InitiateDecision(BaseModel):
    title: str = Field(min_length=1)
    matter_kind: MatterKind = Field(
        description="development_plan, budget, major_policy, regulation_draft, major_funds and "
        "personnel are major (M9); other is not"
    )
    initiated_by_unit: str
    responsible_person: str


class ProcedureRecord(BaseModel):
    procedure: Procedure
    conclusion: str | None = None
    performed_by: str = Field(description="a unit id, or a person id (their unit is taken)")
    evidence_refs: list[str] = Field(default_factory=list)
    waived_reason: str | None = None


class Publication(BaseModel):
    interpretation_ref: str | None = Field(default=None, description="政策解读 (M13)")
    withheld_reason: str | None = Field(default=None, description="secret by law: not published")


def render(decision: Decision) -> dict[str, Any]:
    return {
        "id": str(decision.id),
        "title": decision.title,
        "matter_kind": decision.matter_kind,
        "major": decision.major,
        "stage": decision.stage,
        "status": decision.stage,  # api.md says status, the issue says stage: both
        "initiated_by_unit": decision.initiated_by_unit,
        "initiated_by": decision.initiated_by,
        "responsible_person": decision.responsible_person,
        "procedures": [decision.procedures[p] for p in PROCEDURES if p in decision.procedures],
        "missing_procedures": decision.missing_procedures(),
        "meeting": decision.taken,
        "positions": decision.taken["positions"] if decision.taken else None,
        "publication": decision.publication,
        "documents": decision.documents,
        "topics": decision.topics,
        "supervision_items": decision.supervision_items,
        "regulations": decision.regulations,
        "created_on": decision.created_on,
        "modified_on": decision.modified_on,
    }


add_reads(router, Decision, render)


def _command(
    request: Request, actor: Actor, decision_id: uuid.UUID, body: BaseModel, fn: Any
) -> Response:
    return command(request, actor, Decision, decision_id, body, fn, render)


@router.post("/decisions", status_code=201, summary="DecisionInitiated (A1, M9)")
def initiate(
    request: Request, body: InitiateDecision, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.initiate_decision(act, body.model_dump(), **kw),
        render,
        collection="decisions",
        status=201,
    )


@router.post("/decisions/{decision_id}/procedures", summary="DecisionProcedureRecorded (M10)")
def record_procedure(
    request: Request,
    decision_id: uuid.UUID,
    body: ProcedureRecord,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        decision_id,
        body,
        lambda decision, roster, act: decision.record_procedure(act, roster, **body.model_dump()),
    )


@router.post("/decisions/{decision_id}/publication", summary="DecisionPublished (M13)")
def publish(
    request: Request,
    decision_id: uuid.UUID,
    body: Publication,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        decision_id,
        body,
        lambda decision, roster, act: decision.publish(
            act, body.interpretation_ref, body.withheld_reason
        ),
    )
