"""Specs of leave (请销假, Ch. 13, art. 84): the LeaveRecord and the AbsenceLedger, rules L1–L6,
and who acts for whom while someone is away (P2, P3).

Given past events (a ledger of absences already recorded, a leave already reported), when a
command, then new events on the leave and on the ledger, or a refusal naming the rule with
nothing recorded on either (``tests/domain/spec.py``). The rule text of
``shared/domain/rules.md`` is the spec. The last spec races the mayor and the executive
vice-mayor against a real PostgreSQL (L1 under concurrency).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import pytest

from domain import commands as c
from domain.application import GovRules
from domain.base import SYSTEM, Act, Stamp
from domain.clock import SHANGHAI
from domain.commands import record_deadline
from domain.leaves import AbsenceLedger, LeaveRecord
from domain.roster import Roster
from domain.rules import NotAuthorised, RuleViolation
from domain.service import Written
from tests.domain.spec import (
    AT,
    Past,
    Then,
    act,
    given,
    in_memory,
    refused_on_creation,
    roster,
    run,
    when,
)
from tests.support.past_events import END, OFFICES, START, leave_reported, meta

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

# A valid report for each person, absent other absences: who acts (L4, P2, P3) and, for the
# vice-mayors, the secretary-general and the executive vice-mayor, reported to the mayor (L2).
VALID: dict[str, dict[str, Any]] = {
    "p-mayor": {"kind": "official_trip", "acting_id": "p-exec-vm"},
    "p-exec-vm": {"kind": "official_trip", "acting_id": "p-vm-a", "reported_to_id": "p-mayor"},
    "p-vm-a": {"kind": "out_of_city", "acting_id": "p-vm-b", "reported_to_id": "p-mayor"},
    "p-vm-b": {"kind": "out_of_city", "acting_id": "p-vm-a", "reported_to_id": "p-mayor"},
    "p-vm-c": {"kind": "out_of_city", "acting_id": "p-vm-a", "reported_to_id": "p-mayor"},
    "p-sg": {"kind": "out_of_city", "acting_id": "p-dsg", "reported_to_id": "p-mayor"},
    "p-finance-head": {"kind": "out_of_city"},
    "p-ecology-head": {"kind": "out_of_city"},
    "p-housing-head": {"kind": "out_of_city"},
}


# ----- past events ---------------------------------------------------------------------------


def ledger_with(*past: Past) -> AbsenceLedger:
    """The absence ledger with these absences already recorded."""
    ledger: AbsenceLedger = given(AbsenceLedger, (AbsenceLedger.Created, {}), *past)
    return ledger


def away(
    person_id: str,
    starts_at: datetime = START,
    ends_at: datetime = END,
    acting_id: str | None = None,
    leave_id: str | None = None,
) -> Past:
    return (
        AbsenceLedger.Entered,
        {
            "leave_id": leave_id or str(uuid.uuid4()),
            "person_id": person_id,
            "office": OFFICES.get(person_id),
            "starts_at": starts_at,
            "ends_at": ends_at,
            "acting_id": acting_id,
        },
    )


def back(leave_id: str, returned_at: datetime) -> Past:
    return (AbsenceLedger.Ended, {"leave_id": leave_id, "returned_at": returned_at})


def approved(by: str) -> Past:
    return (LeaveRecord.Approved, {"meta": meta(by)})


def filed(by: str = "p-office-dir") -> Past:
    return (LeaveRecord.Filed, {"meta": meta(by)})


def leave_and_ledger(person_id: str, *more: Past, **overrides: Any) -> tuple[LeaveRecord, Any]:
    """A reported leave and the ledger it was entered on."""
    leave: LeaveRecord = given(LeaveRecord, leave_reported(person_id, **overrides), *more)
    ledger = ledger_with(
        away(
            person_id,
            leave.starts_at,
            leave.ends_at,
            acting_id=leave.acting_id,
            leave_id=str(leave.id),
        )
    )
    return leave, ledger


# ----- commands ------------------------------------------------------------------------------


def fields_for(person_id: str, **overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "person_id": person_id,
        "starts_at": START,
        "ends_at": END,
        **VALID.get(person_id, {"kind": "out_of_city"}),
    }
    values.update(overrides)
    return values


def report(
    person_id: str,
    ledger: AbsenceLedger,
    *,
    by: str | None = None,
    at: datetime = AT,
    absent: tuple[str, ...] = (),
    r: Roster | None = None,
    **overrides: Any,
) -> LeaveRecord:
    return LeaveRecord.report(
        act(by or person_id, at=at, absent=absent),
        r or roster(),
        ledger,
        **fields_for(person_id, **overrides),
    )


def reporting(person_id: str, ledger: AbsenceLedger, **kwargs: Any) -> Then:
    """The report as a creating command; the ledger's new events are checked on their own."""
    return when(None, lambda _: report(person_id, ledger, **kwargs))


def refused_report(
    person_id: str, ledger: AbsenceLedger, rule: str, status: int = 409, **kwargs: Any
) -> None:
    """A report refused under ``rule``: no leave came to be, nothing entered on the ledger."""
    version = ledger.version
    entries = dict(ledger.entries)
    refused_on_creation(lambda: report(person_id, ledger, **kwargs), rule, status)
    assert list(ledger.pending_events) == []
    assert ledger.version == version
    assert ledger.entries == entries


def entered(ledger: AbsenceLedger) -> Any:
    """The one event the report recorded on the ledger: the absence entered."""
    (event,) = ledger.collect_events()
    assert type(event).__name__ == "Entered"
    return event


def untouched(ledger: AbsenceLedger) -> None:
    assert list(ledger.pending_events) == []


def on(leave: LeaveRecord, command: Callable[[LeaveRecord], Any]) -> Then:
    return when(leave, command)


# ----- L1 the mayor and the executive vice-mayor are not away at the same time ----------------


def test_L1_mayor_away_while_the_executive_vice_mayors_absence_overlaps_is_refused() -> None:
    ledger = ledger_with(away("p-exec-vm", START, END, acting_id="p-vm-a"))

    refused_report("p-mayor", ledger, "L1", starts_at=START + DAY, ends_at=END + DAY)


def test_L1_executive_vice_mayor_away_while_the_mayors_absence_overlaps_is_refused() -> None:
    ledger = ledger_with(away("p-mayor", START, END, acting_id="p-exec-vm"))

    refused_report("p-exec-vm", ledger, "L1", starts_at=START - DAY, ends_at=START + HOUR)


def test_L1_an_absence_inside_the_others_absence_is_refused_too() -> None:
    ledger = ledger_with(away("p-exec-vm", START, END, acting_id="p-vm-a"))

    refused_report("p-mayor", ledger, "L1", starts_at=START + HOUR, ends_at=START + 2 * HOUR)


@pytest.mark.parametrize(
    ("starts_at", "ends_at"),
    [(END, END + 2 * DAY), (START - DAY, START)],
    ids=["right-after", "right-before"],
)
def test_L1_adjacent_absences_that_do_not_overlap_are_accepted(
    starts_at: datetime, ends_at: datetime
) -> None:
    ledger = ledger_with(away("p-exec-vm", START, END, acting_id="p-vm-a"))

    then = reporting("p-mayor", ledger, starts_at=starts_at, ends_at=ends_at)

    (event,) = then.events("Created")
    assert event.person_id == "p-mayor"
    assert event.office == "mayor"
    assert event.override_reason is None
    assert "L1" in event.meta["rules"]
    ledger_event = entered(ledger)
    assert ledger_event.person_id == "p-mayor"
    assert ledger_event.starts_at == starts_at
    assert ledger_event.ends_at == ends_at
    assert ledger.away_at(starts_at)["p-mayor"]["acting_id"] == "p-exec-vm"


