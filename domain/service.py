"""The service layer (cosmicpython's ``service_layer``): the one door into the domain.

A use case is one small typed object, a ``Command``, whose fields are what its caller gives
(an HTTP body and path, a line of the synthetic city, a test) and whose ``handle`` method is
its handler: it loads what it needs through a ``UnitOfWork``, calls the aggregates (which
guard the rules and record the events) and answers the resource it acted on. ``execute``
runs one command in one transaction. Who acts, when, under which request (correlation,
causation), the If-Match precondition and the idempotency claim travel in one ``Context``.

The unit of work keeps every aggregate a command loaded or made, and saves all those with new
events in one transaction, the target first, with optimistic concurrency on each version:
both sides of a link, a document and its number register, a leave and the absence ledger are
recorded together or not at all. Several commands may share one unit of work before it
commits (the synthetic city writes a day at a time).
"""

from __future__ import annotations

import dataclasses
import inspect
import random
import threading
import time
import uuid
from collections.abc import Iterable
from copy import deepcopy
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from domain.authority import check_authority
from domain.base import SYSTEM, Act, Actor, GovAggregate
from domain.holidays import CALENDAR_ID, HolidayCalendar, YearNotice
from domain.leaves import LEDGER_ID, AbsenceLedger
from domain.roster import ROSTER_ID, InvalidReference, Roster
from domain.rules import Conflict, NotFound, forbid

if TYPE_CHECKING:
    from domain.application import GovRules

A = TypeVar("A", bound=GovAggregate)


@dataclass(frozen=True)
class Context:
    """One command's circumstances: who acts and when (the injected clock's time), why (the
    request's correlation id, what caused it), the version the writer saw (If-Match) and the
    idempotency claim the store keeps with the events (opaque to the domain). ``known``: the
    current state of aggregates the caller has read already for this request (the roster
    that authenticated the actor), so the command does not read them again; shared, never
    changed (a command that changes one gets its own copy)."""

    actor: Actor
    at: datetime
    correlation_id: str
    causation_id: str | None = None
    expected_version: int | None = None
    claim: Any = None
    known: tuple[GovAggregate, ...] = field(default=(), repr=False, compare=False)

    @classmethod
    def system(cls, at: datetime, correlation_id: str) -> Context:
        """The system's own acts: bootstrap, deadlines that pass."""
        return cls(SYSTEM, at, correlation_id)


@dataclass(frozen=True)
class Written:
    """What a command answers: the resource, its version and the position of its last event
    (None when it recorded nothing), and whether it was made by the command."""

    aggregate: GovAggregate
    position: int | None
    created: bool


class Command:
    """A use case. Subclasses are frozen dataclasses: their fields are the request."""

    # The collection of the resource the command answers (the idempotency record names it).
    collection: ClassVar[str] = ""
    # The command makes a new resource (201, Location).
    creates: ClassVar[bool] = False
    # A command sent without If-Match does not care which version it lands on: one that loses
    # the race for the next version (fifty units countersigning one document, a number
    # register, the absence ledger, a deadline) is judged again on the reloaded state, this
    # many times at most (R1). With If-Match it is never run again (412 / 409).
    attempts: ClassVar[int] = 10
    # Most commands call one method of one aggregate: which aggregate, the field naming it,
    # and the method. ``handle`` then calls it with the act, what the unit of work provides
    # by parameter name (``PROVIDED``) and the command's other fields by name; a command that
    # does more (creates, links two aggregates) writes its own ``handle``.
    aggregate: ClassVar[type[GovAggregate] | None] = None
    id_field: ClassVar[str] = ""
    method: ClassVar[str] = ""

    def handle(self, uow: UnitOfWork) -> GovAggregate:
        if self.aggregate is None or not self.method:
            raise NotImplementedError(f"{type(self).__name__} names no aggregate method")
        target = uow.target(self.aggregate, getattr(self, self.id_field))
        call = getattr(target, self.method)
        provided = {name: uow.provide(name) for name in _provided(self.aggregate, self.method)}
        own = {f.name: getattr(self, f.name) for f in fields(self) if f.name != self.id_field}  # type: ignore[arg-type]
        call(uow.act, **provided, **own)
        return target


# What an aggregate's method may ask the unit of work for, by parameter name.
PROVIDED = ("roster", "calendar", "ledger")


@cache
def _provided(cls: type[GovAggregate], method: str) -> tuple[str, ...]:
    params = inspect.signature(getattr(cls, method)).parameters
    return tuple(name for name in params if name in PROVIDED)


