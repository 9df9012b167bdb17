"""What every aggregate shares: events that carry the act's metadata (design.md).

Each event records, besides its payload, who acted, in which office, for whom (P2/P3), under
which rule ids, and the correlation and causation ids. ``timestamp`` is the injected clock's
time of the act (``recorded_at`` in the history), never the wall clock of the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, TypeVar

from eventsourcing.domain import Aggregate
from eventsourcing.utils import register_topic

from domain.rules import forbid

LEADER_OFFICES = (
    "mayor",
    "executive_vice_mayor",
    "vice_mayor",
    "secretary_general",
    "deputy_secretary_general",
)
OFFICE_STAFF = ("office_director", "secretary_general", "deputy_secretary_general")
CLEARANCE_ORDER = ("none", "secret", "confidential", "top_secret")
READ_ONLY_OFFICES = ("investigator",)
R = TypeVar("R")


def clearance_covers(clearance: str, classification: str) -> bool:
    """D12: a reader is cleared for a classification at or below their clearance."""
    return CLEARANCE_ORDER.index(clearance) >= CLEARANCE_ORDER.index(classification)


@dataclass(frozen=True)
class Post:
    """One office a person holds (P1), with the unit it belongs to when it has one."""

    office: str
    unit_id: str | None = None


@dataclass(frozen=True)
class Actor:
    """The authenticated person and the offices they hold at the moment of the act."""

    person_id: str
    name: str
    posts: tuple[Post, ...]
    clearance: str = "none"

    def holds(self, *offices: str) -> Post | None:
        for post in self.posts:
            if post.office in offices:
                return post
        return None

    @property
    def reads_only(self) -> bool:
        """The investigator's office reads everything its clearance allows and writes nothing
        (api.md); a person who holds only that office records no act."""
        return bool(self.posts) and all(p.office in READ_ONLY_OFFICES for p in self.posts)

    def heads(self, unit_id: str) -> Post | None:
        for post in self.posts:
            if post.unit_id == unit_id and post.office in ("unit_head", "office_director"):
                return post
        return None


SYSTEM = Actor(person_id="system", name="system", posts=(Post("system"),), clearance="top_secret")


@dataclass(frozen=True)
class Act:
    """The context of one command: who, when, why (correlation/causation), and who is away.

    ``absent`` lists the people away at ``at`` (leave records, L-rules); guards use it to let
    an acting person act for them (P2, P3).
    """

    actor: Actor
    at: datetime
    correlation_id: str
    causation_id: str | None = None
    absent: frozenset[str] = field(default_factory=frozenset)

    def meta(
        self, rules: tuple[str, ...], post: Post | None, acting_for: str | None = None
    ) -> dict[str, Any]:
        return {
            "actor_id": self.actor.person_id,
            "actor_office": post.office if post else None,
            "actor_unit_id": post.unit_id if post else None,
            "acting_for": acting_for,
            "rules": list(rules),
            "correlation_id": self.correlation_id,
            "causation_id": self.causation_id,
        }


class Records(dict[str, R]):
    """An aggregate's records keyed for lookup (countersigns by unit, topics by id, filings by
    body): a dict to the domain, the list of its records in order to the API."""


@dataclass(frozen=True, slots=True)
class Stamp:
    """Who did an act, and when (an approval, a filing)."""

    by: str
    at: datetime


class GovAggregate(Aggregate):
    """Base of our aggregates: every event carries ``meta`` (see module docstring)."""

    COLLECTION: ClassVar[str] = ""

    class Event(Aggregate.Event):
        # The event's name: its topic without the "govrules:" prefix, as read models, the log
        # and the API's history call it (DocumentDrafted, ItemVerified …).
        NAME: ClassVar[str] = ""
        meta: dict[str, Any]

        def __init_subclass__(cls, **kwargs: Any) -> None:
            super().__init_subclass__(**kwargs)
            topic = cls.__dict__.get("TOPIC")
            if topic:
                cls.NAME = str(topic).split(":", 1)[-1]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """The library registers the explicit topics of an aggregate and its events when the
        class is made, but not of its nested Snapshot class: that topic was only registered by
        taking a snapshot, so a fresh process could not load one (every write after a restart
        failed once the absence ledger had a snapshot). Register it here, with the others."""
        super().__init_subclass__(**kwargs)
        snapshot = cls.__dict__.get("Snapshot")
        topic = getattr(snapshot, "TOPIC", None)
        if snapshot is not None and topic:
            register_topic(topic, snapshot)

    @classmethod
    def event_names(cls) -> tuple[str, ...]:
        """The names of this aggregate's events, its creation event first (read models
        subscribe by these names)."""
        names: dict[str, None] = {}
        for value in vars(cls).values():
            if isinstance(value, type) and issubclass(value, GovAggregate.Event) and value.NAME:
                names[value.NAME] = None
        created = cls.__dict__["Created"].NAME
        return (created, *(n for n in names if n != created))

    def record(
        self,
        event_class: type[Aggregate.Event],
        act: Act,
        *,
        rules: tuple[str, ...],
        post: Post | None,
        acting_for: str | None = None,
        **payload: Any,
    ) -> None:
        refuse_read_only(act)
        self.trigger_event(
            event_class,
            timestamp=act.at,
            meta=act.meta(rules, post, acting_for),
            **payload,
        )

    @classmethod
    def start(
        cls,
        event_class: type[Aggregate.Created],
        act: Act,
        *,
        id: Any,
        rules: tuple[str, ...],
        post: Post | None,
        acting_for: str | None = None,
        **payload: Any,
    ) -> Any:
        refuse_read_only(act)
        return cls._create(
            event_class,
            id=id,
            timestamp=act.at,
            meta=act.meta(rules, post, acting_for),
            **payload,
        )


def refuse_read_only(act: Act) -> None:
    """A1: investigators trace acts (责任倒查); they record none, whatever the command."""
    if act.actor.reads_only:
        raise forbid("A1", f"{act.actor.person_id} is an investigator: reads only, never writes")


Step = str | Callable[[Mapping[str, Any], str | None], str | None]


class StatusRule:
    """How an aggregate's status moves: for each event that moves it, the status it leaves, or
    a function of the event's payload and the status before. One rule, two callers: the
    aggregate applying its own events, and the read models folding the same events by name."""

    def __init__(self, steps: Mapping[type[Aggregate.Event], Step]) -> None:
        self.steps = {event_name(cls): step for cls, step in steps.items()}

    def __call__(
        self, event: str, payload: Mapping[str, Any], current: str | None = None
    ) -> str | None:
        """The status after the event named ``event`` (the status before, for an event that
        does not move it)."""
        step = self.steps.get(event)
        if step is None:
            return current
        return step if isinstance(step, str) else step(payload, current)

    def of(self, event: Aggregate.Event, current: str | None = None) -> str:
        """The status an aggregate's own event leaves it in."""
        status = self(event_name(type(event)), vars(event), current)
        assert status is not None, f"{type(event).__name__} leaves no status"
        return status


def event_name(cls: type[Aggregate.Event]) -> str:
    """An event's name: its topic without the "govrules:" prefix."""
    name: str = getattr(cls, "NAME", "")
    assert name, f"{cls.__qualname__} has no explicit topic"
    return name
