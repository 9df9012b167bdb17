"""Specs of the Meeting aggregate (会议, Ch. 8): rules M1–M8, M11, M12, with P2 for the acting
mayor, and the M4/M5 metrics (``plenaries_in_year``, ``executive_gaps``).

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule (``tests/domain/spec.py``). The rule text of ``shared/domain/rules.md``
is the spec. M9, M10 and M13 (the decision taken at a meeting) are in ``test_decisions_spec``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.base import Act
from domain.clock import SHANGHAI
from domain.commands import ApproveCitywideMeeting, ConveneMeeting
from domain.meetings import (
    CitywideMeetingApproval,
    CitywideMeetingQuota,
    Meeting,
    citywide_quota_id,
    executive_gaps,
    members_of,
    plenaries_in_year,
)
from domain.roster import Roster
from domain.rules import RuleViolation
from tests.domain.spec import (
    AT,
    PAST_META,
    Past,
    act,
    given,
    in_memory,
    refused_on_creation,
    roster,
    run,
    when,
)
from tests.support.past_events import (
    EXECUTIVE,
    SCHEDULED,
    TOPIC,
    absence,
    closed,
    convened,
    minutes_drafted,
    minutes_signed,
    opened,
    papers_distributed,
    topic_decided,
    topic_proposed,
    topic_set,
)

TODAY = date(2026, 9, 28)
SINCE = date(2026, 1, 1)
DEPARTMENT_HEADS = [
    "p-office-dir",
    "p-justice-head",
    "p-finance-head",
    "p-ecology-head",
    "p-housing-head",
]
PLENARY = [*EXECUTIVE, *DEPARTMENT_HEADS]


# ----- meetings ready, open or closed -------------------------------------------------------


def ready_executive(*more: Past, convener_id: str = "p-mayor") -> list[Past]:
    """An executive meeting convened, with a topic proposed and set, and papers out."""
    return [
        convened("executive", convener_id),
        topic_proposed(),
        topic_set(),
        papers_distributed(),
        *more,
    ]


def open_executive(*more: Past, present: list[str] = EXECUTIVE) -> Meeting:
    """An executive meeting open with ``present`` (all six members by default)."""
    return given(Meeting, *ready_executive(opened(EXECUTIVE, present)), *more)


def closed_meeting(kind: str = "executive", *more: Past, **convening: Any) -> Meeting:
    present = EXECUTIVE if kind == "executive" else ["p-mayor", "p-vm-a", "p-sg"]
    members = EXECUTIVE if kind == "executive" else []
    return given(
        Meeting,
        convened(kind, **convening),
        papers_distributed(),
        opened(members, present),
        closed(),
        *more,
    )


# ----- helpers ------------------------------------------------------------------------------


def convene(by: str, absent: tuple[str, ...] = (), r: Roster | None = None, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "kind": "executive",
        "title": "市政府第1次常务会议",
        "convener_id": by,
        "scheduled_at": SCHEDULED,
    }
    values.update(fields)
    return Meeting.convene(act(by, absent=absent), r or roster(), **values)


def convening(by: str, absent: tuple[str, ...] = (), **fields: Any) -> Any:
    """The creating command as a ``when`` command."""
    return when(None, lambda _: convene(by, absent, **fields))


def roster_with_vice_mayors(count: int) -> Roster:
    """The example roster plus ``count`` more vice-mayors (executive members, M3)."""
    r = roster()
    admin = act("p-admin")
    for n in range(1, count + 1):
        r.appoint(admin, f"p-vm-extra-{n}", f"新副市长{n}", "vice_mayor", SINCE)
    r.collect_events()
    return r


def extra_vice_mayors(count: int) -> list[str]:
    return [f"p-vm-extra-{n}" for n in range(1, count + 1)]


def act_on(r: Roster, person_id: str, at: datetime = AT, absent: tuple[str, ...] = ()) -> Act:
    actor = r.actor(person_id, at.astimezone(SHANGHAI).date())
    assert actor is not None, f"{person_id} holds no office on this roster"
    return Act(actor, at, correlation_id="spec", absent=frozenset(absent))


def open_with(meeting: Meeting, present: list[str], by: str = "p-mayor", **kwargs: Any) -> Any:
    r = kwargs.pop("r", None) or roster()
    absent = kwargs.pop("absent", ())
    return when(meeting, lambda m: m.open(act(by, absent=absent), r, present))


def decide(
    meeting: Meeting,
    positions: dict[str, str],
    dissent_notes: dict[str, str] | None = None,
    by: str = "p-mayor",
    topic_id: str = TOPIC,
    absent: tuple[str, ...] = (),
) -> Any:
    return when(
        meeting,
        lambda m: m.decide(
            act(by, absent=absent), roster(), topic_id, "原则通过", positions, dissent_notes
        ),
    )


def all_agree(present: list[str] = EXECUTIVE) -> dict[str, str]:
    return dict.fromkeys(present, "agree")


# ----- M1 kinds -----------------------------------------------------------------------------


def test_M1_unknown_meeting_kind_is_refused() -> None:
    refused_on_creation(lambda: convene("p-mayor", kind="party_meeting"), "M1")


@pytest.mark.parametrize(
    ("kind", "convener", "fields"),
    [
        ("plenary", "p-mayor", {}),
        ("executive", "p-mayor", {}),
        ("mayor_office", "p-mayor", {}),
        ("special_topic", "p-vm-a", {}),
        ("department_citywide", "p-finance-head", {"unit_id": "u-finance"}),
    ],
)
def test_M1_each_kind_is_accepted_with_a_proper_convener(
    kind: str, convener: str, fields: dict[str, Any]
) -> None:
    then = convening(convener, kind=kind, **fields)

    (event,) = then.events("Created")
    assert event.kind == kind
    assert event.convener_id == convener
    assert event.meta["actor_id"] == convener
    assert event.meta["acting_for"] is None
    assert "M1" in event.meta["rules"]
    assert then.aggregate.kind == kind
    assert then.aggregate.status == "convened"


# ----- M2 who convenes ------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["plenary", "executive", "mayor_office"])
def test_M2_mayors_meeting_convened_by_the_mayor_is_accepted(kind: str) -> None:
    then = convening("p-mayor", kind=kind)

    (event,) = then.events("Created")
    assert event.convener_id == "p-mayor"
    assert event.meta["actor_office"] == "mayor"
    assert "M2" in event.meta["rules"]


@pytest.mark.parametrize("kind", ["plenary", "executive", "mayor_office"])
@pytest.mark.parametrize("vice_mayor", ["p-vm-a", "p-exec-vm"])
def test_M2_mayors_meeting_convened_by_a_vice_mayor_is_refused(kind: str, vice_mayor: str) -> None:
    refused_on_creation(lambda: convene(vice_mayor, kind=kind), "M2", status=403)


def test_M2_P2_acting_mayor_convenes_an_executive_meeting_while_the_mayor_is_away() -> None:
    then = convening("p-exec-vm", absent=("p-mayor",), kind="executive")

    (event,) = then.events("Created")
    assert event.convener_id == "p-exec-vm"
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["actor_office"] == "executive_vice_mayor"
    assert event.meta["acting_for"] == "p-mayor"
    assert "M2" in event.meta["rules"]
    assert "P2" in event.meta["rules"]


def test_M2_P2_executive_vice_mayor_convening_while_the_mayor_is_present_is_refused() -> None:
    refused_on_creation(lambda: convene("p-exec-vm", kind="executive"), "M2", status=403)


def test_M2_P2_another_leader_being_away_does_not_make_an_acting_mayor() -> None:
    refused_on_creation(
        lambda: convene("p-exec-vm", absent=("p-vm-a",), kind="executive"), "M2", status=403
    )


def test_M2_P2_a_vice_mayor_is_not_acting_mayor_while_the_mayor_is_away() -> None:
    refused_on_creation(
        lambda: convene("p-vm-a", absent=("p-mayor",), kind="executive"), "M2", status=403
    )


@pytest.mark.parametrize("convener", ["p-mayor", "p-exec-vm", "p-vm-b", "p-sg"])
def test_M2_special_topic_meeting_by_a_city_leader_is_accepted(convener: str) -> None:
    then = convening(convener, kind="special_topic")

    (event,) = then.events("Created")
    assert event.convener_id == convener
    assert event.entrusted_by is None
    assert "M2" in event.meta["rules"]


def test_M2_special_topic_meeting_by_a_deputy_secretary_general_not_entrusted_is_refused() -> None:
    refused_on_creation(lambda: convene("p-dsg", kind="special_topic"), "M2", status=403)


@pytest.mark.parametrize("entrusting", ["p-mayor", "p-exec-vm", "p-vm-a", "p-sg"])
def test_M2_special_topic_meeting_by_an_entrusted_deputy_secretary_general_is_accepted(
    entrusting: str,
) -> None:
    then = convening("p-dsg", kind="special_topic", entrusted_by=entrusting)

    (event,) = then.events("Created")
    assert event.convener_id == "p-dsg"
    assert event.entrusted_by == entrusting
    assert event.meta["actor_office"] == "deputy_secretary_general"
    assert then.aggregate.entrusted_by == entrusting


@pytest.mark.parametrize("entrusting", ["p-finance-head", "p-office-dir", "p-dsg"])
def test_M2_deputy_secretary_general_entrusted_by_someone_not_entitled_is_refused(
    entrusting: str,
) -> None:
    refused_on_creation(
        lambda: convene("p-dsg", kind="special_topic", entrusted_by=entrusting), "M2", status=403
    )


@pytest.mark.parametrize("convener", ["p-finance-head", "p-office-dir"])
def test_M2_special_topic_meeting_by_a_unit_head_is_refused(convener: str) -> None:
    refused_on_creation(lambda: convene(convener, kind="special_topic"), "M2", status=403)


def test_M2_department_citywide_meeting_by_the_units_head_is_accepted() -> None:
    then = convening("p-ecology-head", kind="department_citywide", unit_id="u-ecology")

    (event,) = then.events("Created")
    assert event.unit_id == "u-ecology"
    assert event.meta["actor_unit_id"] == "u-ecology"
    assert "M12" in event.meta["rules"]


def test_M2_department_citywide_meeting_by_another_units_head_is_refused() -> None:
    refused_on_creation(
        lambda: convene("p-finance-head", kind="department_citywide", unit_id="u-ecology"),
        "M2",
        status=403,
    )


def test_M2_P2_acting_mayor_chairs_the_mayors_meeting_while_the_mayor_is_away() -> None:
    """The mayor convened it, then went away: the executive vice-mayor opens it as acting
    mayor, and the Opened event records both the actor and the office acted for (P2)."""
    meeting = given(Meeting, *ready_executive())

    then = open_with(meeting, EXECUTIVE[1:], by="p-exec-vm", absent=("p-mayor",))

    (event,) = then.events("Opened")
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["actor_office"] == "executive_vice_mayor"
    assert event.meta["acting_for"] == "p-mayor"
    assert "P2" in event.meta["rules"]


def test_M2_executive_vice_mayor_chairing_the_mayors_meeting_while_the_mayor_is_present() -> None:
    meeting = given(Meeting, *ready_executive())

    then = open_with(meeting, EXECUTIVE, by="p-exec-vm")

    then.refused("M2", status=403)


def test_M2_special_topic_meeting_is_chaired_by_its_convener_only() -> None:
    meeting = given(Meeting, convened("special_topic", "p-vm-a"))

    then = open_with(meeting, ["p-vm-a", "p-vm-b"], by="p-vm-b")

    then.refused("M2", status=403)


# ----- M3 quorum of the executive meeting -----------------------------------------------------


def test_M3_executive_members_are_the_mayor_the_vice_mayors_and_the_secretary_general() -> None:
    assert members_of("executive", roster(), TODAY) == EXECUTIVE
    assert members_of("executive", roster_with_vice_mayors(2), TODAY) == [
        *EXECUTIVE[:-1],
        *extra_vice_mayors(2),
        "p-sg",
    ]


@pytest.mark.parametrize("extra", [0, 1, 2])  # 6, 7 and 8 members on the example roster
@pytest.mark.parametrize("accepted", [False, True])
def test_M3_executive_meeting_opens_with_at_least_half_of_its_members(
    extra: int, accepted: bool
) -> None:
    r = roster_with_vice_mayors(extra)
    members = [*EXECUTIVE[:-1], *extra_vice_mayors(extra), "p-sg"]  # the roster's order
    assert members_of("executive", r, TODAY) == members
    # half (rounded up: half of 7 is 3.5) opens, one fewer does not: 3 of 6, 4 of 7, 4 of 8
    half = (len(members) + 1) // 2
    present_count = half if accepted else half - 1
    # the mayor and the last members of the list, so the appointed vice-mayors are counted
    present = [members[0], *members[len(members) - present_count + 1 :]]
    meeting = given(Meeting, *ready_executive())

    then = open_with(meeting, present, r=r)

    if not accepted:
        refusal = then.refused("M3")
        assert f"{present_count} of {len(members)}" in refusal.detail
        assert then.aggregate.status == "convened"
        return
    (event,) = then.events("Opened")
    assert event.members == members
    assert event.present == present
    assert event.absent_without_leave == [m for m in members if m not in present]
    assert "M3" in event.meta["rules"]
    assert then.aggregate.status == "open"


def test_M3_members_are_counted_from_the_roster_passed_at_opening() -> None:
    """A vice-mayor appointed after convening is a member when the meeting opens."""
    r = roster_with_vice_mayors(2)
    meeting = given(Meeting, *ready_executive())
    example = members_of("executive", roster(), TODAY)
    present = example[: len(example) // 2]  # half of the example roster: 3 of 6 would open

    then = open_with(meeting, present, r=r)

    then.refused("M3")


def test_M3_stand_ins_and_non_members_do_not_count_toward_the_quorum() -> None:
    meeting = given(
        Meeting,
        *ready_executive(
            absence("p-vm-a", stand_in_id="p-dsg"),
            absence("p-vm-b", stand_in_id="p-office-dir"),
            absence("p-vm-c", stand_in_id="p-finance-head"),
            absence("p-exec-vm", stand_in_id="p-housing-head"),
        ),
    )
    present = ["p-mayor", "p-sg", "p-dsg", "p-office-dir", "p-finance-head", "p-housing-head"]

    then = open_with(meeting, present)

    refusal = then.refused("M3")
    assert f"2 of {len(members_of('executive', roster(), TODAY))}" in refusal.detail


def test_M3_four_of_eight_open_and_three_of_eight_do_not() -> None:
    """半数以上 includes half (以上 includes the number itself: Civil Code art. 1259)."""
    r = roster_with_vice_mayors(2)
    members = members_of("executive", r, TODAY)
    assert len(members) == 8

    open_with(given(Meeting, *ready_executive()), members[:3], r=r).refused("M3")
    (event,) = open_with(given(Meeting, *ready_executive()), members[:4], r=r).events("Opened")
    assert event.present == members[:4]


def test_M3_four_of_seven_open_and_three_of_seven_do_not() -> None:
    r = roster_with_vice_mayors(1)
    members = members_of("executive", r, TODAY)
    assert len(members) == 7

    open_with(given(Meeting, *ready_executive()), members[:3], r=r).refused("M3")
    open_with(given(Meeting, *ready_executive()), members[:4], r=r).events("Opened")


def test_M7_a_member_with_a_recorded_absence_cannot_be_counted_present() -> None:
    meeting = given(Meeting, *ready_executive(absence("p-vm-a", stand_in_id="p-dsg")))

    then = open_with(meeting, ["p-mayor", "p-exec-vm", "p-vm-a", "p-sg"])

    refusal = then.refused("M7")
    assert "p-vm-a" in refusal.detail
    assert then.aggregate.status == "convened"


def test_M7_a_member_away_on_recorded_leave_cannot_be_counted_present() -> None:
    """An absence on the ledger (请销假: p-vm-a away on an official trip) is as recorded as
    one asked of the meeting: the same person is not also listed present."""
    meeting = given(Meeting, *ready_executive())

    then = open_with(meeting, ["p-mayor", "p-exec-vm", "p-vm-a", "p-sg"], absent=("p-vm-a",))

    refusal = then.refused("M7")
    assert "p-vm-a" in refusal.detail
    assert then.aggregate.status == "convened"
    (event,) = open_with(meeting, ["p-mayor", "p-exec-vm", "p-vm-b", "p-sg"],
                         absent=("p-vm-a",)).events("Opened")  # fmt: skip
    assert "p-vm-a" not in event.present


def test_M3_other_kinds_have_no_quorum() -> None:
    meeting = given(Meeting, convened("special_topic", "p-vm-a"))

    then = open_with(meeting, ["p-vm-a"], by="p-vm-a")

    (event,) = then.events("Opened")
    assert event.members == []
    assert event.present == ["p-vm-a"]
    assert "M3" not in event.meta["rules"]


def test_M3_a_meeting_opens_once() -> None:
    meeting = open_executive()

    then = open_with(meeting, EXECUTIVE)

    then.refused("M3")


# ----- M4 plenaries a year (metric) ---------------------------------------------------------


def _at(month: int, day: int, year: int = 2026) -> datetime:
    return datetime(year, month, day, 1, 0, tzinfo=UTC)


def test_M4_plenary_members_are_the_executive_members_and_department_heads() -> None:
    members = members_of("plenary", roster(), TODAY)

    assert members == PLENARY
    assert "p-east-head" not in members  # a county head is not a plenary member


def test_M4_three_plenaries_in_a_year_are_met() -> None:
    held = [("plenary", _at(2, 1)), ("plenary", _at(6, 1)), ("plenary", _at(11, 1))]

    result = plenaries_in_year(held, 2026)

    assert result == {"year": 2026, "held": 3, "expected": 3, "met": True}


def test_M4_two_plenaries_in_a_year_are_not_met() -> None:
    held = [
        ("plenary", _at(2, 1)),
        ("plenary", _at(6, 1)),
        ("executive", _at(7, 1)),  # not a plenary
        ("plenary", _at(3, 1, year=2025)),  # another year
        # 2026-12-31 17:00 UTC is 2027-01-01 01:00 in Shanghai: next year's plenary
        ("plenary", datetime(2026, 12, 31, 17, 0, tzinfo=UTC)),
    ]

    result = plenaries_in_year(held, 2026)

    assert result == {"year": 2026, "held": 2, "expected": 3, "met": False}


# ----- M5 executive meetings every two weeks (metric) -----------------------------------------


def test_M5_a_gap_of_fifteen_days_is_flagged() -> None:
    first = _at(9, 1)
    second = first + timedelta(days=15)

    gaps = executive_gaps([second, first], until=second)

    assert gaps == [{"from": first.isoformat(), "to": second.isoformat(), "days": 15.0}]


def test_M5_a_gap_of_fourteen_days_is_not_flagged() -> None:
    first = _at(9, 1)
    second = first + timedelta(days=14)

    assert executive_gaps([first, second], until=second + timedelta(days=14)) == []


def test_M5_the_time_since_the_last_executive_meeting_is_flagged_past_fourteen_days() -> None:
    last = _at(9, 1)
    now = last + timedelta(days=14, hours=12)

    gaps = executive_gaps([last], until=now)

    assert len(gaps) == 1
    assert gaps[0]["from"] == last.isoformat()
    assert gaps[0]["to"] == now.isoformat()
    assert gaps[0]["days"] == 14.5


# ----- M6 agenda topics and papers ------------------------------------------------------------


@pytest.mark.parametrize("proposer", ["p-vm-a", "p-exec-vm", "p-sg", "p-mayor"])
def test_M6_topic_proposed_by_a_city_leader_is_accepted(proposer: str) -> None:
    meeting = given(Meeting, convened())

    then = when(meeting, lambda m: m.propose_topic(act(proposer), roster(), "议题", proposer))

    (event,) = then.events("TopicProposed")
    assert event.proposed_by == proposer
    assert event.meta["rules"] == ["M6"]
    topic = then.aggregate.topics[event.topic_id]
    assert topic.set_at is None


def test_M6_the_office_records_a_topic_proposed_in_writing_by_a_vice_mayor() -> None:
    meeting = given(Meeting, convened())

    then = when(meeting, lambda m: m.propose_topic(act("p-office-dir"), roster(), "议题", "p-vm-a"))

    (event,) = then.events("TopicProposed")
    assert event.proposed_by == "p-vm-a"
    assert event.meta["actor_id"] == "p-office-dir"


@pytest.mark.parametrize("kind", ["executive", "plenary"])
def test_M6_topic_proposed_by_a_unit_head_is_refused(kind: str) -> None:
    meeting = given(Meeting, convened(kind))

    then = when(
        meeting,
        lambda m: m.propose_topic(act("p-finance-head"), roster(), "议题", "p-finance-head"),
    )

    then.refused("M6", status=403)


def test_M6_proposing_a_topic_after_opening_is_refused() -> None:
    meeting = open_executive()

    then = when(meeting, lambda m: m.propose_topic(act("p-vm-a"), roster(), "临时议题", "p-vm-a"))

    then.refused("M6")


def test_M6_the_mayor_sets_a_topic() -> None:
    meeting = given(Meeting, convened(), topic_proposed())

    then = when(meeting, lambda m: m.set_topic(act("p-mayor"), roster(), TOPIC))

    (event,) = then.events("TopicSet")
    assert event.topic_id == TOPIC
    assert event.meta["actor_office"] == "mayor"
    assert event.meta["acting_for"] is None
    assert then.aggregate.topics[TOPIC].set_by == "p-mayor"


@pytest.mark.parametrize("by", ["p-vm-a", "p-exec-vm", "p-sg", "p-office-dir"])
def test_M6_topic_set_by_someone_other_than_the_mayor_is_refused(by: str) -> None:
    meeting = given(Meeting, convened(), topic_proposed())

    then = when(meeting, lambda m: m.set_topic(act(by), roster(), TOPIC))

    then.refused("M6", status=403)
    assert then.aggregate.topics[TOPIC].set_at is None


def test_M6_P2_acting_mayor_sets_a_topic_while_the_mayor_is_away() -> None:
    meeting = given(Meeting, convened(), topic_proposed())

    then = when(
        meeting, lambda m: m.set_topic(act("p-exec-vm", absent=("p-mayor",)), roster(), TOPIC)
    )

    (event,) = then.events("TopicSet")
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["acting_for"] == "p-mayor"
    assert event.meta["rules"] == ["M6", "P2"]
    assert then.aggregate.topics[TOPIC].set_by == "p-exec-vm"


def test_M6_a_special_topic_meetings_topics_are_set_by_its_convener_not_the_mayor() -> None:
    meeting = given(Meeting, convened("special_topic", "p-vm-a"), topic_proposed())

    then = when(meeting, lambda m: m.set_topic(act("p-vm-a"), roster(), TOPIC))

    (event,) = then.events("TopicSet")
    assert event.meta["actor_id"] == "p-vm-a"
    assert event.meta["rules"] == ["M6"]
    assert then.aggregate.topics[TOPIC].set_by == "p-vm-a"


@pytest.mark.parametrize("by", ["p-mayor", "p-vm-b", "p-office-dir"])
def test_M6_nobody_else_sets_a_special_topic_meetings_topics(by: str) -> None:
    meeting = given(Meeting, convened("special_topic", "p-vm-a"), topic_proposed())

    then = when(meeting, lambda m: m.set_topic(act(by), roster(), TOPIC))

    then.refused("M6", status=403)
    assert then.aggregate.topics[TOPIC].set_at is None


@pytest.mark.parametrize("by", ["p-dsg", "p-vm-b"])
def test_M6_an_entrusted_special_topic_meetings_topics_are_set_by_convener_or_entruster(
    by: str,
) -> None:
    meeting = given(
        Meeting, convened("special_topic", "p-dsg", entrusted_by="p-vm-b"), topic_proposed()
    )

    then = when(meeting, lambda m: m.set_topic(act(by), roster(), TOPIC))

    then.events("TopicSet")


def test_M6_a_topic_is_not_set_after_opening() -> None:
    meeting = given(Meeting, convened(), topic_proposed(), papers_distributed(),
                    opened(EXECUTIVE, EXECUTIVE))  # fmt: skip

    then = when(meeting, lambda m: m.set_topic(act("p-mayor"), roster(), TOPIC))

    then.refused("M6")


def test_M6_a_topic_never_set_cannot_be_decided() -> None:
    meeting = given(
        Meeting, convened(), topic_proposed(), papers_distributed(), opened(EXECUTIVE, EXECUTIVE)
    )

    then = decide(meeting, all_agree())

    then.refused("M6")
    assert then.aggregate.topics[TOPIC].decided is None


def test_M6_a_vice_mayors_special_topic_meeting_decides_the_topic_it_set_itself() -> None:
    meeting = given(Meeting, convened("special_topic", "p-vm-a"), topic_proposed())
    leader = act("p-vm-a")
    meeting.set_topic(leader, roster(), TOPIC)
    meeting.open(leader, roster(), ["p-vm-a", "p-finance-head"])

    then = when(
        meeting,
        lambda m: m.decide(
            leader, roster(), TOPIC, "原则同意", {"p-vm-a": "agree", "p-finance-head": "agree"}
        ),
    )

    assert [type(e).__name__ for e in then.new_events] == ["TopicSet", "Opened", "TopicDecided"]
    assert then.aggregate.topics[TOPIC].decided.text == "原则同意"


def test_M6_a_topic_is_decided_only_while_the_meeting_is_open() -> None:
    meeting = given(Meeting, *ready_executive())

    then = decide(meeting, all_agree())

    then.refused("M6")


def test_M6_the_office_records_papers_distributed() -> None:
    meeting = given(Meeting, convened(), topic_proposed(), topic_set())
    sent = AT - timedelta(hours=20)

    then = when(meeting, lambda m: m.distribute_papers(act("p-office-dir"), sent))

    (event,) = then.events("PapersDistributed")
    assert event.distributed_at == sent
    assert then.aggregate.papers_distributed_at == sent


def test_M6_papers_are_not_recorded_as_distributed_in_advance() -> None:
    meeting = given(Meeting, convened())

    then = when(
        meeting, lambda m: m.distribute_papers(act("p-office-dir"), AT + timedelta(hours=1))
    )

    then.refused("M6")


def test_M6_papers_are_recorded_by_the_office_only() -> None:
    meeting = given(Meeting, convened())

    then = when(meeting, lambda m: m.distribute_papers(act("p-vm-a"), AT))

    then.refused("M6", status=403)


@pytest.mark.parametrize("kind", ["executive", "plenary"])
def test_M6_meeting_without_papers_distributed_cannot_open(kind: str) -> None:
    meeting = given(Meeting, convened(kind), topic_proposed(), topic_set())

    then = open_with(meeting, PLENARY)

    then.refused("M6")
    assert then.aggregate.status == "convened"


def test_M6_executive_meeting_with_papers_out_opens() -> None:
    meeting = given(Meeting, *ready_executive())

    then = open_with(meeting, EXECUTIVE)

    (event,) = then.events("Opened")
    assert event.meta["rules"] == ["M7", "M3", "M6"]
    assert event.meta["actor_id"] == "p-mayor"


# ----- M7 leave and absence -------------------------------------------------------------------


def record_absence(
    meeting: Meeting, person_id: str, approved_by: str, stand_in_id: str | None = None,
    absent: tuple[str, ...] = (), reason: str = "出差",
) -> Any:  # fmt: skip
    return when(
        meeting,
        lambda m: m.record_absence(
            act("p-office-dir", absent=absent), roster(), person_id, reason, approved_by,
            stand_in_id,
        ),
    )  # fmt: skip


def test_M7_a_vice_mayors_leave_approved_by_the_mayor_is_recorded() -> None:
    meeting = given(Meeting, convened())

    then = record_absence(meeting, "p-vm-a", "p-mayor")

    (event,) = then.events("AbsenceRecorded")
    assert event.person_id == "p-vm-a"
    assert event.approved_by == "p-mayor"
    assert event.reason == "出差"
    assert event.meta["actor_id"] == "p-office-dir"
    assert event.meta["rules"] == ["M7"]


@pytest.mark.parametrize("approver", ["p-exec-vm", "p-sg", "p-vm-b", "p-office-dir"])
def test_M7_a_vice_mayors_leave_approved_by_someone_other_than_the_mayor_is_refused(
    approver: str,
) -> None:
    meeting = given(Meeting, convened())

    then = record_absence(meeting, "p-vm-a", approver)

    then.refused("M7")
    assert then.aggregate.absences == {}


def test_M7_P2_acting_mayor_approves_leave_while_the_mayor_is_away() -> None:
    meeting = given(Meeting, convened())

    then = record_absence(meeting, "p-vm-a", "p-exec-vm", absent=("p-mayor",))

    (event,) = then.events("AbsenceRecorded")
    assert event.approved_by == "p-exec-vm"


@pytest.mark.parametrize("head", ["p-finance-head", "p-east-head", "p-office-dir"])
def test_M7_a_unit_heads_absence_without_a_stand_in_is_refused(head: str) -> None:
    meeting = given(Meeting, convened("plenary"))

    then = record_absence(meeting, head, "p-mayor")

    then.refused("M7")


def test_M7_a_unit_heads_absence_with_a_stand_in_is_recorded() -> None:
    meeting = given(Meeting, convened("plenary"))

    then = record_absence(meeting, "p-finance-head", "p-mayor", stand_in_id="p-dsg")

    (event,) = then.events("AbsenceRecorded")
    assert event.stand_in_id == "p-dsg"
    assert then.aggregate.absences["p-finance-head"].stand_in_id == "p-dsg"


def test_M7_an_absence_gives_its_reason() -> None:
    meeting = given(Meeting, convened())

    then = record_absence(meeting, "p-vm-a", "p-mayor", reason="  ")

    then.refused("M7")


def test_M7_absences_are_recorded_by_the_office() -> None:
    meeting = given(Meeting, convened())

    then = when(
        meeting, lambda m: m.record_absence(act("p-vm-a"), roster(), "p-vm-a", "出差", "p-mayor")
    )

    then.refused("M7", status=403)


def test_M7_absence_is_recorded_before_the_meeting_opens() -> None:
    meeting = open_executive(present=EXECUTIVE[:5])

    then = record_absence(meeting, "p-sg", "p-mayor")

    then.refused("M7")


def test_M7_members_absent_with_and_without_leave_are_recorded_at_opening() -> None:
    meeting = given(Meeting, *ready_executive(absence("p-vm-b")))
    present = ["p-mayor", "p-exec-vm", "p-vm-a", "p-sg"]

    then = open_with(meeting, present)

    (event,) = then.events("Opened")
    assert event.present == present
    assert event.absent_with_leave == ["p-vm-b"]
    assert event.absent_without_leave == ["p-vm-c"]
    assert "M7" in event.meta["rules"]
    assert then.aggregate.opening.absent_without_leave == ["p-vm-c"]


def test_M7_a_plenary_records_the_stand_ins_present() -> None:
    meeting = given(
        Meeting,
        convened("plenary"),
        papers_distributed(),
        absence("p-finance-head", stand_in_id="p-dsg"),
        absence("p-ecology-head", stand_in_id="p-investigator"),
    )
    present = [m for m in PLENARY if m not in ("p-finance-head", "p-ecology-head", "p-vm-c")]

    then = open_with(meeting, [*present, "p-dsg"])

    (event,) = then.events("Opened")
    assert event.absent_with_leave == ["p-finance-head", "p-ecology-head"]
    assert event.absent_without_leave == ["p-vm-c"]
    assert event.stand_ins == {"p-finance-head": "p-dsg"}  # p-investigator did not come


# ----- M8 minutes -----------------------------------------------------------------------------

OFFICE = ["p-office-dir", "p-sg", "p-dsg"]  # the government office (OFFICE_STAFF)
CONVENING: dict[str, dict[str, Any]] = {  # who convenes each kind (M2)
    "plenary": {},
    "executive": {},
    "mayor_office": {},
    "special_topic": {"convener_id": "p-vm-a"},
    "department_citywide": {"convener_id": "p-finance-head", "unit_id": "u-finance"},
}


def closed_of(kind: str, *more: Past) -> Meeting:
    """A closed meeting of ``kind``, convened by whoever convenes that kind."""
    return closed_meeting(kind, *more, **CONVENING[kind])


def draft_minutes(
    meeting: Meeting, by: str = "p-office-dir", drafted_by: str | None = None, **kwargs: Any
) -> Any:
    return when(
        meeting,
        lambda m: m.draft_minutes(act(by), roster(), "会议纪要", drafted_by or by, **kwargs),
    )


def sign_minutes(meeting: Meeting, by: str, version: int = 1, absent: tuple[str, ...] = ()) -> Any:
    return when(meeting, lambda m: m.sign_minutes(act(by, absent=absent), roster(), version))


def test_M8_minutes_drafted_before_the_meeting_closes_are_refused() -> None:
    meeting = open_executive()

    then = draft_minutes(meeting)

    then.refused("M8")


GOVERNMENT_MEETINGS = [k for k in CONVENING if k != "department_citywide"]


@pytest.mark.parametrize("kind", GOVERNMENT_MEETINGS)
def test_M8_the_office_drafts_minutes_of_a_closed_meeting_of_every_kind(kind: str) -> None:
    meeting = closed_of(kind)

    then = draft_minutes(meeting)

    (event,) = then.events("MinutesDrafted")
    assert event.drafted_by == "p-office-dir"
    assert event.corrects is None
    assert event.meta["rules"] == ["M8"]
    assert event.meta["actor_office"] == "office_director"
    assert then.aggregate.minutes[0].version == 1
    assert then.aggregate.minutes[0].signed_at is None


@pytest.mark.parametrize("by", OFFICE)
def test_M8_the_office_is_its_director_the_secretary_general_and_a_deputy(by: str) -> None:
    meeting = closed_of("special_topic")

    then = draft_minutes(meeting, by=by)

    (event,) = then.events("MinutesDrafted")
    assert event.drafted_by == by


@pytest.mark.parametrize("kind", GOVERNMENT_MEETINGS)
@pytest.mark.parametrize(
    "by", ["p-vm-a", "p-mayor", "p-exec-vm", "p-finance-head", "p-investigator"]
)
def test_M8_minutes_drafted_by_someone_outside_the_office_are_refused(kind: str, by: str) -> None:
    """Every kind of the government's meetings, the special-topic meeting's own convener
    (p-vm-a) included: the office drafts; the investigator is refused too."""
    meeting = closed_of(kind)

    then = draft_minutes(meeting, by=by)

    then.refused("M8", status=403)
    assert then.aggregate.minutes == []


def test_M8_a_departments_citywide_meeting_has_its_minutes_drafted_in_the_department() -> None:
    """Art. 43 gives the office the government's meetings; a department's own citywide
    meeting (art. 46) is minuted in the department, by its head — not by the government
    office, not by anyone else."""
    meeting = closed_of("department_citywide")

    (event,) = draft_minutes(meeting, by="p-finance-head").events("MinutesDrafted")
    assert (event.drafted_by, event.meta["actor_office"]) == ("p-finance-head", "unit_head")
    for outsider in ("p-office-dir", "p-ecology-head", "p-investigator", "p-mayor"):
        draft_minutes(closed_of("department_citywide"), by=outsider).refused("M8", status=403)


def test_M8_the_office_does_not_record_minutes_drafted_by_someone_outside_it() -> None:
    meeting = closed_of("special_topic")

    then = draft_minutes(meeting, by="p-office-dir", drafted_by="p-vm-a")

    then.refused("M8", status=403)


@pytest.mark.parametrize("kind", ["executive", "plenary", "mayor_office"])
def test_M8_minutes_of_the_mayors_meetings_signed_by_the_mayor_are_accepted(kind: str) -> None:
    meeting = closed_of(kind, minutes_drafted())

    then = sign_minutes(meeting, "p-mayor")

    (event,) = then.events("MinutesSigned")
    assert event.minutes_version == 1
    assert event.meta["actor_id"] == "p-mayor"
    assert event.meta["rules"] == ["M8"]
    assert then.aggregate.minutes[0].signed_by == "p-mayor"


@pytest.mark.parametrize("by", ["p-vm-a", "p-exec-vm", "p-sg", "p-office-dir"])
def test_M8_executive_minutes_signed_by_someone_other_than_the_mayor_are_refused(by: str) -> None:
    meeting = closed_meeting("executive", minutes_drafted())

    then = sign_minutes(meeting, by)

    then.refused("M8", status=403)
    assert then.aggregate.minutes[0].signed_at is None


def test_M8_P2_acting_mayor_signs_executive_minutes_while_the_mayor_is_away() -> None:
    meeting = closed_meeting("executive", minutes_drafted())

    then = sign_minutes(meeting, "p-exec-vm", absent=("p-mayor",))

    (event,) = then.events("MinutesSigned")
    assert event.meta["acting_for"] == "p-mayor"
    assert event.meta["rules"] == ["M8", "P2"]


def test_M8_special_topic_minutes_signed_by_the_convener_are_accepted() -> None:
    meeting = closed_meeting("special_topic", minutes_drafted(), convener_id="p-vm-a")

    then = sign_minutes(meeting, "p-vm-a")

    (event,) = then.events("MinutesSigned")
    assert event.meta["actor_id"] == "p-vm-a"


@pytest.mark.parametrize("signer", ["p-dsg", "p-vm-b"])
def test_M8_entrusted_special_topic_minutes_signed_by_the_convener_or_the_entrusting_leader(
    signer: str,
) -> None:
    meeting = closed_meeting(
        "special_topic", minutes_drafted(), convener_id="p-dsg", entrusted_by="p-vm-b"
    )

    then = sign_minutes(meeting, signer)

    (event,) = then.events("MinutesSigned")
    assert event.meta["actor_id"] == signer
    assert then.aggregate.minutes[0].signed_by == signer


@pytest.mark.parametrize("by", ["p-mayor", "p-vm-b", "p-office-dir"])
def test_M8_special_topic_minutes_signed_by_another_leader_are_refused(by: str) -> None:
    meeting = closed_meeting("special_topic", minutes_drafted(), convener_id="p-vm-a")

    then = sign_minutes(meeting, by)

    then.refused("M8", status=403)


def test_M8_signing_without_minutes_waiting_is_refused() -> None:
    meeting = closed_meeting("executive", minutes_drafted(), minutes_signed())

    then = sign_minutes(meeting, "p-mayor")

    then.refused("M8")


def test_M8_the_signer_signs_the_latest_draft_named_by_its_version() -> None:
    """Version 1 was redrafted as version 2 before signing: the mayor who read version 1 is
    refused (a draft not seen is never signed); naming version 2 signs version 2."""
    meeting = closed_meeting("executive", minutes_drafted(), minutes_drafted())

    stale = sign_minutes(meeting, "p-mayor", version=1)

    refusal = stale.refused("M8")
    assert "latest" in refusal.detail
    assert [m.signed_at for m in stale.aggregate.minutes] == [None, None]

    ahead = sign_minutes(meeting, "p-mayor", version=3)

    ahead.refused("M8")

    signed = sign_minutes(meeting, "p-mayor", version=2)

    (event,) = signed.events("MinutesSigned")
    assert event.minutes_version == 2
    assert signed.aggregate.minutes[1].signed_by == "p-mayor"
    assert signed.aggregate.minutes[0].signed_at is None


def test_M8_signed_minutes_cannot_be_redrafted() -> None:
    meeting = closed_meeting("executive", minutes_drafted(), minutes_signed())

    then = draft_minutes(meeting)

    then.refused("M8")
    assert len(then.aggregate.minutes) == 1


def test_M8_a_correction_without_a_reason_is_refused() -> None:
    meeting = closed_meeting("executive", minutes_drafted(), minutes_signed())

    then = draft_minutes(meeting, corrects=1)

    then.refused("M8")


def test_M8_a_correction_not_pointing_at_the_signed_minutes_is_refused() -> None:
    meeting = closed_meeting("executive", minutes_drafted(), minutes_signed())

    then = draft_minutes(meeting, corrects=2, reason="更正参会人员")

    then.refused("M8")


def test_M8_a_correction_linked_to_the_signed_minutes_is_accepted_then_signed() -> None:
    meeting = closed_meeting("executive", minutes_drafted(), minutes_signed())

    then = draft_minutes(meeting, corrects=1, reason="更正参会人员名单")

    (event,) = then.events("MinutesDrafted")
    assert event.corrects == 1
    assert event.reason == "更正参会人员名单"
    assert "A2" in event.meta["rules"]
    first, correction = then.aggregate.minutes
    assert first.signed_by == "p-mayor"  # the signed version is kept as it was
    assert correction.version == 2
    assert correction.corrects == 1

    again = sign_minutes(then.aggregate, "p-mayor", version=1)

    again.refused("M8")  # version 1 is signed; the correction waits

    signed = sign_minutes(then.aggregate, "p-mayor", version=2)

    (event,) = signed.events("MinutesSigned")
    assert event.minutes_version == 2
    assert signed.aggregate.minutes[1].signed_by == "p-mayor"
    assert signed.aggregate.minutes[0].signed_by == "p-mayor"


@pytest.mark.parametrize("by", ["p-vm-a", "p-investigator"])
def test_M8_a_special_topic_correction_by_someone_outside_the_office_is_refused(by: str) -> None:
    """The convener signs special-topic minutes but does not correct them: the office does."""
    meeting = closed_of("special_topic", minutes_drafted(), minutes_signed(by="p-vm-a"))

    then = draft_minutes(meeting, by=by, corrects=1, reason="更正")

    then.refused("M8", status=403)
    assert len(then.aggregate.minutes) == 1


def test_M8_a_special_topic_correction_is_drafted_by_the_office_and_signed_by_the_convener() -> (
    None
):
    meeting = closed_of("special_topic", minutes_drafted(), minutes_signed(by="p-vm-a"))

    then = draft_minutes(meeting, by="p-dsg", corrects=1, reason="更正议定事项")

    (event,) = then.events("MinutesDrafted")
    assert (event.drafted_by, event.corrects) == ("p-dsg", 1)
    signed = sign_minutes(then.aggregate, "p-vm-a", version=2)
    (event,) = signed.events("MinutesSigned")
    assert event.minutes_version == 2


# ----- M11 each member's position and dissent -------------------------------------------------


def test_M11_a_decision_records_each_present_members_position() -> None:
    meeting = open_executive()

    then = decide(meeting, all_agree())

    (event,) = then.events("TopicDecided")
    assert event.positions == all_agree()
    assert event.dissent_notes == {}
    assert event.meta["rules"] == ["M6", "M11"]
    assert then.aggregate.topics[TOPIC].decided.positions == all_agree()


def test_M11_a_missing_present_members_position_is_refused() -> None:
    meeting = open_executive()
    positions = all_agree()
    del positions["p-vm-c"]

    then = decide(meeting, positions)

    refusal = then.refused("M11")
    assert "p-vm-c" in refusal.detail


def test_M11_a_position_from_someone_not_present_is_refused() -> None:
    present = EXECUTIVE[:5]
    meeting = open_executive(present=present)

    then = decide(meeting, {**all_agree(present), "p-sg": "agree"})

    refusal = then.refused("M11")
    assert "p-sg" in refusal.detail


def test_M11_a_dissent_note_from_a_member_who_agreed_is_refused() -> None:
    meeting = open_executive()

    then = decide(meeting, all_agree(), {"p-vm-b": "资金来源不明"})

    then.refused("M11")


def test_M11_dissent_is_recorded_with_its_notes() -> None:
    meeting = open_executive()
    positions = {**all_agree(), "p-vm-b": "dissent", "p-sg": "abstain"}
    notes = {"p-vm-b": "资金来源不明，建议暂缓"}

    then = decide(meeting, positions, notes)

    (event,) = then.events("TopicDecided")
    assert event.positions == positions
    assert event.dissent_notes == notes
    decided = then.aggregate.topics[TOPIC].decided
    assert decided.positions["p-vm-b"] == "dissent"
    assert decided.dissent_notes == notes


def test_M11_a_topic_is_decided_once() -> None:
    meeting = open_executive(topic_decided())

    then = decide(meeting, all_agree())

    then.refused("M11")


def test_M11_P2_acting_mayor_decides_a_topic_of_the_mayors_meeting_while_the_mayor_is_away() -> (
    None
):
    present = EXECUTIVE[1:]
    meeting = open_executive(present=present)

    then = decide(meeting, all_agree(present), by="p-exec-vm", absent=("p-mayor",))

    (event,) = then.events("TopicDecided")
    assert event.meta["actor_id"] == "p-exec-vm"
    assert event.meta["acting_for"] == "p-mayor"
    assert "P2" in event.meta["rules"]


# ----- M12 one citywide meeting a year per department, more with the government's approval ----


def quota(
    *meetings: str | tuple[str, str], unit_id: str = "u-finance", year: int = 2026
) -> CitywideMeetingQuota:
    """A quota with ``meetings`` counted: an id, or (id, the approval that admitted it)."""
    counted = [
        (
            CitywideMeetingQuota.MeetingCounted,
            {"meeting_id": m} if isinstance(m, str) else {"meeting_id": m[0], "approval_id": m[1]},
        )
        for m in meetings
    ]
    return given(
        CitywideMeetingQuota,
        (CitywideMeetingQuota.Created, {"unit_id": unit_id, "year": year}),
        *counted,
    )


def approval(unit_id: str = "u-finance", year: int = 2026) -> CitywideMeetingApproval:
    return given(
        CitywideMeetingApproval,
        (
            CitywideMeetingApproval.Approved,
            {"unit_id": unit_id, "year": year, "reason": "全市安全生产紧急部署",
             "meta": {**PAST_META, "actor_id": "p-mayor"}},
        ),
    )  # fmt: skip


def count(q: CitywideMeetingQuota, meeting_id: str, a: CitywideMeetingApproval | None) -> Any:
    return when(q, lambda q: q.count(act("p-finance-head"), meeting_id, None, a))


def approve(by: str, absent: tuple[str, ...] = (), **fields: Any) -> CitywideMeetingApproval:
    values: dict[str, Any] = {"unit_id": "u-finance", "year": 2026, "reason": "紧急部署"}
    values.update(fields)
    return CitywideMeetingApproval.approve(act(by, absent=absent), roster(), **values)


def test_M12_a_departments_first_citywide_meeting_of_the_year_is_counted() -> None:
    then = count(quota(), "m-1", None)

    (event,) = then.events("MeetingCounted")
    assert (event.meeting_id, event.approval_id) == ("m-1", None)
    assert event.meta["rules"] == ["M12"]
    assert then.aggregate.meetings == ["m-1"]


def test_M12_a_second_citywide_meeting_in_the_year_without_approval_is_refused() -> None:
    then = count(quota("m-1"), "m-2", None)

    refusal = then.refused("M12")
    assert "m-1" in refusal.detail
    assert "approval" in refusal.detail
    assert then.aggregate.meetings == ["m-1"]


def test_M12_a_second_citywide_meeting_with_the_governments_approval_is_counted() -> None:
    a = approval()

    then = count(quota("m-1"), "m-2", a)

    (event,) = then.events("MeetingCounted")
    assert (event.meeting_id, event.approval_id) == ("m-2", str(a.id))
    assert then.aggregate.meetings == ["m-1", "m-2"]
    assert then.aggregate.approved == {str(a.id): "m-2"}


def test_M12_an_approval_admits_one_meeting_only() -> None:
    a = approval()
    q = quota("m-1", ("m-2", str(a.id)))

    again = count(q, "m-3", a)

    refusal = again.refused("M12")
    assert "m-2" in refusal.detail
    count(q, "m-3", None).refused("M12")  # and the year's one unapproved meeting is held
    assert count(q, "m-3", approval()).events("MeetingCounted")  # a new approval admits it


def test_M12_a_meeting_admitted_by_approval_leaves_the_years_one_meeting_free() -> None:
    a = approval()

    then = count(quota(("m-1", str(a.id))), "m-2", None)

    then.events("MeetingCounted")


@pytest.mark.parametrize(
    ("unit_id", "year"), [("u-ecology", 2026), ("u-finance", 2027)], ids=["unit", "year"]
)
def test_M12_an_approval_of_another_departments_or_years_meeting_is_refused(
    unit_id: str, year: int
) -> None:
    then = count(quota("m-1"), "m-2", approval(unit_id, year))

    then.refused("M12")


def test_M12_the_quota_is_per_department_and_year() -> None:
    ids = {
        citywide_quota_id("u-finance", 2026),
        citywide_quota_id("u-finance", 2027),
        citywide_quota_id("u-ecology", 2026),
    }

    assert len(ids) == 3
    assert citywide_quota_id("u-finance", 2026) == citywide_quota_id("u-finance", 2026)


def test_M12_a_new_quota_opens_for_the_unit_and_year() -> None:
    then = when(None, lambda _: CitywideMeetingQuota.open(act("p-finance-head"), "u-finance", 2026))

    (event,) = then.events("Created")
    assert event.unit_id == "u-finance"
    assert event.year == 2026
    assert then.aggregate.id == citywide_quota_id("u-finance", 2026)


def test_M12_a_citywide_meeting_of_a_unit_that_is_not_a_department_is_refused() -> None:
    refused_on_creation(
        lambda: convene("p-east-head", kind="department_citywide", unit_id="u-east-district"),
        "M12",
    )


@pytest.mark.parametrize("by", ["p-mayor", "p-office-dir", "p-sg", "p-dsg"])
def test_M12_the_mayor_or_the_office_records_the_governments_approval(by: str) -> None:
    then = when(None, lambda _: approve(by))

    (event,) = then.events("Created")
    assert (event.unit_id, event.year, event.reason) == ("u-finance", 2026, "紧急部署")
    assert event.meta["actor_id"] == by
    assert event.meta["rules"] == ["M12"]
    assert (then.aggregate.approved_by, then.aggregate.approved_at) == (by, AT)


def test_M12_P2_the_acting_mayor_approves_while_the_mayor_is_away() -> None:
    then = when(None, lambda _: approve("p-exec-vm", absent=("p-mayor",)))

    (event,) = then.events("Created")
    assert event.meta["acting_for"] == "p-mayor"
    assert event.meta["rules"] == ["M12", "P2"]


@pytest.mark.parametrize(
    "by", ["p-exec-vm", "p-vm-a", "p-finance-head", "p-ecology-head", "p-investigator"]
)
def test_M12_an_approval_by_someone_not_entitled_is_refused(by: str) -> None:
    """The department's own head (p-finance-head) does not approve its further meeting; a
    vice-mayor does not, nor the executive vice-mayor while the mayor is in office."""
    refused_on_creation(lambda: approve(by), "M12", status=403)


@pytest.mark.parametrize(
    "fields",
    [{"unit_id": "u-east-district"}, {"year": 2025}, {"reason": "  "}],
    ids=["not a department", "a past year", "no reason"],
)
def test_M12_an_approval_names_a_department_a_year_to_come_and_why(
    fields: dict[str, Any],
) -> None:
    refused_on_creation(lambda: approve("p-mayor", **fields), "M12")


def test_M12_an_approval_admits_a_department_citywide_meeting_only() -> None:
    refused_on_creation(lambda: convene("p-mayor", approval_id="a-1"), "M12")


def test_M12_the_second_meeting_convened_with_approval_names_it_and_is_stored() -> None:
    """Through the service layer: the first meeting of the year is convened; the second is
    refused, nothing stored; the mayor records the approval; the second, naming it, is
    convened; a third naming the same approval is refused."""
    app = in_memory()
    at = datetime(2026, 9, 28, 1, 0, tzinfo=UTC)

    def citywide(title: str, approval_id: str | None = None) -> Any:
        command = ConveneMeeting(
            kind="department_citywide", title=title, convener_id="p-finance-head",
            scheduled_at=at + timedelta(days=10), unit_id="u-finance", approval_id=approval_id,
        )  # fmt: skip
        return run(app, "p-finance-head", command, at)

    first = citywide("全市财政工作会议")
    head = app.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refused:
        citywide("全市财政工作推进会")
    assert refused.value.rule.id == "M12"
    assert app.recorder.max_notification_id() == head  # nothing stored
    approved = run(app, "p-mayor", ApproveCitywideMeeting("u-finance", 2026, "紧急部署"), at)
    second = citywide("全市财政工作推进会", str(approved.aggregate.id))

    assert second.aggregate.approval_id == str(approved.aggregate.id)
    assert app.recorder.max_notification_id() == (head or 0) + 3  # approval, meeting, count
    q = app.load(CitywideMeetingQuota, citywide_quota_id("u-finance", 2026))
    assert q.meetings == [str(first.aggregate.id), str(second.aggregate.id)]
    with pytest.raises(RuleViolation) as again:
        citywide("全市财政工作第三次会议", str(approved.aggregate.id))
    assert again.value.rule.id == "M12"
    assert app.recorder.max_notification_id() == (head or 0) + 3