def test_L1_an_absence_cut_short_by_a_return_no_longer_clashes() -> None:
    leave_id = str(uuid.uuid4())
    ledger = ledger_with(
        away("p-exec-vm", START, END, acting_id="p-vm-a", leave_id=leave_id),
        back(leave_id, START + HOUR),
    )

    then = reporting("p-mayor", ledger, starts_at=START + DAY, ends_at=END)

    then.events("Created")
    entered(ledger)


def test_L1_the_mayors_override_with_a_reason_is_accepted_and_the_reason_recorded() -> None:
    """The executive vice-mayor is away, so he cannot act (P2): the mayor names another leader
    and overrides L1 with a reason."""
    ledger = ledger_with(away("p-exec-vm", START, END, acting_id="p-vm-a"))
    reason = "省政府紧急会议，须市长本人出席"

    then = reporting(
        "p-mayor",
        ledger,
        starts_at=START + DAY,
        ends_at=END + DAY,
        acting_id="p-vm-c",
        override_reason=reason,
    )

    (event,) = then.events("Created")
    assert event.override_reason == reason
    assert event.meta["actor_id"] == "p-mayor"
    assert event.meta["actor_office"] == "mayor"
    assert "L1" in event.meta["rules"]
    assert then.aggregate.override_reason == reason
    ledger_event = entered(ledger)
    assert ledger_event.person_id == "p-mayor"
    assert ledger_event.acting_id == "p-vm-c"


@pytest.mark.parametrize(
    ("person_id", "by"),
    [("p-exec-vm", "p-exec-vm"), ("p-mayor", "p-office-dir")],
    ids=["executive-vice-mayor-overrides", "office-overrides-for-the-mayor"],
)
def test_L1_an_override_given_by_someone_other_than_the_mayor_is_refused(
    person_id: str, by: str
) -> None:
    other = "p-mayor" if person_id == "p-exec-vm" else "p-exec-vm"
    ledger = ledger_with(away(other, START, END, acting_id="p-vm-a"))

    refused_report(
        person_id,
        ledger,
        "L1",
        status=403,
        by=by,
        starts_at=START + DAY,
        ends_at=END + DAY,
        override_reason="工作需要",
    )


def test_L1_an_override_without_a_reason_is_refused() -> None:
    ledger = ledger_with(away("p-exec-vm", START, END, acting_id="p-vm-a"))

    refused_report(
        "p-mayor",
        ledger,
        "L1",
        starts_at=START,
        ends_at=END,
        acting_id="p-vm-c",
        override_reason="   ",
    )


def test_L1_other_leaders_may_be_away_together() -> None:
    ledger = ledger_with(away("p-vm-c", START, END, acting_id="p-vm-a"))

    then = reporting("p-sg", ledger)

    (event,) = then.events("Created")
    assert "L1" not in event.meta["rules"]
    entered(ledger)


# ----- L2 a vice-mayor or the secretary-general leaving the city reports a day ahead ----------


@pytest.mark.parametrize("person_id", ["p-vm-a", "p-sg"])
def test_L2_leaving_the_city_reported_less_than_a_day_ahead_without_urgent_is_refused(
    person_id: str,
) -> None:
    ledger = ledger_with()

    refused_report(person_id, ledger, "L2", at=START - DAY + timedelta(minutes=1))


def test_L2_leaving_the_city_urgently_is_accepted_and_marked_urgent() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, at=START - HOUR, urgent=True)

    (event,) = then.events("Created")
    assert event.urgent is True
    assert event.reported_to_id == "p-mayor"
    assert "L2" in event.meta["rules"]
    assert then.aggregate.urgent is True
    entered(ledger)


def test_L2_reported_exactly_one_day_ahead_is_accepted() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, at=START - DAY)

    (event,) = then.events("Created")
    assert event.urgent is False
    assert "L2" in event.meta["rules"]
    entered(ledger)


@pytest.mark.parametrize("receiver", ["p-mayor", "p-exec-vm"])
def test_L2_reported_to_the_mayor_or_the_executive_vice_mayor_is_accepted(receiver: str) -> None:
    ledger = ledger_with()

    then = reporting("p-vm-b", ledger, reported_to_id=receiver)

    (event,) = then.events("Created")
    assert event.reported_to_id == receiver
    assert then.aggregate.reported_to_id == receiver


@pytest.mark.parametrize("receiver", ["p-sg", "p-vm-b", "p-office-dir", None])
def test_L2_reported_to_someone_other_than_the_mayor_or_the_executive_vice_mayor_is_refused(
    receiver: str | None,
) -> None:
    ledger = ledger_with()

    refused_report("p-vm-a", ledger, "L2", reported_to_id=receiver)


def test_L2_reported_to_someone_else_is_refused_even_when_urgent() -> None:
    ledger = ledger_with()

    refused_report("p-vm-a", ledger, "L2", at=START - HOUR, urgent=True, reported_to_id="p-sg")


def test_L2_private_leave_in_the_city_is_not_a_departure() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, kind="private", reported_to_id=None, at=START - HOUR)

    (event,) = then.events("Created")
    assert "L2" not in event.meta["rules"]


def test_L2_the_executive_vice_mayor_is_a_vice_mayor_and_reports_a_day_ahead() -> None:
    """常务副市长 is one of the 副市长 (art. 84: 副市长…离攀外出，应提前 1 天报告市长)."""
    ledger = ledger_with()

    refused_report("p-exec-vm", ledger, "L2", at=START - HOUR)


# ----- L2 and L3: private leave out of the city is reported a day ahead too ------------------


def private_out_of_city(**overrides: Any) -> dict[str, Any]:
    return {"kind": "private", "leaves_city": True, "reported_to_id": "p-mayor", **overrides}


@pytest.mark.parametrize("person_id", ["p-vm-a", "p-sg", "p-exec-vm"])
def test_L2_L3_private_leave_out_of_the_city_less_than_a_day_ahead_is_refused(
    person_id: str,
) -> None:
    ledger = ledger_with()

    refused_report(
        person_id, ledger, "L2", at=START - DAY + timedelta(seconds=1), **private_out_of_city()
    )


def test_L2_L3_private_leave_out_of_the_city_exactly_a_day_ahead_is_a_request() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, at=START - DAY, **private_out_of_city())

    (event,) = then.events("Created")
    assert event.leaves_city is True and event.urgent is False
    assert event.reported_to_id == "p-mayor"
    assert {"L2", "L3"} <= set(event.meta["rules"])
    assert then.aggregate.status == "requested"
    untouched(ledger)  # still a request (L3)


def test_L2_L3_private_leave_out_of_the_city_at_short_notice_is_accepted_marked_urgent() -> None:
    ledger = ledger_with()

    then = reporting("p-sg", ledger, at=START - HOUR, urgent=True, **private_out_of_city())

    (event,) = then.events("Created")
    assert event.urgent is True and event.leaves_city is True
    assert "L2" in event.meta["rules"]
    assert then.aggregate.status == "requested"


@pytest.mark.parametrize("receiver", [None, "p-sg", "p-vm-b"])
def test_L2_L3_private_leave_out_of_the_city_not_reported_to_the_mayor_or_executive_is_refused(
    receiver: str | None,
) -> None:
    ledger = ledger_with()

    refused_report("p-vm-a", ledger, "L2", **private_out_of_city(reported_to_id=receiver))


