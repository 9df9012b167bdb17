"""Major administrative decisions (重大行政决策, M9–M13, A1): the case file of one decision.

Initiated by a unit with a responsible person; whether it is major follows from its kind of
matter (M9, arts. 7, 28, 42). The four preparatory procedures (M10) are each recorded with
performer, conclusion and evidence by the initiating unit, the office or the unit that performed
them; the legality review only by the justice bureau, never waived, and a failed one blocks the
decision until a later review passes; another procedure may be waived with a reason, and the
waiver counts once the government office confirms it. Decided only as a topic of a plenary or
executive meeting (M9), recorded together with the meeting's event; published with its policy
interpretation (M13). Documents and regulations that carry it out are linked here, only once it
was decided (M9), so the accountability trace (A1) is anchored on the decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import LEADER_OFFICES, OFFICE_STAFF, Act, GovAggregate, Post, Records, StatusRule
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

# M9: the matters decided only at a plenary or executive meeting (arts. 7, 28, 42); a matter of
# one of these kinds is major whatever its initiator says.
MAJOR_MATTERS = (
    "development_plan",  # 全市经济和社会发展规划 (28)
    "budget",  # 财政预算 (28), 政府预决算草案 (42)
    "major_plan",  # 重大规划 (28), 重要规划 (42)
    "major_policy",  # 经济调节和改革开放的重大政策措施 (28), 有重要实质性突破的政策性文件 (42)
    "important_affairs",  # 政府和社会管理重要事务 (28)
    "regulation_draft",  # 地方性法规议案和政府规章 (28, 42)
    "normative_document",  # 行政规范性文件 (42)
    "major_funds",  # 重大资金安排 (28), 重大增支政策、重大项目资金安排 (42)
    "public_interest",  # 涉及重大公共利益或可能产生广泛社会影响的事项 (42)
    "cross_division",  # 跨副市长分工且需全面协调（确认）的事项 (42)
    "personnel",  # 人事任免 (42)
    "commendation",  # 表扬（表彰）奖励、命名 (42)
)
MATTER_KINDS = (*MAJOR_MATTERS, "other")
# M10: the preparatory procedures, in the order of the rules.
PROCEDURES = ("public_participation", "expert_review", "risk_assessment", "legality_review")
LEGALITY_REVIEW = "legality_review"  # 合法性审查: the justice bureau's, never waived (M10)
DECIDING_MEETINGS = ("plenary", "executive")


@dataclass(frozen=True, slots=True)
class Procedure:
    """M10: one preparatory procedure, done (with its conclusion and evidence; the legality
    review passed or not) or waived with a reason, the waiver confirmed by the office or not."""

    procedure: str
    conclusion: str | None
    performed_by: str
    evidence_refs: list[str]
    waived_reason: str | None
    recorded_by: str
    recorded_at: datetime
    passed: bool | None = None
    waiver_confirmed_by: str | None = None
    waiver_confirmed_at: datetime | None = None

    @property
    def counts(self) -> bool:
        """M10: it counts toward the decision: done (a legality review passed), or waived
        and the waiver confirmed by the office."""
        if self.waived_reason is not None:
            return self.waiver_confirmed_by is not None
        return counts_when_recorded(self.procedure, None, self.passed)


@dataclass(frozen=True, slots=True)
class CollectiveDecision:
    """M9, M11: the collective decision: at which meeting and topic, with every position."""

    meeting_id: str
    meeting_kind: str
    topic_id: str
    text: str
    positions: dict[str, str]
    dissent_notes: dict[str, str]
    at: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    """M13: published with its interpretation, or withheld with the reason."""

    published: bool
    interpretation_ref: str | None
    withheld_reason: str | None
    at: datetime
    by: str


class Decision(GovAggregate):
    """The case file of one decision, for life (A1)."""

    TOPIC = "govrules:Decision"
    COLLECTION = "decisions"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:DecisionInitiated"
        title: str
        matter_kind: str
        major: bool
        initiated_by_unit: str
        responsible_person: str

        def apply(self, decision: Decision) -> None:
            decision.title = self.title
            decision.matter_kind = self.matter_kind
            decision.major = self.major
            decision.initiated_by_unit = self.initiated_by_unit
            decision.responsible_person = self.responsible_person
            decision.initiated_by = self.meta["actor_id"]
            decision.stage = DECISION_STAGE.of(self)
            decision.procedures = Records()
            decision.taken = None
            decision.publication = None
            decision.documents = []
            decision.topics = []
            decision.supervision_items = []
            decision.regulations = []

    Initiated = Created

    class ProcedureRecorded(Event):
        TOPIC = "govrules:DecisionProcedureRecorded"
        procedure: str
        conclusion: str | None
        performed_by: str
        evidence_refs: list[str]
        waived_reason: str | None
        # The legality review's verdict (M10); absent from procedures recorded before it.
        passed: bool | None = None

        def apply(self, decision: Decision) -> None:
            # A procedure recorded again (a legality review after the draft was revised)
            # replaces the one before it; the history keeps both (A1).
            entry = Procedure(
                self.procedure,
                self.conclusion,
                self.performed_by,
                self.evidence_refs,
                self.waived_reason,
                recorded_by=self.meta["actor_id"],
                recorded_at=self.timestamp,
                passed=self.passed,
            )
            decision.set_procedure(entry)

    class WaiverConfirmed(Event):
        """M10: the government office confirms a procedure's waiver; only then it counts."""

        TOPIC = "govrules:DecisionWaiverConfirmed"
        procedure: str

        def apply(self, decision: Decision) -> None:
            entry = decision.procedures[self.procedure]
            decision.set_procedure(
                replace(
                    entry,
                    waiver_confirmed_by=self.meta["actor_id"],
                    waiver_confirmed_at=self.timestamp,
                )
            )

    class Taken(Event):
        TOPIC = "govrules:DecisionTaken"
        meeting_id: str
        meeting_kind: str
        topic_id: str
        text: str
        positions: dict[str, str]
        dissent_notes: dict[str, str]

        def apply(self, decision: Decision) -> None:
            decision.stage = DECISION_STAGE.of(self, decision.stage)
            decision.taken = CollectiveDecision(
                self.meeting_id,
                self.meeting_kind,
                self.topic_id,
                self.text,
                self.positions,
                self.dissent_notes,
                at=self.timestamp,
            )

    class Published(Event):
        TOPIC = "govrules:DecisionPublished"
        interpretation_ref: str | None
        withheld_reason: str | None

        def apply(self, decision: Decision) -> None:
            decision.stage = DECISION_STAGE.of(self, decision.stage)
            decision.publication = Publication(
                published=self.withheld_reason is None,
                interpretation_ref=self.interpretation_ref,
                withheld_reason=self.withheld_reason,
                at=self.timestamp,
                by=self.meta["actor_id"],
            )

    class DocumentLinked(Event):
        TOPIC = "govrules:DecisionDocumentLinked"
        document_id: str
        doc_type: str

        def apply(self, decision: Decision) -> None:
            decision.documents.append({"document_id": self.document_id, "doc_type": self.doc_type})

    class TopicLinked(Event):
        """The decision was put on a meeting's agenda as a topic (A1: where it was decided)."""

        TOPIC = "govrules:DecisionTopicLinked"
        meeting_id: str
        meeting_kind: str
        topic_id: str

        def apply(self, decision: Decision) -> None:
            decision.topics.append(
                {
                    "meeting_id": self.meeting_id,
                    "meeting_kind": self.meeting_kind,
                    "topic_id": self.topic_id,
                }
            )

    class SupervisionLinked(Event):
        """A supervision item registered with the decision as its source (A1: its carrying out
        is supervised)."""

        TOPIC = "govrules:DecisionSupervisionLinked"
        item_id: str

        def apply(self, decision: Decision) -> None:
            decision.supervision_items.append({"item_id": self.item_id})

    class RegulationLinked(Event):
        """A regulation adopted to carry the decision out (A1)."""

        TOPIC = "govrules:DecisionRegulationLinked"
        regulation_id: str

        def apply(self, decision: Decision) -> None:
            decision.regulations.append({"regulation_id": self.regulation_id})

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        title: str
        matter_kind: str
        major: bool
        initiated_by_unit: str
        stage: str
        responsible_person: str
        initiated_by: str
        procedures: Records[Procedure]
        taken: CollectiveDecision | None
        publication: Publication | None
        documents: list[dict[str, str]]
        topics: list[dict[str, str]]
        supervision_items: list[dict[str, str]]
        regulations: list[dict[str, str]]

    # ----- queries -------------------------------------------------------------------------

    def missing_procedures(self) -> list[str]:
        """M10: the procedures that do not count yet: not recorded, a failed legality review,
        a waiver the office has not confirmed."""
        return still_missing(self.stage, self.major, self.counting())

    def counting(self) -> list[str]:
        return [p for p, entry in self.procedures.items() if entry.counts]

    def set_procedure(self, entry: Procedure) -> None:
        """Kept in the order of the rules (M10), whatever order they were recorded in; the
        stage follows what counts (a failed review or a waiver makes a ready decision
        preparing again)."""
        recorded = self.procedures | {entry.procedure: entry}
        self.procedures = Records((p, recorded[p]) for p in PROCEDURES if p in recorded)
        self.stage = ready_when_complete(self.stage, self.major, self.counting())

    # ----- commands ------------------------------------------------------------------------

    @classmethod
    def initiate(
        cls,
        act: Act,
        roster: Roster,
        *,
        title: str,
        matter_kind: str,
        initiated_by_unit: str,
        responsible_person: str,
        major: bool | None = None,
    ) -> Decision:
        """立项: a unit proposes a decision and names the person responsible for it (A1). M9:
        a matter of a major kind is major; the initiator may mark another matter major (the
        "其他重要事项" of art. 42), never a major kind not major."""
        roster.unit(initiated_by_unit)
        if responsible_person not in roster.people:
            raise InvalidReference(f"unknown person {responsible_person!r}")
        if matter_kind not in MATTER_KINDS:
            raise InvalidReference(f"matter_kind is one of {MATTER_KINDS}")
        post = _case_post(act, initiated_by_unit)
        if post is None:
            raise forbid("A1", f"a decision is initiated by the head of {initiated_by_unit}")
        if major is False and matter_kind in MAJOR_MATTERS:
            raise refuse(
                "M9",
                f"{matter_kind} is a major matter (arts. 7, 28, 42), decided at a plenary or "
                "executive meeting; it is not marked not major",
            )
        major = bool(major) or matter_kind in MAJOR_MATTERS
        decision: Decision = cls.start(
            cls.Initiated,
            act,
            id=uuid.uuid4(),
            rules=("A1", "M9", "M10") if major else ("A1",),
            post=post,
            title=title,
            matter_kind=matter_kind,
            major=major,
            initiated_by_unit=initiated_by_unit,
            responsible_person=responsible_person,
        )
        return decision

    def record_procedure(
        self,
        act: Act,
        roster: Roster,
        *,
        procedure: str,
        performed_by: str,
        conclusion: str | None,
        evidence_refs: list[str],
        waived_reason: str | None,
        passed: bool | None = None,
    ) -> None:
        """M10: one preparatory procedure, with who did it, its conclusion and evidence — or
        waived with a reason (e.g. legally secret), to be confirmed by the office. The legality
        review is the justice bureau's: recorded by it, passed or not, never waived."""
        if procedure not in PROCEDURES:
            raise InvalidReference(f"procedure is one of {PROCEDURES}")
        performer_unit = _performer_unit(roster, performed_by)
        waived = bool(waived_reason and waived_reason.strip())
        post = self._recorder_post(act, roster, procedure, performer_unit, waived)
        if self.taken is not None:
            raise refuse("M10", "the decision was taken; procedures come before it")
        if waived and procedure == LEGALITY_REVIEW:
            raise refuse("M10", "legality review (合法性审查) is never waived")
        if not waived:
            _check_done(roster, procedure, performer_unit, conclusion, evidence_refs, passed)
        self.record(
            self.ProcedureRecorded,
            act,
            rules=("M10",),
            post=post,
            procedure=procedure,
            conclusion=conclusion,
            performed_by=performed_by,
            evidence_refs=list(evidence_refs),
            waived_reason=waived_reason if waived else None,
            passed=passed if procedure == LEGALITY_REVIEW and not waived else None,
        )

    def _recorder_post(
        self, act: Act, roster: Roster, procedure: str, performer_unit: str | None, waived: bool
    ) -> Post:
        """M10: the legality review is recorded by the justice bureau; another procedure by
        the initiating unit or the office, or, when done, by the unit that performed it."""
        if procedure == LEGALITY_REVIEW:
            post = next(filter(None, map(act.actor.heads, _justice_units(roster))), None)
            if post is None:
                raise forbid(
                    "M10", "legality review (合法性审查) is recorded by the justice bureau"
                )
            return post
        post = act.actor.heads(self.initiated_by_unit) or act.actor.holds(*OFFICE_STAFF)
        if post is None and not waived and performer_unit is not None:
            post = act.actor.heads(performer_unit)
        if post is None:
            raise forbid(
                "M10",
                "a procedure is recorded by the initiating unit, the government office or the "
                "unit that performed it; a waiver by the first two",
            )
        return post

    def confirm_waiver(self, act: Act, procedure: str) -> None:
        """M10: the government office confirms a procedure's waiver and its reason; until then
        the waived procedure does not count."""
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("M10", "the government office confirms a waiver")
        if self.taken is not None:
            raise refuse("M10", "the decision was taken; procedures come before it")
        entry = self.procedures.get(procedure)
        if entry is None or entry.waived_reason is None:
            raise refuse("M10", f"{procedure} is not waived: there is no waiver to confirm")
        if entry.waiver_confirmed_by is not None:
            raise refuse("M10", f"the waiver of {procedure} was confirmed already")
        self.record(self.WaiverConfirmed, act, rules=("M10",), post=post, procedure=procedure)

    def take(
        self,
        act: Act,
        post: Post | None,
        *,
        meeting_id: str,
        meeting_kind: str,
        topic_id: str,
        text: str,
        positions: dict[str, str],
        dissent_notes: dict[str, str],
        acting_for: str | None = None,
    ) -> None:
        """集体讨论决定: recorded with the meeting's TopicDecided, in one transaction."""
        if self.taken is not None:
            raise refuse("M9", f"the decision was already taken at meeting {self.taken.meeting_id}")
        if self.major and meeting_kind not in DECIDING_MEETINGS:
            raise refuse(
                "M9",
                f"a major matter ({self.matter_kind}) is decided only at a plenary or executive "
                f"meeting, not a {meeting_kind} meeting",
            )
        if self.major and (missing := self.missing_procedures()):
            raise refuse("M10", "before the collective decision: " + self._why_missing(missing))
        self.record(
            self.Taken,
            act,
            rules=("M9", "M10", "M11", "A1") if self.major else ("M11", "A1"),
            post=post,
            acting_for=acting_for,
            meeting_id=meeting_id,
            meeting_kind=meeting_kind,
            topic_id=topic_id,
            text=text,
            positions=dict(positions),
            dissent_notes=dict(dissent_notes),
        )

    def _why_missing(self, missing: list[str]) -> str:
        """M10: why each procedure does not count yet."""
        reasons = []
        for procedure in missing:
            entry = self.procedures.get(procedure)
            if entry is None:
                reasons.append(f"{procedure} is missing")
            elif entry.waived_reason is not None:
                reasons.append(f"the waiver of {procedure} awaits the office's confirmation")
            else:
                reasons.append(f"{procedure} did not pass; the revised draft is reviewed again")
        return "; ".join(reasons)

    def publish(
        self, act: Act, interpretation_ref: str | None, withheld_reason: str | None
    ) -> None:
        """M13: published with its policy interpretation (政策解读), unless secret by law."""
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("M13", "the government office publishes decisions")
        if self.taken is None:
            raise refuse("M13", "only a decision taken is published")
        if self.publication is not None:
            raise refuse("M13", "the decision's publication is already recorded")
        withheld = bool(withheld_reason and withheld_reason.strip())
        if not withheld and not (interpretation_ref and interpretation_ref.strip()):
            raise refuse("M13", "publication goes out together with the policy interpretation")
        self.record(
            self.Published,
            act,
            rules=("M13",),
            post=post,
            interpretation_ref=interpretation_ref,
            withheld_reason=withheld_reason if withheld else None,
        )

    def link_document(self, act: Act, document_id: str, doc_type: str) -> None:
        """A document that carries the decision out (A1: what the decision caused); M9: a
        major decision is carried out once a plenary or executive meeting decided it."""
        self._carried_out("document")
        self._link(
            act, self.DocumentLinked, document_id=document_id, doc_type=doc_type,
            rules=("A1", "M9") if self.major else ("A1",),
        )  # fmt: skip

    def link_topic(self, act: Act, meeting_id: str, meeting_kind: str, topic_id: str) -> None:
        """The decision proposed as a topic of a meeting, recorded with the TopicProposed."""
        self._link(
            act, self.TopicLinked, meeting_id=meeting_id, meeting_kind=meeting_kind,
            topic_id=topic_id,
        )  # fmt: skip

    def link_supervision(self, act: Act, item_id: str) -> None:
        """A supervision item whose source is this decision, recorded with its registration."""
        self._link(act, self.SupervisionLinked, item_id=item_id)

    def link_regulation(self, act: Act, regulation_id: str) -> None:
        """A regulation adopted to carry the decision out, recorded with its adoption; M9: a
        major decision is carried out once a plenary or executive meeting decided it."""
        self._carried_out("regulation")
        self._link(
            act, self.RegulationLinked, regulation_id=regulation_id,
            rules=("A1", "M9") if self.major else ("A1",),
        )  # fmt: skip

    def _carried_out(self, what: str) -> None:
        """M9: what carries out a major decision follows the meeting that decided it."""
        if self.major and (self.taken is None or self.taken.meeting_kind not in DECIDING_MEETINGS):
            raise refuse(
                "M9",
                f"a {what} carries out a major decision only once a plenary or executive "
                f"meeting has decided it; this one is {self.stage}",
            )

    def _link(
        self,
        act: Act,
        event_class: type[Decision.Event],
        rules: tuple[str, ...] = ("A1",),
        **payload: Any,
    ) -> None:
        """A link is a fact recorded by the act that makes it, in the same transaction as the
        linked resource's own event: both ways, or neither (A1)."""
        self.record(
            event_class,
            act,
            rules=rules,
            post=act.actor.posts[0] if act.actor.posts else None,
            **payload,
        )


