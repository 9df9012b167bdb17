"""Supervision items (督查, Ch. 11–12): registration (立项), progress reports by set dates (限期
报告), verification (核查复核), rectification (督促整改), closing and the circular of results
(情况通报). S1–S6. The due times of reports and of the deadline are stored in the events, so the
overdue facts (S3) are recorded later against them, whatever the clock says then.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import OFFICE_STAFF, Act, GovAggregate, Post, StatusRule
from domain.clock import SHANGHAI, local_date
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

SOURCE_KINDS = (
    "decision",  # 市政府决定
    "instruction",  # 领导批示
    "npc_suggestion",  # 人大代表建议
    "cppcc_proposal",  # 政协委员提案
    "annual_task",  # 年度重点工作
    "document",  # 文件
)
RESULTS = ("passed", "failed")
CITY_LEADERS = ("mayor", "executive_vice_mayor", "vice_mayor", "secretary_general")


@dataclass(frozen=True, slots=True)
class Report:
    """S1: a progress report from the lead unit or a co-unit."""

    unit_id: str
    text: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Verification:
    """S2: the office's check of the work: passed or failed, with its findings."""

    result: str
    findings: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Rectification:
    """S2: an order to put right what failed verification, due by a time."""

    order: str
    due: datetime
    at: datetime


@dataclass(frozen=True, slots=True)
class Closure:
    """S1, S5: the item closed (办结) with a summary."""

    summary: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Circular:
    """S1: the results circulated (通报)."""

    text: str
    at: datetime