def test_L2_L3_private_leave_out_of_the_city_reported_to_the_executive_vice_mayor() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-c", ledger, **private_out_of_city(reported_to_id="p-exec-vm"))

    (event,) = then.events("Created")
    assert event.reported_to_id == "p-exec-vm"
    assert event.approval_by == "p-mayor"  # approved by the mayor all the same (L3)


def test_L2_a_departure_of_any_kind_leaves_the_city() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, kind="study")

    assert then.aggregate.leaves_city is True
    assert "L2" in then.events("Created")[0].meta["rules"]


# ----- L3 private leave of a vice-mayor or the secretary-general: a request until approved ---


def requested(person_id: str = "p-vm-a", *more: Past, **overrides: Any) -> LeaveRecord:
    """A private-leave request (L3), as reported since issue 12: not on the ledger."""
    fields = {"kind": "private", "approval_by": "p-mayor", "request": True, **overrides}
    fields.setdefault("acting_id", VALID[person_id].get("acting_id"))
    leave: LeaveRecord = given(LeaveRecord, leave_reported(person_id, **fields), *more)
    return leave


def refused_(by: str = "p-mayor", reason: str | None = "工作需要") -> Past:
    return (LeaveRecord.Refused, {"reason": reason, "meta": meta(by)})


@pytest.mark.parametrize("person_id", ["p-vm-a", "p-vm-c", "p-sg", "p-exec-vm"])
def test_L3_private_leave_is_a_request_until_the_mayor_approves(person_id: str) -> None:
    """常务副市长 is one of the 副市长 (art. 84: 副市长、秘书长因私离岗须向市长请假)."""
    ledger = ledger_with()

    then = reporting(person_id, ledger, kind="private", reported_to_id=None)

    (event,) = then.events("Created")
    assert event.approval_by == "p-mayor"
    assert event.request is True
    assert event.filing_due is None  # no absence yet to file by its start (L4)
    assert "L3" in event.meta["rules"]
    assert then.aggregate.status == "requested"
    assert (then.aggregate.approved, then.aggregate.begins_at) == (None, None)
    untouched(ledger)  # nobody is away, nobody acts for them
    assert ledger.away_at(START + HOUR) == {}


def test_L3_L1_a_pending_request_of_the_executive_vice_mayor_does_not_count() -> None:
    ledger = ledger_with()
    report("p-exec-vm", ledger, kind="private", reported_to_id=None)
    untouched(ledger)

    then = reporting("p-mayor", ledger)  # the same period: no clash with a request

    assert "L1" in then.events("Created")[0].meta["rules"]
    assert entered(ledger).person_id == "p-mayor"


def test_L3_L1_a_request_is_not_judged_under_L1_until_it_is_approved() -> None:
    ledger = ledger_with(away("p-mayor", START, END, acting_id="p-exec-vm"))

    then = reporting("p-exec-vm", ledger, kind="private", reported_to_id=None, acting_id="p-vm-a")

    assert then.aggregate.status == "requested"
    assert "L1" not in then.events("Created")[0].meta["rules"]
    untouched(ledger)


def test_L3_approved_by_the_mayor_the_request_becomes_an_absence() -> None:
    leave, ledger = requested(), ledger_with()

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger))

    (event,) = then.events("Approved")
    assert event.meta["actor_id"] == "p-mayor"
    assert event.meta["actor_office"] == "mayor"
    assert event.meta["acting_for"] is None
    assert "L3" in event.meta["rules"] and "L4" in event.meta["rules"]
    assert event.begins_at == START
    assert leave.status == "approved"
    assert leave.approved == Stamp("p-mayor", AT)
    assert (leave.begins_at, leave.filing_due) == (START, START)  # filed before it (L4)
    absence = entered(ledger)
    assert (absence.leave_id, absence.person_id) == (str(leave.id), "p-vm-a")
    assert (absence.starts_at, absence.ends_at, absence.acting_id) == (START, END, "p-vm-b")
    assert set(ledger.away_at(START + HOUR)) == {"p-vm-a"}


def test_L3_approved_after_its_start_the_absence_begins_at_the_approval() -> None:
    leave, ledger = requested(), ledger_with()
    later = START + HOUR

    then = on(leave, lambda x: x.approve(act("p-mayor", at=later), roster(), ledger))

    assert then.events("Approved")[0].begins_at == later
    assert (leave.begins_at, leave.filing_due, leave.starts_at) == (later, later, START)
    assert entered(ledger).starts_at == later
    assert ledger.away_at(later - timedelta(seconds=1)) == {}


def test_L3_a_request_whose_period_is_over_is_not_approved() -> None:
    leave, ledger = requested(), ledger_with()
    then = on(leave, lambda x: x.approve(act("p-mayor", at=END), roster(), ledger))
    then.refused("L3")
    untouched(ledger)

    leave, ledger = requested(), ledger_with()
    last = END - timedelta(seconds=1)
    on(leave, lambda x: x.approve(act("p-mayor", at=last), roster(), ledger)).events("Approved")
    assert entered(ledger).starts_at == last


def test_L3_L1_the_executive_vice_mayors_request_clashing_with_the_mayor_is_refused_approving() -> (
    None
):
    leave = requested("p-exec-vm", acting_id="p-vm-a")
    ledger = ledger_with(away("p-mayor", START + DAY, END + DAY, acting_id="p-sg"))

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger))

    then.refused("L1")
    assert leave.status == "requested"
    untouched(ledger)


def test_L3_L1_the_mayor_approves_with_an_override_and_its_reason_is_recorded() -> None:
    leave = requested("p-exec-vm", acting_id="p-vm-a")
    ledger = ledger_with(away("p-mayor", START + DAY, END + DAY, acting_id="p-sg"))

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger, "家中急事"))

    (event,) = then.events("Approved")
    assert event.override_reason == "家中急事"
    assert "L1" in event.meta["rules"]
    assert leave.override_reason == "家中急事"
    assert entered(ledger).person_id == "p-exec-vm"


def test_L3_L4_approved_while_whoever_acts_is_away_then_is_refused() -> None:
    leave = requested("p-vm-a")  # p-vm-b acts (P3)
    ledger = ledger_with(away("p-vm-b", START + HOUR, END, acting_id="p-vm-a"))

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger))

    then.refused("L4")
    untouched(ledger)


def test_L3_approved_by_the_executive_vice_mayor_while_the_mayor_is_present_is_refused() -> None:
    leave, ledger = requested(), ledger_with()

    then = on(leave, lambda x: x.approve(act("p-exec-vm"), roster(), ledger))

    then.refused("L3", status=403)
    assert leave.status == "requested"
    untouched(ledger)


def test_L3_P2_approved_by_the_executive_vice_mayor_as_acting_mayor_while_the_mayor_is_away() -> (
    None
):
    leave = requested()
    ledger = ledger_with(away("p-mayor", AT - HOUR, END + DAY, acting_id="p-exec-vm"))

    then = on(leave, lambda x: x.approve(act("p-exec-vm", absent=("p-mayor",)), roster(), ledger))

    (event,) = then.events("Approved")
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["actor_office"] == "executive_vice_mayor"
    assert event.meta["acting_for"] == "p-mayor"
    assert "L3" in event.meta["rules"]
    assert "P2" in event.meta["rules"]
    assert leave.approved is not None and leave.approved.by == "p-exec-vm"
    assert entered(ledger).person_id == "p-vm-a"


