"""Official documents (公文, Ch. 9): drafting, countersigning (会签), review (审核/退文), sign-off
(签发), numbering (发文字号), issue and publication. Rules D1–D12.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Snapshot as LibrarySnapshot
from pydantic import ConfigDict
from typing_extensions import TypedDict

from domain.base import (
    CLEARANCE_ORDER,
    LEADER_OFFICES,
    OFFICE_STAFF,
    Act,
    GovAggregate,
    Post,
    Records,
    StatusRule,
    clearance_covers,
)
from domain.calendar import CalendarYearUnknown, add_months
from domain.clock import SHANGHAI, local_date
from domain.decisions import MAJOR_MATTERS, MATTER_KINDS
from domain.fields import Day, Text
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

if TYPE_CHECKING:
    from domain.calendar import WorkingDayCalendar

DOC_TYPES = (
    "decision",  # 决定
    "order",  # 命令（令）
    "opinion",  # 意见
    "notice",  # 通知
    "circular",  # 通报
    "report",  # 报告
    "request",  # 请示
    "reply",  # 批复
    "motion",  # 议案
    "letter",  # 函
    "minutes",  # 纪要
)
URGENCIES = ("normal", "urgent", "extra_urgent")
CLASSIFICATIONS = CLEARANCE_ORDER  # 密级: none, 秘密, 机密, 绝密
# D4: these may not submit documents to the city government.
MAY_NOT_SUBMIT = ("coordination_body", "department_managed_body", "county_department")
# D5: the exceptions that allow a document to go to a leader personally.
DIRECT_TO_LEADER_REASONS = (
    "leader_assigned",  # 领导同志直接交办的个别事项
    "sensitive_in_preparation",  # 尚在酝酿过程中的敏感事项
    "secret",  # 必须直接报送的涉密事项
    "major_emergency",  # 重大突发事件
    "foreign_affairs",  # 部分涉外事项
)
RETURN_REASONS = (
    "multiple_matters",
    "report_contains_request",
    "skip_level",
    "not_allowed_to_submit",
    "missing_countersign",
    "wrong_doc_type",
    "format",
    "other",
)
# D9 (art. 51): what the mayor signs: documents to the province and the party committee
# (external superiors), motions to the people's congress, rules, decisions, orders, personnel
# appointments and removals, requests for support on major matters.
MAYOR_SIGNS = ("decision", "order", "motion", "request")
MAYOR_MATTERS = ("personnel", "regulation_draft")  # 人事任免, 规章
# 事务性文件: notices and letters the government office writes on its own business, which the
# secretary-general may sign; whether a document is one is not the drafter's word alone.
ROUTINE_TYPES = ("notice", "letter")
ISSUER_CODE = re.compile(r"^[\u4e00-\u9fffA-Za-z]{1,12}$")
COUNTERSIGN_WORKING_DAYS = 7
IMPLEMENTATION_MONTHS = 6


def format_number(issuer_code: str, year: int, sequence: int) -> str:
    """D11: 发文字号 like 攀府发〔2019〕6号."""
    return f"{issuer_code}〔{year}〕{sequence}号"


def number_sequence_id(issuer_code: str, year: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"govrules:number-sequence:{issuer_code}:{year}")


class SequenceState(TypedDict):
    """A number register's state in a snapshot, typed; an unknown attribute is an error."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    _created_on: datetime
    _modified_on: datetime
    issuer_code: str
    year: int
    last: int
    assigned: dict[str, int]


class DocumentNumberSequence(GovAggregate):
    """发文登记: the register of numbers for one issuer code and year (D11).

    Saved in the same transaction as the document it numbers; its version makes concurrent
    registrations conflict, so two documents never share a number and none is skipped.
    """

    TOPIC = "govrules:DocumentNumberSequence"
    COLLECTION = "number-sequences"

    class Snapshot(LibrarySnapshot):
        """A register takes thousands of numbers a year and is read for each: a snapshot
        every so many events bounds the replay (GovRules.snapshotting_intervals)."""

        TOPIC = "govrules:DocumentNumberSequenceSnapshot"
        state: SequenceState  # type: ignore[assignment]  # narrowed: pydantic rebuilds it

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:NumberSequenceOpened"
        issuer_code: str
        year: int

        def apply(self, seq: DocumentNumberSequence) -> None:
            seq.issuer_code = self.issuer_code
            seq.year = self.year
            seq.last = 0
            seq.assigned = {}

    class NumberAssigned(Event):
        TOPIC = "govrules:DocumentNumberAssigned"
        sequence: int
        document_id: str

        def apply(self, seq: DocumentNumberSequence) -> None:
            seq.last = self.sequence
            seq.assigned[self.document_id] = self.sequence

    if TYPE_CHECKING:
        issuer_code: str
        year: int
        last: int
        assigned: dict[str, int]

    @classmethod
    def open(cls, act: Act, issuer_code: str, year: int) -> DocumentNumberSequence:
        seq: DocumentNumberSequence = cls.start(
            cls.Created,
            act,
            id=number_sequence_id(issuer_code, year),
            rules=("D11",),
            post=None,
            issuer_code=issuer_code,
            year=year,
        )
        return seq

    def assign(self, act: Act, document_id: str, post: Post | None) -> int:
        sequence = self.last + 1
        self.record(
            self.NumberAssigned,
            act,
            rules=("D11",),
            post=post,
            sequence=sequence,
            document_id=document_id,
        )
        return sequence


class Implements(TypedDict):
    """D10: the provincial document a document carries out (issued within 6 months of it)."""

    ref: Text
    issued_on: Day


@dataclass(frozen=True, slots=True)
class LateOpinion:
    """D7: an opinion that came after the limit passed: recorded, marked late; it does not
    undo the deemed no objection."""

    opinion: str
    reasons: str | None
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Countersign:
    """D6, D7: one unit asked to countersign (会签): pending, then answered or, once its limit
    passed unanswered, deemed no objection."""

    unit_id: str
    requested_at: datetime
    due: datetime | None  # None: pending the calendar of ``due_pending_year`` (D7)
    due_basis: str
    status: str = "pending"  # pending | answered | deemed
    opinion: str | None = None
    reasons: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    due_pending_year: int | None = None
    late: LateOpinion | None = None  # D7: an opinion after the limit; the deemed answer stands

    def passed(self, at: datetime) -> bool:
        """D7: still pending, and its limit passed by ``at`` (a due time not yet known has
        not passed)."""
        return self.status == "pending" and self.due is not None and at >= self.due


