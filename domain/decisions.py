"""Major administrative decisions (重大行政决策, M9–M13, A1): the case file of one decision.

Initiated by a unit with a responsible person; the four preparatory procedures (M10) each
recorded with performer, conclusion and evidence, or waived with a reason; decided only as a
topic of a plenary or executive meeting (M9), recorded together with the meeting's event;
published with its policy interpretation (M13). Documents that carry it out are linked here, so
the accountability trace (A1) is anchored on the decision.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import LEADER_OFFICES, OFFICE_STAFF, Act, GovAggregate, Post, Records, StatusRule
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

# M9: matters that are major; any of them makes the decision major.
MAJOR_MATTERS = (
    "development_plan",  # 发展规划
    "budget",  # 预算
    "major_policy",  # 重大政策
    "regulation_draft",  # 法规规章草案
    "major_funds",  # 重大资金安排
    "personnel",  # 人事任免
)
MATTER_KINDS = (*MAJOR_MATTERS, "other")
# M10: the preparatory procedures, in the order of the rules.
PROCEDURES = ("public_participation", "expert_review", "risk_assessment", "legality_review")
DECIDING_MEETINGS = ("plenary", "executive")


@dataclass(frozen=True, slots=True)
class Procedure:
    """M10: one preparatory procedure, done (with its conclusion and evidence) or waived."""

    procedure: str
    conclusion: str | None
    performed_by: str
    evidence_refs: list[str]
    waived_reason: str | None
    recorded_by: str
    recorded_at: datetime


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

        def apply(self, decision: Decision) -> None:
            recorded = decision.procedures | {
                self.procedure: Procedure(
                    self.procedure,
                    self.conclusion,
                    self.performed_by,
                    self.evidence_refs,
                    self.waived_reason,
                    recorded_by=self.meta["actor_id"],
                    recorded_at=self.timestamp,
                )
            }
            # Kept in the order of the rules (M10), whatever order they were recorded in.
            decision.procedures = Records((p, recorded[p]) for p in PROCEDURES if p in recorded)
            decision.stage = ready_when_complete(
                decision.stage, decision.major, decision.procedures
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
        return missing_procedures(self.major, self.procedures)

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
    ) -> Decision:
        """立项: a unit proposes a decision and names the person responsible for it (A1)."""
        roster.unit(initiated_by_unit)
        if responsible_person not in roster.people:
            raise InvalidReference(f"unknown person {responsible_person!r}")
        if matter_kind not in MATTER_KINDS:
            raise InvalidReference(f"matter_kind is one of {MATTER_KINDS}")
        post = _case_post(act, initiated_by_unit)
        if post is None:
            raise forbid("A1", f"a decision is initiated by the head of {initiated_by_unit}")
        major = matter_kind in MAJOR_MATTERS
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
    ) -> None:
        """M10: one preparatory procedure, with who did it, its conclusion and evidence — or
        waived with a reason (e.g. legally secret). Legality review is the justice bureau's."""
        if procedure not in PROCEDURES:
            raise InvalidReference(f"procedure is one of {PROCEDURES}")
        performer_unit = _performer_unit(roster, performed_by)
        post = _case_post(act, self.initiated_by_unit) or act.actor.heads(performer_unit or "")
        if post is None:
            raise forbid("M10", "procedures are recorded by the initiating unit, the office or "
                         "the unit that performed them")  # fmt: skip
        if self.taken is not None:
            raise refuse("M10", "the decision was taken; procedures come before it")
        waived = bool(waived_reason and waived_reason.strip())
        if not waived:
            if not (conclusion and conclusion.strip()):
                raise refuse(
                    "M10", f"{procedure} records its conclusion, or is waived with a reason"
                )
            if not evidence_refs:
                raise refuse("M10", f"{procedure} records its evidence (evidence_refs)")
        if procedure == "legality_review" and not waived:
            unit = roster.units.get(performer_unit or "")
            if unit is None or unit.get("function") != "justice_bureau":
                raise refuse(
                    "M10", "legality review (合法性审查) is performed by the justice bureau"
                )
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
        )

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
        missing = self.missing_procedures() if self.major else []
        if missing:
            raise refuse("M10", f"procedures missing before the collective decision: {missing}")
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
        """A document that carries the decision out (A1: what the decision caused)."""
        self._link(act, self.DocumentLinked, document_id=document_id, doc_type=doc_type)

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
        """A regulation adopted to carry the decision out, recorded with its adoption."""
        self._link(act, self.RegulationLinked, regulation_id=regulation_id)

    def _link(self, act: Act, event_class: type[Decision.Event], **payload: Any) -> None:
        """A link is a fact recorded by the act that makes it, in the same transaction as the
        linked resource's own event: both ways, or neither (A1)."""
        self.record(
            event_class,
            act,
            rules=("A1",),
            post=act.actor.posts[0] if act.actor.posts else None,
            **payload,
        )


def _case_post(act: Act, unit_id: str) -> Post | None:
    """Who works on a decision's case file: the initiating unit's head, a leader, the office."""
    return act.actor.heads(unit_id) or act.actor.holds(*LEADER_OFFICES, "office_director")


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


def missing_procedures(major: bool, recorded: Iterable[str]) -> list[str]:
    """M10 binds major decisions; a decision that is not major misses nothing."""
    done = set(recorded)
    return [p for p in PROCEDURES if p not in done] if major else []


def ready_when_complete(stage: str, major: bool, recorded: Iterable[str]) -> str:
    """M10: once its four procedures are recorded, a preparing decision is ready."""
    return "ready" if stage == "preparing" and not missing_procedures(major, recorded) else stage


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
