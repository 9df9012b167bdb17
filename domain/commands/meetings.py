"""Meeting commands (M1–M13): convening, topics, papers, absences, opening (quorum), a
decision per topic, closing, minutes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from domain.clock import local_date
from domain.decisions import Decision
from domain.fields import Instant, Text, described
from domain.meetings import (
    KINDS,
    POSITIONS,
    CitywideMeetingApproval,
    CitywideMeetingQuota,
    Meeting,
    citywide_quota_id,
)
from domain.performance import PerformanceAssessment
from domain.regulations import Regulation
from domain.service import Command, UnitOfWork

Position = Literal[POSITIONS]  # type: ignore[valid-type]


class MeetingCommand(Command):
    collection: ClassVar[str] = "meetings"
    aggregate = Meeting
    id_field = "meeting_id"


@dataclass(frozen=True)
class ApproveCitywideMeeting(Command):
    """CitywideMeetingApproved (M12): the government's approval of a department's further
    citywide meeting in a year, by the mayor (or the acting mayor, P2) or the office on the
    government's behalf. The meeting it admits names it (``approval_id``) when convened."""

    collection: ClassVar[str] = "citywide-meeting-approvals"
    creates: ClassVar[bool] = True

    unit_id: Annotated[str, described("the department holding the meeting")]
    year: Annotated[int, Field(ge=1, le=9998, description="the year of the meeting")]
    reason: Annotated[Text, described("why the further meeting is needed (确需)")]

    def handle(self, uow: UnitOfWork) -> CitywideMeetingApproval:
        return uow.add(CitywideMeetingApproval.approve(
            uow.act, uow.roster, unit_id=self.unit_id, year=self.year, reason=self.reason,
        ))  # fmt: skip


@dataclass(frozen=True)
class ConveneMeeting(MeetingCommand):
    """MeetingConvened (M1, M2). A department's citywide meeting is counted on its unit's
    quota for the year in the same transaction (M12): the year's first needs no approval, a
    further one names the government's approval; a lost race recounts."""

    creates: ClassVar[bool] = True
    attempts: ClassVar[int] = 20
    kind: Annotated[str, described(f"one of {', '.join(KINDS)} (M1)")]
    title: Text
    convener_id: str
    scheduled_at: Instant
    entrusted_by: str | None = None
    unit_id: Annotated[str | None, described("for a department citywide meeting")] = None
    approval_id: Annotated[
        str | None,
        described(
            "M12: the government's approval (POST /citywide-meeting-approvals) admitting a "
            "department's further citywide meeting in the year"
        ),
    ] = None

    def handle(self, uow: UnitOfWork) -> Meeting:
        approval = (
            uow.referenced(CitywideMeetingApproval, self.approval_id) if self.approval_id else None
        )
        meeting = uow.add(Meeting.convene(
            uow.act, uow.roster, kind=self.kind, title=self.title, convener_id=self.convener_id,
            scheduled_at=self.scheduled_at, entrusted_by=self.entrusted_by, unit_id=self.unit_id,
            approval_id=str(approval.id) if approval else None,
        ))  # fmt: skip
        if meeting.kind == "department_citywide" and meeting.unit_id is not None:
            year = local_date(meeting.scheduled_at).year
            quota_id = citywide_quota_id(meeting.unit_id, year)
            quota = uow.find(CitywideMeetingQuota, quota_id) or uow.add(
                CitywideMeetingQuota.open(uow.act, meeting.unit_id, year)
            )
            quota.count(uow.act, str(meeting.id), None, approval)
        return meeting


