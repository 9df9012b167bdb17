"""The application: the event store's door for the service layer (``domain.service``).

``GovRules`` is an eventsourcing ``Application``: it loads aggregates (from snapshots where
their logs grow for years), saves the aggregates a unit of work changed in one transaction with
optimistic concurrency on each version, and answers the two questions the write path asks of
the whole government: who holds which office (the roster) and who is away (the absence
ledger). Which recorder it uses (PostgreSQL in production and tests, plain objects in fast
domain specs) is the composition root's choice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from copy import deepcopy
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, cast

import orjson
from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProjectorFunction,
    Repository,
    project_aggregate,
)
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic
from pydantic import TypeAdapter

from domain.base import Actor, GovAggregate
from domain.calendar import WorkingDayCalendar
from domain.clock import local_date
from domain.documents import DocumentNumberSequence
from domain.leaves import LEDGER_ID, AbsenceLedger
from domain.regulations import RegulationPolicy
from domain.roster import ROSTER_ID, Roster
from domain.rules import Conflict, NotFound

A = TypeVar("A", bound=GovAggregate)


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


log = logging.getLogger("govrules.domain")


class OrjsonTranscoder(Transcoder):
    """Event state as JSON bytes, by orjson: datetimes, dates, UUIDs and dataclass records
    natively, no registry of transcodings."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)


@cache
def _class_version(topic: str) -> tuple[type, int]:
    cls = resolve_topic(topic)
    return cls, getattr(cls, "class_version", 1)


def upcast(topic: str, state: dict[str, Any]) -> dict[str, Any]:
    """Bring a stored state up to its event class's ``class_version`` with the class's
    ``upcast_vN_vN+1`` static methods, as the library's mapper does. History written before a
    payload changed shape keeps loading, and read models see today's shape too."""
    cls, class_version = _class_version(topic)
    from_version = state.pop("class_version", 1)
    while from_version < class_version:
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
    return state


def plain_state(topic: str, data: bytes) -> dict[str, Any]:
    """A stored payload without cipher or compressor, brought up to today's shape."""
    return upcast(topic, orjson.loads(data))


class OrjsonPydanticMapper(Mapper[uuid.UUID]):
    """The library's mapper (topic, ``class_version``, compressor, cipher, upcasters) with
    orjson bytes; pydantic rebuilds typed fields (datetimes, dates) on the way back. The topic
    is the event's explicit, stable ``TOPIC``. ``decode_state`` is the one way every reader
    of the log (the read models, the history) turns stored bytes into today's payload."""

    def decode_state(self, topic: str, data: bytes) -> dict[str, Any]:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        state: dict[str, Any] = self.transcoder.decode(data)
        return upcast(topic, state)

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls, _ = _class_version(stored_event.topic)
        state = self.decode_state(stored_event.topic, stored_event.state)
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return _adapter(cls).validate_python(state)


class _NotYet:
    """An aggregate looked for and not found (the absence ledger before the first leave, read
    by every write): remembered at version 0, so the next read asks only for its events."""

    version = 0


_NOT_YET = _NotYet()