def _case_post(act: Act, unit_id: str) -> Post | None:
    """Who works on a decision's case file: the initiating unit's head, a leader, the office."""
    return act.actor.heads(unit_id) or act.actor.holds(*LEADER_OFFICES, "office_director")


def _justice_units(roster: Roster) -> list[str]:
    return [u for u, unit in roster.units.items() if unit.get("function") == "justice_bureau"]


def _check_done(
    roster: Roster,
    procedure: str,
    performer_unit: str | None,
    conclusion: str | None,
    evidence_refs: list[str],
    passed: bool | None,
) -> None:
    """M10: a procedure done records its conclusion and evidence; the legality review is
    performed by the justice bureau and says whether it passed."""
    if not (conclusion and conclusion.strip()):
        raise refuse("M10", f"{procedure} records its conclusion, or is waived with a reason")
    if not evidence_refs:
        raise refuse("M10", f"{procedure} records its evidence (evidence_refs)")
    if procedure != LEGALITY_REVIEW:
        if passed is not None:
            raise InvalidReference("passed is the legality review's verdict")
        return
    if performer_unit not in _justice_units(roster):
        raise refuse("M10", "legality review (合法性审查) is performed by the justice bureau")
    if passed is None:
        raise refuse("M10", "a legality review records whether the draft passed (passed)")


