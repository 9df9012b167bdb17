"""Leave (请销假, Ch. 13, art. 84): reporting an absence, approval, filing with the office,
return (销假) and cancellation — L1–L6 — and who acts for whom while someone is away (P2, P3).

Private leave of a vice-mayor or the secretary-general (因私离岗须向市长请假, L3) is a
request until the mayor approves it: it becomes an absence — on the ledger, with whoever acts
— only then, and a refused or withdrawn request never does. A city leader's absence is filed
with the office before it begins (L4); the system records one begun unfiled (a timer).

Every absence is also entered on the ``AbsenceLedger``, one aggregate for the government saved
in the same transaction as the leave record: its version serialises absences, so two
overlapping absences of the mayor and the executive vice-mayor reported at the same instant
cannot both succeed (L1), and "who is away at T" is one read.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import Snapshot as LibrarySnapshot
from pydantic import ConfigDict
from typing_extensions import TypedDict

from domain.base import OFFICE_STAFF, Act, GovAggregate, Post, Stamp, StatusRule
from domain.clock import local_date
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

KINDS = ("out_of_city", "private", "study", "abroad", "official_trip")
LEAVING_THE_CITY = ("out_of_city", "study", "abroad", "official_trip")  # 离攀外出
CITY_LEADERS = ("mayor", "executive_vice_mayor", "vice_mayor", "secretary_general")
REPORT_AHEAD = timedelta(days=1)  # L2
NOT_AWAY = ("requested", "refused", "returned", "cancelled")  # no absence (now): L3, L6
# L2, L3: the vice-mayors (the executive vice-mayor is one, 负责常务工作的副市长) and the
# secretary-general.
REPORTING_LEADERS = ("executive_vice_mayor", "vice_mayor", "secretary_general")
LEDGER_ID = uuid.uuid5(uuid.NAMESPACE_URL, "govrules:absence-ledger")


@dataclass(frozen=True, slots=True)
class Refusal:
    """L3, L5: the approver refused the leave: who, when, and why."""

    by: str
    at: datetime
    reason: str | None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    return a_start < b_end and b_start < a_end


class LedgerEntry(TypedDict):
    """One absence on the ledger (the dicts ``AbsenceLedger.entries`` holds)."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    leave_id: str
    person_id: str
    office: str | None
    starts_at: datetime
    ends_at: datetime
    acting_id: str | None
    returned_at: datetime | None


class LedgerState(TypedDict):
    """The ledger's state in a snapshot, typed so that pydantic rebuilds its datetimes; an
    attribute it does not know is an error, never silently dropped."""

    __pydantic_config__ = ConfigDict(extra="forbid")  # type: ignore[misc]
    _created_on: datetime
    _modified_on: datetime
    entries: dict[str, LedgerEntry]


