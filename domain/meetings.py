"""Meetings (会议, Ch. 8): convening, agenda topics (议题), papers, absences, opening with a
quorum, decisions per topic with each member's position, closing and minutes (纪要). M1–M13.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from domain.base import OFFICE_STAFF, Act, GovAggregate, Post, Records, StatusRule
from domain.clock import local_date
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

if TYPE_CHECKING:
    from domain.decisions import Decision

KINDS = ("plenary", "executive", "mayor_office", "special_topic", "department_citywide")
MAYORS_MEETINGS = ("plenary", "executive", "mayor_office")
SPECIAL_TOPIC_CONVENERS = ("mayor", "executive_vice_mayor", "vice_mayor", "secretary_general")
CITY_LEADERS = ("mayor", "executive_vice_mayor", "vice_mayor", "secretary_general")
POSITIONS = ("agree", "dissent", "abstain")
PLENARIES_A_YEAR = 3  # M4
EXECUTIVE_GAP_DAYS = 14  # M5


def members_of(kind: str, roster: Roster, on: date) -> list[str]:
    """Who a meeting's members are, as the roster stands on ``on``.

    Executive (M3): the mayor, the vice-mayors (with the executive vice-mayor) and the
    secretary-general. Plenary (M4): those and the heads of the government's departments.
    Other kinds have no fixed membership (no quorum rule).
    """
    if kind not in ("executive", "plenary"):
        return []
    people: list[str] = []
    for office in CITY_LEADERS:
        people += roster.holders(office, on)
    if kind == "plenary":
        for unit_id, unit in roster.units.items():
            if unit["kind"] == "department":
                people += roster.holders("unit_head", on, unit_id)
                people += roster.holders("office_director", on, unit_id)
    return list(dict.fromkeys(people))


def citywide_quota_id(unit_id: str, year: int) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"govrules:citywide-meetings:{unit_id}:{year}")


class CitywideMeetingApproval(GovAggregate):
    """M12: the government's approval (市政府批准) of a department's further citywide meeting in
    a year, beyond the one it holds in principle (原则上每年不超过1次). Its own recorded act,
    by the mayor (or the acting mayor, P2) or by the office on the government's behalf; the
    meeting it admits names it when convened, and it admits that one meeting only."""

    TOPIC = "govrules:CitywideMeetingApproval"
    COLLECTION = "citywide-meeting-approvals"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:CitywideMeetingApproved"
        unit_id: str
        year: int
        reason: str

        def apply(self, approval: CitywideMeetingApproval) -> None:
            approval.unit_id = self.unit_id
            approval.year = self.year
            approval.reason = self.reason
            approval.approved_by = self.meta["actor_id"]
            approval.approved_at = self.timestamp

    Approved = Created

    if TYPE_CHECKING:
        unit_id: str
        year: int
        reason: str
        approved_by: str
        approved_at: datetime

    @classmethod
    def approve(
        cls,
        act: Act,
        roster: Roster,
        *,
        unit_id: str,
        year: int,
        reason: str,
        id: uuid.UUID | None = None,
    ) -> CitywideMeetingApproval:
        post, acting_for = _as_government(act, roster)
        if roster.unit(unit_id)["kind"] != "department":
            raise refuse("M12", f"{unit_id} is not a department")
        if year < local_date(act.at).year:
            raise refuse("M12", f"{year} is past; an approval is for a meeting still to come")
        if not reason.strip():
            raise refuse("M12", "an approval says why the further meeting is needed (确需)")
        approval: CitywideMeetingApproval = cls.start(
            cls.Approved,
            act,
            id=id or uuid.uuid4(),
            rules=_with_p2(("M12",), acting_for),
            post=post,
            acting_for=acting_for,
            unit_id=unit_id,
            year=year,
            reason=reason,
        )
        return approval


class CitywideMeetingQuota(GovAggregate):
    """M12: a department's citywide meetings of one year: one in principle, and one more for
    each approval of the government. Saved with the meeting it admits, so two convened at once
    conflict on its version and the second is judged again."""

    TOPIC = "govrules:CitywideMeetingQuota"
    COLLECTION = "citywide-meeting-quotas"
    LIMIT = 1

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:CitywideMeetingQuotaOpened"
        unit_id: str
        year: int

        def apply(self, quota: CitywideMeetingQuota) -> None:
            quota.unit_id = self.unit_id
            quota.year = self.year
            quota.meetings = []
            quota.approved = {}

    class MeetingCounted(Event):
        TOPIC = "govrules:CitywideMeetingCounted"
        meeting_id: str
        # The government's approval that admitted it; absent from meetings counted before.
        approval_id: str | None = None

        def apply(self, quota: CitywideMeetingQuota) -> None:
            quota.meetings.append(self.meeting_id)
            if self.approval_id is not None:
                quota.approved[self.approval_id] = self.meeting_id

    if TYPE_CHECKING:
        unit_id: str
        year: int
        meetings: list[str]
        approved: dict[str, str]

    @classmethod
    def open(cls, act: Act, unit_id: str, year: int) -> CitywideMeetingQuota:
        quota: CitywideMeetingQuota = cls.start(
            cls.Created,
            act,
            id=citywide_quota_id(unit_id, year),
            rules=("M12",),
            post=None,
            unit_id=unit_id,
            year=year,
        )
        return quota

    def count(
        self,
        act: Act,
        meeting_id: str,
        post: Post | None,
        approval: CitywideMeetingApproval | None = None,
    ) -> None:
        """The year's one meeting needs no approval; every further one names an approval of
        this department's meetings of this year that no other meeting used."""
        if approval is None:
            unapproved = [m for m in self.meetings if m not in self.approved.values()]
            if len(unapproved) >= self.LIMIT:
                raise refuse(
                    "M12",
                    f"{self.unit_id} already held its citywide meeting of {self.year} "
                    f"({unapproved[0]}); a further one needs the government's recorded "
                    "approval (市政府批准)",
                )
        elif (approval.unit_id, approval.year) != (self.unit_id, self.year):
            raise refuse(
                "M12",
                f"approval {approval.id} is for {approval.unit_id}'s meetings of "
                f"{approval.year}, not {self.unit_id}'s of {self.year}",
            )
        elif (used := self.approved.get(str(approval.id))) is not None:
            raise refuse("M12", f"approval {approval.id} already admitted meeting {used}")
        self.record(
            self.MeetingCounted,
            act,
            rules=("M12",),
            post=post,
            meeting_id=meeting_id,
            approval_id=str(approval.id) if approval is not None else None,
        )


