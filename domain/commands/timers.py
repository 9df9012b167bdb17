"""The system's own acts when a due time passes (D7, D10, S3, L4, L6, G5, G6): recorded as the
actor ``system``, for the moment the deadline passed (not the moment it was noticed). Each is
idempotent: the aggregate records nothing when it is already recorded or no longer due, so two
tickers at once record it once (R11); a lost race is judged again on the reloaded state."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from domain.base import Act, GovAggregate
from domain.documents import OfficialDocument, implementation_overdue_at
from domain.leaves import LeaveRecord
from domain.regulations import Regulation, expiry_at, filing_overdue_at
from domain.rules import NotFound
from domain.service import Command, Context, UnitOfWork, execute
from domain.supervision import SupervisionItem

if TYPE_CHECKING:
    from domain.application import GovRules

KINDS: dict[str, type[GovAggregate]] = {
    "countersign": OfficialDocument,  # D7
    "countersign-due": OfficialDocument,  # D7: its year's calendar was recorded
    "handling": OfficialDocument,  # D10: 限时办结
    "implementation": OfficialDocument,  # D10: 6 months after the provincial document
    "report": SupervisionItem,  # S3
    "item": SupervisionItem,  # S3
    "return": LeaveRecord,  # L6
    "unfiled": LeaveRecord,  # L4
    "filing": Regulation,  # G5
    "expiry": Regulation,  # G6
}
Record = Callable[[Any, Act, UnitOfWork], bool]


def deadline(kind: str, key: str, due: str) -> tuple[datetime, Record]:
    """The moment a deadline passes and the aggregate's command that records it."""
    if kind == "implementation":
        day = date.fromisoformat(due)
        return implementation_overdue_at(day), lambda d, act, _: d.record_implementation_overdue(
            act, day
        )
    if kind in ("filing", "expiry"):
        day = date.fromisoformat(due)
        if kind == "filing":
            return filing_overdue_at(day), lambda r, act, _: r.record_filing_overdue(act, key, day)
        return expiry_at(day), lambda r, act, _: r.record_expiry(act, day)
    at = datetime.fromisoformat(due)
    if at.tzinfo is None:
        raise ValueError(f"a {kind} due time carries its offset: {due!r}")
    commands: dict[str, Record] = {
        "countersign": lambda d, act, _: d.deem_no_objection(act, key, at),
        # ``due`` is when the calendar was recorded: the due time is counted from then on.
        "countersign-due": lambda d, act, uow: d.set_countersign_due(
            act, uow.provide("calendar"), key
        ),
        "handling": lambda d, act, _: d.record_handling_overdue(act, at),
        "report": lambda i, act, _: i.record_report_overdue(act, at),
        "item": lambda i, act, _: i.record_overdue(act, at),
        "return": lambda lv, act, _: lv.record_return_overdue(act, at),
        "unfiled": lambda lv, act, _: lv.record_unfiled(act, at),
    }
    return at, commands[kind]


@dataclass(frozen=True)
class RecordDeadline(Command):
    """A deadline that passed, recorded on its aggregate (run with the system's context at
    the moment it passed)."""

    attempts: ClassVar[int] = 5
    kind: str
    aggregate_id: uuid.UUID
    key: str
    due: str

    def handle(self, uow: UnitOfWork) -> GovAggregate:
        cls = KINDS[self.kind]
        aggregate = uow.get(cls, self.aggregate_id)
        _, record = deadline(self.kind, self.key, self.due)
        record(aggregate, uow.act, uow)
        return aggregate


def record_deadline(
    app: GovRules, kind: str, aggregate_id: uuid.UUID, key: str, due: str, now: datetime
) -> bool:
    """The ticker's door: True only if this call recorded the deadline."""
    if kind not in KINDS:
        raise ValueError(f"unknown deadline kind {kind!r}; one of {sorted(KINDS)}")
    moment, _ = deadline(kind, key, due)
    if now < moment:
        return False
    ctx = Context.system(moment, f"deadline:{kind}:{aggregate_id}:{key}:{due}")
    try:
        written = execute(app, RecordDeadline(kind, aggregate_id, key, due), ctx)
    except NotFound:
        return False
    return written.position is not None
