"""Supervision commands (督查, S1–S6): registration, progress reports, verification,
rectification, closing and the circular of results."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from typing_extensions import TypedDict

from domain.decisions import Decision
from domain.documents import OfficialDocument
from domain.fields import DueTime, Text, described
from domain.meetings import Meeting
from domain.performance import SCOPES, PerformanceAssessment
from domain.service import Command, UnitOfWork
from domain.supervision import RESULTS, SOURCE_KINDS, SupervisionItem

SourceKind = Literal[SOURCE_KINDS]  # type: ignore[valid-type]
Result = Literal[RESULTS]  # type: ignore[valid-type]
Scope = Literal[tuple(SCOPES)]  # type: ignore[valid-type]


class Source(TypedDict):
    """Where an item comes from: a decision or a document by its id; an instruction, a
    suggestion, a proposal or an annual task by its reference."""

    kind: SourceKind
    ref: Text


class ItemCommand(Command):
    collection: ClassVar[str] = "supervision-items"
    aggregate = SupervisionItem
    id_field = "item_id"


@dataclass(frozen=True)
class RegisterItem(ItemCommand):
    """SupervisionItemRegistered (S1, S2). A source that names a decision or a document must
    name one that exists (422); a decision learns of the item in the same transaction (A1)."""

    creates: ClassVar[bool] = True
    title: Text
    source: Source
    lead_unit_id: str
    deadline: DueTime
    co_unit_ids: list[str] = field(default_factory=list)
    report_dates: list[DueTime] = field(default_factory=list)
    led_by: Annotated[str | None, described("the city leader who leads it (S4)")] = None

    def handle(self, uow: UnitOfWork) -> SupervisionItem:
        source = {"kind": self.source.get("kind"), "ref": self.source.get("ref", "")}
        decision = None
        if source["kind"] == "decision":
            decision = uow.referenced(Decision, source["ref"])
            source["ref"] = str(decision.id)
        elif source["kind"] == "document":
            source["ref"] = str(uow.referenced(OfficialDocument, source["ref"]).id)
        item = uow.add(SupervisionItem.register(
            uow.act, uow.roster, title=self.title, source=source,
            lead_unit_id=self.lead_unit_id, co_unit_ids=list(self.co_unit_ids),
            deadline=self.deadline, report_dates=list(self.report_dates), led_by=self.led_by,
        ))  # fmt: skip
        if decision is not None:
            decision.link_supervision(uow.act, str(item.id))
        return item


@dataclass(frozen=True)
class ReportProgress(ItemCommand):
    """ProgressReported (S1)."""

    method: ClassVar[str] = "report_progress"

    item_id: uuid.UUID
    unit_id: str
    text: str


@dataclass(frozen=True)
class VerifyItem(ItemCommand):
    """ItemVerified (S1)."""

    method: ClassVar[str] = "verify"

    item_id: uuid.UUID
    result: Result
    findings: str


@dataclass(frozen=True)
class OrderRectification(ItemCommand):
    """RectificationOrdered (S1, S3)."""

    method: ClassVar[str] = "order_rectification"

    item_id: uuid.UUID
    order: str
    due: DueTime


@dataclass(frozen=True)
class CloseItem(ItemCommand):
    """ItemClosed (S1, S5)."""

    method: ClassVar[str] = "close"

    item_id: uuid.UUID
    summary: str


@dataclass(frozen=True)
class CirculateResults(ItemCommand):
    """ResultsCirculated (S1)."""

    method: ClassVar[str] = "circulate"

    item_id: uuid.UUID
    text: str


# ----- performance assessment (S6) ----------------------------------------------------------


class AssessmentCommand(Command):
    collection: ClassVar[str] = "performance-assessments"
    aggregate = PerformanceAssessment
    id_field = "assessment_id"


@dataclass(frozen=True)
class RecordPerformanceResults(AssessmentCommand):
    """PerformanceResultsRecorded (S6): one period's scores for the departments or the
    counties, recorded by the government office."""

    creates: ClassVar[bool] = True
    period: Text
    scope: Annotated[Scope, described("departments (art. 66) or counties (art. 67)")]  # type: ignore[valid-type]
    scores: Annotated[dict[str, float], described("unit id → score")]
    bottom_places: Annotated[
        int, described("how many of the last places count as 排名靠后 (the scheme's number)")
    ]

    def handle(self, uow: UnitOfWork) -> PerformanceAssessment:
        return uow.add(PerformanceAssessment.record_results(
            uow.act, uow.roster, period=self.period, scope=self.scope,
            scores=dict(self.scores), bottom_places=self.bottom_places,
        ))  # fmt: skip


@dataclass(frozen=True)
class ApprovePerformanceResults(AssessmentCommand):
    """PerformanceResultsApproved (S6): approved at the executive meeting that decided a topic
    on them."""

    assessment_id: uuid.UUID
    meeting_id: str

    def handle(self, uow: UnitOfWork) -> PerformanceAssessment:
        meeting = uow.referenced(Meeting, self.meeting_id)
        assessment = uow.target(PerformanceAssessment, self.assessment_id)
        assessment.approve(uow.act, meeting)
        return assessment


@dataclass(frozen=True)
class InterviewBottomRanked(AssessmentCommand):
    """ReminderInterviewed (S6): a bottom-ranked unit's responsible person gets a reminder
    interview (约谈提醒)."""

    method: ClassVar[str] = "interview"

    assessment_id: uuid.UUID
    unit_id: str
    notes: str