def test_L3_nobody_approves_their_own_leave_even_as_acting_mayor() -> None:
    leave = requested("p-exec-vm", acting_id="p-vm-a")
    ledger = ledger_with(away("p-mayor", AT - HOUR, AT + HOUR, acting_id="p-exec-vm"))

    then = on(leave, lambda x: x.approve(act("p-exec-vm", absent=("p-mayor",)), roster(), ledger))

    then.refused("L3", status=403)
    untouched(ledger)


@pytest.mark.parametrize("by", ["p-vm-b", "p-sg", "p-office-dir"])
def test_L3_approved_by_another_leader_while_the_mayor_is_away_is_refused(by: str) -> None:
    leave, ledger = requested(), ledger_with()

    then = on(leave, lambda x: x.approve(act(by, absent=("p-mayor",)), roster(), ledger))

    then.refused("L3", status=403)
    untouched(ledger)


def test_L3_an_absence_that_needs_no_approval_is_not_approved() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b", reported_to_id="p-mayor")

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster()))

    then.refused("L3")
    untouched(ledger)


def test_L3_an_approved_request_is_not_approved_or_refused_again() -> None:
    leave = requested("p-vm-a", approved("p-mayor"))
    ledger = ledger_with()

    on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger)).refused("L3")
    on(leave, lambda x: x.decline(act("p-mayor"), roster(), ledger)).refused("L3")
    untouched(ledger)


def test_L3_refused_by_the_mayor_the_request_leaves_no_absence() -> None:
    leave, ledger = requested(), ledger_with()

    then = on(leave, lambda x: x.decline(act("p-mayor"), roster(), ledger, " 工作需要 "))

    (event,) = then.events("Refused")
    assert type(event).TOPIC == "govrules:LeaveRefused"
    assert event.reason == "工作需要"
    assert event.meta["actor_id"] == "p-mayor" and event.meta["rules"] == ["L3"]
    assert leave.status == "refused"
    assert (leave.refused.by, leave.refused.at, leave.refused.reason) == ("p-mayor", AT, "工作需要")
    assert leave.begins_at is None
    untouched(ledger)


@pytest.mark.parametrize("by", ["p-exec-vm", "p-vm-b", "p-office-dir", "p-vm-a"])
def test_L3_refused_by_anyone_but_the_mayor_is_refused(by: str) -> None:
    leave, ledger = requested(), ledger_with()

    on(leave, lambda x: x.decline(act(by), roster(), ledger)).refused("L3", status=403)
    assert leave.status == "requested"


def test_L3_a_refused_request_is_not_approved_filed_returned_cancelled_or_overdue() -> None:
    leave, ledger = requested("p-vm-a", refused_()), ledger_with()

    on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger)).refused("L3")
    on(leave, lambda x: x.file(act("p-office-dir"))).refused("L4")
    at_end = act("p-vm-a", at=END)
    on(leave, lambda x: x.report_return(at_end, ledger, END)).refused("L3")
    on(leave, lambda x: x.cancel(act("p-vm-a"), ledger)).refused("L6")
    assert leave.record_return_overdue(act("p-vm-a", at=END), END) is False
    assert leave.overdue_at(END + DAY) is False
    untouched(ledger)


@pytest.mark.parametrize("at", [AT, START + HOUR])
def test_L3_a_request_withdrawn_leaves_no_absence(at: datetime) -> None:
    """Withdrawn before the mayor answers — after its planned start too: it never began."""
    leave, ledger = requested(), ledger_with()

    then = on(leave, lambda x: x.cancel(act("p-vm-a", at=at), ledger))

    (event,) = then.events("Cancelled")
    assert event.meta["rules"] == ["L3"]
    assert leave.status == "cancelled"
    untouched(ledger)


def test_L3_a_pending_request_is_not_returned_from_nor_overdue() -> None:
    leave, ledger = requested(), ledger_with()

    on(leave, lambda x: x.report_return(act("p-vm-a", at=END), ledger, END)).refused("L3")
    assert leave.record_return_overdue(act("p-vm-a", at=END), END) is False
    assert leave.overdue_at(END + DAY) is False
    untouched(ledger)


def test_L3_private_leave_reported_before_issue_12_stays_the_absence_it_was() -> None:
    """History keeps its meaning: a LeaveReported without ``request`` was entered on the ledger
    when reported; its status stays "reported" until approved, and approval enters nothing."""
    leave, ledger = leave_and_ledger("p-vm-a", kind="private", approval_by="p-mayor")
    assert (leave.request, leave.status, leave.begins_at) == (False, "reported", START)

    then = on(leave, lambda x: x.approve(act("p-mayor"), roster(), ledger))

    assert then.events("Approved")[0].begins_at is None
    assert leave.status == "approved"
    assert leave.filing_due is None  # no timer for history written before it (L4)
    untouched(ledger)


# ----- L4 who acts (P2, P3), filed with the office ------------------------------------------


@pytest.mark.parametrize("person_id", ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-c", "p-sg"])
def test_L4_a_city_leaders_absence_without_who_acts_is_refused(person_id: str) -> None:
    ledger = ledger_with()

    refused_report(person_id, ledger, "L4", acting_id=None)


def test_L4_a_department_heads_absence_need_not_name_who_acts() -> None:
    ledger = ledger_with()

    then = reporting("p-finance-head", ledger)

    (event,) = then.events("Created")
    assert event.acting_id is None
    entered(ledger)


def test_L4_P2_the_executive_vice_mayor_acts_for_the_mayor() -> None:
    ledger = ledger_with()

    then = reporting("p-mayor", ledger, acting_id="p-exec-vm")

    (event,) = then.events("Created")
    assert event.acting_id == "p-exec-vm"
    assert event.acting_named_by_office is False
    assert "L4" in event.meta["rules"]
    assert "P2" in event.meta["rules"]
    assert entered(ledger).acting_id == "p-exec-vm"


@pytest.mark.parametrize("acting_id", ["p-vm-a", "p-sg", "p-dsg"])
def test_L4_P2_another_leader_acting_for_the_mayor_is_refused(acting_id: str) -> None:
    ledger = ledger_with()

    refused_report("p-mayor", ledger, "L4", acting_id=acting_id)


def test_L4_P3_the_ab_partner_acts_for_a_vice_mayor() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger, acting_id="p-vm-b")

    (event,) = then.events("Created")
    assert event.acting_id == "p-vm-b"
    assert event.acting_named_by_office is False
    assert "P3" in event.meta["rules"]
    assert entered(ledger).acting_id == "p-vm-b"


@pytest.mark.parametrize("acting_id", ["p-vm-c", "p-exec-vm", "p-sg"])
def test_L4_P3_another_leader_acting_for_a_vice_mayor_whose_partner_is_present_is_refused(
    acting_id: str,
) -> None:
    ledger = ledger_with()

    refused_report("p-vm-a", ledger, "L4", acting_id=acting_id)


def test_L4_P3_another_leader_while_the_partner_is_away_at_another_time_is_refused() -> None:
    ledger = ledger_with(away("p-vm-b", END, END + DAY, acting_id="p-vm-c"))

    refused_report("p-vm-a", ledger, "L4", acting_id="p-vm-c")


def test_L4_P3_both_partners_away_the_vice_mayor_cannot_name_another_leader_themself() -> None:
    ledger = ledger_with(away("p-vm-b", START - DAY, END, acting_id="p-vm-c"))

    refused_report("p-vm-a", ledger, "L4", status=403, acting_id="p-vm-c")