@dataclass(frozen=True, slots=True)
class TopicDecision:
    """M11: what a topic decided, with every present member's position."""

    text: str
    positions: dict[str, str]
    dissent_notes: dict[str, str]
    decision_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Topic:
    """M6: a topic proposed, set on the agenda by the mayor, then decided at the meeting."""

    topic_id: str
    title: str
    decision_id: str | None
    proposed_by: str
    proposed_at: datetime
    set_by: str | None = None
    set_at: datetime | None = None
    decided: TopicDecision | None = None
    regulation_id: str | None = None  # G4: the regulation the topic takes up for adoption
    assessment_id: str | None = None  # S6: the performance results it takes up for approval


@dataclass(frozen=True, slots=True)
class Absence:
    """M7: a member's leave from the meeting, approved, with whoever stands in."""

    person_id: str
    reason: str
    stand_in_id: str | None
    approved_by: str


@dataclass(frozen=True, slots=True)
class Opening:
    """M7: who was expected, present, absent with or without leave, and who stood in."""

    at: datetime
    members: list[str]
    present: list[str]
    absent_with_leave: list[str]
    absent_without_leave: list[str]
    stand_ins: dict[str, str]


@dataclass(frozen=True, slots=True)
class Minutes:
    """M8: one version of the minutes (纪要); a correction names the signed one it corrects."""

    version: int
    text: str
    drafted_by: str
    drafted_at: datetime
    corrects: int | None
    reason: str | None
    signed_by: str | None = None
    signed_at: datetime | None = None


