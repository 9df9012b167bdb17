"""Major administrative decision commands (重大行政决策, M9–M13, A1): initiation, the four
procedures, publication. A decision is taken only through a meeting (meetings.DecideTopic)."""

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
        "development_plan, budget, major_policy, regulation_draft, major_funds and personnel "
        "are major (M9); other is not")]  # fmt: skip
    initiated_by_unit: str
    responsible_person: str

    def handle(self, uow: UnitOfWork) -> Decision:
        return uow.add(Decision.initiate(
            uow.act, uow.roster, title=self.title, matter_kind=self.matter_kind,
            initiated_by_unit=self.initiated_by_unit, responsible_person=self.responsible_person,
        ))  # fmt: skip


@dataclass(frozen=True)
class RecordProcedure(DecisionCommand):
    """DecisionProcedureRecorded (M10): done with its conclusion and evidence, or waived."""

    method: ClassVar[str] = "record_procedure"

    decision_id: uuid.UUID
    procedure: Procedure
    performed_by: Annotated[str, described("a unit id, or a person id (their unit is taken)")]
    conclusion: str | None = None
    evidence_refs: list[str] = field(default_factory=list)
    waived_reason: str | None = None


@dataclass(frozen=True)
class PublishDecision(DecisionCommand):
    """DecisionPublished (M13): with its policy interpretation, or withheld (secret by law)."""

    method: ClassVar[str] = "publish"

    decision_id: uuid.UUID
    interpretation_ref: Annotated[str | None, described("政策解读 (M13)")] = None
    withheld_reason: Annotated[str | None, described("secret by law: not published")] = None