def test_L4_P3_both_partners_away_the_office_names_another_leader() -> None:
    ledger = ledger_with(away("p-vm-b", START - DAY, END, acting_id="p-vm-c"))

    then = reporting("p-vm-a", ledger, by="p-office-dir", acting_id="p-vm-c")

    (event,) = then.events("Created")
    assert event.person_id == "p-vm-a"
    assert event.acting_id == "p-vm-c"
    assert event.acting_named_by_office is True
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["actor_office"] == "office_director"
    assert "P3" in event.meta["rules"]
    assert then.aggregate.acting_named_by_office is True
    assert entered(ledger).acting_id == "p-vm-c"


def test_L4_P3_the_ab_partner_away_at_the_same_time_cannot_act() -> None:
    ledger = ledger_with(away("p-vm-b", START + DAY, END + DAY, acting_id="p-vm-c"))

    refused_report("p-vm-a", ledger, "L4", acting_id="p-vm-b")


def test_L4_an_acting_leader_away_at_the_same_time_is_refused() -> None:
    ledger = ledger_with(away("p-sg", START + HOUR, START + 2 * HOUR, acting_id="p-dsg"))

    refused_report("p-vm-c", ledger, "L4", acting_id="p-sg")


def test_L4_an_acting_leader_away_at_another_time_is_accepted() -> None:
    ledger = ledger_with(away("p-sg", END, END + DAY, acting_id="p-dsg"))

    then = reporting("p-vm-c", ledger, acting_id="p-sg")

    assert then.events("Created")[0].acting_id == "p-sg"
    entered(ledger)


@pytest.mark.parametrize("acting_id", ["p-finance-head", "p-office-dir", "p-vm-c"])
def test_L4_the_acting_person_is_another_city_leader(acting_id: str) -> None:
    ledger = ledger_with()

    refused_report("p-vm-c", ledger, "L4", acting_id=acting_id)


@pytest.mark.parametrize("by", ["p-vm-b", "p-exec-vm", "p-finance-head"])
def test_L4_an_absence_is_reported_by_the_person_the_office_or_the_mayor_only(by: str) -> None:
    ledger = ledger_with()

    refused_report("p-vm-a", ledger, "L4", status=403, by=by)


@pytest.mark.parametrize("by", ["p-office-dir", "p-sg", "p-dsg"])
def test_L4_an_absence_is_filed_with_the_office(by: str) -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b", reported_to_id="p-mayor")

    then = on(leave, lambda x: x.file(act(by)))

    (event,) = then.events("Filed")
    assert event.TOPIC == "govrules:LeaveFiled"
    assert event.meta["actor_id"] == by
    assert event.meta["rules"] == ["L4"]
    assert leave.filed == Stamp(by, AT)
    untouched(ledger)


@pytest.mark.parametrize("by", ["p-vm-a", "p-mayor", "p-finance-head"])
def test_L4_filing_by_anyone_but_the_office_is_refused(by: str) -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b", reported_to_id="p-mayor")

    then = on(leave, lambda x: x.file(act(by)))

    then.refused("L4", status=403)
    assert leave.filed is None
    untouched(ledger)


def test_L4_an_absence_is_filed_once() -> None:
    leave, ledger = leave_and_ledger(
        "p-vm-a", filed(), acting_id="p-vm-b", reported_to_id="p-mayor"
    )

    then = on(leave, lambda x: x.file(act("p-dsg")))

    then.refused("L4")
    assert leave.filed is not None and leave.filed.by == "p-office-dir"
    untouched(ledger)


def test_L4_a_cancelled_absence_is_not_filed() -> None:
    leave, ledger = leave_and_ledger(
        "p-vm-a", (LeaveRecord.Cancelled, {"meta": meta("p-vm-a")}), acting_id="p-vm-b"
    )

    then = on(leave, lambda x: x.file(act("p-office-dir")))

    then.refused("L4")
    untouched(ledger)


# ----- L4 filed before it begins; begun unfiled, recorded by the system (timer) -------------

SECOND = timedelta(seconds=1)


def system_at(at: datetime) -> Act:
    return Act(SYSTEM, at, correlation_id="tick")


def filed_at(at: datetime, late: bool = False) -> Past:
    return (LeaveRecord.Filed, {"meta": meta("p-office-dir"), "timestamp": at, "late": late})


def city_leaders_absence(*more: Past) -> LeaveRecord:
    """p-vm-a's trip reported since issue 12: filed by its start (L4)."""
    leave: LeaveRecord = given(
        LeaveRecord,
        leave_reported("p-vm-a", acting_id="p-vm-b", reported_to_id="p-mayor", filing_due=START),
        *more,
    )
    return leave