class Meeting(GovAggregate):
    """One meeting of the government, from convening to signed minutes."""

    TOPIC = "govrules:Meeting"
    COLLECTION = "meetings"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:MeetingConvened"
        kind: str
        title: str
        convener_id: str
        entrusted_by: str | None
        scheduled_at: datetime
        unit_id: str | None
        # M12: the government's approval of a department's further citywide meeting in a
        # year; absent from meetings convened before approvals were recorded.
        approval_id: str | None = None

        def apply(self, meeting: Meeting) -> None:
            meeting.kind = self.kind
            meeting.title = self.title
            meeting.convener_id = self.convener_id
            meeting.entrusted_by = self.entrusted_by
            meeting.scheduled_at = self.scheduled_at
            meeting.unit_id = self.unit_id
            meeting.approval_id = self.approval_id
            meeting.status = MEETING_STATUS.of(self)
            meeting.topics = Records()
            meeting.papers_distributed_at = None
            meeting.absences = Records()
            meeting.opening = None
            meeting.closed_at = None
            meeting.minutes = []

    Convened = Created

    class TopicProposed(Event):
        TOPIC = "govrules:TopicProposed"
        topic_id: str
        title: str
        decision_id: str | None
        proposed_by: str
        regulation_id: str | None = None  # G4 (none in history before issue 12)
        assessment_id: str | None = None  # S6 (likewise)

        def apply(self, meeting: Meeting) -> None:
            meeting.topics[self.topic_id] = Topic(
                self.topic_id,
                self.title,
                self.decision_id,
                self.proposed_by,
                self.timestamp,
                regulation_id=self.regulation_id,
                assessment_id=self.assessment_id,
            )

    class TopicSet(Event):
        TOPIC = "govrules:TopicSet"
        topic_id: str

        def apply(self, meeting: Meeting) -> None:
            meeting.topics[self.topic_id] = replace(
                meeting.topics[self.topic_id], set_by=self.meta["actor_id"], set_at=self.timestamp
            )

    class PapersDistributed(Event):
        TOPIC = "govrules:PapersDistributed"
        distributed_at: datetime

        def apply(self, meeting: Meeting) -> None:
            meeting.papers_distributed_at = self.distributed_at

    class AbsenceRecorded(Event):
        TOPIC = "govrules:AbsenceRecorded"
        person_id: str
        reason: str
        stand_in_id: str | None
        approved_by: str

        def apply(self, meeting: Meeting) -> None:
            meeting.absences[self.person_id] = Absence(
                self.person_id, self.reason, self.stand_in_id, self.approved_by
            )

    class Opened(Event):
        TOPIC = "govrules:MeetingOpened"
        members: list[str]
        present: list[str]
        absent_with_leave: list[str]
        absent_without_leave: list[str]
        stand_ins: dict[str, str]

        def apply(self, meeting: Meeting) -> None:
            meeting.status = MEETING_STATUS.of(self, meeting.status)
            meeting.opening = Opening(
                self.timestamp,
                self.members,
                self.present,
                self.absent_with_leave,
                self.absent_without_leave,
                self.stand_ins,
            )

    class TopicDecided(Event):
        TOPIC = "govrules:TopicDecided"
        topic_id: str
        text: str
        positions: dict[str, str]
        dissent_notes: dict[str, str]
        decision_id: str | None

        def apply(self, meeting: Meeting) -> None:
            decided = TopicDecision(
                self.text, self.positions, self.dissent_notes, self.decision_id, self.timestamp
            )
            topic = meeting.topics[self.topic_id]
            meeting.topics[self.topic_id] = replace(topic, decided=decided)

    class Closed(Event):
        TOPIC = "govrules:MeetingClosed"

        def apply(self, meeting: Meeting) -> None:
            meeting.status = MEETING_STATUS.of(self, meeting.status)
            meeting.closed_at = self.timestamp

    class MinutesDrafted(Event):
        TOPIC = "govrules:MinutesDrafted"
        text: str
        drafted_by: str
        corrects: int | None
        reason: str | None

        def apply(self, meeting: Meeting) -> None:
            version = len(meeting.minutes) + 1
            meeting.minutes.append(
                Minutes(
                    version, self.text, self.drafted_by, self.timestamp, self.corrects, self.reason
                )
            )

    class MinutesSigned(Event):
        TOPIC = "govrules:MinutesSigned"
        minutes_version: int

        def apply(self, meeting: Meeting) -> None:
            signed = self.minutes_version - 1
            meeting.minutes[signed] = replace(
                meeting.minutes[signed], signed_by=self.meta["actor_id"], signed_at=self.timestamp
            )

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        kind: str
        title: str
        convener_id: str
        entrusted_by: str | None
        scheduled_at: datetime
        unit_id: str | None
        approval_id: str | None
        status: str
        topics: Records[Topic]
        papers_distributed_at: datetime | None
        absences: Records[Absence]
        opening: Opening | None
        closed_at: datetime | None
        minutes: list[Minutes]

    # ----- convening -----------------------------------------------------------------------

    @classmethod
    def convene(
        cls,
        act: Act,
        roster: Roster,
        *,
        kind: str,
        title: str,
        convener_id: str,
        scheduled_at: datetime,
        entrusted_by: str | None = None,
        unit_id: str | None = None,
        approval_id: str | None = None,
        id: uuid.UUID | None = None,
    ) -> Meeting:
        """M1 kinds, M2 convener authority (P2: the acting mayor while the mayor is away); M12:
        a department's citywide meeting may name the government's approval that admits it
        (its quota, ``CitywideMeetingQuota``, judges whether it needs one)."""
        if kind not in KINDS:
            raise refuse("M1", f"{kind!r} is not a meeting kind; use one of {KINDS}")
        if approval_id is not None and kind != "department_citywide":
            raise refuse("M12", "an approval admits a department's citywide meeting only")
        if convener_id not in roster.people:
            raise InvalidReference(f"unknown person {convener_id!r}")
        if unit_id is not None:
            roster.unit(unit_id)
        post = _recording_post(act, convener_id)
        acting_for, rules = _check_convener(act, roster, kind, convener_id, entrusted_by, unit_id)
        meeting: Meeting = cls.start(
            cls.Convened,
            act,
            id=id or uuid.uuid4(),
            rules=rules,
            post=post,
            acting_for=acting_for,
            kind=kind,
            title=title,
            convener_id=convener_id,
            entrusted_by=entrusted_by,
            scheduled_at=scheduled_at,
            unit_id=unit_id,
            approval_id=approval_id,
        )
        return meeting

    def _before_opening(self, rule: str) -> None:
        if self.status != "convened":
            raise refuse(rule, f"the meeting is {self.status}; this comes before it opens")

    def propose_topic(
        self,
        act: Act,
        roster: Roster,
        title: str,
        proposed_by: str,
        decision: Decision | None = None,
        topic_id: str | None = None,
        regulation_id: str | None = None,
        assessment_id: str | None = None,
    ) -> str:
        """M6: a topic proposed in writing (by a vice-mayor or the secretary-general, for the
        mayor to set), before the meeting opens; one that takes up a regulation (G4) or
        performance results (S6) names them: adopted or approved only as a topic decided."""
        post = _recording_post(act, proposed_by)
        self._before_opening("M6")
        today = local_date(act.at)
        proposer_offices = {p.office for p in roster.posts_of(proposed_by, today)}
        if self.kind in ("executive", "plenary") and not proposer_offices & set(CITY_LEADERS):
            raise forbid(
                "M6", "topics are proposed by the mayor, a vice-mayor or the secretary-general"
            )
        if not proposer_offices:
            raise InvalidReference(f"{proposed_by} holds no office")
        topic_id = topic_id or str(uuid.uuid4())
        self.record(
            self.TopicProposed,
            act,
            rules=("M6",),
            post=post,
            topic_id=topic_id,
            title=title,
            decision_id=str(decision.id) if decision is not None else None,
            proposed_by=proposed_by,
            regulation_id=regulation_id,
            assessment_id=assessment_id,
        )
        return topic_id

    def set_topic(self, act: Act, roster: Roster, topic_id: str) -> None:
        """M6: before opening, the mayor (or the acting mayor) sets a topic on the agenda of a
        plenary, executive or mayor's office meeting; a special-topic or department meeting's
        topics are set by its convener (or the leader who entrusted it), not the mayor."""
        post, acting_for = self._topic_setter(act, roster)
        topic = self._topic(topic_id)
        self._before_opening("M6")
        if topic.set_at is not None:
            raise refuse("M6", "the topic is already set")
        self.record(
            self.TopicSet,
            act,
            rules=("M6", "P2") if acting_for else ("M6",),
            post=post,
            acting_for=acting_for,
            topic_id=topic_id,
        )

    def _topic_setter(self, act: Act, roster: Roster) -> tuple[Post, str | None]:
        if self.kind in MAYORS_MEETINGS:
            return _as_mayor(act, roster, "M6", "topics are set by the mayor")
        if act.actor.person_id in (self.convener_id, self.entrusted_by):
            return _any_post(act), None
        setters = " or ".join(filter(None, (self.convener_id, self.entrusted_by)))
        raise forbid("M6", f"this {self.kind} meeting's topics are set by {setters}")

    def distribute_papers(self, act: Act, distributed_at: datetime) -> None:
        """M6: topics and papers reach the attendees before the meeting."""
        post = _office_post(act, "M6")
        self._before_opening("M6")
        if distributed_at > act.at:
            raise refuse("M6", "papers are recorded once distributed, not in advance")
        self.record(
            self.PapersDistributed, act, rules=("M6",), post=post, distributed_at=distributed_at
        )

    def record_absence(
        self,
        act: Act,
        roster: Roster,
        person_id: str,
        reason: str,
        approved_by: str,
        stand_in_id: str | None = None,
    ) -> None:
        """M7: leave asked of the mayor; a department or county head names a stand-in."""
        post = _office_post(act, "M7")
        self._before_opening("M7")
        today = local_date(act.at)
        if person_id not in roster.people:
            raise InvalidReference(f"unknown person {person_id!r}")
        if stand_in_id is not None and stand_in_id not in roster.people:
            raise InvalidReference(f"unknown person {stand_in_id!r}")
        if not reason.strip():
            raise refuse("M7", "an absence gives its reason")
        offices = {p.office for p in roster.posts_of(person_id, today)}
        mayor = roster.holder("mayor", today)
        approvers = {mayor} | (
            {roster.holder("executive_vice_mayor", today)} if mayor in act.absent else set()
        )
        if person_id != mayor and approved_by not in approvers:
            raise refuse("M7", "leave from the meeting is asked of the mayor (向市长请假)")
        if offices & {"unit_head", "office_director"} and not stand_in_id:
            raise refuse("M7", "a department or county head names a stand-in (指派人员代为参会)")
        self.record(
            self.AbsenceRecorded,
            act,
            rules=("M7",),
            post=post,
            person_id=person_id,
            reason=reason,
            stand_in_id=stand_in_id,
            approved_by=approved_by,
        )

    def open(self, act: Act, roster: Roster, present: Iterable[str]) -> None:
        """M3: an executive meeting opens only with at least half its members present (半数以上:
        以上 includes the number itself, so 4 of 8 and 4 of 7 open, 3 of either does not); M6:
        papers went out before; M7: nobody with a recorded absence (from this meeting, or on
        the absence ledger: away on leave) is counted present, and
        members absent without leave are recorded as such."""
        post, acting_for = _chair_or_office(act, roster, self)
        self._before_opening("M3")
        present = list(dict.fromkeys(present))
        for person_id in present:
            if person_id not in roster.people:
                raise InvalidReference(f"unknown person {person_id!r}")
        recorded = {  # M7: an absence recorded here, or on the absence ledger
            "asked leave of this meeting": [p for p in present if p in self.absences],
            "away on recorded leave (请销假)": [p for p in present if p in act.absent],
        }
        for why, people in recorded.items():
            if people:
                raise refuse("M7", f"{', '.join(people)}: {why}; not counted present as well")
        members = members_of(self.kind, roster, local_date(act.at))
        attending = [m for m in members if m in present]
        rules = ["M7"]
        if self.kind == "executive":
            if 2 * len(attending) < len(members):
                raise refuse(
                    "M3",
                    f"{len(attending)} of {len(members)} members present; an executive meeting "
                    "needs at least half (半数以上)",
                )
            rules.append("M3")
        if self.kind in ("executive", "plenary"):
            if self.papers_distributed_at is None:
                raise refuse("M6", "topics and papers go to the attendees before the meeting")
            rules.append("M6")
        absent = [m for m in members if m not in present]
        with_leave = [m for m in absent if m in self.absences]
        stand_ins = {
            m: self.absences[m].stand_in_id
            for m in with_leave
            if self.absences[m].stand_in_id in present
        }
        self.record(
            self.Opened,
            act,
            rules=_with_p2(tuple(rules), acting_for),
            post=post,
            acting_for=acting_for,
            members=members,
            present=present,
            absent_with_leave=with_leave,
            absent_without_leave=[m for m in absent if m not in self.absences],
            stand_ins=stand_ins,
        )

    def decide(
        self,
        act: Act,
        roster: Roster,
        topic_id: str,
        text: str,
        positions: dict[str, str],
        dissent_notes: dict[str, str] | None = None,
        decision: Decision | None = None,
    ) -> None:
        """M6: only a topic set before opening is decided; M11: every present member's
        position, with dissent notes; M9/M10 through the linked Decision, saved together."""
        post, acting_for = _chair_or_office(act, roster, self)
        topic = self._topic(topic_id)
        if self.status != "open" or self.opening is None:
            raise refuse("M6", f"topics are decided while the meeting is open ({self.status})")
        if topic.set_at is None:  # topics are only set before opening (set_topic)
            raise refuse(
                "M6", "a topic not set before the meeting opened is not decided as a topic"
            )
        if topic.decided is not None:
            raise refuse("M11", "the topic was already decided")
        dissent_notes = dict(dissent_notes or {})
        _check_positions(self.opening, positions, dissent_notes)
        if (str(decision.id) if decision else None) != topic.decision_id:
            raise InvalidReference("the topic's own decision must be given with it")
        if decision is not None:
            # The decision's own guards (M9, M10) run before anything is recorded on either.
            decision.take(
                act,
                post,
                meeting_id=str(self.id),
                meeting_kind=self.kind,
                topic_id=topic_id,
                text=text,
                positions=positions,
                dissent_notes=dissent_notes,
                acting_for=acting_for,
            )
        self.record(
            self.TopicDecided,
            act,
            rules=_with_p2(("M6", "M11"), acting_for),
            post=post,
            acting_for=acting_for,
            topic_id=topic_id,
            text=text,
            positions=dict(positions),
            dissent_notes=dissent_notes,
            decision_id=topic.decision_id,
        )

    def close(self, act: Act, roster: Roster) -> None:
        post, acting_for = _chair_or_office(act, roster, self)
        if self.status != "open":
            raise refuse("M8", f"only an open meeting closes ({self.status})")
        self.record(
            self.Closed, act, rules=_with_p2(("M8",), acting_for), post=post, acting_for=acting_for
        )

    # ----- minutes (纪要) -------------------------------------------------------------------

    def draft_minutes(
        self,
        act: Act,
        roster: Roster,
        text: str,
        drafted_by: str,
        corrects: int | None = None,
        reason: str | None = None,
    ) -> None:
        """M8: only the government office (its director, the secretary-general, a deputy
        secretary-general) drafts minutes, of every kind of meeting, after it closes; signed
        minutes are never redrafted — a correction is a new draft by the office, linked to the
        version it corrects (A2), and signed again."""
        if drafted_by not in roster.people:
            raise InvalidReference(f"unknown person {drafted_by!r}")
        if self.kind == "department_citywide" and self.unit_id is not None:
            # A department's own meeting (art. 46): its minutes are the department's, not the
            # government office's — drafted and recorded in the department.
            post = _department_post(act, roster, self.unit_id, drafted_by)
        else:
            post = _office_post(act, "M8", "minutes (纪要) are drafted by the government office")
            drafters = {p.office for p in roster.posts_of(drafted_by, local_date(act.at))}
            if not drafters & set(OFFICE_STAFF):
                raise forbid(
                    "M8", f"{drafted_by} is not of the government office, which drafts minutes"
                )
        if self.status != "closed":
            raise refuse("M8", "minutes are drafted after the meeting closes")
        if not text.strip():
            raise refuse("M8", "minutes have a text")
        latest = self.minutes[-1] if self.minutes else None
        if corrects is None:
            if latest is not None and latest.signed_at is not None:
                raise refuse(
                    "M8",
                    "signed minutes are never redrafted (A2); record a correction linked to them",
                )
        else:
            if latest is None or latest.version != corrects or latest.signed_at is None:
                raise refuse("M8", "a correction points at the latest signed minutes")
            if not (reason and reason.strip()):
                raise refuse("M8", "a correction says why")
        self.record(
            self.MinutesDrafted,
            act,
            rules=("M8", "A2") if corrects else ("M8",),
            post=post,
            text=text,
            drafted_by=drafted_by,
            corrects=corrects,
            reason=reason if corrects else None,
        )

    def minutes_signer(self, roster: Roster, on: date) -> str | None:
        """M8: plenary/executive/mayor's office: the mayor; special-topic: the convener or the
        leader who entrusted it; department citywide: the convener."""
        if self.kind in MAYORS_MEETINGS:
            return roster.holder("mayor", on)
        return self.convener_id

    def sign_minutes(self, act: Act, roster: Roster, minutes_version: int) -> None:
        """M8: the signer names the draft they sign; only the latest draft, still unsigned, is
        signed, so nobody signs a version they have not seen."""
        post, acting_for = self._minutes_signer_post(act, roster)
        if not self.minutes or self.minutes[-1].signed_at is not None:
            raise refuse("M8", "there are no drafted minutes waiting to be signed")
        latest = self.minutes[-1].version
        if minutes_version != latest:
            raise refuse(
                "M8",
                f"version {minutes_version} is not the latest draft of the minutes ({latest}); "
                "read and sign that one",
            )
        self.record(
            self.MinutesSigned,
            act,
            rules=_with_p2(("M8",), acting_for),
            post=post,
            acting_for=acting_for,
            minutes_version=latest,
        )

    def _minutes_signer_post(self, act: Act, roster: Roster) -> tuple[Post, str | None]:
        today = local_date(act.at)
        signer = self.minutes_signer(roster, today)
        acting_for = None
        allowed = {signer}
        if self.kind == "special_topic" and self.entrusted_by:
            allowed.add(self.entrusted_by)
        if act.actor.person_id in allowed:
            post = _any_post(act)
        elif (
            self.kind in MAYORS_MEETINGS
            and signer in act.absent
            and (post_or_none := act.actor.holds("executive_vice_mayor")) is not None
        ):
            post, acting_for = post_or_none, signer
        else:
            raise forbid("M8", f"these minutes are signed off by {signer}")
        return post, acting_for

    def decided_topics_on(self, regulation_id: str) -> list[Topic]:
        """G4: the topics that took up ``regulation_id`` and were decided at this meeting."""
        return [t for t in self.topics.values() if t.regulation_id == regulation_id and t.decided]

    def _topic(self, topic_id: str) -> Topic:
        try:
            return self.topics[topic_id]
        except KeyError:
            raise InvalidReference(f"no topic {topic_id!r} on this meeting") from None