class UnitOfWork:
    """The aggregates commands load and make, saved together by ``commit``.

    Two kinds of loaded state: ``seen``, the unit's own copies that commands change (and
    ``commit`` saves), and ``views``, the application's shared current state of aggregates
    that are only read (the roster a document is judged on, the absence ledger behind every
    act, the recorded holiday notices), not copied. Each aggregate is read from the store once
    per unit of work: a copy to change is made from its view when there is one."""

    def __init__(self, app: GovRules, known: Iterable[GovAggregate] = ()) -> None:
        self.app = app
        self.seen: dict[Any, GovAggregate] = {}
        self.views: dict[Any, GovAggregate] = {a.id: a for a in known}
        self._ctx: Context | None = None
        self._act: Act | None = None

    # ----- the command being run ---------------------------------------------------------

    def run(self, command: Command, ctx: Context) -> GovAggregate:
        """The command's handler, once the authority matrix lets its actor issue it (R8:
        before anything is loaded; a refusal is 403 with the rule id, nothing stored)."""
        check_authority(ctx.actor, type(command).__name__)
        self._ctx, self._act = ctx, None
        if ROSTER_ID not in self.views and LEDGER_ID not in self.views:
            # What nearly every command reads (the roster it is judged on, the ledger behind
            # its act), brought up to the log together: one read instead of two.
            self.views.update(self.app.views([ROSTER_ID, LEDGER_ID]))
        try:
            return command.handle(self)
        finally:
            self._check_views()

    def _check_views(self) -> None:
        """Shared state must never be changed by a command: if one was (a bug), it is dropped
        from the application's cache, so that no later command is judged on it."""
        changed = [v for v in self.views.values() if v.pending_events]
        if changed:
            self.app.forget(changed)
            self.views.clear()
            raise AssertionError(f"a command changed shared state: {changed[0].id}")

    @property
    def ctx(self) -> Context:
        assert self._ctx is not None, "no command is running"
        return self._ctx

    @property
    def act(self) -> Act:
        """The act's metadata, with who is away at its moment (P2, P3: who acts for them)."""
        if self._act is None:
            ctx = self.ctx
            ledger = self.find_view(AbsenceLedger, LEDGER_ID)
            absent = frozenset(ledger.away_at(ctx.at)) if ledger else frozenset()
            self._act = Act(ctx.actor, ctx.at, ctx.correlation_id, ctx.causation_id, absent)
        return self._act

    # ----- loading -----------------------------------------------------------------------

    def get(self, cls: type[A], aggregate_id: Any) -> A:
        """The aggregate to change, loaded once per unit of work (NotFound: 404)."""
        found = self.seen.pop(aggregate_id, None)  # re-inserted: the most recently used last
        if found is None:
            view = self.views.pop(aggregate_id, None)
            found = deepcopy(view) if view is not None else self.app.load(cls, aggregate_id)
        self.seen[aggregate_id] = found
        if not isinstance(found, cls):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}")
        return found

    def view(self, cls: type[A], aggregate_id: Any) -> A:
        """The aggregate to read only: the unit's own copy if it has one, else the shared
        current state (NotFound: 404)."""
        found = self.seen.get(aggregate_id)
        if found is None:
            found = self.views.get(aggregate_id)
        if found is None:
            found = self.views[aggregate_id] = self.app.view(cls, aggregate_id)
        if not isinstance(found, cls):
            raise NotFound(f"no {cls.COLLECTION} resource {aggregate_id}")
        return found

    def find_view(self, cls: type[A], aggregate_id: Any) -> A | None:
        try:
            return self.view(cls, aggregate_id)
        except NotFound:
            return None

    def find(self, cls: type[A], aggregate_id: Any) -> A | None:
        try:
            return self.get(cls, aggregate_id)
        except NotFound:
            return None

    def target(self, cls: type[A], aggregate_id: Any) -> A:
        """The resource a command acts on: If-Match (412) and what the actor may read (D12)."""
        aggregate = self.require_readable(self.get(cls, aggregate_id))
        expected = self.ctx.expected_version
        if expected is not None and aggregate.version != expected:
            raise Conflict(
                f"version {aggregate.version} is current, not {expected}", precondition=True
            )
        return aggregate

    def require_readable(self, aggregate: A) -> A:
        """D12: a classified resource is refused to an actor without the clearance (403)."""
        readable = getattr(aggregate, "readable_by", None)
        if readable is not None and not readable(self.ctx.actor.clearance):
            raise forbid(
                "D12", f"this document is classified; {self.ctx.actor.person_id} is not cleared"
            )
        return aggregate

    def referenced(self, cls: type[A], aggregate_id: object) -> A:
        """A resource a command names: one that does not exist is invalid input (422)."""
        try:
            return self.get(cls, uuid.UUID(str(aggregate_id)))
        except (NotFound, ValueError):
            raise InvalidReference(f"no {cls.COLLECTION} resource {aggregate_id}") from None

    def add(self, aggregate: A) -> A:
        self.seen[aggregate.id] = aggregate
        return aggregate

    @property
    def roster(self) -> Roster:
        """The roster to judge by (read only; a roster command changes ``target``'s)."""
        return self.view(Roster, ROSTER_ID)

    def ledger(self) -> AbsenceLedger | None:
        return self.find(AbsenceLedger, LEDGER_ID)

    def recorded_notices(self) -> list[YearNotice]:
        recorded = self.find_view(HolidayCalendar, CALENDAR_ID)
        return recorded.notices() if recorded else []

    def provide(self, name: str) -> Any:
        """What a command's aggregate method asks for by name (``PROVIDED``): the roster, the
        working-day calendar, the absence ledger (opened on first use)."""
        if name == "roster":
            return self.roster
        if name == "calendar":  # the shipped years, and the notices recorded since
            return self.app.calendar.with_recorded(self.recorded_notices)
        if name == "ledger":
            return self.ledger() or self.add(AbsenceLedger.open(self.act))
        raise LookupError(name)

    # ----- saving ------------------------------------------------------------------------

    def commit(self, target: GovAggregate | None = None, created: bool = False) -> Written | None:
        """Saves every aggregate with new events in one transaction, the target first (the
        idempotency record names it); a concurrent writer's version wins (409)."""
        changed = [a for a in self.seen.values() if a.pending_events]
        if target is not None and target in changed:
            changed.remove(target)
            changed.insert(0, target)
        if not changed:
            return None if target is None else Written(target, None, created)
        claim = self._ctx.claim if self._ctx is not None else None
        position = self.app.save_all(changed, claim)
        return Written(target or changed[0], position, created)