@pytest.mark.parametrize("person_id", ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-c", "p-sg"])
def test_L4_a_city_leaders_absence_is_filed_by_the_moment_it_begins(person_id: str) -> None:
    then = reporting(person_id, ledger_with())

    assert then.events("Created")[0].filing_due == START
    assert then.aggregate.filing_due == START


@pytest.mark.parametrize("person_id", ["p-finance-head", "p-ecology-head"])
def test_L4_a_department_heads_absence_has_no_filing_due(person_id: str) -> None:
    then = reporting(person_id, ledger_with())

    assert then.events("Created")[0].filing_due is None


def test_L4_an_absence_begun_unfiled_is_recorded_by_the_system() -> None:
    leave = city_leaders_absence()
    answers: list[bool] = []

    then = on(leave, lambda x: answers.append(x.record_unfiled(system_at(START), START)))

    assert answers == [True]
    (event,) = then.events("Unfiled")
    assert type(event).TOPIC == "govrules:AbsenceUnfiled"
    assert event.due == START
    assert event.timestamp == START
    assert event.meta["actor_id"] == "system" and event.meta["actor_office"] is None
    assert event.meta["rules"] == ["L4"]
    assert leave.unfiled == START
    assert leave.status == "approved"  # still an absence
    assert leave.record_unfiled(system_at(START + DAY), START) is False  # once
    assert list(leave.collect_events()) == []


def test_L4_nothing_is_recorded_unfiled_before_the_absence_begins() -> None:
    leave = city_leaders_absence()

    assert leave.record_unfiled(system_at(START - SECOND), START) is False
    assert list(leave.collect_events()) == []


def test_L4_an_absence_filed_before_it_begins_is_not_unfiled() -> None:
    leave = city_leaders_absence(filed_at(START - SECOND))

    assert leave.record_unfiled(system_at(START), START) is False
    assert list(leave.collect_events()) == []


def test_L4_filed_at_the_very_moment_it_begins_is_not_before_it_the_absence_is_unfiled() -> None:
    leave = city_leaders_absence(filed_at(START, late=True))

    assert leave.record_unfiled(system_at(START), START) is True
    assert leave.unfiled == START


def test_L4_a_moment_that_is_not_the_absences_start_records_nothing() -> None:
    leave = city_leaders_absence()

    assert leave.record_unfiled(system_at(END), START + HOUR) is False
    assert list(leave.collect_events()) == []


def test_L4_an_absence_reported_before_issue_12_has_no_unfiled_timer() -> None:
    leave, _ = leave_and_ledger("p-vm-a", acting_id="p-vm-b", reported_to_id="p-mayor")

    assert leave.filing_due is None
    assert leave.record_unfiled(system_at(START), START) is False


def test_L4_no_absence_no_unfiled_record_cancelled_refused_or_still_requested() -> None:
    cancelled = city_leaders_absence((LeaveRecord.Cancelled, {"meta": meta("p-vm-a")}))
    assert cancelled.record_unfiled(system_at(START), START) is False
    pending = requested(filing_due=START)  # no request carries one; even so, nothing
    assert pending.record_unfiled(system_at(START), START) is False
    declined = requested("p-vm-a", refused_())
    assert declined.record_unfiled(system_at(START), START) is False


def test_L4_a_request_approved_after_its_start_is_unfiled_from_the_approval() -> None:
    later = START + HOUR
    leave = requested(
        "p-vm-a", (LeaveRecord.Approved, {"begins_at": later, "meta": meta("p-mayor")})
    )

    assert leave.record_unfiled(system_at(later), START) is False  # not its beginning
    assert leave.record_unfiled(system_at(later), later) is True
    assert leave.unfiled == later


def test_L4_a_request_filed_ahead_of_the_approval_is_not_unfiled() -> None:
    leave = requested(
        "p-vm-a",
        filed_at(AT),
        (LeaveRecord.Approved, {"begins_at": START, "meta": meta("p-mayor")}),
    )

    assert leave.record_unfiled(system_at(START), START) is False


def test_L4_filed_after_the_absence_began_is_recorded_late_and_the_unfiled_record_stands() -> None:
    leave = city_leaders_absence((LeaveRecord.Unfiled, {"due": START, "meta": meta("system")}))

    then = on(leave, lambda x: x.file(act("p-office-dir", at=START + HOUR)))

    (event,) = then.events("Filed")
    assert event.late is True
    assert leave.filed == Stamp("p-office-dir", START + HOUR)
    assert leave.filed_late is True
    assert leave.unfiled == START


def test_L4_filed_before_the_absence_begins_is_not_late() -> None:
    leave = city_leaders_absence()

    then = on(leave, lambda x: x.file(act("p-office-dir", at=START - SECOND)))

    assert then.events("Filed")[0].late is False
    assert leave.filed_late is False


def test_L4_a_request_may_be_filed_before_the_mayor_answers() -> None:
    leave = requested()

    then = on(leave, lambda x: x.file(act("p-office-dir")))

    assert then.events("Filed")[0].late is False
    assert leave.status == "requested"


# ----- L5 a department head leaving the city: approval of the vice-mayor in charge -----------


@pytest.mark.parametrize(
    ("head", "in_charge"),
    [
        ("p-ecology-head", "p-vm-a"),
        ("p-housing-head", "p-vm-b"),
        ("p-finance-head", "p-exec-vm"),
    ],
)
def test_L5_a_department_head_leaving_the_city_needs_the_vice_mayor_in_charge(
    head: str, in_charge: str
) -> None:
    ledger = ledger_with()

    then = reporting(head, ledger)

    (event,) = then.events("Created")
    assert event.office == "unit_head"
    assert event.approval_by == in_charge
    assert "L5" in event.meta["rules"]
    assert then.aggregate.status == "reported"
    entered(ledger)


def test_L5_a_department_heads_private_leave_out_of_the_city_needs_the_vice_mayor_in_charge() -> (
    None
):
    """市政府各部门主要负责人离攀外出，须经市政府分管领导同意: leaving the city, for any reason."""
    ledger = ledger_with()

    then = reporting("p-ecology-head", ledger, kind="private", leaves_city=True)

    (event,) = then.events("Created")
    assert event.approval_by == "p-vm-a"
    assert event.request is False  # L3 is for city leaders; the trip is on the ledger
    assert "L5" in event.meta["rules"]
    assert then.aggregate.status == "reported"
    entered(ledger)


def test_L5_a_department_heads_private_leave_in_the_city_needs_no_approval() -> None:
    ledger = ledger_with()

    then = reporting("p-ecology-head", ledger, kind="private")

    (event,) = then.events("Created")
    assert event.approval_by is None
    assert "L5" not in event.meta["rules"]
    assert then.aggregate.status == "approved"


def test_L5_approved_by_the_vice_mayor_in_charge() -> None:
    leave, ledger = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.approve(act("p-vm-a"), roster()))

    (event,) = then.events("Approved")
    assert event.meta["actor_id"] == "p-vm-a"
    assert event.meta["acting_for"] is None
    assert event.meta["rules"] == ["L5"]
    assert leave.status == "approved"
    untouched(ledger)


def test_L5_refused_by_the_vice_mayor_in_charge_the_trip_is_withdrawn_from_the_ledger() -> None:
    leave, ledger = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.decline(act("p-vm-a"), roster(), ledger, "汛期在岗"))

    (event,) = then.events("Refused")
    assert event.meta["rules"] == ["L5"] and event.reason == "汛期在岗"
    assert leave.status == "refused"
    (withdrawn,) = ledger.collect_events()
    assert type(withdrawn).__name__ == "Withdrawn"
    assert ledger.entries == {}
    assert leave.overdue_at(END + DAY) is False


@pytest.mark.parametrize(
    ("by", "absent"),
    [
        ("p-vm-c", ()),
        ("p-vm-c", ("p-vm-a",)),  # not the AB partner
        ("p-vm-b", ()),  # the AB partner, while p-vm-a is present
        ("p-ecology-head", ()),
    ],
)
def test_L5_approved_by_another_leader_is_refused(by: str, absent: tuple[str, ...]) -> None:
    leave, ledger = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.approve(act(by, absent=absent), roster()))

    then.refused("L5", status=403)
    assert leave.status == "reported"
    untouched(ledger)


def test_L5_P3_the_ab_partner_does_not_approve_while_the_vice_mayor_in_charge_is_away() -> None:
    """AB partners cover some official activities, not leave approval (P3, art. 61)."""
    leave, ledger = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.approve(act("p-vm-b", absent=("p-vm-a",)), roster()))

    then.refused("L5", status=403)
    untouched(ledger)


def test_L5_P3_while_the_vice_mayor_in_charge_is_away_the_mayor_approves() -> None:
    leave, ledger = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.approve(act("p-mayor", absent=("p-vm-a",)), roster()))

    (event,) = then.events("Approved")
    assert (event.meta["actor_office"], event.meta["acting_for"]) == ("mayor", None)
    assert event.meta["rules"] == ["L5"]
    untouched(ledger)


def test_L5_P2_with_the_vice_mayor_and_the_mayor_away_the_acting_mayor_approves() -> None:
    leave, _ = leave_and_ledger("p-ecology-head", approval_by="p-vm-a")

    then = on(leave, lambda x: x.approve(act("p-exec-vm", absent=("p-vm-a", "p-mayor")),
                                         roster()))  # fmt: skip

    (event,) = then.events("Approved")
    assert (event.meta["acting_for"], event.meta["rules"]) == ("p-mayor", ["L5", "P2"])


def test_L5_the_vice_mayor_in_charge_is_the_one_of_the_unit_the_head_now_leads() -> None:
    """The ecology head moved to head housing (u-housing, p-vm-b's division) on 2026-06-01:
    their leaving the city is approved by p-vm-b, not by the vice-mayor of the unit they
    headed before."""
    r = roster()
    admin_actor = r.actor("p-admin", AT.date())
    assert admin_actor is not None
    admin = Act(admin_actor, AT, correlation_id="spec")
    moved = datetime(2026, 6, 1).date()
    r.relieve(admin, "p-housing-head", "unit_head", moved)
    r.relieve(admin, "p-ecology-head", "unit_head", moved)
    r.appoint(admin, "p-ecology-head", "徐局长", "unit_head", moved, "u-housing")
    r.collect_events()
    actor = r.actor("p-ecology-head", START.astimezone(SHANGHAI).date())
    assert actor is not None
    ledger = ledger_with()

    leave = LeaveRecord.report(
        Act(actor, AT, correlation_id="spec"),
        r,
        ledger,
        **fields_for("p-ecology-head"),
    )

    assert leave.approval_by == "p-vm-b"