@dataclass(frozen=True, slots=True)
class DisagreementSummary:
    """D6: where units disagree, each side's reasons and the lead unit's proposal."""

    sides: str
    proposal: str
    recorded_at: datetime
    by: str


@dataclass(frozen=True, slots=True)
class ReturnReview:
    """D8: the office returned a non-conforming incoming document (退文)."""

    return_reasons: list[str]
    note: str | None
    by: str
    at: datetime
    conforming: bool = False


@dataclass(frozen=True, slots=True)
class RoutingReview:
    """D8: the office proposed handling (拟办意见) and routed it to a leader, within a handling
    limit (限时办结, D10) where it set one."""

    proposed_handling: str
    routed_to: str
    by: str
    at: datetime
    conforming: bool = True
    handling_due: datetime | None = None


@dataclass(frozen=True, slots=True)
class Instruction:
    """D8: a leader's instruction (批示) on a routed incoming document; forwarded to another
    leader for their approval (转请核批) where the leader asks it."""

    text: str
    by: str
    office: str
    acting_for: str | None
    forwarded_to: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Signature:
    """D9: who signed it off (签发), in which office, for whom, on what authority."""

    by: str
    office: str
    acting_for: str | None
    authority: str
    opinion: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    """D12: made public, with its interpretation (政策解读) where there is one."""

    at: datetime
    interpretation_ref: str | None