# ----- guards ------------------------------------------------------------------------------


def _any_post(act: Act) -> Post:
    return act.actor.posts[0]


def _recording_post(act: Act, person_id: str) -> Post:
    """The person acts themself, or the office records for them."""
    if act.actor.person_id == person_id:
        return _any_post(act)
    post = act.actor.holds(*OFFICE_STAFF)
    if post is None:
        raise forbid("P1", f"{act.actor.person_id} cannot record this for {person_id}")
    return post


def _office_post(act: Act, rule: str, what: str = "the government office records this") -> Post:
    post = act.actor.holds(*OFFICE_STAFF)
    if post is None:
        raise forbid(rule, what)
    return post


def _department_post(act: Act, roster: Roster, unit_id: str, drafted_by: str) -> Post:
    """M8 for a department's citywide meeting: its head (or the head of its office) records
    minutes drafted in the department."""
    today = local_date(act.at)
    staff = set(roster.holders("unit_head", today, unit_id)) | set(
        roster.holders("office_director", today, unit_id)
    )
    post = act.actor.heads(unit_id)
    if post is None or drafted_by not in staff:
        raise forbid("M8", f"a department's citywide meeting's minutes are drafted in {unit_id}")
    return post


def _as_mayor(act: Act, roster: Roster, rule: str, what: str) -> tuple[Post, str | None]:
    """The mayor, or the executive vice-mayor while the mayor is away (P2)."""
    if post := act.actor.holds("mayor"):
        return post, None
    mayor = roster.holder("mayor", local_date(act.at))
    if mayor in act.absent and (post := act.actor.holds("executive_vice_mayor")):
        return post, mayor
    raise forbid(rule, what)