# ----- L6 return (销假), overdue --------------------------------------------------------------


def test_L6_the_return_is_due_at_the_planned_end() -> None:
    ledger = ledger_with()

    then = reporting("p-vm-a", ledger)

    (event,) = then.events("Created")
    assert event.return_due == END
    assert event.return_due == event.ends_at
    assert "L6" in event.meta["rules"]
    assert then.aggregate.return_due == END


def test_L6_the_return_is_reported_on_the_leave_and_ends_the_absence_on_the_ledger() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")
    returned_at = START + DAY

    then = on(
        leave, lambda x: x.report_return(act("p-vm-a", at=returned_at + HOUR), ledger, returned_at)
    )

    (event,) = then.events("ReturnReported")
    assert event.returned_at == returned_at
    assert event.meta["rules"] == ["L6"]
    assert leave.status == "returned"
    assert leave.returned_at == returned_at
    (ended,) = ledger.collect_events()
    assert type(ended).__name__ == "Ended"
    assert ended.TOPIC == "govrules:AbsenceEnded"
    assert ended.leave_id == str(leave.id)
    assert ended.returned_at == returned_at
    assert ledger.entries[str(leave.id)]["returned_at"] == returned_at


def test_L6_the_office_reports_a_return_for_the_leader() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")

    then = on(leave, lambda x: x.report_return(act("p-office-dir", at=END), ledger, END))

    assert then.events("ReturnReported")[0].meta["actor_id"] == "p-office-dir"
    assert [type(e).__name__ for e in ledger.collect_events()] == ["Ended"]


def test_L6_a_return_in_the_future_is_refused() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")
    now = START + HOUR

    then = on(leave, lambda x: x.report_return(act("p-vm-a", at=now), ledger, now + HOUR))

    then.refused("L6")
    assert leave.status == "approved"
    untouched(ledger)


def test_L6_a_return_before_the_absence_began_is_refused() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")

    then = on(
        leave, lambda x: x.report_return(act("p-vm-a", at=START + HOUR), ledger, START - HOUR)
    )

    then.refused("L6")
    untouched(ledger)


def test_L6_a_return_is_reported_once() -> None:
    leave, ledger = leave_and_ledger(
        "p-vm-a",
        (LeaveRecord.ReturnReported, {"returned_at": START + DAY, "meta": meta("p-vm-a")}),
        acting_id="p-vm-b",
    )

    then = on(leave, lambda x: x.report_return(act("p-vm-a", at=END), ledger, END))

    then.refused("L6")
    untouched(ledger)


def test_L6_a_return_reported_by_someone_else_is_refused() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")

    then = on(leave, lambda x: x.report_return(act("p-vm-b", at=END), ledger, END))

    then.refused("L4", status=403)
    untouched(ledger)


def test_L6_an_absence_past_its_planned_end_without_return_is_overdue() -> None:
    leave, _ = leave_and_ledger("p-vm-a", acting_id="p-vm-b")

    assert leave.overdue_at(START + HOUR) is False
    assert leave.overdue_at(END - timedelta(seconds=1)) is False
    assert leave.overdue_at(END) is True
    assert leave.overdue_at(END + DAY) is True


def test_L6_an_absence_returned_from_is_not_overdue() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")
    assert leave.overdue_at(END + DAY) is True

    leave.report_return(act("p-vm-a", at=END + DAY), ledger, END + DAY)

    assert leave.overdue_at(END + DAY) is False
    assert leave.overdue_at(END + 10 * DAY) is False


def test_L6_a_cancelled_absence_is_not_overdue() -> None:
    leave, _ = leave_and_ledger(
        "p-vm-a", (LeaveRecord.Cancelled, {"meta": meta("p-vm-a")}), acting_id="p-vm-b"
    )

    assert leave.overdue_at(END + DAY) is False


def test_L6_cancelling_before_the_start_withdraws_the_absence_from_the_ledger() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")
    assert "p-vm-a" in ledger.away_at(START + HOUR)

    then = on(leave, lambda x: x.cancel(act("p-vm-a", at=START - HOUR), ledger))

    (event,) = then.events("Cancelled")
    assert event.meta["actor_id"] == "p-vm-a"
    assert leave.status == "cancelled"
    (withdrawn,) = ledger.collect_events()
    assert type(withdrawn).__name__ == "Withdrawn"
    assert withdrawn.leave_id == str(leave.id)
    assert str(leave.id) not in ledger.entries
    assert ledger.away_at(START + HOUR) == {}
    assert ledger.absences_of("p-vm-a", START, END) == []


def test_L6_cancelling_after_the_start_is_refused() -> None:
    leave, ledger = leave_and_ledger("p-vm-a", acting_id="p-vm-b")

    then = on(leave, lambda x: x.cancel(act("p-vm-a", at=START + HOUR), ledger))

    then.refused("L6")
    assert leave.status == "approved"
    untouched(ledger)
    assert "p-vm-a" in ledger.away_at(START + HOUR)


def test_L6_cancelling_a_returned_absence_is_refused() -> None:
    leave, ledger = leave_and_ledger(
        "p-vm-a",
        (LeaveRecord.ReturnReported, {"returned_at": START + DAY, "meta": meta("p-vm-a")}),
        acting_id="p-vm-b",
    )

    then = on(leave, lambda x: x.cancel(act("p-vm-a", at=START - HOUR), ledger))

    then.refused("L6")
    untouched(ledger)


# ----- P2, P3 who is away, who acts --------------------------------------------------------


def test_P2_P3_the_ledger_tells_who_is_away_at_a_moment_and_who_acts_for_them() -> None:
    mayor, vice_mayor, head = (str(uuid.uuid4()) for _ in range(3))
    ledger = ledger_with(
        away("p-mayor", START, END, acting_id="p-exec-vm", leave_id=mayor),
        away("p-vm-a", START + DAY, END + DAY, acting_id="p-vm-b", leave_id=vice_mayor),
        away("p-ecology-head", START - DAY, START, leave_id=head),
        back(head, START),
        back(mayor, END),
        back(vice_mayor, END + DAY),
    )

    assert set(ledger.away_at(START - HOUR)) == {"p-ecology-head"}
    assert ledger.away_at(START - HOUR)["p-ecology-head"]["acting_id"] is None
    at_start = ledger.away_at(START)
    assert set(at_start) == {"p-mayor"}  # the ecology head is back at START (end exclusive)
    assert at_start["p-mayor"]["acting_id"] == "p-exec-vm"
    both = ledger.away_at(START + DAY + HOUR)
    assert {p: e["acting_id"] for p, e in both.items()} == {
        "p-mayor": "p-exec-vm",
        "p-vm-a": "p-vm-b",
    }
    assert set(ledger.away_at(END)) == {"p-vm-a"}
    assert ledger.away_at(END + DAY) == {}


def test_L6_P2_an_absence_past_its_end_without_a_return_still_counts_as_away() -> None:
    """Overdue (L6): until the return is reported, whoever acts for the person goes on."""
    ledger = ledger_with(away("p-mayor", START, END, acting_id="p-exec-vm"))

    assert ledger.away_at(END + DAY)["p-mayor"]["acting_id"] == "p-exec-vm"
    assert ledger.absences_of("p-mayor", END, END + DAY) == []  # planned interval for L1