class SupervisionItem(GovAggregate):
    """One supervised matter, from registration to its circular."""

    TOPIC = "govrules:SupervisionItem"
    COLLECTION = "supervision-items"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:SupervisionItemRegistered"
        title: str
        source: dict[str, str]
        lead_unit_id: str
        co_unit_ids: list[str]
        deadline: datetime
        report_dates: list[datetime]
        first_responsible_id: str | None
        led_by: str | None

        def apply(self, item: SupervisionItem) -> None:
            item.title = self.title
            item.source = self.source
            item.lead_unit_id = self.lead_unit_id
            item.co_unit_ids = self.co_unit_ids
            item.deadline = self.deadline
            item.report_dates = sorted(self.report_dates)
            item.first_responsible_id = self.first_responsible_id
            item.led_by = self.led_by
            item.status = ITEM_STATUS.of(self)
            item.reports = []
            item.verifications = []
            item.rectifications = []
            item.closed = None
            item.circulars = []
            item.reports_overdue = []
            item.dues_overdue = []

    Registered = Created

    class ProgressReported(Event):
        TOPIC = "govrules:ProgressReported"
        unit_id: str
        text: str

        def apply(self, item: SupervisionItem) -> None:
            item.status = ITEM_STATUS.of(self, item.status)
            item.reports.append(
                Report(self.unit_id, self.text, self.meta["actor_id"], self.timestamp)
            )

    class Verified(Event):
        TOPIC = "govrules:ItemVerified"
        result: str
        findings: str

        def apply(self, item: SupervisionItem) -> None:
            item.status = ITEM_STATUS.of(self, item.status)
            item.verifications.append(
                Verification(self.result, self.findings, self.meta["actor_id"], self.timestamp)
            )

    class RectificationOrdered(Event):
        TOPIC = "govrules:RectificationOrdered"
        order: str
        due: datetime

        def apply(self, item: SupervisionItem) -> None:
            item.status = ITEM_STATUS.of(self, item.status)
            item.rectifications.append(Rectification(self.order, self.due, self.timestamp))

    class Closed(Event):
        TOPIC = "govrules:ItemClosed"
        summary: str

        def apply(self, item: SupervisionItem) -> None:
            item.status = ITEM_STATUS.of(self, item.status)
            item.closed = Closure(self.summary, self.meta["actor_id"], self.timestamp)

    class ResultsCirculated(Event):
        TOPIC = "govrules:ResultsCirculated"
        text: str

        def apply(self, item: SupervisionItem) -> None:
            item.circulars.append(Circular(self.text, self.timestamp))

    class ReportOverdue(Event):
        """S3 (timer): the report date ``due`` passed with no report answering it."""

        TOPIC = "govrules:ReportOverdue"
        due: datetime

        def apply(self, item: SupervisionItem) -> None:
            item.reports_overdue.append(self.due)

    class ItemOverdue(Event):
        """S3 (timer): the deadline (or a rectification's due time) ``due`` passed while the
        item was open."""

        TOPIC = "govrules:ItemOverdue"
        due: datetime

        def apply(self, item: SupervisionItem) -> None:
            item.dues_overdue.append(self.due)

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        title: str
        source: dict[str, str]
        lead_unit_id: str
        co_unit_ids: list[str]
        deadline: datetime
        report_dates: list[datetime]
        first_responsible_id: str | None
        led_by: str | None
        status: str
        reports: list[Report]
        verifications: list[Verification]
        rectifications: list[Rectification]
        closed: Closure | None
        circulars: list[Circular]
        reports_overdue: list[datetime]
        dues_overdue: list[datetime]

    # ----- registration --------------------------------------------------------------------

    @classmethod
    def register(
        cls,
        act: Act,
        roster: Roster,
        *,
        title: str,
        source: dict[str, str],
        lead_unit_id: str,
        co_unit_ids: list[str],
        deadline: datetime,
        report_dates: list[datetime],
        led_by: str | None = None,
    ) -> SupervisionItem:
        """S1: 立项 by the office (or a city leader) with a lead unit, co-units, a source and a
        deadline; S2: the lead unit's head is recorded as first responsible person."""
        post = act.actor.holds(*OFFICE_STAFF, *CITY_LEADERS)
        if post is None:
            raise forbid("S1", "supervision items are registered by the office or a city leader")
        if source.get("kind") not in SOURCE_KINDS or not str(source.get("ref", "")).strip():
            raise InvalidReference(f"source is {{kind: one of {SOURCE_KINDS}, ref}}")
        roster.unit(lead_unit_id)
        co_unit_ids = [u for u in dict.fromkeys(co_unit_ids) if u != lead_unit_id]
        for unit_id in co_unit_ids:
            roster.unit(unit_id)
        if deadline <= act.at:
            raise refuse("S1", "the deadline lies in the future")
        dates = sorted(dict.fromkeys(report_dates))
        if any(d <= act.at or d > deadline for d in dates):
            raise refuse("S1", "report dates lie between now and the deadline")
        day = local_date(act.at)
        if led_by is not None and not roster.is_leader(led_by, day):
            raise InvalidReference(f"{led_by} is not a city leader")
        first = roster.holder("unit_head", day, lead_unit_id) or roster.holder(
            "office_director", day, lead_unit_id
        )
        item: SupervisionItem = cls.start(
            cls.Registered,
            act,
            id=uuid.uuid4(),
            rules=("S1", "S2", "S3", "S5"),
            post=post,
            title=title,
            source={"kind": source["kind"], "ref": source["ref"]},
            lead_unit_id=lead_unit_id,
            co_unit_ids=co_unit_ids,
            deadline=deadline,
            report_dates=dates,
            first_responsible_id=first,
            led_by=led_by,
        )
        return item

    # ----- lifecycle -----------------------------------------------------------------------

    def _open(self) -> None:
        if self.status == "closed":
            raise refuse("S1", "the item is closed")

    def report_progress(self, act: Act, unit_id: str, text: str) -> None:
        """S1: progress is reported by the lead unit or a co-unit, through its head."""
        self._open()
        if unit_id != self.lead_unit_id and unit_id not in self.co_unit_ids:
            raise refuse("S1", f"{unit_id} is neither the lead unit nor a co-unit")
        post = act.actor.heads(unit_id)
        if post is None:
            raise forbid("S1", f"only the head of {unit_id} reports for it")
        if not text.strip():
            raise refuse("S1", "a report has a text")
        self.record(self.ProgressReported, act, rules=("S1",), post=post, unit_id=unit_id,
                    text=text)  # fmt: skip

    def _office(self, act: Act) -> Post:
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("S1", "the government office verifies, orders and closes supervision")
        return post

    def verify(self, act: Act, result: str, findings: str) -> None:
        """S1: 核查复核 by the office, after at least one report."""
        post = self._office(act)
        self._open()
        if result not in RESULTS:
            raise InvalidReference(f"result is one of {RESULTS}")
        if not self.reports:
            raise refuse("S1", "verification follows a progress report")
        self.record(self.Verified, act, rules=("S1",), post=post, result=result,
                    findings=findings)  # fmt: skip

    def order_rectification(self, act: Act, order: str, due: datetime) -> None:
        """S1: 督促整改 after a failed verification, with its own due date (S3)."""
        post = self._office(act)
        self._open()
        if self.status != "failed_verification":
            raise refuse("S1", "rectification is ordered where a verification failed")
        if due <= act.at:
            raise refuse("S1", "a rectification is due in the future")
        if not order.strip():
            raise refuse("S1", "a rectification order says what to put right")
        self.record(self.RectificationOrdered, act, rules=("S1", "S3"), post=post, order=order,
                    due=due)  # fmt: skip

    def close(self, act: Act, summary: str) -> None:
        """S1: closed with a summary once a verification passed (S5: the ledger line ends)."""
        post = self._office(act)
        self._open()
        if self.status != "verified":
            raise refuse("S1", "an item closes after a verification passed")
        if not summary.strip():
            raise refuse("S1", "closing carries a summary")
        self.record(self.Closed, act, rules=("S1", "S5"), post=post, summary=summary)

    def circulate(self, act: Act, text: str) -> None:
        """S1: the results are circulated (通报) once the item is closed."""
        post = self._office(act)
        if self.status != "closed":
            raise refuse("S1", "results are circulated once the item is closed")
        if not text.strip():
            raise refuse("S1", "a circular has a text")
        self.record(self.ResultsCirculated, act, rules=("S1",), post=post, text=text)

    # ----- due times (S3) -----------------------------------------------------------------

    def due_reports(self) -> list[datetime]:
        return list(self.report_dates)

    def report_answered(self, due: datetime) -> bool:
        """S3: a report date is answered by a report after the previous date, up to it."""
        previous = max((d for d in self.report_dates if d < due), default=None)
        return any(
            (previous is None or t > previous) and t <= due for t in (r.at for r in self.reports)
        )

    def record_report_overdue(self, act: Act, due: datetime) -> bool:
        """S3 (timer): the system records that report date ``due`` passed unanswered.
        Idempotent: False when there is nothing to record."""
        if (
            self.status == "closed"
            or due not in self.report_dates
            or act.at < due
            or due in self.reports_overdue
            or self.report_answered(due)
        ):
            return False
        self.record(self.ReportOverdue, act, rules=("S3",), post=None, due=due)
        return True

    def record_overdue(self, act: Act, due: datetime) -> bool:
        """S3 (timer): the system records that the deadline or a rectification's due time
        ``due`` passed with the item open. Idempotent: False when there is nothing to
        record."""
        dues = [self.deadline, *(r.due for r in self.rectifications)]
        if self.status == "closed" or due not in dues or act.at < due or due in self.dues_overdue:
            return False
        self.record(self.ItemOverdue, act, rules=("S3",), post=None, due=due)
        return True

    def overdue_at(self, at: datetime) -> dict[str, Any]:
        """S3: report dates passed with no report since the previous date; the deadline (or
        a rectification's due) passed without closing."""
        late_reports = [d for d in self.report_dates if d <= at and not self.report_answered(d)]
        dues = [self.deadline, *(r.due for r in self.rectifications)]
        closed_at = self.closed.at if self.closed else None
        still_open = closed_at is None or closed_at > at  # a late closure was late meanwhile
        return {
            "reports": late_reports,
            "deadline": still_open and any(d <= at for d in dues),
        }