def _as_government(act: Act, roster: Roster) -> tuple[Post, str | None]:
    """M12: the government approves (市政府批准): the mayor (or the acting mayor, P2), or the
    office (its director, the secretary-general, a deputy secretary-general) on its behalf."""
    if post := act.actor.holds(*OFFICE_STAFF):
        return post, None
    return _as_mayor(
        act,
        roster,
        "M12",
        "the government's approval is recorded by the mayor (or the acting mayor) or the office",
    )


def _chair_or_office(act: Act, roster: Roster, meeting: Meeting) -> tuple[Post, str | None]:
    """The convener chairs (or the acting mayor for the mayor, P2, recorded as acting for
    them); the office records."""
    if act.actor.person_id == meeting.convener_id:
        return _any_post(act), None
    if post := act.actor.holds(*OFFICE_STAFF):
        return post, None
    if meeting.kind in MAYORS_MEETINGS:
        return _as_mayor(act, roster, "M2", "the mayor chairs this meeting")
    raise forbid("M2", "the convener chairs the meeting")


def _with_p2(rules: tuple[str, ...], acting_for: str | None) -> tuple[str, ...]:
    return (*rules, "P2") if acting_for else rules


def _check_convener(
    act: Act,
    roster: Roster,
    kind: str,
    convener_id: str,
    entrusted_by: str | None,
    unit_id: str | None,
) -> tuple[str | None, tuple[str, ...]]:
    """M2 (and M12's unit for department meetings): may this convener convene this kind?"""
    today = local_date(act.at)
    offices = {p.office for p in roster.posts_of(convener_id, today)}
    mayor = roster.holder("mayor", today)
    if kind in MAYORS_MEETINGS:
        if "mayor" in offices:
            return None, ("M1", "M2")
        if "executive_vice_mayor" in offices and mayor in act.absent:
            return mayor, ("M1", "M2", "P2")
        raise forbid("M2", f"a {kind} meeting is convened by the mayor (or the acting mayor)")
    if kind == "special_topic":
        if offices & set(SPECIAL_TOPIC_CONVENERS):
            return None, ("M1", "M2")
        if "deputy_secretary_general" in offices and entrusted_by:
            entrusting = {p.office for p in roster.posts_of(entrusted_by, today)}
            if entrusting & set(SPECIAL_TOPIC_CONVENERS):
                return None, ("M1", "M2")
        raise forbid(
            "M2",
            "a special-topic meeting is convened by the mayor, a vice-mayor or the "
            "secretary-general, or a deputy secretary-general they entrusted",
        )
    # department_citywide: the head of the department holding it
    if unit_id is None:
        raise InvalidReference("a department citywide meeting names its unit_id")
    if roster.unit(unit_id)["kind"] != "department":
        raise refuse("M12", f"{unit_id} is not a department")
    if convener_id not in roster.holders("unit_head", today, unit_id):
        raise forbid("M2", f"a department's citywide meeting is convened by the head of {unit_id}")
    return None, ("M1", "M12")


