"""Official document commands (公文, D1–D12): drafting, countersigning (会签), review (退文/拟办),
sign-off (签发), numbering (发文字号), issue and publication."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from domain.clock import local_date
from domain.decisions import MATTER_KINDS, Decision
from domain.documents import (
    CLASSIFICATIONS,
    DIRECT_TO_LEADER_REASONS,
    RETURN_REASONS,
    URGENCIES,
    DocumentNumberSequence,
    Implements,
    OfficialDocument,
    number_sequence_id,
)
from domain.fields import DueTime, Instant, Text, described
from domain.roster import InvalidReference
from domain.service import Command, UnitOfWork

Classification = Literal[CLASSIFICATIONS]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
DirectReason = Literal[DIRECT_TO_LEADER_REASONS]  # type: ignore[valid-type]
ReturnReason = Literal[RETURN_REASONS]  # type: ignore[valid-type]
MatterKind = Literal[MATTER_KINDS]  # type: ignore[valid-type]


class DocumentCommand(Command):
    collection: ClassVar[str] = "documents"
    aggregate = OfficialDocument
    id_field = "document_id"


@dataclass(frozen=True)
class DraftDocument(DocumentCommand):
    """DocumentDrafted (D1–D5, D10, D12). A document that carries out a decision is linked on
    the decision, a reply (批复) on the request it answers, in the same transaction (A1)."""

    creates: ClassVar[bool] = True
    doc_type: Annotated[str, described("decision|order|opinion|notice|circular|report|request|"
                                       "reply|motion|letter|minutes (D1)")]  # fmt: skip
    title: Text
    from_unit_id: str
    to: Annotated[str, described('"government", a unit id or a leader\'s person id')]
    body: str | None = None
    matters: list[str] = field(default_factory=list)
    urgency: Urgency = "normal"
    classification: Classification = "none"
    emergency: bool = False
    bypassed_unit_id: str | None = None
    cc_unit_ids: list[str] = field(default_factory=list)
    direct_to_leader_reason: DirectReason | None = None
    includes_request: bool = False
    drafting_unit_id: str | None = None
    routine: bool = False
    personnel: bool = False
    decision_id: Annotated[str | None, described("the decision it carries out")] = None
    implements: Implements | None = None
    replies_to: Annotated[str | None, described("a reply's request (批复 → 请示)")] = None
    matter_kind: Annotated[
        MatterKind | None,
        described("what it is about (art. 28, 42); a decision's own when it carries one out "
                  "(D8: major matters go to the mayor; D9: who signs)"),
    ] = None  # fmt: skip
    skip_level_approved_by: Annotated[
        str | None, described("who approved a skip-level submission (D2: 未经批准不得越级行文)")
    ] = None

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        fields = vars(self)
        decision = None
        if self.decision_id is not None:
            decision = uow.referenced(Decision, self.decision_id)
            if self.matter_kind not in (None, decision.matter_kind):
                raise InvalidReference(
                    f"matter_kind follows the decision it carries out ({decision.matter_kind})"
                )
            fields = {**fields, "matter_kind": decision.matter_kind}
        doc = uow.add(OfficialDocument.draft(uow.act, uow.roster, **fields))
        if decision is not None:
            decision.link_document(uow.act, str(doc.id), doc.doc_type)
        if doc.replies_to is not None:
            request = uow.referenced(OfficialDocument, doc.replies_to)
            uow.require_readable(request)
            request.link_reply(uow.act, doc)
        return doc


@dataclass(frozen=True)
class RequestCountersign(DocumentCommand):
    """CountersignRequested (D6, D7): due in 7 working days unless set."""

    method: ClassVar[str] = "request_countersign"

    document_id: uuid.UUID
    unit_ids: Annotated[list[str], described("the units asked")]
    due: Annotated[Instant | None, described("default: 7 working days (D7)")] = None


@dataclass(frozen=True)
class ExtendCountersign(DocumentCommand):
    """CountersignExtended (D7): the limit the lead unit agreed with a unit that cannot answer
    in time (商定回复时限); the due time moves."""

    method: ClassVar[str] = "extend_countersign"

    document_id: uuid.UUID
    unit_id: str
    due: Annotated[Instant, described("the agreed limit, later than the current one")]


@dataclass(frozen=True)
class Countersign(DocumentCommand):
    """DocumentCountersigned (D6): a unit's opinion."""

    method: ClassVar[str] = "countersign"

    document_id: uuid.UUID
    unit_id: str
    opinion: Literal["agree", "disagree"]
    reasons: str | None = None


@dataclass(frozen=True)
class SummariseDisagreement(DocumentCommand):
    """CountersignDisagreementSummarised (D6): the lead unit lists each side's reasons."""

    method: ClassVar[str] = "summarise_disagreement"

    document_id: uuid.UUID
    sides: Annotated[str, described("each side's reasons (各方理据)")]
    proposal: Annotated[str, described("the lead unit's proposal (办理建议)")]


@dataclass(frozen=True)
class ReviewDocument(DocumentCommand):
    """DocumentReturned | DocumentRouted (D8): the office returns (退文) or routes it."""

    method: ClassVar[str] = "review_incoming"

    document_id: uuid.UUID
    conforming: bool
    return_reasons: list[ReturnReason] | None = None
    note: str | None = None
    proposed_handling: str | None = None
    routed_to: str | None = None
    handling_due: Annotated[
        DueTime | None, described("the handling limit (限时办结, D10); a date means its end")
    ] = None


@dataclass(frozen=True)
class Instruct(DocumentCommand):
    """LeaderInstructed (D8): the leader the document was routed to instructs on it (批示),
    and may forward it to another leader for their approval (转请核批)."""

    method: ClassVar[str] = "instruct"

    document_id: uuid.UUID
    text: Annotated[Text, described("the instruction (批示)")]
    forwarded_to: Annotated[
        str | None, described("another leader asked to approve it (转请核批)")
    ] = None


@dataclass(frozen=True)
class SignOff(DocumentCommand):
    """DocumentSignedOff (D9, P2)."""

    method: ClassVar[str] = "sign_off"

    document_id: uuid.UUID
    opinion: str = ""


@dataclass(frozen=True)
class RegisterDocument(DocumentCommand):
    """DocumentNumbered (D11): the document and its number register are saved together; a
    lost race for a number is run again with the next one, so none is shared or skipped."""

    attempts: ClassVar[int] = 20
    document_id: uuid.UUID
    issuer_code: Annotated[str, Field(min_length=1, max_length=12, examples=["攀府发"])]

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        year = local_date(uow.ctx.at).year
        register = uow.find(DocumentNumberSequence, number_sequence_id(self.issuer_code, year))
        uow.add(doc.register(uow.act, register, self.issuer_code))
        return doc


@dataclass(frozen=True)
class IssueDocument(DocumentCommand):
    """DocumentIssued (D11)."""

    method: ClassVar[str] = "issue"

    document_id: uuid.UUID


@dataclass(frozen=True)
class PublishDocument(DocumentCommand):
    """DocumentPublished (M13, D12)."""

    method: ClassVar[str] = "publish"

    document_id: uuid.UUID
    interpretation_ref: str | None = None