def _performer_unit(roster: Roster, performed_by: str) -> str | None:
    """``performed_by`` is a unit id, or a person whose unit is taken."""
    if performed_by in roster.units:
        return performed_by
    if performed_by in roster.people:
        for tenure in roster.tenures:
            if tenure.person_id == performed_by and tenure.unit_id and tenure.until is None:
                return tenure.unit_id
        return None
    raise InvalidReference(f"performed_by {performed_by!r} is neither a unit nor a person")


def missing_procedures(major: bool, counting: Iterable[str]) -> list[str]:
    """M10 binds major decisions; a decision that is not major misses nothing."""
    done = set(counting)
    return [p for p in PROCEDURES if p not in done] if major else []


def still_missing(stage: str, major: bool, counting: Iterable[str]) -> list[str]:
    """M10: what a decision misses before its meeting. A decision taken misses nothing: its
    procedures came before it, under the rules of their day (a waiver recorded before the
    office confirmed waivers is not missing from a decision taken then)."""
    return missing_procedures(major, counting) if stage in ("preparing", "ready") else []


def counts_when_recorded(procedure: str, waived_reason: str | None, passed: bool | None) -> bool:
    """M10: a procedure counts once recorded done (a legality review passed); a waiver counts
    only once the office confirms it (``Decision.WaiverConfirmed``)."""
    return waived_reason is None and not (procedure == LEGALITY_REVIEW and passed is False)