def test_P2_P3_a_return_cuts_the_absence_short() -> None:
    leave_id = str(uuid.uuid4())
    ledger = ledger_with(
        away("p-mayor", START, END, acting_id="p-exec-vm", leave_id=leave_id),
        back(leave_id, START + DAY),
    )

    assert "p-mayor" in ledger.away_at(START + DAY - HOUR)
    assert ledger.away_at(START + DAY) == {}
    assert ledger.away_at(START + 2 * DAY) == {}
    assert ledger.absences_of("p-mayor", START + DAY, END) == []


def test_P2_P3_a_late_return_does_not_extend_the_planned_absence() -> None:
    leave_id = str(uuid.uuid4())
    ledger = ledger_with(
        away("p-vm-a", START, END, acting_id="p-vm-b", leave_id=leave_id),
        back(leave_id, END + DAY),
    )

    assert "p-vm-a" in ledger.away_at(END - HOUR)
    assert ledger.away_at(END + HOUR) == {}


def reported(app: GovRules, person_id: str, fields: dict[str, Any]) -> Written:
    return run(app, person_id, c.ReportLeave(**fields))


def test_P2_P3_the_application_answers_who_is_away_and_who_acts() -> None:
    app = in_memory()
    reported(app, "p-mayor", fields_for("p-mayor"))
    reported(app, "p-vm-a", fields_for("p-vm-a", starts_at=START + DAY))

    assert app.absent_at(START - HOUR) == frozenset()
    assert app.absent_at(START + HOUR) == frozenset({"p-mayor"})
    assert app.absent_at(START + DAY + HOUR) == frozenset({"p-mayor", "p-vm-a"})
    acting = {e["person_id"]: e["acting_id"] for e in app.who_acts(START + DAY + HOUR)}
    assert acting == {"p-mayor": "p-exec-vm", "p-vm-a": "p-vm-b"}
    assert all(e["overdue"] is False for e in app.who_acts(START + DAY + HOUR))


def test_L3_P2_P3_the_application_shows_a_request_as_nobodys_absence_until_approved() -> None:
    app = in_memory()
    asked = reported(app, "p-vm-a", fields_for("p-vm-a", kind="private", reported_to_id=None))

    assert app.absent_at(START + HOUR) == frozenset()
    assert app.who_acts(START + HOUR) == []
    run(app, "p-mayor", c.ApproveLeave(asked.aggregate.id))

    assert app.absent_at(START + HOUR) == frozenset({"p-vm-a"})
    (entry,) = app.who_acts(START + HOUR)
    assert (entry["person_id"], entry["acting_id"]) == ("p-vm-a", "p-vm-b")  # P3


def test_L3_the_application_records_a_refused_request_as_no_absence() -> None:
    app = in_memory()
    asked = reported(app, "p-sg", fields_for("p-sg", kind="private", reported_to_id=None))

    written = run(app, "p-mayor", c.RefuseLeave(asked.aggregate.id, reason="近期工作繁重"))

    assert written.aggregate.status == "refused"
    assert app.absent_at(START + HOUR) == frozenset()
    ledger = app.ledger()
    assert ledger is None or ledger.entries == {}


def test_L4_the_ticker_records_an_absence_begun_unfiled_once_as_the_system() -> None:
    app = in_memory()
    trip = reported(app, "p-mayor", fields_for("p-mayor")).aggregate
    due = START.isoformat()

    assert record_deadline(app, "unfiled", trip.id, "", due, START - SECOND) is False
    assert record_deadline(app, "unfiled", trip.id, "", due, START + HOUR) is True
    assert record_deadline(app, "unfiled", trip.id, "", due, START + DAY) is False

    leave = app.load(LeaveRecord, trip.id)
    assert leave.unfiled == START
    recorded = list(app.repository.event_store.get(trip.id))
    (event,) = [e for e in recorded if type(e).__name__ == "Unfiled"]
    assert event.timestamp == START and event.meta["actor_id"] == "system"


def test_L6_who_acts_flags_an_absence_past_its_end_without_return_as_overdue() -> None:
    """/leaves and the leave dashboard show who is away "… return overdue": a leader who has
    not reported their return after the planned end is listed, flagged overdue."""
    app = in_memory()
    reported(app, "p-vm-a", fields_for("p-vm-a"))

    listed = {e["person_id"]: e for e in app.who_acts(END + HOUR)}

    assert "p-vm-a" in listed
    assert listed["p-vm-a"]["overdue"] is True


# ----- L1 under concurrency (real PostgreSQL) ----------------------------------------------

ROUNDS = 5


def test_L1_racing_absences_of_the_mayor_and_the_executive_vice_mayor_only_one_wins(
    services: Any,
) -> None:
    app = services.app
    winners: list[tuple[str, datetime]] = []
    for round_no in range(ROUNDS):
        now = services.clock.now()
        starts_at = now + timedelta(days=10 + 7 * round_no)
        requests = {
            "p-mayor": fields_for("p-mayor", starts_at=starts_at, ends_at=starts_at + 2 * DAY),
            "p-exec-vm": fields_for(
                "p-exec-vm", starts_at=starts_at + DAY, ends_at=starts_at + 3 * DAY
            ),
        }
        barrier = threading.Barrier(len(requests))

        def call(
            pid: str, fields: dict[str, Any], barrier: threading.Barrier, now: datetime = now
        ) -> Any:
            barrier.wait(timeout=30)
            try:
                return run(app, pid, c.ReportLeave(**fields), at=now)
            except RuleViolation as refusal:
                return refusal

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            futures = {pid: pool.submit(call, pid, requests[pid], barrier) for pid in requests}
            results = {pid: f.result(timeout=120) for pid, f in futures.items()}

        written = [pid for pid, r in results.items() if isinstance(r, Written)]
        refused = [r for r in results.values() if isinstance(r, RuleViolation)]
        assert len(written) == 1, results
        assert len(refused) == 1, results
        assert refused[0].rule.id == "L1"
        assert not isinstance(refused[0], NotAuthorised)  # 409, not 403
        (winner,) = written
        assert results[winner].aggregate.person_id == winner
        assert app.load(LeaveRecord, results[winner].aggregate.id).person_id == winner
        winners.append((winner, starts_at))

    ledger = app.ledger()
    assert ledger is not None
    entries = list(ledger.entries.values())
    assert len(entries) == ROUNDS
    for winner, starts_at in winners:
        in_round = [
            e
            for e in entries
            if starts_at <= e["starts_at"] < starts_at + 7 * DAY
            and e["person_id"] in ("p-mayor", "p-exec-vm")
        ]
        assert [e["person_id"] for e in in_round] == [winner]


def test_L1_the_mayor_records_the_executive_vice_mayors_absence_with_an_override() -> None:
    """The executive vice-mayor goes second: the override is the mayor's, so the mayor
    records the absence (leaders report to the mayor, L2) with the reason."""
    ledger = ledger_with(away("p-mayor", START, END, acting_id="p-exec-vm"))
    reason = "防汛紧急任务"

    then = reporting(
        "p-exec-vm",
        ledger,
        by="p-mayor",
        starts_at=START + HOUR,
        ends_at=END,
        acting_id="p-vm-a",
        reported_to_id="p-mayor",
        override_reason=reason,
    )

    (event,) = then.events("Created")
    assert event.override_reason == reason
    assert event.meta["actor_id"] == "p-mayor"
    assert "L1" in event.meta["rules"]
    assert entered(ledger).person_id == "p-exec-vm"
