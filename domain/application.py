"""The service layer: the only door into the domain (cosmicpython's ``service_layer``).

``GovRules`` is an eventsourcing ``Application``: it loads aggregates, runs one command, and
saves every aggregate the command touched in one transaction (``save(*aggregates)``), with
optimistic concurrency on each aggregate's version. Which recorder it uses (PostgreSQL in
production and tests, plain objects in fast domain specs) is the composition root's choice.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any, TypeVar

import orjson
from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import TypeAdapter

from domain.base import SYSTEM, Act, Actor, GovAggregate
from domain.calendar import WorkingDayCalendar
from domain.clock import SHANGHAI
from domain.decisions import Decision
from domain.documents import DocumentNumberSequence, OfficialDocument, number_sequence_id
from domain.leaves import LEDGER_ID, AbsenceLedger, LeaveRecord
from domain.meetings import CitywideMeetingQuota, Meeting, citywide_quota_id
from domain.regulations import Regulation, RegulationPolicy, expiry_at, filing_overdue_at
from domain.regulations import catalog as regulation_catalog
from domain.roster import ROSTER_ID, InvalidReference, Roster
from domain.rules import Conflict, NotFound, forbid
from domain.supervision import SupervisionItem

A = TypeVar("A", bound=GovAggregate)

# D11: a registration that loses the race for the next number tries again with the new one.
NUMBERING_ATTEMPTS = 20
# Timers: a deadline recorded by another writer meanwhile is judged again on the new state.
DEADLINE_ATTEMPTS = 5
DEADLINE_KINDS: dict[str, type[GovAggregate]] = {
    "countersign": OfficialDocument,  # D7
    "report": SupervisionItem,  # S3
    "item": SupervisionItem,  # S3
    "return": LeaveRecord,  # L6
    "filing": Regulation,  # G5
    "expiry": Regulation,  # G6
}


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


log = logging.getLogger("govrules.domain")


class OrjsonPydanticMapper(Mapper[uuid.UUID]):
    """Events as orjson bytes; pydantic rebuilds typed fields (datetimes, dates) on the way
    back. The topic is the event's explicit, stable ``TOPIC``."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        state = dict(vars(domain_event))
        originator_id = state.pop("originator_id")
        originator_version = state.pop("originator_version")
        return StoredEvent(
            originator_id=originator_id,
            originator_version=originator_version,
            topic=get_topic(type(domain_event)),
            state=orjson.dumps(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        state = orjson.loads(stored_event.state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return _adapter(cls).validate_python(state)


@dataclass(frozen=True)
class Written:
    """What a write returns: the resource, its version and the position of its last event."""

    aggregate: GovAggregate
    position: int | None
    created: bool


def local_date(at: datetime) -> date:
    return at.astimezone(SHANGHAI).date()


class GovRules(Application[uuid.UUID]):
    """The city government's ledger: roster and official documents (more aggregates follow)."""

    name = "GovRules"
    # Aggregates read on many writes whose logs grow for years: every write reads the absence
    # ledger (who is away acts through someone), every numbering its year's register. A
    # snapshot every so many events bounds their replay; the events stay the record.
    snapshotting_intervals = {  # noqa: RUF012  # the library reads this class attribute
        AbsenceLedger: 100,
        DocumentNumberSequence: 200,
    }

    def take_snapshot(self, *args: Any, **kwargs: Any) -> None:
        """Snapshots are taken after a save has committed: one that fails (a race with another
        process, a lost connection) must not turn a recorded act into an error. The next
        interval takes one."""
        try:
            super().take_snapshot(*args, **kwargs)
        except Exception:
            log.warning("snapshot not taken (the events are saved)", exc_info=True)

    def __init__(
        self,
        env: dict[str, str] | None = None,
        calendar: WorkingDayCalendar | None = None,
        regulation_policy: RegulationPolicy | None = None,
    ) -> None:
        super().__init__(env)
        self.calendar = calendar or WorkingDayCalendar()
        self.regulation_policy = regulation_policy or RegulationPolicy()

    def construct_mapper(self) -> Mapper[uuid.UUID]:
        return OrjsonPydanticMapper(transcoder=None)  # type: ignore[arg-type]

    # ----- loading -------------------------------------------------------------------------

    def load(self, cls: type[A], aggregate_id: uuid.UUID, version: int | None = None) -> A:
        try:
            aggregate: Any = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}") from None
        if not isinstance(aggregate, cls) or (version is not None and aggregate.version < 1):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}")
        return aggregate

    def load_as_of(self, cls: type[A], aggregate_id: uuid.UUID, at: datetime) -> A:
        """Time travel: the state as recorded up to ``at`` (events after it are ignored)."""
        aggregate: Aggregate | None = None
        for event in self.events.get(aggregate_id):
            if event.timestamp > at:  # type: ignore[attr-defined]
                break
            aggregate = event.mutate(aggregate)  # type: ignore[attr-defined]
        if aggregate is None or not isinstance(aggregate, cls):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id} as of {at.isoformat()}")
        return aggregate

    def roster(self) -> Roster:
        return self.load(Roster, ROSTER_ID)

    def has_roster(self) -> bool:
        try:
            self.roster()
        except NotFound:
            return False
        return True

    def actor(self, person_id: str, at: datetime) -> Actor | None:
        """The person with the offices they hold at ``at`` (auth uses this, P1)."""
        try:
            return self.roster().actor(person_id, local_date(at))
        except NotFound:
            return None

    # ----- saving --------------------------------------------------------------------------

    def commit(
        self,
        target: GovAggregate,
        *others: GovAggregate | None,
        created: bool = False,
        **save_kwargs: Any,
    ) -> Written:
        """Saves the target and the other aggregates the command touched, atomically."""
        try:
            recordings = self.save(target, *others, **save_kwargs)
        except IntegrityError as e:
            raise Conflict(
                "the resource was changed by another writer at the same time; reload and retry"
            ) from e
        positions = [r.notification.id for r in recordings if r.notification.id is not None]
        return Written(target, max(positions) if positions else None, created)

    @staticmethod
    def check_version(aggregate: GovAggregate, expected: int | None) -> None:
        """If-Match: the writer saw ``expected``; the resource has moved on → 412."""
        if expected is not None and aggregate.version != expected:
            raise Conflict(
                f"version {aggregate.version} is current, not {expected}", precondition=True
            )

    def update(
        self,
        cls: type[A],
        aggregate_id: uuid.UUID,
        command: Callable[[A], Iterable[GovAggregate | None] | None],
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """Load, check If-Match, run the command, save everything it touched in one go."""
        aggregate = self.load(cls, aggregate_id)
        self.check_version(aggregate, expected_version)
        others = command(aggregate) or ()
        return self.commit(aggregate, *others, **save_kwargs)

    def command(
        self,
        cls: type[A],
        aggregate_id: uuid.UUID,
        command: Callable[[A, Roster], object],
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """A command on one existing aggregate, judged against the roster as it stands."""
        roster = self.roster()

        def run(aggregate: A) -> None:
            command(aggregate, roster)  # its answer (e.g. a new topic id) is in the state

        return self.update(cls, aggregate_id, run, expected_version=expected_version, **save_kwargs)

    # ----- roster --------------------------------------------------------------------------

    def bootstrap_roster(self, data: dict[str, Any], at: datetime) -> Written | None:
        """Seeds an empty roster once from a bootstrap file (api.md); later starts ignore it."""
        if self.has_roster():
            return None
        act = Act(SYSTEM, at, correlation_id=f"bootstrap-{uuid.uuid4()}")
        government = next(
            (u["unit_id"] for u in data.get("units", []) if u.get("kind") == "government"),
            "government",
        )
        roster = Roster.begin(act, government)
        for unit in data.get("units", []):
            roster.add_unit(
                act,
                unit["unit_id"],
                unit["name"],
                unit["kind"],
                unit.get("function"),
                unit.get("superior_unit_id"),
            )
        for a in data.get("appointments", []):
            roster.appoint(
                act,
                a["person_id"],
                a["name"],
                a["office"],
                date.fromisoformat(a["since"]),
                a.get("unit_id"),
                a.get("decided_by"),
                a.get("clearance"),
            )
        for d in data.get("divisions", []):
            roster.assign_division(act, d["vice_mayor_id"], d["unit_ids"])
        for pair in data.get("ab_pairs", []):
            roster.pair(act, pair["a"], pair["b"])
        try:
            return self.commit(roster, created=True)
        except Conflict:
            return None  # another process bootstrapped it first

    def change_roster(
        self,
        act: Act,
        command: Callable[[Roster], None],
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        def run(roster: Roster) -> None:
            command(roster)

        return self.update(Roster, ROSTER_ID, run, expected_version=expected_version, **save_kwargs)

    # ----- documents -----------------------------------------------------------------------

    def draft_document(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        """A document that carries out a decision is linked on the decision, and a reply (批复)
        on the request it answers, in the same transaction (A1: links are facts both ways)."""
        doc = OfficialDocument.draft(act, self.roster(), **fields)
        decision = self._referenced(Decision, doc.decision_id) if doc.decision_id else None
        request = self._referenced(OfficialDocument, doc.replies_to) if doc.replies_to else None
        if decision is not None:
            decision.link_document(act, str(doc.id), doc.doc_type)
        if request is not None:
            require_clearance(act.actor, request)
            request.link_reply(act, doc)
        return self.commit(doc, decision, request, created=True, **save_kwargs)

    def _referenced(self, cls: type[A], aggregate_id: str) -> A:
        """A resource a command refers to: an unknown one is invalid input (422), not 404."""
        try:
            return self.load(cls, uuid.UUID(str(aggregate_id)))
        except (NotFound, ValueError):
            raise InvalidReference(f"no {cls.COLLECTION} resource {aggregate_id}") from None

    def readable_document(
        self, actor: Actor, doc_id: uuid.UUID, version: int | None = None
    ) -> OfficialDocument:
        """D12: a secret document is refused to a reader without the clearance."""
        doc = self.load(OfficialDocument, doc_id, version)
        require_clearance(actor, doc)
        return doc

    def register_document(
        self,
        act: Act,
        doc_id: uuid.UUID,
        issuer_code: str,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """D11: the document and its number register are saved together; losing the race
        for a number means reloading both and taking the next one, so none is shared or
        skipped."""
        for _ in range(NUMBERING_ATTEMPTS):
            doc = self.load(OfficialDocument, doc_id)
            self.check_version(doc, expected_version)
            year = local_date(act.at).year
            try:
                sequence: DocumentNumberSequence | None = self.load(
                    DocumentNumberSequence, number_sequence_id(issuer_code, year)
                )
            except NotFound:
                sequence = None
            sequence = doc.register(act, sequence, issuer_code)
            try:
                return self.commit(doc, sequence, **save_kwargs)
            except Conflict:
                if expected_version is not None:
                    raise
                continue
        raise Conflict("could not take the next number under contention; retry")

    # ----- decisions and meetings ----------------------------------------------------------

    def initiate_decision(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        decision = Decision.initiate(act, self.roster(), **fields)
        return self.commit(decision, created=True, **save_kwargs)

    def convene_meeting(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        """M12: a department citywide meeting is counted on its unit's quota for the year in
        the same transaction; a lost race reloads the quota and is refused if it is full."""
        for _ in range(NUMBERING_ATTEMPTS):
            meeting = Meeting.convene(act, self.roster(), **fields)
            quota = None
            if meeting.kind == "department_citywide" and meeting.unit_id is not None:
                year = local_date(meeting.scheduled_at).year
                try:
                    quota = self.load(
                        CitywideMeetingQuota, citywide_quota_id(meeting.unit_id, year)
                    )
                except NotFound:
                    quota = CitywideMeetingQuota.open(act, meeting.unit_id, year)
                quota.count(act, str(meeting.id), None)
            try:
                return self.commit(meeting, quota, created=True, **save_kwargs)
            except Conflict:
                if quota is None:
                    raise
        raise Conflict("could not count the meeting under contention; retry")

    def propose_topic(
        self,
        act: Act,
        meeting_id: uuid.UUID,
        title: str,
        proposed_by: str,
        decision_id: str | None,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """M6; a topic that takes up a decision is linked on the decision in the same
        transaction (A1: the decision knows its topic and meeting)."""
        decision = self._referenced(Decision, decision_id) if decision_id else None
        roster = self.roster()
        meeting = self.load(Meeting, meeting_id)
        self.check_version(meeting, expected_version)
        topic_id = meeting.propose_topic(act, roster, title, proposed_by, decision)
        if decision is not None:
            decision.link_topic(act, str(meeting.id), meeting.kind, topic_id)
        return self.commit(meeting, decision, **save_kwargs)

    def decide_topic(
        self,
        act: Act,
        meeting_id: uuid.UUID,
        topic_id: str,
        text: str,
        positions: dict[str, str],
        dissent_notes: dict[str, str] | None,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """TopicDecided on the meeting and DecisionTaken on the decision: one transaction,
        both or neither."""
        roster = self.roster()
        meeting = self.load(Meeting, meeting_id)
        self.check_version(meeting, expected_version)
        decision_id = meeting.topics.get(topic_id, {}).get("decision_id")
        decision = self._referenced(Decision, decision_id) if decision_id else None
        meeting.decide(act, roster, topic_id, text, positions, dissent_notes, decision)
        return self.commit(meeting, decision, **save_kwargs)

    # ----- leaves (L1-L6) and who acts for whom (P2, P3) -------------------------------------

    def ledger(self) -> AbsenceLedger | None:
        try:
            return self.load(AbsenceLedger, LEDGER_ID)
        except NotFound:
            return None

    def absent_at(self, at: datetime) -> frozenset[str]:
        """Who is away at ``at``: the guards let the acting person act for them (P2, P3)."""
        ledger = self.ledger()
        return frozenset(ledger.away_at(at)) if ledger else frozenset()

    def who_acts(self, at: datetime) -> list[dict[str, Any]]:
        """Who is away at ``at``, until when, and who acts for them."""
        ledger = self.ledger()
        if ledger is None:
            return []
        return [
            {
                "person_id": e["person_id"],
                "office": e["office"],
                "leave_id": e["leave_id"],
                "starts_at": e["starts_at"],
                "ends_at": e["ends_at"],
                "acting_id": e["acting_id"],
                "overdue": e["returned_at"] is None and at >= e["ends_at"],
            }
            for e in sorted(ledger.away_at(at).values(), key=lambda e: e["starts_at"])
        ]

    def _with_ledger(
        self, act: Act, run: Callable[[AbsenceLedger], Written], attempts: int = NUMBERING_ATTEMPTS
    ) -> Written:
        """Commands that change the absence ledger retry a lost race with the ledger reloaded,
        so the guards (L1) always judge against every absence already recorded."""
        for _ in range(attempts):
            ledger = self.ledger() or AbsenceLedger.open(act)
            try:
                return run(ledger)
            except Conflict as conflict:
                if conflict.precondition:
                    raise
        raise Conflict("the absence ledger is busy; retry")

    def report_leave(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        def run(ledger: AbsenceLedger) -> Written:
            leave = LeaveRecord.report(act, self.roster(), ledger, **fields)
            return self.commit(leave, ledger, created=True, **save_kwargs)

        return self._with_ledger(act, run)

    def leave_command(
        self,
        act: Act,
        leave_id: uuid.UUID,
        command: Callable[[LeaveRecord, Roster, AbsenceLedger], None],
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        def run(ledger: AbsenceLedger) -> Written:
            leave = self.load(LeaveRecord, leave_id)
            self.check_version(leave, expected_version)
            command(leave, self.roster(), ledger)
            touched = ledger if ledger.pending_events else None  # return and cancel touch it
            return self.commit(leave, touched, **save_kwargs)

        return self._with_ledger(act, run)

    # ----- supervision (S1-S6) ------------------------------------------------------------

    def register_item(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        """S1; a source that names a decision or a document must name one that exists (422),
        and a decision learns of the item in the same transaction (A1)."""
        source = dict(fields.get("source") or {})
        decision = None
        if source.get("kind") == "decision":
            decision = self._referenced(Decision, source.get("ref", ""))
            source["ref"] = str(decision.id)
        elif source.get("kind") == "document":
            source["ref"] = str(self._referenced(OfficialDocument, source.get("ref", "")).id)
        item = SupervisionItem.register(act, self.roster(), **{**fields, "source": source})
        if decision is not None:
            decision.link_supervision(act, str(item.id))
        return self.commit(item, decision, created=True, **save_kwargs)

    # ----- regulations (G1-G9) -------------------------------------------------------------

    def draft_regulation(self, act: Act, fields: dict[str, Any], **save_kwargs: Any) -> Written:
        regulation = Regulation.draft(act, self.roster(), **fields)
        return self.commit(regulation, created=True, **save_kwargs)

    def adopt_regulation(
        self,
        act: Act,
        regulation_id: uuid.UUID,
        meeting_id: str | None,
        decision_id: str | None,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        meeting = self._referenced(Meeting, meeting_id) if meeting_id else None
        decision = self._referenced(Decision, decision_id) if decision_id else None
        regulation = self.load(Regulation, regulation_id)
        self.check_version(regulation, expected_version)
        regulation.adopt(act, meeting, str(decision.id) if decision else None)
        if decision is not None:  # A1: the decision knows the regulation that carries it out
            decision.link_regulation(act, str(regulation.id))
        return self.commit(regulation, decision, **save_kwargs)

    def publish_regulation(
        self,
        act: Act,
        regulation_id: uuid.UUID,
        published_on: date,
        valid_until: date | None,
        number: str,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """G6; a published revision supersedes the version it revises, in the same
        transaction (G7 lineage, G9 catalog)."""
        regulation = self.load(Regulation, regulation_id)
        self.check_version(regulation, expected_version)
        regulation.publish(act, self.regulation_policy, published_on, valid_until, number)
        previous = None
        if regulation.revises:
            previous = self.load(Regulation, uuid.UUID(regulation.revises))
            if previous.status == "in_force":
                previous.supersede(act, regulation, published_on)
            else:
                previous = None
        return self.commit(regulation, previous, **save_kwargs)

    def revise_regulation(
        self,
        act: Act,
        regulation_id: uuid.UUID,
        title: str,
        *,
        expected_version: int | None = None,
        **save_kwargs: Any,
    ) -> Written:
        """G7: a new regulation linked both ways to the one it revises; answers the new one."""
        old = self.load(Regulation, regulation_id)
        self.check_version(old, expected_version)
        new = old.start_revision(act, self.roster(), title)
        return self.commit(new, old, created=True, **save_kwargs)

    # ----- deadlines (timers: D7, S3, L6, G5, G6) -------------------------------------------

    def record_deadline(
        self, kind: str, aggregate_id: uuid.UUID, key: str, due: str, now: datetime
    ) -> bool:
        """The ticker's door: when a due time has passed, the system records it on the
        aggregate, as of the moment it passed (not ``now``), under the actor ``system``.
        Idempotent — True only if this call recorded the event; a race with another writer
        is judged again on the reloaded aggregate, so each deadline is recorded once."""
        cls = DEADLINE_KINDS.get(kind)
        if cls is None:
            raise ValueError(f"unknown deadline kind {kind!r}; one of {sorted(DEADLINE_KINDS)}")
        moment, run = _deadline(kind, key, due)
        if now < moment:
            return False
        act = Act(SYSTEM, moment, correlation_id=f"deadline:{kind}:{aggregate_id}:{key}:{due}")
        for _ in range(DEADLINE_ATTEMPTS):
            try:
                aggregate = self.load(cls, aggregate_id)
            except NotFound:
                return False
            if not run(aggregate, act):
                return False
            try:
                self.commit(aggregate)
            except Conflict:
                continue
            return True
        raise Conflict(f"could not record the {kind} deadline under contention; retry")

    def catalog(self, on: date, batch: int = 1000) -> list[dict[str, Any]]:
        """G9: the normative documents in force on ``on``, from the publication, supersession
        and abolition events of the whole log (read by topic, in batches)."""
        topics = [get_topic(cls) for cls in CATALOG_EVENTS]
        events: list[dict[str, Any]] = []
        start = 1
        while True:
            page = self.recorder.select_notifications(start, batch, topics=topics)
            for n in page:
                state = orjson.loads(n.state)
                events.append(
                    {**state, "type": n.topic.split(":", 1)[1], "originator_id": n.originator_id}
                )
            if len(page) < batch:
                break
            start = page[-1].id + 1
        return regulation_catalog(events, on)


CATALOG_EVENTS = (Regulation.Published, Regulation.Superseded, Regulation.Abolished)


def _deadline(kind: str, key: str, due: str) -> tuple[datetime, Callable[[Any, Act], bool]]:
    """The moment a deadline passes and the system's command that records it."""
    if kind in ("filing", "expiry"):
        day = date.fromisoformat(due)
        if kind == "filing":
            return filing_overdue_at(day), lambda r, act: r.record_filing_overdue(act, key, day)
        return expiry_at(day), lambda r, act: r.record_expiry(act, day)
    at = datetime.fromisoformat(due)
    if at.tzinfo is None:
        raise ValueError(f"a {kind} due time carries its offset: {due!r}")
    commands: dict[str, Callable[[Any, Act], bool]] = {
        "countersign": lambda d, act: d.deem_no_objection(act, key, at),
        "report": lambda i, act: i.record_report_overdue(act, at),
        "item": lambda i, act: i.record_overdue(act, at),
        "return": lambda lv, act: lv.record_return_overdue(act, at),
    }
    return at, commands[kind]


def require_clearance(actor: Actor, doc: OfficialDocument) -> None:
    if not doc.readable_by(actor.clearance):
        raise forbid("D12", f"this document is classified; {actor.person_id} is not cleared")