class OfficialDocument(GovAggregate):
    """公文: an incoming document (a unit writes to the government) or an outgoing one (issued
    in the government's name), from drafting to publication."""

    TOPIC = "govrules:OfficialDocument"
    COLLECTION = "documents"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:DocumentDrafted"
        doc_type: str
        title: str
        body: str | None
        from_unit_id: str
        to: str
        direction: str
        matters: list[str]
        urgency: str
        classification: str
        emergency: bool
        bypassed_unit_id: str | None
        cc_unit_ids: list[str]
        direct_to_leader_reason: str | None
        includes_request: bool
        drafting_unit_id: str | None
        routine: bool
        personnel: bool
        decision_id: str | None
        implements: Implements | None
        implementation_due: date | None
        # The request (请示) a reply (批复) answers; absent from documents drafted before it.
        replies_to: str | None = None
        # D8, D9: what the document is about (the kinds of art. 28 and 42), its own or that of
        # the decision it carries out; absent from documents drafted before it.
        matter_kind: str | None = None
        # D2: who approved a skip-level submission (越级行文); absent before it was recorded.
        skip_level_approved_by: str | None = None

        def apply(self, doc: OfficialDocument) -> None:
            doc.replies_to = self.replies_to
            doc.matter_kind = self.matter_kind
            doc.skip_level_approved_by = self.skip_level_approved_by
            doc.replies = []
            doc.instructions = []
            doc.overdue = []  # D10: the limits whose passing the system recorded
            for name in (
                "doc_type", "title", "body", "from_unit_id", "to", "direction", "matters",
                "urgency", "classification", "emergency", "bypassed_unit_id", "cc_unit_ids",
                "direct_to_leader_reason", "includes_request", "drafting_unit_id", "routine",
                "personnel", "decision_id", "implements", "implementation_due",
            ):  # fmt: skip
                setattr(doc, name, getattr(self, name))
            doc.status = DOCUMENT_STATUS.of(self)
            doc.drafted_by = self.meta["actor_id"]
            doc.countersigns = Records()
            doc.disagreement_summary = None
            doc.review = None
            doc.signature = None
            doc.number = None
            doc.issued_at = None
            doc.published = None

    Drafted = Created

    class CountersignRequested(Event):
        TOPIC = "govrules:CountersignRequested"
        unit_ids: list[str]
        due: datetime | None
        due_basis: str
        # D7: the year whose calendar is not recorded yet; the due time follows once it is.
        due_pending_year: int | None = None

        def apply(self, doc: OfficialDocument) -> None:
            for unit_id in self.unit_ids:
                doc.countersigns[unit_id] = Countersign(
                    unit_id, self.timestamp, self.due, self.due_basis,
                    due_pending_year=self.due_pending_year,
                )  # fmt: skip

    class CountersignExtended(Event):
        """D7: a unit that cannot answer in time agreed another limit with the lead unit
        (商定回复时限); its due time moves."""

        TOPIC = "govrules:CountersignExtended"
        unit_id: str
        due: datetime

        def apply(self, doc: OfficialDocument) -> None:
            doc.countersigns[self.unit_id] = replace(
                doc.countersigns[self.unit_id],
                due=self.due,
                due_basis="agreed with the lead unit",
                due_pending_year=None,
            )

    class CountersignDueSet(Event):
        """D7: the due time of a request made before its year's calendar was recorded,
        counted by the system once it is (or still pending on a later year)."""

        TOPIC = "govrules:CountersignDueSet"
        unit_id: str
        due: datetime | None
        due_pending_year: int | None

        def apply(self, doc: OfficialDocument) -> None:
            doc.countersigns[self.unit_id] = replace(
                doc.countersigns[self.unit_id],
                due=self.due,
                due_pending_year=self.due_pending_year,
            )

    class Countersigned(Event):
        TOPIC = "govrules:DocumentCountersigned"
        unit_id: str
        opinion: str
        reasons: str | None
        late: bool = False  # D7: after the limit; the deemed answer stands

        def apply(self, doc: OfficialDocument) -> None:
            if self.late:
                late = LateOpinion(
                    self.opinion, self.reasons, self.meta["actor_id"], self.timestamp
                )
                doc.countersigns[self.unit_id] = replace(doc.countersigns[self.unit_id], late=late)
                return
            doc.countersigns[self.unit_id] = replace(
                doc.countersigns[self.unit_id],
                status="answered",
                opinion=self.opinion,
                reasons=self.reasons,
                answered_by=self.meta["actor_id"],
                answered_at=self.timestamp,
            )

    class CountersignDeemedNoObjection(Event):
        """D7: the limit passed unanswered — no objection (视为无不同意见), recorded by the
        system for the due time it speaks for."""

        TOPIC = "govrules:CountersignDeemedNoObjection"
        unit_id: str
        due: datetime

        def apply(self, doc: OfficialDocument) -> None:
            doc.countersigns[self.unit_id] = replace(
                doc.countersigns[self.unit_id],
                status="deemed",
                opinion="no_objection",
                reasons=None,
                answered_by=self.meta["actor_id"],
                answered_at=self.due,
            )

    class DisagreementSummarised(Event):
        TOPIC = "govrules:CountersignDisagreementSummarised"
        sides: str
        proposal: str

        def apply(self, doc: OfficialDocument) -> None:
            doc.disagreement_summary = DisagreementSummary(
                self.sides, self.proposal, self.timestamp, self.meta["actor_id"]
            )

    class Returned(Event):
        TOPIC = "govrules:DocumentReturned"
        return_reasons: list[str]
        note: str | None

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.review = ReturnReview(
                self.return_reasons, self.note, self.meta["actor_id"], self.timestamp
            )

    class Routed(Event):
        TOPIC = "govrules:DocumentRouted"
        proposed_handling: str
        routed_to: str
        handling_due: datetime | None = None  # D10: 限时办结; absent from earlier routings

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.review = RoutingReview(
                self.proposed_handling, self.routed_to, self.meta["actor_id"], self.timestamp,
                handling_due=self.handling_due,
            )  # fmt: skip

    class HandlingOverdue(Event):
        """D10 (timer): the handling limit passed before the leader's instruction."""

        TOPIC = "govrules:DocumentHandlingOverdue"
        due: datetime

        def apply(self, doc: OfficialDocument) -> None:
            doc.overdue = [*doc.overdue, "handling"]

    class ImplementationOverdue(Event):
        """D10 (timer): 6 months after the provincial document, this one is not issued."""

        TOPIC = "govrules:DocumentImplementationOverdue"
        due: date

        def apply(self, doc: OfficialDocument) -> None:
            doc.overdue = [*doc.overdue, "implementation"]

    class Instructed(Event):
        """D8: the leader the document was routed to gives an instruction (批示)."""

        TOPIC = "govrules:LeaderInstructed"
        text: str
        forwarded_to: str | None = None

        def apply(self, doc: OfficialDocument) -> None:
            doc.instructions.append(
                Instruction(
                    self.text,
                    self.meta["actor_id"],
                    self.meta["actor_office"],
                    self.meta["acting_for"],
                    self.forwarded_to,
                    self.timestamp,
                )
            )
            doc.status = DOCUMENT_STATUS.of(self, doc.status)

    class SignedOff(Event):
        TOPIC = "govrules:DocumentSignedOff"
        opinion: str
        authority: str

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.signature = Signature(
                by=self.meta["actor_id"],
                office=self.meta["actor_office"],
                acting_for=self.meta["acting_for"],
                authority=self.authority,
                opinion=self.opinion,
                at=self.timestamp,
            )

    class Numbered(Event):
        TOPIC = "govrules:DocumentNumbered"
        issuer_code: str
        year: int
        sequence: int
        number: str

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.number = self.number

    class Issued(Event):
        TOPIC = "govrules:DocumentIssued"

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.issued_at = self.timestamp

    class ReplyLinked(Event):
        """A reply (批复) was drafted to this request (A1: links are facts both ways)."""

        TOPIC = "govrules:DocumentReplyLinked"
        reply_id: str

        def apply(self, doc: OfficialDocument) -> None:
            doc.replies.append(self.reply_id)

    class Published(Event):
        TOPIC = "govrules:DocumentPublished"
        interpretation_ref: str | None

        def apply(self, doc: OfficialDocument) -> None:
            doc.status = DOCUMENT_STATUS.of(self, doc.status)
            doc.published = Publication(self.timestamp, self.interpretation_ref)

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only (not dataclass fields)
        doc_type: str
        title: str
        body: str | None
        from_unit_id: str
        to: str
        direction: str
        matters: list[str]
        urgency: str
        classification: str
        emergency: bool
        bypassed_unit_id: str | None
        cc_unit_ids: list[str]
        direct_to_leader_reason: str | None
        includes_request: bool
        drafting_unit_id: str | None
        routine: bool
        personnel: bool
        decision_id: str | None
        implements: Implements | None
        implementation_due: date | None
        replies_to: str | None
        matter_kind: str | None
        skip_level_approved_by: str | None
        replies: list[str]
        instructions: list[Instruction]
        overdue: list[str]
        status: str
        drafted_by: str
        countersigns: Records[Countersign]
        disagreement_summary: DisagreementSummary | None
        review: ReturnReview | RoutingReview | None
        signature: Signature | None
        number: str | None
        issued_at: datetime | None
        published: Publication | None

    # ----- drafting ------------------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        act: Act, roster: Roster, *,
        doc_type: str, title: str, from_unit_id: str, to: str, matters: list[str],
        urgency: str = "normal", classification: str = "none", body: str | None = None,
        emergency: bool = False, bypassed_unit_id: str | None = None,
        cc_unit_ids: list[str] | None = None, direct_to_leader_reason: str | None = None,
        includes_request: bool = False, drafting_unit_id: str | None = None,
        routine: bool = False, personnel: bool = False, decision_id: str | None = None,
        implements: Implements | None = None, replies_to: str | None = None,
        matter_kind: str | None = None, skip_level_approved_by: str | None = None,
        id: uuid.UUID | None = None,
    ) -> OfficialDocument:  # fmt: skip
        """Drafted (拟稿) by the unit it comes from; checks D1–D5 and D12, stores D10's due."""
        today = local_date(act.at)
        cc_unit_ids = list(dict.fromkeys(cc_unit_ids or []))
        _check_references(roster, urgency, classification, [*cc_unit_ids, drafting_unit_id,
                                                            bypassed_unit_id])  # fmt: skip
        from_unit = roster.unit(from_unit_id)
        direction = _direction(roster, from_unit, to, today)

        post = _drafting_post(act, roster, from_unit, drafting_unit_id)
        if not clearance_covers(act.actor.clearance, classification):
            raise forbid("D12", f"drafting a {classification} document needs that clearance")
        if doc_type not in DOC_TYPES:
            raise refuse("D1", f"{doc_type!r} is not a document type; use one of {DOC_TYPES}")
        rules: list[str] = ["D1"]
        if direction == "incoming":
            rules += _check_incoming(
                roster, from_unit, to, emergency, bypassed_unit_id, cc_unit_ids,
                direct_to_leader_reason, classification, today, skip_level_approved_by,
            )  # fmt: skip
        _check_content(doc_type, matters, includes_request, replies_to)
        rules.append("D3")
        if direction == "outgoing" and drafting_unit_id is None:
            drafting_unit_id = post.unit_id
        personnel = personnel or matter_kind == "personnel"
        if _check_matter(roster, doc_type, direction, drafting_unit_id, matter_kind, routine,
                         personnel):  # fmt: skip
            rules.append("D9")
        implementation_due = None
        if implements is not None:
            implementation_due = _implementation_due(implements)
            rules.append("D10")
        if classification != "none":
            rules.append("D12")
        doc: OfficialDocument = cls.start(
            cls.Drafted, act, id=id or uuid.uuid4(), rules=tuple(rules), post=post,
            doc_type=doc_type, title=title, body=body, from_unit_id=from_unit_id, to=to,
            direction=direction, matters=list(matters), urgency=urgency,
            classification=classification, emergency=emergency,
            bypassed_unit_id=bypassed_unit_id, cc_unit_ids=cc_unit_ids,
            direct_to_leader_reason=direct_to_leader_reason, includes_request=includes_request,
            drafting_unit_id=drafting_unit_id, routine=routine, personnel=personnel,
            decision_id=decision_id, implements=implements,
            implementation_due=implementation_due, replies_to=replies_to,
            matter_kind=matter_kind, skip_level_approved_by=skip_level_approved_by,
        )  # fmt: skip
        return doc

    # ----- countersigning (会签) -----------------------------------------------------------

    def _lead_post(self, act: Act, rule: str) -> Post:
        """The lead unit (主办单位) acts through its head; the office acts for the government."""
        lead = self.drafting_unit_id if self.direction == "outgoing" else self.from_unit_id
        post = act.actor.heads(lead) if lead else None
        if post is None and self.direction == "outgoing":
            post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid(rule, f"only the head of the lead unit {lead} acts for it")
        return post

    def request_countersign(
        self,
        act: Act,
        roster: Roster,
        calendar: WorkingDayCalendar,
        unit_ids: list[str],
        due: datetime | None = None,
    ) -> None:
        """D6: ask the units whose remit it touches; D7: due in 7 working days unless set."""
        post = self._lead_post(act, "D6")
        if self.status != "drafted":
            raise refuse("D6", f"countersigns are asked before review or sign-off ({self.status})")
        unit_ids = list(dict.fromkeys(unit_ids))
        if not unit_ids:
            raise refuse("D6", "name at least one unit to countersign")
        for unit_id in unit_ids:
            roster.unit(unit_id)
            if unit_id in (self.from_unit_id, self.drafting_unit_id):
                raise refuse("D6", f"{unit_id} is the lead unit; it does not countersign itself")
            # D7: a limit that passed unanswered is no objection, recorded or not; asking
            # again is refused either way, as it always was for a pending request.
            asked = self.countersigns.get(unit_id)
            if asked is not None and asked.status in ("pending", "deemed"):
                raise refuse("D6", f"{unit_id} has already been asked and has not answered")
        pending_year = None
        if due is None:
            basis = "D7: 7 working days"
            due, pending_year = _working_days_due(calendar, act.at)
        else:
            if due.tzinfo is None:
                raise InvalidReference("due must carry a time zone offset")
            if due <= act.at:
                raise refuse(
                    "D7", "the lead unit's limit has already passed; set one in the future"
                )
            basis = "lead unit's limit"
        self.record(
            self.CountersignRequested,
            act,
            rules=("D6", "D7"),
            post=post,
            unit_ids=unit_ids,
            due=due,
            due_basis=basis,
            due_pending_year=pending_year,
        )

    def extend_countersign(self, act: Act, unit_id: str, due: datetime) -> None:
        """D7: a unit that cannot answer in time agrees another limit with the lead unit
        (商定回复时限), recorded by the lead unit before the limit passes; it moves the due
        time. Once passed, the answer is deemed no objection and nothing moves it back."""
        post = self._lead_post(act, "D7")
        entry = self.countersigns.get(unit_id)
        if entry is None:
            raise refuse("D6", f"{unit_id} was not asked to countersign")
        if entry.status != "pending" or entry.passed(act.at):
            raise refuse("D7", f"{unit_id}'s limit is no longer open ({entry.status}); "
                         "an extension is agreed before it passes")  # fmt: skip
        if due.tzinfo is None:
            raise InvalidReference("due must carry a time zone offset")
        if due <= act.at or (entry.due is not None and due <= entry.due):
            raise refuse("D7", "an agreed limit is later than the one it replaces")
        self.record(
            self.CountersignExtended, act, rules=("D7",), post=post, unit_id=unit_id, due=due
        )

    def countersign(self, act: Act, unit_id: str, opinion: str, reasons: str | None) -> None:
        """会签: the head of a requested unit answers, agreeing or disagreeing with reasons; after
        the limit, the answer is recorded as late (D7)."""
        post = act.actor.heads(unit_id)
        if post is None:
            raise forbid("D6", f"only the head of {unit_id} countersigns for it")
        if not clearance_covers(act.actor.clearance, self.classification):
            raise forbid("D12", f"countersigning needs {self.classification} clearance")
        entry = self.countersigns.get(unit_id)
        if entry is None:
            raise refuse("D6", f"{unit_id} was not asked to countersign")
        late = entry.status == "deemed" or entry.passed(act.at)
        if late and entry.late is not None:
            raise refuse("D7", f"{unit_id}'s late opinion is already recorded")
        if not late and entry.status != "pending":
            raise refuse("D6", f"{unit_id} has already answered")
        if opinion not in ("agree", "disagree"):
            raise InvalidReference("opinion is agree or disagree")
        if opinion == "disagree" and not (reasons and reasons.strip()):
            raise refuse("D6", "a disagreeing unit gives its reasons (理据)")
        # D7: past the limit it is no objection, recorded or not; a later opinion is recorded
        # too, marked late, and does not undo that.
        self.record(
            self.Countersigned, act, rules=("D6", "D7"), post=post, unit_id=unit_id,
            opinion=opinion, reasons=reasons, late=late,
        )  # fmt: skip

    def deem_no_objection(self, act: Act, unit_id: str, due: datetime) -> bool:
        """D7 (timer): the system records that ``unit_id`` did not answer by ``due`` — no
        objection. Idempotent: False when there is nothing to record (answered, already
        deemed, another due on record, or ``act.at`` before ``due``)."""
        entry = self.countersigns.get(unit_id)
        if entry is None or entry.status != "pending":
            return False
        if entry.due != due or act.at < due:
            return False
        self.record(
            self.CountersignDeemedNoObjection,
            act,
            rules=("D7",),
            post=None,
            unit_id=unit_id,
            due=due,
        )
        return True

    def record_handling_overdue(self, act: Act, due: datetime) -> bool:
        """D10 (timer): the system records that the document was not handled (the leader's
        instruction) by its limit. Idempotent: False when handled in time, another limit,
        already recorded, or before it; handled late, it is still recorded."""
        review = self.review
        if not isinstance(review, RoutingReview) or review.handling_due != due:
            return False
        handled = next((i.at for i in self.instructions if i.forwarded_to is None), None)
        if (handled is not None and handled < due) or "handling" in self.overdue or act.at < due:
            return False
        self.record(self.HandlingOverdue, act, rules=("D10",), post=None, due=due)
        return True

    def record_implementation_overdue(self, act: Act, due: date) -> bool:
        """D10 (timer): the system records that a document carrying out a provincial one was
        not issued within 6 months of it (by the end of ``due``). Idempotent."""
        moment = implementation_overdue_at(due)
        if self.implementation_due != due or (self.issued_at and self.issued_at < moment):
            return False
        if "implementation" in self.overdue or act.at < moment:
            return False
        self.record(self.ImplementationOverdue, act, rules=("D10",), post=None, due=due)
        return True

    def set_countersign_due(self, act: Act, calendar: WorkingDayCalendar, unit_id: str) -> bool:
        """D7 (timer): once the calendar of the year a request waited for is recorded, the
        system counts its 7 working days from the request (day 0 its own day) and records the
        due time — or that it still waits, on a later year. Idempotent: False when nothing
        waits (answered meanwhile, or the due time already set)."""
        entry = self.countersigns.get(unit_id)
        if entry is None or entry.status != "pending" or entry.due is not None:
            return False
        due, pending_year = _working_days_due(calendar, entry.requested_at)
        if due is None and pending_year == entry.due_pending_year:
            return False
        self.record(
            self.CountersignDueSet, act, rules=("D7",), post=None, unit_id=unit_id, due=due,
            due_pending_year=pending_year,
        )  # fmt: skip
        return True

    def summarise_disagreement(self, act: Act, sides: str, proposal: str) -> None:
        """D6: where units disagree the lead unit lists each side's reasons and a proposal."""
        post = self._lead_post(act, "D6")
        if not any(c.opinion == "disagree" for c in self.countersigns.values()):
            raise refuse("D6", "no unit disagreed; there is nothing to summarise")
        if not sides.strip() or not proposal.strip():
            raise refuse("D6", "list each side's reasons and a proposal")
        self.record(
            self.DisagreementSummarised, act, rules=("D6",), post=post, sides=sides,
            proposal=proposal,
        )  # fmt: skip

    def _countersigns_settled(self, at: datetime) -> None:
        """D6/D7: every asked unit answered (or its limit passed: no objection), and any
        disagreement summarised by the lead unit after the last disagreement."""
        for entry in self.countersigns.values():
            if entry.status == "pending" and not entry.passed(at):
                due = entry.due.isoformat() if entry.due else "pending its year's calendar"
                raise refuse("D6", f"{entry.unit_id} has not countersigned (due {due})")
        disagreements = [
            c.answered_at
            for c in self.countersigns.values()
            if c.opinion == "disagree" and c.answered_at is not None
        ]
        summary = self.disagreement_summary
        if disagreements and (summary is None or summary.recorded_at < max(disagreements)):
            raise refuse("D6", "units disagree: the lead unit lists each side's reasons first")

    # ----- review (审核), for incoming documents --------------------------------------------

    def review_incoming(
        self,
        act: Act,
        roster: Roster,
        conforming: bool,
        return_reasons: list[str] | None = None,
        proposed_handling: str | None = None,
        routed_to: str | None = None,
        note: str | None = None,
        handling_due: datetime | None = None,
    ) -> None:
        """D8: the office returns a non-conforming document with reasons (退文), or proposes
        handling (拟办意见) and routes it to the leader in charge, within a handling limit
        (限时办结, D10) where it sets one."""
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("D8", "only the government office reviews incoming documents")
        if not clearance_covers(act.actor.clearance, self.classification):
            raise forbid("D12", f"reviewing needs {self.classification} clearance")
        if self.direction != "incoming":
            raise refuse("D8", "only documents sent to the government are reviewed")
        if self.status != "drafted":
            raise refuse("D8", f"the document was already reviewed ({self.status})")
        if not conforming:
            reasons = list(dict.fromkeys(return_reasons or []))
            if not reasons:
                raise refuse("D8", "a returned document carries its reasons (退文理由)")
            unknown = [r for r in reasons if r not in RETURN_REASONS]
            if unknown:
                raise InvalidReference(f"unknown return reasons {unknown}")
            if "other" in reasons and not (note and note.strip()):
                raise refuse("D8", "return reason 'other' needs a text")
            self.record(
                self.Returned, act, rules=("D8",), post=post, return_reasons=reasons, note=note
            )
            return
        self._countersigns_settled(act.at)
        if not (proposed_handling and proposed_handling.strip()):
            raise refuse("D8", "a conforming document gets a proposed handling (拟办意见)")
        today = local_date(act.at)
        mayor = roster.holder("mayor", today)
        to_mayor = self._for_the_mayor(roster)
        if routed_to is None:
            in_charge = None if to_mayor else roster.vice_mayor_in_charge(self.from_unit_id)
            routed_to = in_charge or mayor
        if routed_to is None or not roster.is_leader(routed_to, today):
            raise refuse("D8", f"{routed_to} is not a city leader to route the document to")
        if to_mayor and routed_to != mayor:
            raise refuse("D8", f"{to_mayor} goes to the mayor (应及时报市长阅批)")
        if handling_due is not None and handling_due <= act.at:
            raise refuse("D10", "a handling limit (办结时限) lies in the future")
        self.record(
            self.Routed,
            act,
            rules=("D6", "D8", "D10") if handling_due else ("D6", "D8"),
            post=post,
            proposed_handling=proposed_handling,
            routed_to=routed_to,
            handling_due=handling_due,
        )

    def _for_the_mayor(self, roster: Roster) -> str | None:
        """D8: documents of the central and provincial authorities (and their leaders'
        instructions) and incoming documents on major matters are routed to the mayor; says
        why, or None."""
        if roster.units.get(self.from_unit_id, {}).get("kind") == "external":
            return "a document of the central or provincial authorities"
        if self.matter_kind in MAJOR_MATTERS:
            return f"a document on a major matter ({self.matter_kind})"
        return None

    def instruct(
        self, act: Act, roster: Roster, text: str, forwarded_to: str | None = None
    ) -> None:
        """D8: the leader it was routed (or forwarded) to gives an instruction (批示) — the
        acting mayor (P2) for an absent mayor — and may forward it to another leader for
        their approval (转请核批)."""
        if self.status != "routed":
            raise refuse("D8", f"a leader instructs on a routed incoming document ({self.status})")
        awaited = self.instructions[-1].forwarded_to if self.instructions else None
        if awaited is None and isinstance(self.review, RoutingReview):
            awaited = self.review.routed_to
        today = local_date(act.at)
        post, acting_for = act.actor.holds(*LEADER_OFFICES), None
        if act.actor.person_id != awaited:
            mayor = roster.holder("mayor", today)
            acting = act.actor.holds("executive_vice_mayor")
            if awaited != mayor or mayor not in act.absent or acting is None:
                raise forbid("D8", f"the document was routed to {awaited}; they instruct on it")
            post, acting_for = acting, mayor
        if not clearance_covers(act.actor.clearance, self.classification):
            raise forbid("D12", f"instructing needs {self.classification} clearance")
        if not text.strip():
            raise refuse("D8", "an instruction (批示) has a text")
        if forwarded_to is not None and (
            forwarded_to == act.actor.person_id or not roster.is_leader(forwarded_to, today)
        ):
            raise refuse("D8", f"{forwarded_to} is not another city leader to forward it to")
        self.record(
            self.Instructed, act, rules=("D8", "P2") if acting_for else ("D8",), post=post,
            acting_for=acting_for, text=text, forwarded_to=forwarded_to,
        )  # fmt: skip

    # ----- sign-off (签发), numbering, issue, publication ------------------------------------

    def required_authority(self, roster: Roster) -> str:
        """D9: who signs this document off — ``mayor``, ``vice_mayor_in_charge`` or ``routine``
        — from its type, recipient and matter; a drafter's ``routine`` counts only for the
        office's own notices and letters (documents drafted before that rule are judged by it
        too, and only ever upwards)."""
        if _mayor_signs(roster, self.doc_type, self.to, self.personnel, self.matter_kind):
            return "mayor"
        if self.routine and _may_be_routine(roster, self.doc_type, self.drafting_unit_id):
            return "routine"
        return "vice_mayor_in_charge"

    def sign_off(self, act: Act, roster: Roster, opinion: str) -> None:
        """签发, D9. The acting mayor (P2) signs for the absent mayor and the event records
        whom they acted for; an AB partner (P3) does not sign for an absent vice-mayor — the
        mayor does (如有必要，报市长签发)."""
        if self.direction != "outgoing":
            raise refuse("D9", "only documents issued in the government's name are signed off")
        authority = self.required_authority(roster)
        post, acting_for = _signing_post(act, roster, authority, self.drafting_unit_id)
        if not clearance_covers(act.actor.clearance, self.classification):
            raise forbid("D12", f"signing off needs {self.classification} clearance")
        if self.status != "drafted":
            raise refuse("D9", f"the document is {self.status}; it was signed off already")
        self._countersigns_settled(act.at)
        rules: tuple[str, ...] = ("D6", "D9")
        if acting_for is not None:
            rules += ("P2",)
        self.record(
            self.SignedOff,
            act,
            rules=rules,
            post=post,
            acting_for=acting_for,
            opinion=opinion,
            authority=authority,
        )

    def _office_post(self, act: Act, rule: str) -> Post:
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid(rule, "only the government office registers and issues documents")
        return post

    def register(
        self, act: Act, sequence: DocumentNumberSequence | None, issuer_code: str
    ) -> DocumentNumberSequence:
        """D11: the next number of the issuer code's register for the year; returns the
        register, to be saved with the document in one transaction."""
        post = self._office_post(act, "D11")
        if not ISSUER_CODE.match(issuer_code):
            raise refuse(
                "D11", f"{issuer_code!r} is not an issuer code (发文机关代字, e.g. 攀府发)"
            )
        if self.number is not None:
            raise refuse("D11", f"the document already has the number {self.number}")
        if self.status != "signed_off":
            raise refuse("D11", "a number is given after sign-off (D9)")
        year = act.at.astimezone(SHANGHAI).year
        if sequence is None:
            sequence = DocumentNumberSequence.open(act, issuer_code, year)
        n = sequence.assign(act, str(self.id), post)
        self.record(
            self.Numbered,
            act,
            rules=("D11",),
            post=post,
            issuer_code=issuer_code,
            year=year,
            sequence=n,
            number=format_number(issuer_code, year, n),
        )
        return sequence

    def issue(self, act: Act) -> None:
        post = self._office_post(act, "D11")
        if self.status != "numbered":
            raise refuse("D11", "a document is issued once it has its number")
        rules = ("D11", "D10") if self.implementation_due else ("D11",)
        self.record(self.Issued, act, rules=rules, post=post)

    def publish(self, act: Act, interpretation_ref: str | None) -> None:
        post = self._office_post(act, "D11")
        if self.published is not None:  # M13: published once, with its interpretation
            raise refuse("M13", f"the document was published already ({self.published.at})")
        if self.status != "issued":
            raise refuse("D11", "a document is published after it is issued")
        if self.classification != "none":
            raise refuse("D12", "a secret document is not published")
        self.record(
            self.Published, act, rules=("D12",), post=post, interpretation_ref=interpretation_ref
        )

    def link_reply(self, act: Act, reply: OfficialDocument) -> None:
        """A reply (批复) answers this request; recorded with the reply's drafting (A1)."""
        if self.doc_type != "request":
            raise refuse("D1", f"a reply answers a request (请示), not a {self.doc_type}")
        if reply.to != self.from_unit_id:
            raise refuse("D1", f"a reply goes to the unit that asked ({self.from_unit_id})")
        if self.status != "instructed":
            raise refuse(
                "D8", f"a reply follows a leader's instruction on the request ({self.status})"
            )
        self.record(
            self.ReplyLinked,
            act,
            rules=("D1", "A1"),
            post=act.actor.posts[0] if act.actor.posts else None,
            reply_id=str(reply.id),
        )

    def readable_by(self, clearance: str) -> bool:
        return clearance_covers(clearance, self.classification)