@dataclass(frozen=True)
class ProposeTopic(MeetingCommand):
    """TopicProposed (M6); a topic that takes up a decision is linked on the decision in the
    same transaction (A1); one that takes up a regulation (G4) or performance results (S6)
    names them. The answer carries the new ``topic_id``."""

    meeting_id: uuid.UUID
    title: Text
    proposed_by: str
    decision_id: str | None = None
    regulation_id: Annotated[
        str | None, described("the regulation the topic takes up for adoption (G4)")
    ] = None
    assessment_id: Annotated[
        str | None, described("the performance results the topic takes up for approval (S6)")
    ] = None

    def handle(self, uow: UnitOfWork) -> Meeting:
        decision = uow.referenced(Decision, self.decision_id) if self.decision_id else None
        regulation = uow.referenced(Regulation, self.regulation_id) if self.regulation_id else None
        assessment = (
            uow.referenced(PerformanceAssessment, self.assessment_id)
            if self.assessment_id
            else None
        )
        meeting = uow.target(Meeting, self.meeting_id)
        topic_id = meeting.propose_topic(
            uow.act, uow.roster, self.title, self.proposed_by, decision,
            regulation_id=str(regulation.id) if regulation else None,
            assessment_id=str(assessment.id) if assessment else None,
        )  # fmt: skip
        if decision is not None:
            decision.link_topic(uow.act, str(meeting.id), meeting.kind, topic_id)
        return meeting


@dataclass(frozen=True)
class SetTopic(MeetingCommand):
    """TopicSet (M6): by the mayor (or the acting mayor)."""

    method: ClassVar[str] = "set_topic"

    meeting_id: uuid.UUID
    topic_id: str


@dataclass(frozen=True)
class DistributePapers(MeetingCommand):
    """PapersDistributed (M6)."""

    method: ClassVar[str] = "distribute_papers"

    meeting_id: uuid.UUID
    distributed_at: Instant


@dataclass(frozen=True)
class RecordAbsence(MeetingCommand):
    """AbsenceRecorded (M7)."""

    method: ClassVar[str] = "record_absence"

    meeting_id: uuid.UUID
    person_id: str
    reason: str
    approved_by: str
    stand_in_id: str | None = None


@dataclass(frozen=True)
class OpenMeeting(MeetingCommand):
    """MeetingOpened (M3 quorum, M6, M7)."""

    method: ClassVar[str] = "open"

    meeting_id: uuid.UUID
    present: list[str]


@dataclass(frozen=True)
class DecideTopic(MeetingCommand):
    """TopicDecided (M6, M11) on the meeting and DecisionTaken (M9, M10) on the decision the
    topic took up: one transaction, both or neither."""

    meeting_id: uuid.UUID
    topic_id: str
    text: Text
    positions: dict[str, Position]
    dissent_notes: dict[str, str] | None = None

    def handle(self, uow: UnitOfWork) -> Meeting:
        meeting = uow.target(Meeting, self.meeting_id)
        topic = meeting.topics.get(self.topic_id)
        decision_id = topic.decision_id if topic else None
        decision = uow.referenced(Decision, decision_id) if decision_id else None
        meeting.decide(uow.act, uow.roster, self.topic_id, self.text, dict(self.positions),
                       self.dissent_notes, decision)  # fmt: skip
        return meeting


@dataclass(frozen=True)
class CloseMeeting(MeetingCommand):
    """MeetingClosed."""

    method: ClassVar[str] = "close"

    meeting_id: uuid.UUID


@dataclass(frozen=True)
class DraftMinutes(MeetingCommand):
    """MinutesDrafted (M8): by the government office, for every kind of meeting."""

    method: ClassVar[str] = "draft_minutes"

    meeting_id: uuid.UUID
    text: str
    drafted_by: str


@dataclass(frozen=True)
class CorrectMinutes(MeetingCommand):
    """MinutesDrafted as a correction linked to the signed minutes it corrects (M8, A2): by
    the government office, then signed again."""

    method: ClassVar[str] = "draft_minutes"

    meeting_id: uuid.UUID
    text: str
    drafted_by: str
    corrects: Annotated[int, Field(ge=1, description="the version of the signed minutes")]
    reason: str


@dataclass(frozen=True)
class SignMinutes(MeetingCommand):
    """MinutesSigned (M8): the signer names the version of the draft they read; any other
    than the latest draft is refused, so nobody signs a draft they have not seen. Required:
    a signature without it could fall on a draft redrafted since it was read."""

    method: ClassVar[str] = "sign_minutes"

    meeting_id: uuid.UUID
    minutes_version: Annotated[
        int, Field(ge=1, description="the version of the draft signed (the latest one)")
    ]