# ----- metrics (S4; S5 is the board's ledger of open instructions) --------------------------

S4_KINDS = ("npc_suggestion", "cppcc_proposal")


def leaders_leading(
    led: Iterable[tuple[str | None, str, datetime]], leaders: Iterable[str], year: int
) -> dict[str, dict[str, bool]]:
    """S4: each city leader personally leads at least one NPC suggestion and one CPPCC
    proposal a year. ``led`` holds (led_by, source kind, registered at) of items; the year is
    counted in Shanghai."""
    kinds_led: dict[str, set[str]] = {leader: set() for leader in leaders}
    for led_by, kind, at in led:
        if led_by in kinds_led and at.astimezone(SHANGHAI).year == year:
            kinds_led[led_by].add(kind)
    return {
        leader: {kind: kind in kinds for kind in S4_KINDS} for leader, kinds in kinds_led.items()
    }


# S1–S3: a first progress report moves a registered item in progress; verification passes
# or fails it; a failed one is ordered to rectify; a verified one closes.
ITEM_STATUS = StatusRule(
    {
        SupervisionItem.Registered: "registered",
        SupervisionItem.ProgressReported: lambda _, current: (
            "in_progress" if current == "registered" else current
        ),
        SupervisionItem.Verified: lambda payload, _: (
            "verified" if payload["result"] == "passed" else "failed_verification"
        ),
        SupervisionItem.RectificationOrdered: "rectifying",
        SupervisionItem.Closed: "closed",
    }
)