# ----- helpers of the guards ---------------------------------------------------------------


def _direction(roster: Roster, from_unit: dict[str, Any], to: str, today: date) -> str:
    """outgoing: in the government's name; incoming: to the government or a leader; else
    between units."""
    if from_unit["kind"] == "government":
        roster.unit(to)  # issued in the government's name to a unit on the roster
        return "outgoing"
    if to == "government" or to == roster.government_unit_id():
        return "incoming"
    if to in roster.people:
        if not roster.is_leader(to, today):
            raise InvalidReference(f"{to} is not a city leader")
        return "incoming"
    roster.unit(to)
    return "between_units"


def _drafting_post(
    act: Act, roster: Roster, from_unit: dict[str, Any], drafting_unit_id: str | None
) -> Post:
    """The head of the sending unit drafts; for the government, its office or the head of the
    drafting unit (P1); a document of the central or provincial authorities, which do not
    write here themselves, is received (收文) by the office."""
    post = act.actor.heads(from_unit["unit_id"])
    if post is None and from_unit["kind"] == "external":  # 收文: the office receives it (D8)
        post = act.actor.holds(*OFFICE_STAFF)
    if post is None and from_unit["kind"] == "government":
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None and drafting_unit_id is not None:
            post = act.actor.heads(drafting_unit_id)
    if post is None:
        raise forbid("P1", f"only the head of {from_unit['unit_id']} writes in its name")
    return post


