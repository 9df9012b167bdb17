"""Major administrative decision commands (重大行政决策, M9–M13, A1): initiation, the four
procedures and the office's confirmation of a waiver, publication. A decision is taken only
through a meeting (meetings.DecideTopic)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from domain.decisions import MATTER_KINDS, PROCEDURES, Decision
from domain.fields import Text, described
from domain.service import Command, UnitOfWork

MatterKind = Literal[MATTER_KINDS]  # type: ignore[valid-type]
Procedure = Literal[PROCEDURES]  # type: ignore[valid-type]


class DecisionCommand(Command):
    collection: ClassVar[str] = "decisions"
    aggregate = Decision
    id_field = "decision_id"


@dataclass(frozen=True)
class InitiateDecision(DecisionCommand):
    """DecisionInitiated (A1, M9): a unit proposes a decision and names who answers for it."""

    creates: ClassVar[bool] = True
    title: Text
    matter_kind: Annotated[MatterKind, described(
        "every kind but other is a major matter (M9, arts. 7, 28, 42)")]  # fmt: skip
    initiated_by_unit: str
    responsible_person: str
    major: Annotated[bool | None, described(
        "true marks a matter of kind other major; a major kind is never marked false (M9)"
    )] = None  # fmt: skip

    def handle(self, uow: UnitOfWork) -> Decision:
        return uow.add(Decision.initiate(
            uow.act, uow.roster, title=self.title, matter_kind=self.matter_kind,
            initiated_by_unit=self.initiated_by_unit, responsible_person=self.responsible_person,
            major=self.major,
        ))  # fmt: skip


@dataclass(frozen=True)
class RecordProcedure(DecisionCommand):
    """DecisionProcedureRecorded (M10): done with its conclusion and evidence, or waived with
    a reason (never the legality review; a waiver counts once the office confirms it)."""

    method: ClassVar[str] = "record_procedure"

    decision_id: uuid.UUID
    procedure: Procedure
    performed_by: Annotated[str, described("a unit id, or a person id (their unit is taken)")]
    conclusion: str | None = None
    evidence_refs: list[str] = field(default_factory=list)
    waived_reason: str | None = None
    passed: Annotated[bool | None, described(
        "the legality review's verdict (required for it); failed, it blocks the decision"
    )] = None  # fmt: skip


@dataclass(frozen=True)
class ConfirmWaiver(DecisionCommand):
    """DecisionWaiverConfirmed (M10): the government office confirms a waiver."""

    method: ClassVar[str] = "confirm_waiver"

    decision_id: uuid.UUID
    procedure: Procedure


@dataclass(frozen=True)
class PublishDecision(DecisionCommand):
    """DecisionPublished (M13): with its policy interpretation, or withheld (secret by law)."""

    method: ClassVar[str] = "publish"

    decision_id: uuid.UUID
    interpretation_ref: Annotated[str | None, described("政策解读 (M13)")] = None
    withheld_reason: Annotated[str | None, described("secret by law: not published")] = None