class CurrentRepository(Repository[uuid.UUID]):
    """The library's repository with its LRU aggregate cache, kept copy-on-write.

    A cached aggregate is never changed in place: it is brought up to the log with one
    ``gt=version`` query on every read (so it is current whichever process wrote last), and
    when that query finds events they are applied to a copy, which then replaces the cached
    one. So ``current`` can hand the cached object itself to readers that only look (auth,
    the absence ledger behind every act), while ``get`` hands commands their own deep copy to
    change, as the library does. (The library fast-forwards the cached object in place under
    a lock and copies it after releasing the lock: another thread's fast-forward could then
    change it half-way through a copy, and no reader could share it.) Time travel
    (``version=``) is never cached."""

    STAMPS = 2000  # aggregates whose latest stamp is remembered (time travel's fast path)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._publishing = threading.Lock()
        # aggregate id → (version, the latest stamp among its events up to that version)
        self._stamps: OrderedDict[uuid.UUID, tuple[int, datetime]] = OrderedDict()

    def latest_stamp(self, aggregate_id: uuid.UUID) -> tuple[int, datetime] | None:
        return self._stamps.get(aggregate_id)

    def remember_stamp(self, aggregate_id: uuid.UUID, version: int, stamp: datetime) -> None:
        """The latest stamp among the aggregate's events up to ``version`` (time travel to a
        moment after it is the current state)."""
        with self._publishing:
            known = self._stamps.pop(aggregate_id, None)
            if known is None or known[0] <= version:
                known = (version, stamp)
            self._stamps[aggregate_id] = known
            while len(self._stamps) > self.STAMPS:
                self._stamps.popitem(last=False)

    def get(
        self,
        aggregate_id: uuid.UUID,
        *,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
        fastforward_skipping: bool = False,
        deepcopy_from_cache: bool = True,
    ) -> Any:
        if self.cache is None or version is not None:
            return super().get(aggregate_id, version=version, projector_func=projector_func)
        aggregate = self.current(aggregate_id, projector_func)
        return deepcopy(aggregate) if deepcopy_from_cache else aggregate

    def current(
        self,
        aggregate_id: uuid.UUID,
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> Any:
        """The aggregate as the log has it now; the cached object itself when it is cached
        (shared between threads: read it, never change it)."""
        if self.cache is None:
            return super().get(aggregate_id, projector_func=projector_func)
        try:
            cached: Any = self.cache.get(aggregate_id)
        except KeyError:
            try:
                aggregate = self._reconstruct_aggregate(aggregate_id, None, projector_func)
            except AggregateNotFoundError:
                self._publish(aggregate_id, _NOT_YET)
                raise
            return self._publish(aggregate_id, aggregate)
        new_events = list(self.event_store.get(originator_id=aggregate_id, gt=cached.version))
        found = self._forward(aggregate_id, cached, new_events, projector_func)
        if found is None:
            raise AggregateNotFoundError(aggregate_id)
        return found

    def _forward(
        self,
        aggregate_id: uuid.UUID,
        cached: Any,
        new_events: list[Any],
        projector_func: ProjectorFunction[Any, Any] = project_aggregate,
    ) -> Any:
        """The cached state brought up to the log by ``new_events`` (applied to a copy, which
        replaces it in the cache); None for an aggregate that still does not exist."""
        if cached is _NOT_YET:
            return (
                self._publish(aggregate_id, projector_func(None, new_events))
                if new_events
                else None
            )
        if not new_events:
            return cached
        known = self._stamps.get(aggregate_id)
        if known is not None and known[0] == cached.version:  # keep the latest stamp current
            latest = max([known[1], *(cast(Any, e).timestamp for e in new_events)])
            self.remember_stamp(aggregate_id, new_events[-1].originator_version, latest)
        return self._publish(aggregate_id, projector_func(deepcopy(cached), new_events))

    def current_many(self, aggregate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Any]:
        """Several aggregates as the log has them now (those that exist), the cached ones
        brought up to the log with ONE query when the recorder can (``select_events_after``):
        a write reads the roster and the absence ledger together."""
        many = getattr(self.event_store.recorder, "select_events_after", None)
        cached: dict[uuid.UUID, Any] = {}
        if self.cache is not None and many is not None:
            for aggregate_id in aggregate_ids:
                with contextlib.suppress(KeyError):
                    cached[aggregate_id] = self.cache.get(aggregate_id)
        found: dict[uuid.UUID, Any] = {}
        for aggregate_id in aggregate_ids:
            if aggregate_id not in cached:
                with contextlib.suppress(AggregateNotFoundError):
                    found[aggregate_id] = self.current(aggregate_id)
        if not cached:
            return found
        assert many is not None
        records = many([(i, a.version) for i, a in cached.items()])
        new: dict[uuid.UUID, list[Any]] = {}
        for record in records:
            new.setdefault(record.originator_id, []).append(
                self.event_store.mapper.to_domain_event(record)
            )
        for aggregate_id, aggregate in cached.items():
            current = self._forward(aggregate_id, aggregate, new.get(aggregate_id, []))
            if current is not None:
                found[aggregate_id] = current
        return found

    def _publish(self, aggregate_id: uuid.UUID, aggregate: Any) -> Any:
        """Caches ``aggregate`` unless a newer version got there meanwhile (another thread
        that fast-forwarded further); answers it either way (it is current for its reader)."""
        assert self.cache is not None
        with self._publishing:
            try:
                cached = self.cache.get(aggregate_id)
            except KeyError:
                cached = None
            if cached is None or cached.version < aggregate.version:
                self.cache.put(aggregate_id, aggregate)
        return aggregate

    def forget(self, aggregate_id: uuid.UUID) -> None:
        if self.cache is not None:
            with self._publishing, contextlib.suppress(KeyError):
                self.cache.get(aggregate_id, evict=True)


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

    # The aggregates most recently read stay in memory, each brought up to the log by one
    # query per read instead of replayed (the roster, the absence ledger and the holiday
    # calendar on every write; a document being countersigned by fifty units). Bounded: the
    # least recently used is dropped. AGGREGATE_CACHE_MAXSIZE overrides it ("" for none).
    env = {"AGGREGATE_CACHE_MAXSIZE": "2000"}  # noqa: RUF012  # the library reads it

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
        """Compressor and cipher as the environment names them (COMPRESSOR_TOPIC, CIPHER_TOPIC
        and CIPHER_KEY, the library's settings)."""
        return self.factory.mapper(OrjsonTranscoder(), OrjsonPydanticMapper)

    def construct_repository(self) -> CurrentRepository:
        """The library's repository settings (AGGREGATE_CACHE_MAXSIZE, DEEPCOPY_FROM_
        AGGREGATE_CACHE), always fast-forwarded: another process may have written since."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CurrentRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
            fastforward=True,
            deepcopy_from_cache=True,
        )

    # ----- loading -------------------------------------------------------------------------

    repository: CurrentRepository

    def load(self, cls: type[A], aggregate_id: uuid.UUID, version: int | None = None) -> A:
        """The aggregate, current (or at ``version``), the caller's own to change."""
        try:
            aggregate: Any = self.repository.get(aggregate_id, version=version)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}") from None
        if not isinstance(aggregate, cls) or (version is not None and aggregate.version < 1):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}")
        return aggregate

    def view(self, cls: type[A], aggregate_id: uuid.UUID) -> A:
        """The aggregate as the log has it now, shared with other readers: to read, never to
        change (a command changes what ``load`` answers)."""
        try:
            aggregate: Any = self.repository.current(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}")
        return aggregate

    def views(self, aggregate_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, GovAggregate]:
        """Several aggregates now, shared (read them, never change them), read together:
        those that do not exist yet are absent."""
        return self.repository.current_many(aggregate_ids)

    def forget(self, aggregates: Iterable[GovAggregate]) -> None:
        """Drops cached state that a bug changed in place (see ``UnitOfWork``)."""
        for aggregate in aggregates:
            self.repository.forget(aggregate.id)

    def load_as_of(self, cls: type[A], aggregate_id: uuid.UUID, at: datetime) -> A:
        """Time travel: the state as recorded up to ``at`` — the events before the first one
        stamped after ``at`` (a command retried after a lost race keeps its request's time,
        so stamps need not rise with versions). Only the stamps are decoded to find that
        prefix; when it is the whole log, the cached current state answers (read it, never
        change it), else the prefix is replayed. The latest stamp found is remembered with
        the version: asked again for a moment after it, the current state answers at once."""
        known = self.repository.latest_stamp(aggregate_id)
        if known is not None and known[1] <= at:
            with contextlib.suppress(AggregateNotFoundError):
                current = self.repository.current(aggregate_id)
                if current.version == known[0] and isinstance(current, cls):
                    return current
        stored = list(self.recorder.select_events(aggregate_id))
        decode = cast(OrjsonPydanticMapper, self.mapper).decode_state
        prefix, latest = 0, None
        for record in stored:
            stamp = datetime.fromisoformat(decode(record.topic, record.state)["timestamp"])
            if stamp > at:
                break
            prefix += 1
            latest = stamp if latest is None else max(latest, stamp)
        aggregate: Any = None
        if prefix and prefix == len(stored) and latest is not None:
            self.repository.remember_stamp(aggregate_id, stored[-1].originator_version, latest)
            with contextlib.suppress(AggregateNotFoundError):
                current = self.repository.current(aggregate_id)
                if current.version == stored[-1].originator_version:
                    aggregate = current
        if aggregate is None:
            for record in stored[:prefix]:
                event: Any = self.mapper.to_domain_event(record)
                aggregate = event.mutate(aggregate)
        if aggregate is None or not isinstance(aggregate, cls):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id} as of {at.isoformat()}")
        return aggregate

    def roster(self) -> Roster:
        """The roster now (shared: read it, never change it)."""
        return self.view(Roster, ROSTER_ID)

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

    def save_all(self, aggregates: list[GovAggregate], claim: Any = None) -> int | None:
        """Saves the aggregates in one transaction (the first is the one the idempotency
        claim names); a concurrent writer got there first → Conflict (409). Answers the
        position of the last event."""
        try:
            recordings = self.save(*aggregates, idempotency=claim)
        except IntegrityError as e:
            raise Conflict(
                "the resource was changed by another writer at the same time; reload and retry"
            ) from e
        positions = [r.notification.id for r in recordings if r.notification.id is not None]
        return max(positions) if positions else None

    # ----- queries -------------------------------------------------------------------------

    def ledger(self) -> AbsenceLedger | None:
        """The absence ledger now (shared: read it, never change it)."""
        try:
            return self.view(AbsenceLedger, LEDGER_ID)
        except NotFound:
            return None

    def absent_at(self, at: datetime) -> frozenset[str]:
        """Who is away at ``at`` (P2, P3: the acting persons act for them)."""
        ledger = self.ledger()
        return frozenset(ledger.away_at(at)) if ledger else frozenset()

    def who_acts(self, at: datetime) -> list[dict[str, Any]]:
        """Who is away at ``at``, until when, and who acts for them (P2, P3)."""
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