def _check_incoming(
    roster: Roster,
    from_unit: dict[str, Any],
    to: str,
    emergency: bool,
    bypassed_unit_id: str | None,
    cc_unit_ids: list[str],
    direct_to_leader_reason: str | None,
    classification: str,
    today: date,
    approved_by: str | None = None,
) -> list[str]:
    """D4, D2, D5 for a document sent to the government or a leader."""
    if from_unit["kind"] in MAY_NOT_SUBMIT:
        raise refuse("D4", f"a {from_unit['kind']} may not submit documents to the city government")
    superior = from_unit.get("superior_unit_id")
    # The sender's own superior is skipped whenever it is not the government itself; a unit
    # the sender names as bypassed is skipped too. Naming one never excuses the other.
    skipped = [
        unit_id
        for unit_id in (
            superior if superior and roster.unit(superior)["kind"] != "government" else None,
            bypassed_unit_id,
        )
        if unit_id
    ]
    if approved_by is not None and not skipped:
        raise refuse("D2", "an approval of a skip-level submission needs one (越级行文)")
    for unit_id in dict.fromkeys(skipped):
        if approved_by is not None:
            if not _approves_skip(roster, approved_by, unit_id, today):
                raise refuse("D2", f"{approved_by} does not approve skipping {unit_id}: its head "
                             "or a city leader does")  # fmt: skip
            continue
        if not emergency:
            raise refuse("D2", f"skip-level submission past {unit_id} without approval (越级行文)")
        if unit_id not in cc_unit_ids:
            raise refuse("D2", f"an emergency skip-level submission copies {unit_id} (抄送)")
    if to in roster.people:
        if direct_to_leader_reason not in DIRECT_TO_LEADER_REASONS:
            raise refuse(
                "D5",
                "documents go to the government, not a leader personally, unless one of "
                f"{DIRECT_TO_LEADER_REASONS} is given",
            )
        if direct_to_leader_reason == "secret" and classification == "none":
            raise refuse("D5", "the 'secret' exception needs a classified document")
        if direct_to_leader_reason == "major_emergency" and not emergency:
            raise refuse("D5", "the 'major_emergency' exception needs emergency: true")
    return ["D2", "D4", "D5"]


