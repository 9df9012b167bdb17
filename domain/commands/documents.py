"""Official document commands (公文, D1–D12): drafting, countersigning (会签), review (退文/拟办),
sign-off (签发), numbering (发文字号), issue and publication."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Annotated, ClassVar, Literal

from pydantic import Field

from domain.clock import local_date
from domain.decisions import Decision
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
from domain.fields import Instant, Text, described
from domain.service import Command, UnitOfWork

Classification = Literal[CLASSIFICATIONS]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
DirectReason = Literal[DIRECT_TO_LEADER_REASONS]  # type: ignore[valid-type]
ReturnReason = Literal[RETURN_REASONS]  # type: ignore[valid-type]


class DocumentCommand(Command):
    collection: ClassVar[str] = "documents"


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

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.add(OfficialDocument.draft(uow.act, uow.roster, **vars(self)))
        if doc.decision_id is not None:
            decision = uow.referenced(Decision, doc.decision_id)
            decision.link_document(uow.act, str(doc.id), doc.doc_type)
        if doc.replies_to is not None:
            request = uow.referenced(OfficialDocument, doc.replies_to)
            uow.require_readable(request)
            request.link_reply(uow.act, doc)
        return doc


@dataclass(frozen=True)
class RequestCountersign(DocumentCommand):
    """CountersignRequested (D6, D7): due in 7 working days unless set."""

    document_id: uuid.UUID
    unit_ids: Annotated[list[str], described("the units asked")]
    due: Annotated[Instant | None, described("default: 7 working days (D7)")] = None

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.request_countersign(uow.act, uow.roster, uow.app.calendar, self.unit_ids, self.due)
        return doc


@dataclass(frozen=True)
class Countersign(DocumentCommand):
    """DocumentCountersigned (D6): a unit's opinion."""

    document_id: uuid.UUID
    unit_id: str
    opinion: Literal["agree", "disagree"]
    reasons: str | None = None

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.countersign(uow.act, self.unit_id, self.opinion, self.reasons)
        return doc


@dataclass(frozen=True)
class SummariseDisagreement(DocumentCommand):
    """CountersignDisagreementSummarised (D6): the lead unit lists each side's reasons."""

    document_id: uuid.UUID
    sides: Annotated[str, described("each side's reasons (各方理据)")]
    proposal: Annotated[str, described("the lead unit's proposal (办理建议)")]

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.summarise_disagreement(uow.act, self.sides, self.proposal)
        return doc


@dataclass(frozen=True)
class ReviewDocument(DocumentCommand):
    """DocumentReturned | DocumentRouted (D8): the office returns (退文) or routes it."""

    document_id: uuid.UUID
    conforming: bool
    return_reasons: list[ReturnReason] | None = None
    note: str | None = None
    proposed_handling: str | None = None
    routed_to: str | None = None

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.review_incoming(uow.act, uow.roster, self.conforming, list(self.return_reasons or []),
                            self.proposed_handling, self.routed_to, self.note)  # fmt: skip
        return doc


@dataclass(frozen=True)
class SignOff(DocumentCommand):
    """DocumentSignedOff (D9, P2)."""

    document_id: uuid.UUID
    opinion: str = ""

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.sign_off(uow.act, uow.roster, self.opinion)
        return doc


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

    document_id: uuid.UUID

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.issue(uow.act)
        return doc


@dataclass(frozen=True)
class PublishDocument(DocumentCommand):
    """DocumentPublished (M13, D12)."""

    document_id: uuid.UUID
    interpretation_ref: str | None = None

    def handle(self, uow: UnitOfWork) -> OfficialDocument:
        doc = uow.target(OfficialDocument, self.document_id)
        doc.publish(uow.act, self.interpretation_ref)
        return doc
