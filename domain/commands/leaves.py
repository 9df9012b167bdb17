"""Leave commands (请销假, L1–L6): each absence is entered on the one absence ledger in the
same transaction as the leave, so two overlapping absences cannot both be recorded (L1); a
lost race on the ledger is judged again against every absence it holds."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, ClassVar, Literal

from domain.fields import Instant, described
from domain.leaves import KINDS, AbsenceLedger, LeaveRecord
from domain.service import Command, UnitOfWork

Kind = Literal[KINDS]  # type: ignore[valid-type]


class LeaveCommand(Command):
    collection: ClassVar[str] = "leaves"
    aggregate = LeaveRecord
    id_field = "leave_id"
    attempts: ClassVar[int] = 20

    @staticmethod
    def ledger(uow: UnitOfWork) -> AbsenceLedger:
        return uow.ledger() or uow.add(AbsenceLedger.open(uow.act))


@dataclass(frozen=True)
class ReportLeave(LeaveCommand):
    """LeaveReported (L1–L5, P2, P3)."""

    creates: ClassVar[bool] = True
    person_id: str
    kind: Kind
    starts_at: Instant
    ends_at: Instant
    destination: str | None = None
    acting_id: Annotated[str | None, described(
        "required for city leaders (L4): who acts meanwhile")] = None  # fmt: skip
    urgent: bool = False
    reported_to_id: Annotated[str | None, described(
        "the mayor or the executive vice-mayor (L2)")] = None  # fmt: skip
    override_reason: Annotated[str | None, described(
        "the mayor's reason to be away with the executive vice-mayor")] = None  # fmt: skip
    leaves_city: Annotated[bool, described(
        "private leave out of the city (离攀): also reported under L2 (L3)")] = False  # fmt: skip

    def handle(self, uow: UnitOfWork) -> LeaveRecord:
        ledger = self.ledger(uow)
        return uow.add(LeaveRecord.report(uow.act, uow.roster, ledger, **vars(self)))


@dataclass(frozen=True)
class ApproveLeave(LeaveCommand):
    """LeaveApproved (L3, L5): an approved request (L3) becomes an absence then."""

    method: ClassVar[str] = "approve"

    leave_id: uuid.UUID
    override_reason: Annotated[str | None, described(
        "L1: the mayor's reason to be away with the executive vice-mayor")] = None  # fmt: skip


@dataclass(frozen=True)
class RefuseLeave(LeaveCommand):
    """LeaveRefused (L3, L5): no absence comes of it."""

    method: ClassVar[str] = "decline"

    leave_id: uuid.UUID
    reason: str | None = None


@dataclass(frozen=True)
class FileLeave(LeaveCommand):
    """LeaveFiled (L4): with the office."""

    method: ClassVar[str] = "file"

    leave_id: uuid.UUID


@dataclass(frozen=True)
class ReportReturn(LeaveCommand):
    """ReturnReported (L6, 销假)."""

    method: ClassVar[str] = "report_return"

    leave_id: uuid.UUID
    returned_at: Instant


@dataclass(frozen=True)
class CancelLeave(LeaveCommand):
    """LeaveCancelled: before it began; a request (L3) until it is answered."""

    method: ClassVar[str] = "cancel"

    leave_id: uuid.UUID