def implementation_overdue_at(due: date) -> datetime:
    """D10: a document due to be issued by ``due`` may be issued all that day; it is overdue
    from 00:00 Asia/Shanghai of the next day."""
    return datetime.combine(due + timedelta(days=1), time(), SHANGHAI)


def _approves_skip(roster: Roster, person_id: str, unit_id: str, today: date) -> bool:
    """D2 (未经批准不得越级行文): the head of the unit skipped, or a city leader, approves."""
    return person_id in roster.holders("unit_head", today, unit_id) or roster.is_leader(
        person_id, today
    )


def _implementation_due(implements: Implements) -> date:
    """D10: a document implementing a provincial document is issued within 6 months of it."""
    if not implements["ref"].strip():
        raise InvalidReference("implements needs ref, the provincial document's number")
    return add_months(implements["issued_on"], IMPLEMENTATION_MONTHS)


def _signing_post(
    act: Act, roster: Roster, authority: str, drafting_unit_id: str | None
) -> tuple[Post, str | None]:
    """D9 with P2/P3: the post the actor signs in, and whom they act for (if anyone)."""
    today = local_date(act.at)
    actor = act.actor
    mayor = roster.holder("mayor", today)
    if post := actor.holds("mayor"):
        return post, None
    in_charge = roster.vice_mayor_in_charge(drafting_unit_id) if drafting_unit_id else None
    vice_mayor_post = actor.holds("vice_mayor", "executive_vice_mayor")
    if authority != "mayor" and vice_mayor_post and in_charge == actor.person_id:
        return vice_mayor_post, None
    # P2: while the mayor is away, the executive vice-mayor acts as mayor.
    if mayor in act.absent and (post := actor.holds("executive_vice_mayor")):
        return post, mayor
    if authority == "mayor":
        raise forbid("D9", "this document is signed off by the mayor (市长签发)")
    if authority == "routine" and (post := actor.holds("secretary_general")):
        return post, None
    who = f"the vice-mayor in charge ({in_charge})" if in_charge else "the mayor"
    if authority == "routine":
        who += " or the secretary-general"
    if in_charge is not None and in_charge in act.absent:
        # P3: AB partners cover some official activities, not sign-off (art. 51, 61).
        who += "; while they are away, the mayor (an AB partner does not sign off)"
    raise forbid("D9", f"this document is signed off by {who}")


