"""Regulation commands (规章与规范性文件, G1–G9): drafting, legality review, public comment,
adoption, publication, filings, cleanup, revision, abolition, evaluation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from domain.decisions import Decision
from domain.fields import Day, Text, described
from domain.meetings import Meeting
from domain.regulations import ALL_BODIES, KINDS, VERDICTS, Regulation
from domain.service import Command, UnitOfWork

Body = Literal[ALL_BODIES]  # type: ignore[valid-type]
Verdict = Literal[VERDICTS]  # type: ignore[valid-type]


class RegulationCommand(Command):
    collection: ClassVar[str] = "regulations"
    aggregate = Regulation
    id_field = "regulation_id"


@dataclass(frozen=True)
class DraftRegulation(RegulationCommand):
    """RegulationDrafted (G1, G2)."""

    creates: ClassVar[bool] = True
    kind: Annotated[str, described(f"one of {', '.join(KINDS)} (G1)")]
    title: Text
    drafting_unit_id: str

    def handle(self, uow: UnitOfWork) -> Regulation:
        return uow.add(Regulation.draft(uow.act, uow.roster, kind=self.kind, title=self.title,
                                        drafting_unit_id=self.drafting_unit_id))  # fmt: skip


@dataclass(frozen=True)
class ReviewLegality(RegulationCommand):
    """LegalityReviewed (G2): by the justice bureau (a government rule, a city normative
    document) or the issuing department's legal reviewer (a department normative document)."""

    method: ClassVar[str] = "review_legality"

    regulation_id: uuid.UUID
    passed: bool
    opinion: str


@dataclass(frozen=True)
class ReviewOnFiling(RegulationCommand):
    """RegulationFilingReviewed (G2): the justice bureau's 备案审查 of a department normative
    document filed with the city government."""

    method: ClassVar[str] = "review_on_filing"

    regulation_id: uuid.UUID
    passed: bool
    opinion: str


@dataclass(frozen=True)
class OpenPublicComment(RegulationCommand):
    """PublicCommentOpened (G3)."""

    method: ClassVar[str] = "open_public_comment"

    regulation_id: uuid.UUID
    opens_on: Day | None = None
    closes_on: Day | None = None
    waived_reason: Annotated[
        str | None, described("with secret_by_law: the legal basis for withholding the draft")
    ] = None
    secret_by_law: Annotated[
        bool, described("the draft is secret by law (依法需要保密的): no comment period (G3)")
    ] = False


@dataclass(frozen=True)
class ReceiveComment(RegulationCommand):
    """CommentReceived (G3)."""

    method: ClassVar[str] = "receive_comment"

    regulation_id: uuid.UUID
    text: str
    source: str


@dataclass(frozen=True)
class AdoptRegulation(RegulationCommand):
    """RegulationAdopted (G4); the decision it carries out knows it, in the same transaction."""

    regulation_id: uuid.UUID
    meeting_id: str | None = None
    decision_id: str | None = None

    def handle(self, uow: UnitOfWork) -> Regulation:
        meeting = uow.referenced(Meeting, self.meeting_id) if self.meeting_id else None
        decision = uow.referenced(Decision, self.decision_id) if self.decision_id else None
        reg = uow.target(Regulation, self.regulation_id)
        reg.adopt(uow.act, meeting, str(decision.id) if decision else None)
        if decision is not None:
            decision.link_regulation(uow.act, str(reg.id))
        return reg


@dataclass(frozen=True)
class PublishRegulation(RegulationCommand):
    """RegulationPublished (G5, G6); a published revision supersedes the version it revises,
    in the same transaction (G7 lineage, G9 catalog)."""

    regulation_id: uuid.UUID
    published_on: Day
    number: str
    valid_until: Annotated[Day | None, described("mandatory (G6)")] = None

    def handle(self, uow: UnitOfWork) -> Regulation:
        reg = uow.target(Regulation, self.regulation_id)
        reg.publish(uow.act, uow.app.regulation_policy, self.published_on, self.valid_until,
                    self.number)  # fmt: skip
        if reg.revises:
            previous = uow.get(Regulation, uuid.UUID(reg.revises))
            if previous.status == "in_force":
                previous.supersede(uow.act, reg, self.published_on)
        return reg


@dataclass(frozen=True)
class FileRegulation(RegulationCommand):
    """RegulationFiled (G5)."""

    method: ClassVar[str] = "file"

    regulation_id: uuid.UUID
    body: Body
    filed_on: Day


@dataclass(frozen=True)
class ReviewCleanup(RegulationCommand):
    """CleanupReviewed (G7)."""

    method: ClassVar[str] = "review_cleanup"

    regulation_id: uuid.UUID
    verdict: Verdict
    reason: str


@dataclass(frozen=True)
class ReviseRegulation(RegulationCommand):
    """RegulationRevised (G7): a new regulation linked both ways; answers the new one."""

    creates: ClassVar[bool] = True
    regulation_id: uuid.UUID
    title: Text

    def handle(self, uow: UnitOfWork) -> Regulation:
        old = uow.target(Regulation, self.regulation_id)
        return uow.add(old.start_revision(uow.act, uow.roster, self.title))


@dataclass(frozen=True)
class AbolishRegulation(RegulationCommand):
    """RegulationAbolished (G7)."""

    method: ClassVar[str] = "abolish"

    regulation_id: uuid.UUID
    reason: str | None = None


@dataclass(frozen=True)
class EvaluateRegulation(RegulationCommand):
    """RegulationEvaluated (G8)."""

    method: ClassVar[str] = "evaluate"

    regulation_id: uuid.UUID
    findings: str