class AbsenceLedger(GovAggregate):
    """Who is (or will be) away when, with who acts for them: one per government."""

    TOPIC = "govrules:AbsenceLedger"
    COLLECTION = "absence-ledger"

    class Snapshot(LibrarySnapshot):
        """Every write reads the ledger (who is away acts through someone): a snapshot every
        so many events bounds the replay (GovRules.snapshotting_intervals)."""

        TOPIC = "govrules:AbsenceLedgerSnapshot"
        state: LedgerState  # type: ignore[assignment]  # narrowed: pydantic rebuilds it

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:AbsenceLedgerOpened"

        def apply(self, ledger: AbsenceLedger) -> None:
            ledger.entries = {}

    class Entered(Event):
        TOPIC = "govrules:AbsenceEntered"
        leave_id: str
        person_id: str
        office: str | None
        starts_at: datetime
        ends_at: datetime
        acting_id: str | None

        def apply(self, ledger: AbsenceLedger) -> None:
            ledger.entries[self.leave_id] = {
                "leave_id": self.leave_id,
                "person_id": self.person_id,
                "office": self.office,
                "starts_at": self.starts_at,
                "ends_at": self.ends_at,
                "acting_id": self.acting_id,
                "returned_at": None,
            }

    class Ended(Event):
        TOPIC = "govrules:AbsenceEnded"
        leave_id: str
        returned_at: datetime

        def apply(self, ledger: AbsenceLedger) -> None:
            ledger.entries[self.leave_id]["returned_at"] = self.returned_at

    class Withdrawn(Event):
        TOPIC = "govrules:AbsenceWithdrawn"
        leave_id: str

        def apply(self, ledger: AbsenceLedger) -> None:
            ledger.entries.pop(self.leave_id, None)

    if TYPE_CHECKING:
        entries: dict[str, dict[str, Any]]

    @classmethod
    def open(cls, act: Act) -> AbsenceLedger:
        ledger: AbsenceLedger = cls.start(cls.Created, act, id=LEDGER_ID, rules=("L4",), post=None)
        return ledger

    @staticmethod
    def end_of(entry: dict[str, Any]) -> datetime:
        """Away until the return is reported, or the planned end if it came earlier."""
        planned: datetime = entry["ends_at"]
        returned: datetime | None = entry["returned_at"]
        return min(returned, planned) if returned else planned

    def away_at(self, at: datetime) -> dict[str, dict[str, Any]]:
        """Who is away at ``at``: from the start until the return is reported — an absence
        past its planned end without a return (L6, overdue) still counts, so whoever acts for
        the person goes on acting (P2, P3)."""
        return {
            e["person_id"]: e
            for e in self.entries.values()
            if e["starts_at"] <= at
            and (at < self.end_of(e) if e["returned_at"] is not None else True)
        }

    def absences_of(
        self,
        person_id: str,
        starts_at: datetime,
        ends_at: datetime,
        now: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The person's absences overlapping [starts_at, ends_at). Given ``now``, an absence
        already past its end without a return (L6, overdue) lasts until the return is
        reported: the person has not come back."""
        found = []
        for e in self.entries.values():
            if e["person_id"] != person_id:
                continue
            end = self.end_of(e)
            if now is not None and e["returned_at"] is None and e["ends_at"] <= now:
                end = max(end, ends_at)
            if overlaps(e["starts_at"], end, starts_at, ends_at):
                found.append(e)
        return found

    def enter(self, act: Act, leave: LeaveRecord, begins_at: datetime | None = None) -> None:
        """The leave's absence, from ``begins_at`` (an approved request: L3) or its start."""
        self.record(
            self.Entered,
            act,
            rules=("L4",),
            post=None,
            leave_id=str(leave.id),
            person_id=leave.person_id,
            office=leave.office,
            starts_at=begins_at or leave.starts_at,
            ends_at=leave.ends_at,
            acting_id=leave.acting_id,
        )

    def end(self, act: Act, leave_id: str, returned_at: datetime) -> None:
        self.record(self.Ended, act, rules=("L6",), post=None, leave_id=leave_id,
                    returned_at=returned_at)  # fmt: skip

    def withdraw(self, act: Act, leave_id: str) -> None:
        self.record(self.Withdrawn, act, rules=("L4",), post=None, leave_id=leave_id)


class LeaveRecord(GovAggregate):
    """One absence of one person, from report to return (请假 → 备案 → 销假)."""

    TOPIC = "govrules:LeaveRecord"
    COLLECTION = "leaves"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:LeaveReported"
        person_id: str
        office: str | None
        kind: str
        starts_at: datetime
        ends_at: datetime
        destination: str | None
        acting_id: str | None
        acting_named_by_office: bool
        urgent: bool
        reported_to_id: str | None
        override_reason: str | None
        approval_by: str | None
        return_due: datetime
        # Added by issue 12; older events load with the defaults, and mean what they did.
        request: bool = False  # L3: not an absence until the mayor approves it
        leaves_city: bool = False  # L2, L5: private leave out of the city (离攀)
        filing_due: datetime | None = None  # L4: filed before then, or recorded unfiled

        def apply(self, leave: LeaveRecord) -> None:
            for name in (
                "person_id", "office", "kind", "starts_at", "ends_at", "destination",
                "acting_id", "acting_named_by_office", "urgent", "reported_to_id",
                "override_reason", "approval_by", "return_due", "request", "filing_due",
            ):  # fmt: skip
                setattr(leave, name, getattr(self, name))
            leave.leaves_city = self.leaves_city or self.kind in LEAVING_THE_CITY
            leave.status = LEAVE_STATUS.of(self)
            leave.begins_at = None if self.request else self.starts_at
            leave.approved = None
            leave.refused = None
            leave.filed = None
            leave.filed_late = False
            leave.unfiled = None
            leave.returned_at = None
            leave.return_overdue = None

    Reported = Created

    class Approved(Event):
        TOPIC = "govrules:LeaveApproved"
        # L3: an approved request becomes an absence from then (its start, or the approval
        # if that came later), to be filed by then (L4); None for anything else.
        begins_at: datetime | None = None
        override_reason: str | None = None  # L1: the mayor's reason, approving

        def apply(self, leave: LeaveRecord) -> None:
            leave.status = LEAVE_STATUS.of(self, leave.status)
            leave.approved = Stamp(self.meta["actor_id"], self.timestamp)
            if self.begins_at is not None:
                leave.begins_at = self.begins_at
                leave.filing_due = self.begins_at
            if self.override_reason is not None:
                leave.override_reason = self.override_reason

    class Refused(Event):
        """L3, L5: the approver says no; a request never becomes an absence."""

        TOPIC = "govrules:LeaveRefused"
        reason: str | None

        def apply(self, leave: LeaveRecord) -> None:
            leave.status = LEAVE_STATUS.of(self, leave.status)
            leave.refused = Refusal(self.meta["actor_id"], self.timestamp, self.reason)

    class Filed(Event):
        TOPIC = "govrules:LeaveFiled"
        late: bool = False  # L4: after the absence began; the unfiled record stands

        def apply(self, leave: LeaveRecord) -> None:
            leave.filed = Stamp(self.meta["actor_id"], self.timestamp)
            leave.filed_late = self.late

    class Unfiled(Event):
        """L4 (timer): the absence began (``due``) without having been filed."""

        TOPIC = "govrules:AbsenceUnfiled"
        due: datetime

        def apply(self, leave: LeaveRecord) -> None:
            leave.unfiled = self.due

    class ReturnReported(Event):
        TOPIC = "govrules:ReturnReported"
        returned_at: datetime

        def apply(self, leave: LeaveRecord) -> None:
            leave.status = LEAVE_STATUS.of(self, leave.status)
            leave.returned_at = self.returned_at

    class Cancelled(Event):
        TOPIC = "govrules:LeaveCancelled"

        def apply(self, leave: LeaveRecord) -> None:
            leave.status = LEAVE_STATUS.of(self, leave.status)

    class ReturnOverdue(Event):
        """L6 (timer): the planned return ``due`` passed without a return reported."""

        TOPIC = "govrules:ReturnOverdue"
        due: datetime

        def apply(self, leave: LeaveRecord) -> None:
            leave.return_overdue = self.due

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        person_id: str
        office: str | None
        kind: str
        starts_at: datetime
        ends_at: datetime
        destination: str | None
        acting_id: str | None
        acting_named_by_office: bool
        urgent: bool
        reported_to_id: str | None
        override_reason: str | None
        approval_by: str | None
        return_due: datetime
        request: bool
        leaves_city: bool
        filing_due: datetime | None
        begins_at: datetime | None
        status: str
        approved: Stamp | None
        refused: Refusal | None
        filed: Stamp | None
        filed_late: bool
        unfiled: datetime | None
        returned_at: datetime | None
        return_overdue: datetime | None

    # ----- reporting -----------------------------------------------------------------------

    @classmethod
    def report(
        cls,
        act: Act,
        roster: Roster,
        ledger: AbsenceLedger,
        *,
        person_id: str,
        kind: str,
        starts_at: datetime,
        ends_at: datetime,
        acting_id: str | None = None,
        destination: str | None = None,
        urgent: bool = False,
        reported_to_id: str | None = None,
        override_reason: str | None = None,
        leaves_city: bool = False,
    ) -> LeaveRecord:
        """LeaveReported, guarded by L1–L5; the return is due at the planned end (L6). A
        vice-mayor's or the secretary-general's private leave is a request (L3): not on the
        ledger, and judged under L1 when the mayor approves it."""
        if kind not in KINDS:
            raise InvalidReference(f"kind is one of {KINDS}")
        if ends_at <= starts_at:
            raise InvalidReference("ends_at comes after starts_at")
        if person_id not in roster.people:
            raise InvalidReference(f"unknown person {person_id!r}")
        post = _reporting_post(act, person_id)
        day = local_date(starts_at)
        offices = {p.office for p in roster.posts_of(person_id, day)}
        office = next((o for o in (*CITY_LEADERS, "unit_head") if o in offices), None)
        leaves_city = leaves_city or kind in LEAVING_THE_CITY
        request = office in REPORTING_LEADERS and kind == "private"  # L3
        rules: list[str] = ["L4", "L6"]
        if not request:
            rules += _check_l1(act, roster, ledger, office, starts_at, ends_at, override_reason)
        rules += _check_l2(act, roster, office, leaves_city, starts_at, urgent, reported_to_id)
        named_by_office, acting_rules = _check_acting(
            act, roster, ledger, person_id, office, acting_id, starts_at, ends_at
        )
        rules += acting_rules
        approval_by = _approver(roster, person_id, office, kind, leaves_city, day)
        if approval_by:
            rules.append("L3" if office in CITY_LEADERS else "L5")
        leave: LeaveRecord = cls.start(
            cls.Reported, act, id=uuid.uuid4(), rules=tuple(dict.fromkeys(rules)), post=post,
            person_id=person_id, office=office, kind=kind, starts_at=starts_at,
            ends_at=ends_at, destination=destination, acting_id=acting_id,
            acting_named_by_office=named_by_office, urgent=urgent,
            reported_to_id=reported_to_id,
            override_reason=override_reason if override_reason else None,
            approval_by=approval_by, return_due=ends_at, request=request,
            leaves_city=leaves_city,
            filing_due=starts_at if office in CITY_LEADERS and not request else None,
        )  # fmt: skip
        if not request:
            ledger.enter(act, leave)
        return leave

    # ----- after reporting -----------------------------------------------------------------

    @property
    def awaiting_approval(self) -> bool:
        return self.status in ("reported", "requested")

    def approve(
        self,
        act: Act,
        roster: Roster,
        ledger: AbsenceLedger | None = None,
        override_reason: str | None = None,
    ) -> None:
        """L3: the mayor approves a vice-mayor's or the secretary-general's private leave —
        the request becomes an absence then, judged under L1 and with whoever acts still
        free (L4); L5: the vice-mayor in charge approves a department head leaving the city.
        An acting mayor (P2) or an AB partner (P3) approves for one who is away."""
        rule, post, acting_for, extra = self._approver_post(act, roster, ledger)
        if not self.request:
            self.record(self.Approved, act, rules=(rule, *extra), post=post, acting_for=acting_for)
            return
        if ledger is None:
            raise TypeError("an approved request is entered on the absence ledger")
        begins_at, l1 = self._as_absence(act, roster, ledger, override_reason)
        self.record(
            self.Approved, act, rules=(rule, *l1, "L4", *extra), post=post,
            acting_for=acting_for, begins_at=begins_at,
            override_reason=override_reason if override_reason else None,
        )  # fmt: skip
        ledger.enter(act, self, begins_at)

    def decline(
        self,
        act: Act,
        roster: Roster,
        ledger: AbsenceLedger | None = None,
        reason: str | None = None,
    ) -> None:
        """L3, L5: whoever would approve refuses instead; the leave is no absence (one already
        on the ledger — a department head's trip, L5 — is withdrawn from it)."""
        rule, post, acting_for, extra = self._approver_post(act, roster, ledger)
        self.record(self.Refused, act, rules=(rule, *extra), post=post, acting_for=acting_for,
                    reason=reason.strip() if reason and reason.strip() else None)  # fmt: skip
        if ledger is not None and str(self.id) in ledger.entries:
            ledger.withdraw(act, str(self.id))

    def _approver_post(
        self, act: Act, roster: Roster, ledger: AbsenceLedger | None
    ) -> tuple[str, Post, str | None, tuple[str, ...]]:
        """Who may answer the leave now (the rule, their post, for whom they act, P2/P3)."""
        rule = "L3" if self.office in CITY_LEADERS else "L5"
        if self.approval_by is None:
            raise refuse(rule, "this absence needs no approval")
        if not self.awaiting_approval:
            raise refuse(rule, f"the absence is {self.status}")
        if act.actor.person_id == self.person_id:
            raise forbid(rule, "nobody approves their own leave")
        named = ledger.away_at(act.at).get(self.approval_by, {}) if ledger else {}
        post, acting_for = _approving_post(act, roster, self.approval_by, named.get("acting_id"))
        if post is None:
            raise forbid(
                rule,
                f"this absence is approved by {self.approval_by} (while they are away, by the "
                "mayor; an AB partner does not approve leave, P3)",
            )
        return rule, post, acting_for, ("P2",) if acting_for else ()

    def _as_absence(
        self, act: Act, roster: Roster, ledger: AbsenceLedger, override_reason: str | None
    ) -> tuple[datetime, list[str]]:
        """L3: the approved request is an absence from its start, or from now if the approval
        came later; L1 and who acts (L4) are judged against the ledger as it stands now."""
        if act.at >= self.ends_at:
            raise refuse("L3", "the period asked for is over; there is nothing to approve")
        begins_at = max(self.starts_at, act.at)
        rules = _check_l1(act, roster, ledger, self.office, begins_at, self.ends_at,
                          override_reason)  # fmt: skip
        acting = self.acting_id
        if acting is not None and ledger.absences_of(acting, begins_at, self.ends_at, act.at):
            raise refuse("L4", f"{acting} is away then too and cannot act")
        return begins_at, rules

    def file(self, act: Act) -> None:
        """L4: filed with the office (备案) — a request too, ahead of the mayor's answer. Filed
        once the absence began, it is marked late: the unfiled record stands."""
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("L4", "absences are filed with the government office")
        if self.filed is not None:
            raise refuse("L4", "the absence is already filed")
        if self.status in ("cancelled", "refused"):
            raise refuse("L4", f"a {self.status} absence is not filed")
        late = self.filing_due is not None and act.at >= self.filing_due
        self.record(self.Filed, act, rules=("L4",), post=post, late=late)

    def report_return(self, act: Act, ledger: AbsenceLedger, returned_at: datetime) -> None:
        """L6: 销假."""
        post = _reporting_post(act, self.person_id)
        if self.status in ("requested", "refused"):
            raise refuse("L3", f"the leave was {self.status}, never an absence: nothing to end")
        if self.status in ("returned", "cancelled"):
            raise refuse("L6", f"the absence is {self.status}")
        if returned_at > act.at:
            raise refuse("L6", "a return is reported once it happened")
        if returned_at < (self.begins_at or self.starts_at):
            raise refuse("L6", "a return before the absence began is a cancellation")
        self.record(self.ReturnReported, act, rules=("L6",), post=post, returned_at=returned_at)
        ledger.end(act, str(self.id), returned_at)

    def cancel(self, act: Act, ledger: AbsenceLedger) -> None:
        """Withdrawn before it began; a request (L3) any time before the mayor's answer."""
        post = _reporting_post(act, self.person_id)
        if self.status in ("returned", "cancelled", "refused"):
            raise refuse("L6", f"the absence is {self.status}")
        if self.status != "requested" and act.at >= (self.begins_at or self.starts_at):
            raise refuse(
                "L6", "an absence that began ends with a return (销假), not a cancellation"
            )
        rules = ("L3",) if self.status == "requested" else ("L4",)
        self.record(self.Cancelled, act, rules=rules, post=post)
        if str(self.id) in ledger.entries:
            ledger.withdraw(act, str(self.id))

    def record_return_overdue(self, act: Act, due: datetime) -> bool:
        """L6 (timer): the system records that the return due at ``due`` was not reported.
        Idempotent: False when there is nothing to record (a request never approved is no
        absence)."""
        if (
            self.status in NOT_AWAY
            or due != self.return_due
            or act.at < due
            or self.return_overdue == due
        ):
            return False
        self.record(self.ReturnOverdue, act, rules=("L6",), post=None, due=due)
        return True

    def record_unfiled(self, act: Act, due: datetime) -> bool:
        """L4 (timer): the system records that the absence began at ``due`` without having
        been filed with the office. Idempotent: False when there is nothing to record (filed
        before, no absence, another moment, or already recorded)."""
        if (
            self.status not in ("approved", "returned")
            or due != self.filing_due
            or act.at < due
            or self.unfiled is not None
            or (self.filed is not None and self.filed.at < due)
        ):
            return False
        self.record(self.Unfiled, act, rules=("L4",), post=None, due=due)
        return True

    def overdue_at(self, at: datetime) -> bool:
        """L6: past its planned end without a return reported."""
        return self.status not in NOT_AWAY and at >= self.return_due


# ----- guards ------------------------------------------------------------------------------


def _reporting_post(act: Act, person_id: str) -> Post:
    """The person reports their own absence, or the office records it for them."""
    if act.actor.person_id == person_id:
        return act.actor.posts[0]
    post = act.actor.holds(*OFFICE_STAFF, "mayor")  # leaders report to the mayor (L2)
    if post is None:
        raise forbid("L4", f"{act.actor.person_id} cannot report an absence for {person_id}")
    return post


def _check_l1(
    act: Act,
    roster: Roster,
    ledger: AbsenceLedger,
    office: str | None,
    starts_at: datetime,
    ends_at: datetime,
    override_reason: str | None,
) -> list[str]:
    """L1: the mayor and the executive vice-mayor are not away at the same time, unless the
    mayor records an override with a reason."""
    if office not in ("mayor", "executive_vice_mayor"):
        return []
    other_office = "executive_vice_mayor" if office == "mayor" else "mayor"
    other = roster.holder(other_office, local_date(starts_at))
    clash = ledger.absences_of(other, starts_at, ends_at, act.at) if other else []
    if not clash:
        return ["L1"]
    if not (override_reason and override_reason.strip()):
        raise refuse(
            "L1",
            f"the {other_office.replace('_', ' ')} ({other}) is away from "
            f"{clash[0]['starts_at'].isoformat()} to {clash[0]['ends_at'].isoformat()}; the "
            "mayor and the executive vice-mayor are not away at the same time",
        )
    if act.actor.holds("mayor") is None:
        raise forbid("L1", "only the mayor overrides L1, with a reason")
    return ["L1"]


def _check_l2(
    act: Act,
    roster: Roster,
    office: str | None,
    leaves_city: bool,
    starts_at: datetime,
    urgent: bool,
    reported_to_id: str | None,
) -> list[str]:
    """L2: a vice-mayor or the secretary-general leaving the city — on private leave too
    (L3) — reports to the mayor or the executive vice-mayor at least a day ahead (提前 1 天:
    exactly a day is enough), or marks it urgent."""
    if office not in REPORTING_LEADERS or not leaves_city:
        return []
    day = local_date(starts_at)
    receivers = {roster.holder("mayor", day)}
    if office != "executive_vice_mayor":  # the executive vice-mayor reports to the mayor
        receivers.add(roster.holder("executive_vice_mayor", day))
    if reported_to_id not in receivers - {None}:
        raise refuse("L2", "leaving the city is reported to the mayor or the executive vice-mayor")
    if not urgent and starts_at - act.at < REPORT_AHEAD:
        raise refuse(
            "L2", "leaving the city is reported at least 1 day ahead (提前 1 天), or marked urgent"
        )
    return ["L2"]


def _check_acting(
    act: Act,
    roster: Roster,
    ledger: AbsenceLedger,
    person_id: str,
    office: str | None,
    acting_id: str | None,
    starts_at: datetime,
    ends_at: datetime,
) -> tuple[bool, list[str]]:
    """L4 with P2/P3: who acts. The mayor: the executive vice-mayor (P2). A vice-mayor: the AB
    partner (P3); when the partner is away too, the office names another leader."""
    if office not in CITY_LEADERS:
        if acting_id is not None and acting_id not in roster.people:
            raise InvalidReference(f"unknown person {acting_id!r}")
        return False, []
    if acting_id is None:
        raise refuse("L4", "a city leader's absence names who acts (代行职责的领导)")
    day = local_date(starts_at)
    if acting_id == person_id or not roster.is_leader(acting_id, day):
        raise refuse("L4", f"{acting_id} is not another city leader")
    if ledger.absences_of(acting_id, starts_at, ends_at, act.at):
        raise refuse("L4", f"{acting_id} is away then too and cannot act")
    if office == "mayor":
        deputy = roster.holder("executive_vice_mayor", day)
        if deputy and ledger.absences_of(deputy, starts_at, ends_at, act.at):
            return False, ["L1"]  # the mayor's L1 override: another leader acts meanwhile
        if acting_id != deputy:
            raise refuse("L4", f"the executive vice-mayor ({deputy}) acts for the mayor (P2)")
        return False, ["P2"]
    partner = roster.ab_partner(person_id)
    if partner is None or acting_id == partner:
        return False, ["P3"] if partner else []
    if not ledger.absences_of(partner, starts_at, ends_at, act.at):
        raise refuse("L4", f"the AB partner ({partner}) acts (P3)")
    if act.actor.holds(*OFFICE_STAFF) is None:
        raise forbid("L4", "with both AB partners away, the office names who acts (P3)")
    return True, ["P3"]


def _approver(
    roster: Roster, person_id: str, office: str | None, kind: str, leaves_city: bool, day: Any
) -> str | None:
    if office in REPORTING_LEADERS and kind == "private":
        return roster.holder("mayor", day)  # L3
    if office == "unit_head" and leaves_city:
        for post in roster.posts_of(person_id, day):  # the unit they head on that day
            if post.office == "unit_head":
                in_charge = roster.vice_mayor_in_charge(post.unit_id or "")
                return in_charge or roster.holder("mayor", day)  # L5
    return None


def _approving_post(
    act: Act, roster: Roster, approver: str, named_acting: str | None
) -> tuple[Post | None, str | None]:
    """The approver, or whoever acts for them while they are away — never someone who is away
    themself. For the mayor, the executive vice-mayor (P2); for a vice-mayor in charge, the
    mayor approves in their own right (或由市长), or the acting mayor while the mayor is away
    too: an AB partner, or the leader the office named, covers some official activities, not
    leave approval (P3, art. 61)."""
    actor = act.actor
    if actor.person_id == approver:
        return actor.posts[0], None
    if approver not in act.absent or actor.person_id in act.absent:
        return None, None
    mayor = roster.holder("mayor", local_date(act.at))
    if approver == mayor:
        if named_acting == actor.person_id:  # the leader named when the absence was reported
            return actor.holds(*CITY_LEADERS), approver
        return actor.holds("executive_vice_mayor"), approver  # P2
    if mayor_post := actor.holds("mayor"):
        return mayor_post, None
    if mayor in act.absent and (acting := actor.holds("executive_vice_mayor")):
        return acting, mayor  # P2: the acting mayor
    return None, None


# L3, L5, L6: private leave of a vice-mayor or the secretary-general is requested (no absence
# yet, L3); another absence that needs approval is reported (L5), one that does not is approved
# at once; an answer approves or refuses it; it ends returned or cancelled (filing, L4, leaves
# the status as it was).
LEAVE_STATUS = StatusRule(
    {
        LeaveRecord.Reported: lambda payload, _: (
            "requested"
            if payload.get("request")
            else "reported"
            if payload.get("approval_by")
            else "approved"
        ),
        LeaveRecord.Approved: "approved",
        LeaveRecord.Refused: "refused",
        LeaveRecord.ReturnReported: "returned",
        LeaveRecord.Cancelled: "cancelled",
    }
)