def _mayor_signs(
    roster: Roster, doc_type: str, to: str, personnel: bool, matter_kind: str | None
) -> bool:
    """D9 (art. 51): the mayor signs decisions, orders, motions and requests, documents to the
    province or the party committee, personnel appointments, government rules, and letters
    asking support on major matters (商请支持重要事项)."""
    to_external = to in roster.units and roster.units[to]["kind"] == "external"
    return (
        doc_type in MAYOR_SIGNS
        or to_external
        or personnel
        or matter_kind in MAYOR_MATTERS
        or (doc_type == "letter" and matter_kind in MAJOR_MATTERS)
    )


def _may_be_routine(roster: Roster, doc_type: str, drafting_unit_id: str | None) -> bool:
    """D9: a routine (事务性) document is a notice or letter the government office drafts."""
    unit = roster.units.get(drafting_unit_id or "")
    return (
        doc_type in ROUTINE_TYPES
        and unit is not None
        and (unit.get("function") == "government_office")
    )


def _check_matter(
    roster: Roster,
    doc_type: str,
    direction: str,
    drafting_unit_id: str | None,
    matter_kind: str | None,
    routine: bool,
    personnel: bool,
) -> bool:
    """A known ``matter_kind``; D9: ``routine`` is claimed only where the secretary-general may
    sign (True when it is)."""
    if matter_kind is not None and matter_kind not in MATTER_KINDS:
        raise InvalidReference(f"matter_kind is one of {MATTER_KINDS}")
    if not routine:
        return False
    if direction != "outgoing" or not _may_be_routine(roster, doc_type, drafting_unit_id):
        raise refuse(
            "D9",
            "only a notice or letter the government office drafts in the government's name "
            "is routine (事务性文件)",
        )
    if personnel or matter_kind in MAYOR_MATTERS or matter_kind in MAJOR_MATTERS:
        raise refuse("D9", f"a document on a {matter_kind or 'personnel'} matter is not routine")
    return True


