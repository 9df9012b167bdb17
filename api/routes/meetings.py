"""/meetings: convening, topics, papers, absences, opening (quorum), decisions per topic,
closing and minutes — M1–M13."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import current_actor
from api.resources import Instant, add_reads
from api.writes import command, write
from domain.base import Act, Actor
from domain.meetings import KINDS, POSITIONS, Meeting

router = APIRouter(tags=["meetings"])
Kind = Literal[KINDS]  # type: ignore[valid-type]
Position = Literal[POSITIONS]  # type: ignore[valid-type]


class ConveneMeeting(BaseModel):
    kind: str = Field(description=f"one of {', '.join(KINDS)} (M1)")
    title: str = Field(min_length=1)
    convener_id: str
    entrusted_by: str | None = None
    scheduled_at: Instant
    unit_id: str | None = Field(default=None, description="for a department citywide meeting")


class ProposeTopic(BaseModel):
    title: str = Field(min_length=1)
    decision_id: str | None = None
    proposed_by: str


class Papers(BaseModel):
    distributed_at: Instant


class Absence(BaseModel):
    person_id: str
    reason: str
    stand_in_id: str | None = None
    approved_by: str


class Opening(BaseModel):
    present: list[str]


class TopicDecision(BaseModel):
    topic_id: str
    text: str = Field(min_length=1)
    positions: dict[str, Position]
    dissent_notes: dict[str, str] | None = None


class Minutes(BaseModel):
    text: str
    drafted_by: str


class MinutesCorrection(BaseModel):
    text: str
    drafted_by: str
    corrects: int = Field(ge=1, description="the version of the signed minutes it corrects")
    reason: str


def render(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": str(meeting.id),
        "kind": meeting.kind,
        "title": meeting.title,
        "status": meeting.status,
        "convener_id": meeting.convener_id,
        "entrusted_by": meeting.entrusted_by,
        "scheduled_at": meeting.scheduled_at,
        "unit_id": meeting.unit_id,
        "topics": list(meeting.topics.values()),
        "papers_distributed_at": meeting.papers_distributed_at,
        "absences": list(meeting.absences.values()),
        "opening": meeting.opening,
        "closed_at": meeting.closed_at,
        "minutes": meeting.minutes,
        "created_on": meeting.created_on,
        "modified_on": meeting.modified_on,
    }


add_reads(router, Meeting, render)


def _write(request: Request, actor: Actor, body: BaseModel | None, run: Any) -> Response:
    return write(request, actor, body, run, render, collection="meetings")


def _command(
    request: Request, actor: Actor, meeting_id: uuid.UUID, body: BaseModel | None, fn: Any
) -> Response:
    return command(request, actor, Meeting, meeting_id, body, fn, render)


@router.post("/meetings", status_code=201, summary="MeetingConvened (M1, M2, M12)")
def convene(
    request: Request, body: ConveneMeeting, actor: Actor = Depends(current_actor)
) -> Response:
    services = request.app.state.services
    return write(
        request,
        actor,
        body,
        lambda act, expected, kw: services.app.convene_meeting(act, body.model_dump(), **kw),
        render,
        collection="meetings",
        status=201,
    )


@router.post("/meetings/{meeting_id}/topics", summary="TopicProposed (M6); answers topic_id")
def propose_topic(
    request: Request,
    meeting_id: uuid.UUID,
    body: ProposeTopic,
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.propose_topic(
            act,
            meeting_id,
            body.title,
            body.proposed_by,
            body.decision_id,
            expected_version=expected,
            **kw,
        )

    return write(request, actor, body, run, _with_new_topic, collection="meetings")


def _with_new_topic(meeting: Meeting) -> dict[str, Any]:
    """The answer to a proposal carries the new topic_id (the latest proposed)."""
    return {**render(meeting), "topic_id": list(meeting.topics)[-1]}


@router.post("/meetings/{meeting_id}/topics/{topic_id}/set", summary="TopicSet (M6): the mayor")
def set_topic(
    request: Request, meeting_id: uuid.UUID, topic_id: str, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, meeting_id, None, lambda m, roster, act: m.set_topic(act, roster, topic_id)
    )


@router.post("/meetings/{meeting_id}/papers", summary="PapersDistributed (M6)")
def distribute_papers(
    request: Request, meeting_id: uuid.UUID, body: Papers, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        meeting_id,
        body,
        lambda m, roster, act: m.distribute_papers(act, body.distributed_at),
    )


@router.post("/meetings/{meeting_id}/absences", summary="AbsenceRecorded (M7)")
def record_absence(
    request: Request, meeting_id: uuid.UUID, body: Absence, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        meeting_id,
        body,
        lambda m, roster, act: m.record_absence(
            act, roster, body.person_id, body.reason, body.approved_by, body.stand_in_id
        ),
    )


@router.post("/meetings/{meeting_id}/open", summary="MeetingOpened (M3 quorum, M6, M7)")
def open_meeting(
    request: Request, meeting_id: uuid.UUID, body: Opening, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, meeting_id, body, lambda m, roster, act: m.open(act, roster, body.present)
    )


@router.post(
    "/meetings/{meeting_id}/decisions",
    summary="TopicDecided (M6, M11) + DecisionTaken on the Decision (M9, M10), atomically",
)
def decide(
    request: Request,
    meeting_id: uuid.UUID,
    body: TopicDecision,
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Any:
        return services.app.decide_topic(
            act,
            meeting_id,
            body.topic_id,
            body.text,
            dict(body.positions),
            body.dissent_notes,
            expected_version=expected,
            **kw,
        )

    return _write(request, actor, body, run)


@router.post("/meetings/{meeting_id}/close", summary="MeetingClosed")
def close(
    request: Request, meeting_id: uuid.UUID, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(request, actor, meeting_id, None, lambda m, roster, act: m.close(act, roster))


@router.post("/meetings/{meeting_id}/minutes", summary="MinutesDrafted (M8): the office")
def draft_minutes(
    request: Request, meeting_id: uuid.UUID, body: Minutes, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request,
        actor,
        meeting_id,
        body,
        lambda m, roster, act: m.draft_minutes(act, body.text, body.drafted_by),
    )


@router.post(
    "/meetings/{meeting_id}/minutes/corrections",
    summary="MinutesDrafted as a correction linked to signed minutes (M8, A2)",
)
def correct_minutes(
    request: Request,
    meeting_id: uuid.UUID,
    body: MinutesCorrection,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _command(
        request,
        actor,
        meeting_id,
        body,
        lambda m, roster, act: m.draft_minutes(
            act, body.text, body.drafted_by, body.corrects, body.reason
        ),
    )


@router.post("/meetings/{meeting_id}/minutes/sign", summary="MinutesSigned (M8)")
def sign_minutes(
    request: Request, meeting_id: uuid.UUID, actor: Actor = Depends(current_actor)
) -> Response:
    return _command(
        request, actor, meeting_id, None, lambda m, roster, act: m.sign_minutes(act, roster)
    )