def _check_positions(
    opening: Opening, positions: dict[str, str], dissent_notes: dict[str, str]
) -> None:
    """M11: every present member's position; dissent notes only from dissenters."""
    present = set(opening.present)
    members = set(opening.members)
    expected = present & members if members else present
    unknown = [p for p in positions if p not in present]
    if unknown:
        raise refuse("M11", f"positions from people not present: {unknown}")
    missing = sorted(expected - set(positions))
    if missing:
        raise refuse("M11", f"every present member's position is recorded; missing {missing}")
    if not positions:
        raise refuse("M11", "a decision records the positions of those present")
    wrong = {p: v for p, v in positions.items() if v not in POSITIONS}
    if wrong:
        raise InvalidReference(f"positions are one of {POSITIONS}: {wrong}")
    stray = [p for p in dissent_notes if positions.get(p) != "dissent"]
    if stray:
        raise refuse("M11", f"dissent notes only from members who dissented: {stray}")


# ----- metrics (M4, M5): shown on dashboards as met / not met ------------------------------


def plenaries_in_year(meetings: Iterable[tuple[str, datetime]], year: int) -> dict[str, Any]:
    """M4: plenaries held (opened) in a year, against about three."""
    held = sum(1 for kind, at in meetings if kind == "plenary" and local_date(at).year == year)
    return {
        "year": year,
        "held": held,
        "expected": PLENARIES_A_YEAR,
        "met": held >= PLENARIES_A_YEAR,
    }


def executive_gaps(opened_at: Iterable[datetime], until: datetime) -> list[dict[str, Any]]:
    """M5: gaps between executive meetings (and since the last one) over 14 days."""
    times = sorted(opened_at)
    gaps = []
    for earlier, later in zip(times, [*times[1:], until], strict=True):
        days = (later - earlier) / timedelta(days=1)
        if days > EXECUTIVE_GAP_DAYS:
            gaps.append(
                {"from": earlier.isoformat(), "to": later.isoformat(), "days": round(days, 2)}
            )
    return gaps


# M6–M8: a meeting is convened, then open, then closed.
MEETING_STATUS = StatusRule(
    {Meeting.Convened: "convened", Meeting.Opened: "open", Meeting.Closed: "closed"}
)
