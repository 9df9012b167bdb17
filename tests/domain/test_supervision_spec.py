"""Specs of the SupervisionItem aggregate (督查, Ch. 11–12): rules S1–S6.

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule with nothing recorded (``tests/domain/spec.py``). The rule text of
``shared/domain/rules.md`` is the spec. S3 is the ``overdue_at`` query the timer records
against; S4 is the metric ``leaders_leading`` (the supervision board feeds it); S5's ledger of
instructions is the board's (tests/projections/test_supervision_board.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.base import Act
from domain.clock import SHANGHAI
from domain.roster import InvalidReference, Roster
from domain.supervision import (
    Circular,
    SupervisionItem,
    leaders_leading,
)
from tests.domain.spec import AT, PAST_META, Then, act, given, refused_on_creation, roster, when

Past = tuple[type, dict[str, Any]]

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
REPORT_1 = AT + 10 * DAY
REPORT_2 = AT + 20 * DAY
DEADLINE = AT + 30 * DAY
SOURCE = {"kind": "instruction", "ref": "王市长批示〔2026〕12号"}


# ----- past events of an item ----------------------------------------------------------------


def meta(actor_id: str, **more: Any) -> dict[str, Any]:
    return {**PAST_META, "actor_id": actor_id, **more}


def registered(**overrides: Any) -> Past:
    payload: dict[str, Any] = {
        "title": "中央环保督察反馈问题整改",
        "source": dict(SOURCE),
        "lead_unit_id": "u-ecology",
        "co_unit_ids": ["u-housing"],
        "deadline": DEADLINE,
        "report_dates": [REPORT_1, REPORT_2],
        "first_responsible_id": "p-ecology-head",
        "led_by": None,
        "meta": meta("p-office-dir"),
    }
    payload.update(overrides)
    return (SupervisionItem.Registered, payload)


def reported(
    at: datetime = REPORT_1 - DAY, unit_id: str = "u-ecology", by: str = "p-ecology-head"
) -> Past:
    return (
        SupervisionItem.ProgressReported,
        {"unit_id": unit_id, "text": "已完成阶段整改", "timestamp": at, "meta": meta(by)},
    )


def verified(result: str = "passed", at: datetime = REPORT_2) -> Past:
    return (
        SupervisionItem.Verified,
        {"result": result, "findings": "经核查", "timestamp": at, "meta": meta("p-office-dir")},
    )


def rectification_ordered(due: datetime, at: datetime = REPORT_2) -> Past:
    return (
        SupervisionItem.RectificationOrdered,
        {"order": "限期整改", "due": due, "timestamp": at, "meta": meta("p-office-dir")},
    )


def closed(at: datetime = DEADLINE - DAY) -> Past:
    return (
        SupervisionItem.Closed,
        {"summary": "整改完成", "timestamp": at, "meta": meta("p-office-dir")},
    )


def item(*more: Past, **overrides: Any) -> SupervisionItem:
    supervised: SupervisionItem = given(SupervisionItem, registered(**overrides), *more)
    return supervised


def closed_item() -> SupervisionItem:
    return item(reported(), verified("passed"), closed())


# ----- commands ------------------------------------------------------------------------------


def register(
    by: str = "p-office-dir", at: datetime = AT, r: Roster | None = None, **overrides: Any
) -> SupervisionItem:
    fields: dict[str, Any] = {
        "title": "中央环保督察反馈问题整改",
        "source": dict(SOURCE),
        "lead_unit_id": "u-ecology",
        "co_unit_ids": ["u-housing"],
        "deadline": DEADLINE,
        "report_dates": [REPORT_1, REPORT_2],
    }
    fields.update(overrides)
    r = r or roster()
    return SupervisionItem.register(act_on(r, by, at), r, **fields)


def registering(**kwargs: Any) -> Then:
    return when(None, lambda _: register(**kwargs))


def act_on(r: Roster, person_id: str, at: datetime = AT) -> Act:
    actor = r.actor(person_id, at.astimezone(SHANGHAI).date())
    assert actor is not None, f"{person_id} holds no office on this roster"
    return Act(actor, at, correlation_id="spec")


def report_progress(
    i: SupervisionItem, by: str, unit_id: str, at: datetime = REPORT_1 - DAY
) -> Then:
    return when(i, lambda x: x.report_progress(act(by, at=at), unit_id, "已完成阶段整改"))


def verify(i: SupervisionItem, result: str = "passed", by: str = "p-office-dir") -> Then:
    return when(i, lambda x: x.verify(act(by, at=REPORT_2 + HOUR), result, "经核查"))


def order_rectification(i: SupervisionItem, due: datetime = DEADLINE + 10 * DAY) -> Then:
    return when(
        i, lambda x: x.order_rectification(act("p-office-dir", at=REPORT_2 + HOUR), "限期整改", due)
    )


def close(i: SupervisionItem, summary: str = "整改完成", by: str = "p-office-dir") -> Then:
    return when(i, lambda x: x.close(act(by, at=DEADLINE - HOUR), summary))


def circulate(i: SupervisionItem, by: str = "p-office-dir") -> Then:
    return when(i, lambda x: x.circulate(act(by, at=DEADLINE), "督查情况通报"))


# ----- S1 registration ---------------------------------------------------------------------


def test_S1_registered_by_the_office_with_lead_unit_co_units_source_deadline_report_dates() -> None:
    then = registering(co_unit_ids=["u-housing", "u-finance", "u-ecology", "u-housing"])

    (event,) = then.events("Created")
    assert event.TOPIC == "govrules:SupervisionItemRegistered"
    assert event.lead_unit_id == "u-ecology"
    assert event.co_unit_ids == ["u-housing", "u-finance"]  # the lead and duplicates dropped
    assert event.source == SOURCE
    assert event.deadline == DEADLINE
    assert event.report_dates == [REPORT_1, REPORT_2]
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["actor_office"] == "office_director"
    assert "S1" in event.meta["rules"]
    i = then.aggregate
    assert i.status == "registered"
    assert i.reports == [] and i.verifications == [] and i.closed is None


def test_S1_report_dates_are_kept_in_order() -> None:
    then = registering(report_dates=[REPORT_2, REPORT_1, REPORT_2])

    assert then.events("Created")[0].report_dates == [REPORT_1, REPORT_2]
    assert then.aggregate.due_reports() == [REPORT_1, REPORT_2]


@pytest.mark.parametrize(
    "kind", ["decision", "instruction", "npc_suggestion", "cppcc_proposal", "annual_task"]
)
def test_S1_each_source_kind_is_accepted(kind: str) -> None:
    then = registering(source={"kind": kind, "ref": "ref-1"})

    assert then.events("Created")[0].source == {"kind": kind, "ref": "ref-1"}


@pytest.mark.parametrize("by", ["p-finance-head", "p-ecology-head", "p-justice-head"])
def test_S1_registration_by_a_unit_head_is_refused(by: str) -> None:
    refused_on_creation(lambda: register(by=by), "S1", status=403)


@pytest.mark.parametrize("deadline", [AT, AT - DAY])
def test_S1_a_deadline_in_the_past_is_refused(deadline: datetime) -> None:
    refused_on_creation(lambda: register(deadline=deadline, report_dates=[]), "S1")


@pytest.mark.parametrize(
    "dates",
    [[AT], [AT - HOUR, REPORT_1], [REPORT_1, DEADLINE + timedelta(seconds=1)]],
    ids=["now", "past", "after-deadline"],
)
def test_S1_report_dates_outside_now_to_deadline_are_refused(dates: list[datetime]) -> None:
    refused_on_creation(lambda: register(report_dates=dates), "S1")


def test_S1_a_report_date_at_the_deadline_is_accepted() -> None:
    then = registering(report_dates=[DEADLINE])

    assert then.events("Created")[0].report_dates == [DEADLINE]


# ----- S2 first responsible person ---------------------------------------------------------


def test_S2_the_lead_units_head_is_the_first_responsible_person() -> None:
    then = registering(lead_unit_id="u-finance", co_unit_ids=["u-ecology"])

    (event,) = then.events("Created")
    assert event.first_responsible_id == "p-finance-head"
    assert then.aggregate.first_responsible_id == "p-finance-head"
    assert "S2" in event.meta["rules"]


def test_S2_the_first_responsible_person_stays_after_the_head_changes() -> None:
    r = roster()
    before = register(r=r)
    before.collect_events()
    admin = act_on(r, "p-admin")
    r.relieve(admin, "p-ecology-head", "unit_head", date(2026, 9, 28))
    r.appoint(admin, "p-ecology-new", "新局长", "unit_head", date(2026, 9, 28), "u-ecology")
    r.collect_events()

    after = register(r=r)

    assert before.first_responsible_id == "p-ecology-head"
    assert after.first_responsible_id == "p-ecology-new"
    # the new head reports for the unit; the first responsible person stays as recorded
    then = when(
        before,
        lambda x: x.report_progress(
            act_on(r, "p-ecology-new", REPORT_1 - DAY), "u-ecology", "进展"
        ),
    )
    then.events("ProgressReported")
    assert before.first_responsible_id == "p-ecology-head"


# ----- S1 progress, verification, rectification, closing, circular --------------------------


@pytest.mark.parametrize(
    ("by", "unit_id"), [("p-ecology-head", "u-ecology"), ("p-housing-head", "u-housing")]
)
def test_S1_progress_reported_by_the_lead_or_a_co_units_head_is_accepted(
    by: str, unit_id: str
) -> None:
    i = item()

    then = report_progress(i, by, unit_id)

    (event,) = then.events("ProgressReported")
    assert event.unit_id == unit_id
    assert event.meta["actor_id"] == by
    assert event.meta["actor_unit_id"] == unit_id
    assert i.status == "in_progress"
    assert i.reports[0].by == by


def test_S1_progress_reported_for_a_third_unit_is_refused() -> None:
    i = item()

    then = report_progress(i, "p-finance-head", "u-finance")

    then.refused("S1")
    assert i.reports == []


@pytest.mark.parametrize(
    ("by", "unit_id"),
    [("p-vm-a", "u-ecology"), ("p-finance-head", "u-ecology"), ("p-housing-head", "u-ecology")],
)
def test_S1_progress_reported_by_someone_not_heading_the_unit_is_refused(
    by: str, unit_id: str
) -> None:
    i = item()

    then = report_progress(i, by, unit_id)

    then.refused("S1", status=403)
    assert i.status == "registered"


def test_S1_a_progress_report_without_text_is_refused() -> None:
    i = item()

    then = when(i, lambda x: x.report_progress(act("p-ecology-head"), "u-ecology", "  "))

    then.refused("S1")


def test_S1_verification_before_any_report_is_refused() -> None:
    i = item()

    then = verify(i)

    then.refused("S1")
    assert i.verifications == []


def test_S1_verification_is_done_by_the_office() -> None:
    i = item(reported())

    then = verify(i, "passed")

    (event,) = then.events("Verified")
    assert event.result == "passed"
    assert event.meta["actor_id"] == "p-office-dir"
    assert i.status == "verified"


@pytest.mark.parametrize("by", ["p-ecology-head", "p-vm-a"])
def test_S1_verification_by_anyone_but_the_office_is_refused(by: str) -> None:
    i = item(reported())

    then = verify(i, by=by)

    then.refused("S1", status=403)


def test_S1_a_failed_verification_leads_to_rectification_with_a_due_date() -> None:
    i = item(reported())
    verify(i, "failed").events("Verified")
    assert i.status == "failed_verification"
    due = DEADLINE + 10 * DAY

    then = order_rectification(i, due)

    (event,) = then.events("RectificationOrdered")
    assert event.due == due
    assert event.order == "限期整改"
    assert i.status == "rectifying"
    assert i.rectifications[0].due == due


@pytest.mark.parametrize(
    "past",
    [[], [reported()], [reported(), verified("passed")]],
    ids=["registered", "reported", "verification-passed"],
)
def test_S1_rectification_without_a_failed_verification_is_refused(past: list[Past]) -> None:
    i = item(*past)

    then = order_rectification(i)

    then.refused("S1")
    assert i.rectifications == []


def test_S1_rectification_due_in_the_past_is_refused() -> None:
    i = item(reported(), verified("failed"))

    then = order_rectification(i, due=REPORT_2)

    then.refused("S1")


def test_S1_rectified_items_are_verified_again_and_then_close() -> None:
    i = item(reported(), verified("failed"), rectification_ordered(DEADLINE + 10 * DAY))

    verify(i, "passed").events("Verified")
    close(i).events("Closed")

    assert i.status == "closed"


@pytest.mark.parametrize(
    "past",
    [
        [],
        [reported()],
        [reported(), verified("failed")],
        [reported(), verified("failed"), rectification_ordered(DEADLINE + DAY)],
    ],
    ids=["registered", "reported", "verification-failed", "rectifying"],
)
def test_S1_closing_before_a_passed_verification_is_refused(past: list[Past]) -> None:
    i = item(*past)

    then = close(i)

    then.refused("S1")
    assert i.closed is None


def test_S1_closed_after_a_passed_verification_with_a_summary() -> None:
    i = item(reported(), verified("passed"))

    then = close(i, "整改完成，经核查合格")

    (event,) = then.events("Closed")
    assert event.summary == "整改完成，经核查合格"
    assert i.status == "closed"
    assert i.closed is not None and i.closed.summary == "整改完成，经核查合格"
    assert i.closed.by == "p-office-dir"


def test_S1_closing_without_a_summary_is_refused() -> None:
    i = item(reported(), verified("passed"))

    then = close(i, "  ")

    then.refused("S1")


def test_S1_closing_by_a_unit_head_is_refused() -> None:
    i = item(reported(), verified("passed"))

    then = close(i, by="p-ecology-head")

    then.refused("S1", status=403)


@pytest.mark.parametrize(
    "command",
    [
        lambda i: report_progress(i, "p-ecology-head", "u-ecology", at=DEADLINE),
        lambda i: verify(i, "passed"),
        lambda i: verify(i, "failed"),
        lambda i: order_rectification(i),
        lambda i: close(i),
    ],
    ids=["report", "verify-passed", "verify-failed", "rectify", "close-again"],
)
def test_S1_any_command_on_a_closed_item_is_refused(command: Any) -> None:
    i = closed_item()
    version = i.version

    then = command(i)

    then.refused("S1")
    assert i.status == "closed"
    assert i.version == version


def test_S1_results_are_circulated_only_after_closing() -> None:
    i = item(reported(), verified("passed"))

    then = circulate(i)

    then.refused("S1")
    assert i.circulars == []


def test_S1_results_of_a_closed_item_are_circulated() -> None:
    i = closed_item()

    then = circulate(i)

    (event,) = then.events("ResultsCirculated")
    assert event.text == "督查情况通报"
    assert i.circulars == [Circular("督查情况通报", DEADLINE)]


def test_S1_results_are_circulated_by_the_office() -> None:
    i = closed_item()

    then = circulate(i, by="p-ecology-head")

    then.refused("S1", status=403)


# ----- S3 overdue --------------------------------------------------------------------------


def test_S3_a_report_date_passed_without_a_report_is_late() -> None:
    i = item()

    assert i.overdue_at(REPORT_1 - HOUR) == {"reports": [], "deadline": False}
    assert i.overdue_at(REPORT_1) == {"reports": [REPORT_1], "deadline": False}
    assert i.overdue_at(REPORT_2 + HOUR) == {"reports": [REPORT_1, REPORT_2], "deadline": False}


def test_S3_a_report_before_the_date_satisfies_it() -> None:
    i = item(reported(REPORT_1 - DAY))

    assert i.overdue_at(REPORT_1 + HOUR)["reports"] == []
    # it satisfies the first date only; the second needs its own report
    assert i.overdue_at(REPORT_2 + HOUR)["reports"] == [REPORT_2]


def test_S3_a_report_after_the_date_leaves_it_late() -> None:
    i = item(reported(REPORT_1 + HOUR))

    assert i.overdue_at(REPORT_1 + DAY)["reports"] == [REPORT_1]


def test_S3_reports_for_each_date_satisfy_each() -> None:
    i = item(reported(REPORT_1 - DAY), reported(REPORT_2 - DAY, "u-housing", "p-housing-head"))

    assert i.overdue_at(DEADLINE - HOUR) == {"reports": [], "deadline": False}


def test_S3_the_deadline_passed_without_closing_is_overdue() -> None:
    i = item(reported(REPORT_1 - DAY), reported(REPORT_2 - DAY), verified("passed"))

    assert i.overdue_at(DEADLINE - HOUR)["deadline"] is False
    assert i.overdue_at(DEADLINE)["deadline"] is True
    assert i.overdue_at(DEADLINE + DAY)["deadline"] is True


def test_S3_a_closed_item_is_not_overdue() -> None:
    i = item(reported(REPORT_1 - DAY), reported(REPORT_2 - DAY), verified("passed"), closed())

    assert i.overdue_at(DEADLINE + DAY) == {"reports": [], "deadline": False}


def test_S3_a_rectification_due_passed_without_closing_is_overdue() -> None:
    due = REPORT_2 + 5 * DAY
    i = item(
        reported(REPORT_1 - DAY),
        reported(REPORT_2 - DAY),
        verified("failed"),
        rectification_ordered(due),
    )

    assert i.overdue_at(due - HOUR)["deadline"] is False
    assert i.overdue_at(due)["deadline"] is True


def test_S3_a_closure_past_the_deadline_leaves_the_item_overdue_for_the_time_it_was_late() -> None:
    """Closed two days late: asked about a moment between the deadline and the closure, the
    item was overdue then ("a report or closure past its date makes the item overdue")."""
    i = item(
        reported(REPORT_1 - DAY),
        reported(REPORT_2 - DAY),
        verified("passed", at=DEADLINE + DAY),
        closed(at=DEADLINE + 2 * DAY),
    )

    assert i.overdue_at(DEADLINE + HOUR)["deadline"] is True


# ----- S4 each city leader leads a suggestion and a proposal a year --------------------------


def _registered_on(at: datetime, kind: str, led_by: str | None) -> SupervisionItem:
    return given(
        SupervisionItem,
        registered(source={"kind": kind, "ref": f"{kind}-1"}, led_by=led_by),
        at=at,
    )


def _led(items: list[SupervisionItem]) -> list[tuple[str | None, str, datetime]]:
    """What the supervision board keeps of each item for S4."""
    return [(i.led_by, i.source["kind"], i.created_on) for i in items]


def test_S4_leaders_leading_a_suggestion_and_a_proposal_each_year() -> None:
    in_2026 = datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    items = [
        _registered_on(in_2026, "npc_suggestion", "p-mayor"),
        _registered_on(in_2026, "cppcc_proposal", "p-mayor"),
        _registered_on(in_2026, "npc_suggestion", "p-vm-a"),
        _registered_on(in_2026, "instruction", "p-vm-b"),
        _registered_on(datetime(2025, 12, 31, 15, 0, tzinfo=UTC), "cppcc_proposal", "p-vm-a"),
        _registered_on(in_2026, "cppcc_proposal", None),
    ]

    led = leaders_leading(_led(items), ["p-mayor", "p-vm-a", "p-vm-b", "p-sg"], 2026)

    assert led == {
        "p-mayor": {"npc_suggestion": True, "cppcc_proposal": True},
        "p-vm-a": {"npc_suggestion": True, "cppcc_proposal": False},
        "p-vm-b": {"npc_suggestion": False, "cppcc_proposal": False},
        "p-sg": {"npc_suggestion": False, "cppcc_proposal": False},
    }


def test_S4_the_year_is_counted_in_Shanghai() -> None:
    """2025-12-31 16:00 UTC is 2026-01-01 00:00 in Shanghai."""
    new_year = datetime(2025, 12, 31, 16, 0, tzinfo=UTC)
    led = _led([_registered_on(new_year, "npc_suggestion", "p-vm-a")])

    assert leaders_leading(led, ["p-vm-a"], 2026)["p-vm-a"]["npc_suggestion"] is True
    assert leaders_leading(led, ["p-vm-a"], 2025)["p-vm-a"]["npc_suggestion"] is False


def test_S4_a_leader_leading_an_item_is_recorded_at_registration() -> None:
    then = registering(source={"kind": "npc_suggestion", "ref": "建议第88号"}, led_by="p-vm-c")

    assert then.events("Created")[0].led_by == "p-vm-c"
    assert then.aggregate.led_by == "p-vm-c"
    assert leaders_leading(_led([then.aggregate]), ["p-vm-c"], 2026)["p-vm-c"]["npc_suggestion"]


def test_S4_only_a_city_leader_leads_an_item() -> None:
    with pytest.raises(InvalidReference, match="not a city leader"):
        register(source={"kind": "npc_suggestion", "ref": "建议第89号"}, led_by="p-finance-head")