# D1–D12: where each act leaves a document (one rule for the aggregate and the read models).
DOCUMENT_STATUS = StatusRule(
    {
        OfficialDocument.Drafted: "drafted",
        OfficialDocument.Returned: "returned",
        OfficialDocument.Routed: "routed",
        # D8: instructed, or still routed while a leader it was forwarded to has the word.
        OfficialDocument.Instructed: lambda p, now: now if p.get("forwarded_to") else "instructed",
        OfficialDocument.SignedOff: "signed_off",
        OfficialDocument.Numbered: "numbered",
        OfficialDocument.Issued: "issued",
        OfficialDocument.Published: "published",
    }
)


def _check_references(
    roster: Roster, urgency: str, classification: str, unit_ids: list[str | None]
) -> None:
    """A draft names a known urgency, a known classification and units on the roster."""
    if urgency not in URGENCIES:
        raise InvalidReference(f"unknown urgency {urgency!r}")
    if classification not in CLASSIFICATIONS:
        raise InvalidReference(f"unknown classification {classification!r}")
    for unit_id in filter(None, unit_ids):
        roster.unit(unit_id)


def _check_content(
    doc_type: str, matters: list[str], includes_request: bool, replies_to: str | None
) -> None:
    """D1: only a reply answers a request; D3: a request carries one matter, a report none."""
    if replies_to is not None and doc_type != "reply":
        raise refuse("D1", "only a reply (批复) answers a request; use doc_type reply")
    if doc_type == "request" and len(matters) != 1:
        raise refuse("D3", f"a request carries one matter (一文一事), not {len(matters)}")
    if doc_type == "report" and includes_request:
        raise refuse("D3", "a report may not carry a request (报告不得夹带请示事项)")


def _working_days_due(
    calendar: WorkingDayCalendar, requested_at: datetime
) -> tuple[datetime | None, int | None]:
    """D7: the due time 7 working days after ``requested_at``; or, when they reach into a year
    whose calendar is not recorded, no due time yet and that year (never a guess)."""
    try:
        return calendar.due_after_working_days(requested_at, COUNTERSIGN_WORKING_DAYS), None
    except CalendarYearUnknown as unknown:
        return None, unknown.year