def execute(app: GovRules, command: Command, ctx: Context) -> Written:
    """One command, one transaction. A command sent without If-Match that loses a race is run
    again on the reloaded state (``Command.attempts``), after a short random wait that grows
    with each lost race. In this process the retries on one resource take turns (a striped
    lock), so a crowd of writers of one document is recorded one after another instead of
    colliding again; across processes the random waits spread them out."""
    attempts = 1 if ctx.expected_version is not None else command.attempts
    try:
        return _attempt(app, command, ctx)
    except _Lost as lost:
        if lost.conflict.precondition or attempts == 1:
            raise lost.conflict from None
        resource = lost.resource
    ctx = dataclasses.replace(ctx, known=())  # a lost race: everything is read again
    for attempt in range(1, attempts):
        time.sleep(backoff(attempt))
        with _turn(resource):
            try:
                return _attempt(app, command, ctx)
            except _Lost as lost:
                if attempt == attempts - 1:
                    raise lost.conflict from None
    raise AssertionError("unreachable")


class _Lost(Exception):
    """A lost race (Conflict) and the resource the command acted on."""

    def __init__(self, conflict: Conflict, resource: object) -> None:
        self.conflict, self.resource = conflict, resource
        super().__init__(conflict.detail)


def _attempt(app: GovRules, command: Command, ctx: Context) -> Written:
    uow = UnitOfWork(app, ctx.known)
    target = uow.run(command, ctx)
    try:
        written = uow.commit(target, created=command.creates)
    except Conflict as conflict:
        raise _Lost(conflict, target.id) from conflict
    assert written is not None
    return written


_TURNS = [threading.Lock() for _ in range(64)]


def _turn(resource: object) -> threading.Lock:
    return _TURNS[hash(resource) % len(_TURNS)]


def backoff(attempt: int, base: float = 0.005, cap: float = 0.5) -> float:
    """Seconds to wait after the ``attempt``-th lost race: full jitter up to base * 2^attempt
    (capped), so the retries of writers in several processes do not meet again."""
    return random.uniform(0, min(cap, base * 2**attempt))  # jitter, not a secret


class Batch:
    """Several commands in one unit of work, saved together when ``commit`` is called (the
    synthetic city writes a day at a time through the same handlers). After a commit the
    aggregates used most recently stay loaded for the commands after it (``keep``), and any
    other is loaded again when a command asks for it."""

    def __init__(self, app: GovRules, keep: int = 2000) -> None:
        self.uow = UnitOfWork(app)
        self.keep = keep

    def run(self, command: Command, ctx: Context) -> GovAggregate:
        return self.uow.run(command, ctx)

    def pending(self) -> int:
        return sum(len(a.pending_events) for a in self.uow.seen.values())

    def commit(self) -> int:
        """Saves what the commands changed; answers how many events."""
        count = self.pending()
        self.uow.commit()
        seen = self.uow.seen
        for stale in list(seen)[: max(0, len(seen) - self.keep)]:
            if stale not in (ROSTER_ID, LEDGER_ID):
                del seen[stale]
        return count
