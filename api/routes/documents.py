"""/documents: drafting, countersigning (会签), review (退文/拟办), sign-off (签发), numbering,
issue and publication — D1–D12."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import Instant, add_reads
from api.writes import command, write
from domain.application import require_clearance
from domain.base import Act, Actor
from domain.documents import (
    CLASSIFICATIONS,
    DIRECT_TO_LEADER_REASONS,
    RETURN_REASONS,
    URGENCIES,
    OfficialDocument,
)

router = APIRouter(tags=["documents"])
# The domain's lists become the schema's enums (one source of truth).
Classification = Literal[CLASSIFICATIONS]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
DirectReason = Literal[DIRECT_TO_LEADER_REASONS]  # type: ignore[valid-type]
ReturnReason = Literal[RETURN_REASONS]  # type: ignore[valid-type]


class Implements(BaseModel):
    """D10: the provincial document this one carries out (issued within 6 months of it)."""

    ref: str = Field(min_length=1)
    issued_on: date


class DraftDocument(BaseModel):
    doc_type: str = Field(
        description="decision|order|opinion|notice|circular|report|request|reply|motion|"
        "letter|minutes (D1)"
    )
    title: str = Field(min_length=1)
    body: str | None = None
    from_unit_id: str
    to: str = Field(description='"government", a unit id or a leader\'s person id')
    matters: list[str] = Field(default_factory=list)
    urgency: Urgency = "normal"
    classification: Classification = "none"
    emergency: bool = False
    bypassed_unit_id: str | None = None
    cc_unit_ids: list[str] = Field(default_factory=list)
    direct_to_leader_reason: DirectReason | None = None
    includes_request: bool = False
    drafting_unit_id: str | None = None
    routine: bool = False
    personnel: bool = False
    decision_id: str | None = Field(default=None, description="the decision it carries out")
    implements: Implements | None = None
    replies_to: str | None = Field(default=None, description="a reply's request (批复 → 请示)")


class CountersignRequest(BaseModel):
    unit_ids: list[str] = Field(min_length=1)
    due: Instant | None = Field(default=None, description="default: 7 working days (D7)")


class Countersignature(BaseModel):
    unit_id: str
    opinion: Literal["agree", "disagree"]
    reasons: str | None = None


class DisagreementSummary(BaseModel):
    sides: str = Field(description="each side's reasons (各方理据)")
    proposal: str = Field(description="the lead unit's proposal (办理建议)")


class Review(BaseModel):
    conforming: bool
    return_reasons: list[ReturnReason] | None = None
    note: str | None = None
    proposed_handling: str | None = None
    routed_to: str | None = None


class SignOff(BaseModel):
    opinion: str = ""


class Register(BaseModel):
    issuer_code: str = Field(min_length=1, max_length=12, examples=["攀府发"])


class Publish(BaseModel):
    interpretation_ref: str | None = None


def render(doc: OfficialDocument) -> dict[str, Any]:
    return {
        "id": str(doc.id),
        "status": doc.status,
        "doc_type": doc.doc_type,
        "title": doc.title,
        "body": doc.body,
        "from_unit_id": doc.from_unit_id,
        "to": doc.to,
        "direction": doc.direction,
        "matters": doc.matters,
        "urgency": doc.urgency,
        "classification": doc.classification,
        "emergency": doc.emergency,
        "bypassed_unit_id": doc.bypassed_unit_id,
        "cc_unit_ids": doc.cc_unit_ids,
        "direct_to_leader_reason": doc.direct_to_leader_reason,
        "includes_request": doc.includes_request,
        "drafting_unit_id": doc.drafting_unit_id,
        "routine": doc.routine,
        "personnel": doc.personnel,
        "decision_id": doc.decision_id,
        "implements": doc.implements,
        "implementation_due": doc.implementation_due,
        "replies_to": doc.replies_to,
        "replies": doc.replies,
        "drafted_by": doc.drafted_by,
        "countersigns": list(doc.countersigns.values()),
        "disagreement_summary": doc.disagreement_summary,
        "review": doc.review,
        "sign_off": doc.signature,
        "number": doc.number,
        "issued_at": doc.issued_at,
        "published": doc.published,
        "created_on": doc.created_on,
        "modified_on": doc.modified_on,
    }


def guard(actor: Actor, doc: OfficialDocument) -> None:
    require_clearance(actor, doc)


add_reads(router, OfficialDocument, render, guard)


def _command(
    request: Request, actor: Actor, doc_id: uuid.UUID, body: BaseModel | None, fn: Any
) -> Response:
    """A command on an existing document: the actor must be cleared to read it (D12)."""
    return command(request, actor, OfficialDocument, doc_id, body, fn, render, guard)


@router.post("/documents", status_code=201, summary="DocumentDrafted (D1–D5, D10, D12)")
def draft(request: Request, body: DraftDocument, actor: Actor = Depends(current_actor)) -> Response:
    services = request.app.state.services
    fields = body.model_dump()
    if body.implements is not None:
        fields["implements"] = body.implements.model_dump(mode="json")
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.draft_document(act, fields, **kw),
        render,
        collection="documents",
        status=201,
    )


@router.post("/documents/{doc_id}/countersign-requests", summary="CountersignRequested (D6, D7)")
def request_countersign(
    request: Request,
    doc_id: uuid.UUID,
    body: CountersignRequest,
    actor: Actor = Depends(current_actor),
) -> Response:
    calendar = request.app.state.services.app.calendar
    return _command(
        request,
        actor,
        doc_id,
        body,
        lambda doc, roster, act: doc.request_countersign(
            act, roster, calendar, body.unit_ids, body.due
        ),
    )


@router.post("/documents/{doc_id}/countersignatures", summary="DocumentCountersigned (D6)")
def countersign(
    request: Request,
    doc_id: uuid.UUID,
    body: Countersignature,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        doc_id,
        body,
        lambda doc, roster, act: doc.countersign(act, body.unit_id, body.opinion, body.reasons),
    )


@router.post(
    "/documents/{doc_id}/disagreement-summary",
    summary="CountersignDisagreementSummarised (D6): each side's reasons and a proposal",
)
def summarise_disagreement(
    request: Request,
    doc_id: uuid.UUID,
    body: DisagreementSummary,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        doc_id,
        body,
        lambda doc, roster, act: doc.summarise_disagreement(act, body.sides, body.proposal),
    )


@router.post("/documents/{doc_id}/review", summary="DocumentReturned | DocumentRouted (D8)")
def review(
    request: Request, doc_id: uuid.UUID, body: Review, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        doc_id,
        body,
        lambda doc, roster, act: doc.review_incoming(
            act,
            roster,
            body.conforming,
            list(body.return_reasons or []),
            body.proposed_handling,
            body.routed_to,
            body.note,
        ),
    )


@router.post("/documents/{doc_id}/sign-off", summary="DocumentSignedOff (D9)")
def sign_off(
    request: Request, doc_id: uuid.UUID, body: SignOff, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        doc_id,
        body,
        lambda doc, roster, act: doc.sign_off(act, roster, body.opinion),
    )


@router.post("/documents/{doc_id}/register", summary="DocumentNumbered (D11)")
def register(
    request: Request, doc_id: uuid.UUID, body: Register, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        require_clearance(actor, services.app.load(OfficialDocument, doc_id))
        return services.app.register_document(
            act, doc_id, body.issuer_code, expected_version=expected, **kw
        )

    return write(request, actor, body, run, render, collection="documents")


@router.post("/documents/{doc_id}/issue", summary="DocumentIssued")
def issue(request: Request, doc_id: uuid.UUID, actor: Actor = Depends(current_actor)) -> Response:
    return _command(request, actor, doc_id, None, lambda doc, roster, act: doc.issue(act))


@router.post("/documents/{doc_id}/publish", summary="DocumentPublished (M13, D12)")
def publish(
    request: Request,
    doc_id: uuid.UUID,
    body: Publish | None = None,
    actor: Actor = Depends(current_actor),
) -> Response:
    ref = body.interpretation_ref if body else None
    return _command(request, actor, doc_id, body, lambda doc, roster, act: doc.publish(act, ref))