def counting_after(counting: list[str], event_name: str, payload: Mapping[str, Any]) -> list[str]:
    """M10, for the read models: the procedures that count after a ``ProcedureRecorded`` (one
    recorded again replaces the one before) or a ``WaiverConfirmed`` event."""
    procedure = payload["procedure"]
    others = [p for p in counting if p != procedure]
    if event_name == Decision.WaiverConfirmed.NAME:
        return [*others, procedure]
    counts = counts_when_recorded(procedure, payload.get("waived_reason"), payload.get("passed"))
    return [*others, procedure] if counts else others


def ready_when_complete(stage: str, major: bool, counting: Iterable[str]) -> str:
    """M10: a decision before its meeting is ready while its four procedures count, and
    preparing again when one stops counting."""
    if stage not in ("preparing", "ready"):
        return stage
    return "preparing" if missing_procedures(major, counting) else "ready"


# M9, M10, M13: a major decision prepares its procedures (one that is not major is ready at
# once), is decided collectively, then published or withheld.
DECISION_STAGE = StatusRule(
    {
        Decision.Initiated: lambda payload, _: "preparing" if payload["major"] else "ready",
        Decision.Taken: "decided",
        Decision.Published: lambda payload, _: (
            "withheld" if payload.get("withheld_reason") else "published"
        ),
    }
)
