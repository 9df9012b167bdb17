"""/regulations: government rules and normative documents — drafting, legality review, public
comment, adoption, publication, filings, cleanup, revision, abolition, evaluation (G1–G9) —
and the catalog of those in force on a date (G9)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import add_reads
from api.writes import command, json_response, write
from domain.base import Act, Actor
from domain.regulations import ALL_BODIES, KINDS, VERDICTS, Regulation

router = APIRouter(tags=["regulations"])
Kind = Literal[KINDS]  # type: ignore[valid-type]
Body = Literal[ALL_BODIES]  # type: ignore[valid-type]
Verdict = Literal[VERDICTS]  # type: ignore[valid-type]


class DraftRegulation(BaseModel):
    kind: str = Field(description=f"one of {', '.join(KINDS)} (G1)")
    title: str = Field(min_length=1)
    drafting_unit_id: str


class LegalityReview(BaseModel):
    passed: bool
    opinion: str


class PublicComment(BaseModel):
    opens_on: date | None = None
    closes_on: date | None = None
    reason: str | None = Field(default=None, description="why a period shorter than 30 days")
    waived_reason: str | None = Field(default=None, description="secret by law: no comment")


class Comment(BaseModel):
    text: str
    source: str


class Adoption(BaseModel):
    meeting_id: str | None = None
    decision_id: str | None = None


class Publication(BaseModel):
    published_on: date
    valid_until: date | None = Field(default=None, description="mandatory (G6)")
    number: str


class Filing(BaseModel):
    body: Body
    filed_on: date


class Cleanup(BaseModel):
    verdict: Verdict
    reason: str


class Revision(BaseModel):
    title: str = Field(min_length=1)


class Abolition(BaseModel):
    reason: str | None = None


class Evaluation(BaseModel):
    findings: str


def render(reg: Regulation) -> dict[str, Any]:
    return {
        "id": str(reg.id),
        "kind": reg.kind,
        "title": reg.title,
        "status": reg.status,
        "drafting_unit_id": reg.drafting_unit_id,
        "temporary": reg.temporary,
        "revises": reg.revises,
        "revised_by": reg.revised_by,
        "legality_reviews": reg.legality_reviews,
        "public_comment": reg.public_comment,
        "comments": reg.comments,
        "adoption": reg.adoption,
        "publication": reg.publication,
        "filings": list(reg.filings.values()),
        "filings_overdue": reg.filings_overdue,  # G5: recorded by the deadline ticker
        "cleanups": reg.cleanups,
        "evaluations": reg.evaluations,
        "ended": reg.ended,
        "created_on": reg.created_on,
        "modified_on": reg.modified_on,
    }


@router.get("/regulations/catalog", summary="G9: normative documents in force on a date")
def catalog(
    request: Request,
    on: date | None = Query(default=None, description="default: today (Asia/Shanghai)"),
    kind: Kind | None = None,
    unit_id: str | None = None,
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    from domain.application import local_date

    day = on or local_date(services.clock.now())
    docs = [
        d
        for d in services.app.catalog(day)
        if (kind is None or d["kind"] == kind)
        and (unit_id is None or d["drafting_unit_id"] == unit_id)
    ]
    return json_response({"on": day, "documents": docs, "count": len(docs)})


add_reads(router, Regulation, render)


def _command(
    request: Request, actor: Actor, reg_id: uuid.UUID, body: BaseModel | None, fn: Any
) -> Response:
    return command(request, actor, Regulation, reg_id, body, fn, render)


def _service(
    request: Request, actor: Actor, body: BaseModel | None, run: Any, status: int = 200
) -> Response:
    return write(request, actor, body, run, render, collection="regulations", status=status)


@router.post("/regulations", status_code=201, summary="RegulationDrafted (G1)")
def draft(
    request: Request, body: DraftRegulation, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services
    return _service(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.draft_regulation(act, body.model_dump(), **kw),
        201,
    )


@router.post("/regulations/{reg_id}/legality-review", summary="LegalityReviewed (G2)")
def legality_review(
    request: Request, reg_id: uuid.UUID, body: LegalityReview, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.review_legality(act, roster, body.passed, body.opinion),
    )


@router.post("/regulations/{reg_id}/public-comment", summary="PublicCommentOpened (G3)")
def public_comment(
    request: Request, reg_id: uuid.UUID, body: PublicComment, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.open_public_comment(
            act, body.opens_on, body.closes_on, body.reason, body.waived_reason
        ),
    )


@router.post("/regulations/{reg_id}/comments", summary="CommentReceived (G3)")
def comment(
    request: Request, reg_id: uuid.UUID, body: Comment, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.receive_comment(act, body.text, body.source),
    )


@router.post("/regulations/{reg_id}/adopt", summary="RegulationAdopted (G4)")
def adopt(
    request: Request, reg_id: uuid.UUID, body: Adoption, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.adopt_regulation(
            act, reg_id, body.meeting_id, body.decision_id, expected_version=expected, **kw
        )

    return _service(request, actor, body, run)


@router.post("/regulations/{reg_id}/publish", summary="RegulationPublished (G5, G6)")
def publish(
    request: Request, reg_id: uuid.UUID, body: Publication, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.publish_regulation(
            act,
            reg_id,
            body.published_on,
            body.valid_until,
            body.number,
            expected_version=expected,
            **kw,
        )

    return _service(request, actor, body, run)


@router.post("/regulations/{reg_id}/filings", summary="RegulationFiled (G5)")
def file(
    request: Request, reg_id: uuid.UUID, body: Filing, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.file(act, body.body, body.filed_on),
    )


@router.post("/regulations/{reg_id}/cleanup", summary="CleanupReviewed (G7)")
def cleanup(
    request: Request, reg_id: uuid.UUID, body: Cleanup, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.review_cleanup(act, roster, body.verdict, body.reason),
    )


@router.post(
    "/regulations/{reg_id}/revise",
    status_code=201,
    summary="RegulationRevised (G7): a new regulation linked both ways; answers the new one",
)
def revise(
    request: Request, reg_id: uuid.UUID, body: Revision, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.revise_regulation(
            act, reg_id, body.title, expected_version=expected, **kw
        )

    return _service(request, actor, body, run, 201)


@router.post("/regulations/{reg_id}/abolish", summary="RegulationAbolished (G7)")
def abolish(
    request: Request,
    reg_id: uuid.UUID,
    body: Abolition | None = None,
    actor: Actor = Depends(current_actor),
) -> Response:
    reason = body.reason if body else None
    return _command(
        request, actor, reg_id, body, lambda reg, roster, act: reg.abolish(act, roster, reason)
    )


@router.post("/regulations/{reg_id}/evaluation", summary="RegulationEvaluated (G8)")
def evaluate(
    request: Request, reg_id: uuid.UUID, body: Evaluation, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        reg_id,
        body,
        lambda reg, roster, act: reg.evaluate(act, roster, body.findings),
    )
