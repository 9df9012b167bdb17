"""Specs of the Roster aggregate (市政府组成人员名册): offices over time (P1), the executive
vice-mayor who acts for the mayor (P2), AB pairs (P3).

Given past events (or a copy of the example roster), when a command, then new events or a
refusal naming the rule (``tests/domain/spec.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from domain.base import Act, Actor, Post
from domain.roster import Roster
from tests.domain.spec import act, given, roster, when

TODAY = date(2026, 9, 28)
SINCE = date(2026, 1, 1)


def created() -> tuple[type, dict[str, Any]]:
    return (Roster.Created, {"government": "u-gov"})


def unit_added(
    unit_id: str, kind: str = "department", superior: str | None = None
) -> tuple[type, dict[str, Any]]:
    return (
        Roster.UnitAdded,
        {
            "unit_id": unit_id,
            "name": unit_id,
            "kind": kind,
            "function": None,
            "superior_unit_id": superior,
        },
    )


def appointed(
    person_id: str,
    office: str,
    unit_id: str | None = None,
    since: date = SINCE,
    clearance: str = "top_secret",
) -> tuple[type, dict[str, Any]]:
    return (
        Roster.OfficeHolderAppointed,
        {
            "person_id": person_id,
            "name": person_id,
            "office": office,
            "unit_id": unit_id,
            "since": since,
            "decided_by": None,
            "clearance": clearance,
        },
    )


def relieved(person_id: str, office: str, on: date) -> tuple[type, dict[str, Any]]:
    return (Roster.OfficeHolderRelieved, {"person_id": person_id, "office": office, "on": on})


def small_roster(*more: tuple[type, dict[str, Any]]) -> Roster:
    """A government with a mayor, an executive vice-mayor and two vice-mayors."""
    return given(
        Roster,
        created(),
        unit_added("u-gov", "government"),
        unit_added("u-finance"),
        appointed("p-m", "mayor"),
        appointed("p-evm", "executive_vice_mayor"),
        appointed("p-v1", "vice_mayor"),
        appointed("p-v2", "vice_mayor"),
        *more,
    )


ADMIN = act("p-admin")


# ----- P1 offices over time -----------------------------------------------------------------


def test_P1_appointment_is_recorded() -> None:
    r = given(Roster, created(), unit_added("u-gov", "government"))

    then = when(r, lambda r: r.appoint(ADMIN, "p-new", "新市长", "mayor", SINCE, decided_by="省委"))

    (event,) = then.events("OfficeHolderAppointed")
    assert (event.person_id, event.name, event.office) == ("p-new", "新市长", "mayor")
    assert event.since == SINCE
    assert event.unit_id is None
    assert event.decided_by == "省委"
    assert event.clearance == "top_secret"  # leaders default to top_secret
    assert event.meta["rules"] == ["P1"]
    assert event.meta["actor_id"] == "p-admin"
    assert event.meta["actor_office"] == "system_admin"
    assert then.aggregate.holder("mayor", TODAY) == "p-new"


def test_P1_unit_head_appointment_defaults_to_no_clearance() -> None:
    r = given(Roster, created(), unit_added("u-finance"))

    then = when(
        r, lambda r: r.appoint(ADMIN, "p-fh", "局长", "unit_head", SINCE, unit_id="u-finance")
    )

    (event,) = then.events("OfficeHolderAppointed")
    assert event.unit_id == "u-finance"
    assert event.clearance == "none"
    assert then.aggregate.actor("p-fh", TODAY).posts == (Post("unit_head", "u-finance"),)


def test_P1_a_second_mayor_while_one_holds_the_office_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.appoint(ADMIN, "p-other", "另一市长", "mayor", TODAY))

    then.refused("P1")


def test_P1_a_second_mayor_is_refused_on_a_roster_built_from_events() -> None:
    r = small_roster()

    then = when(r, lambda r: r.appoint(ADMIN, "p-other", "另一市长", "mayor", TODAY))

    then.refused("P1")


def test_P1_a_second_head_of_the_same_unit_is_refused() -> None:
    r = roster()

    then = when(
        r, lambda r: r.appoint(ADMIN, "p-x", "副局长", "unit_head", TODAY, unit_id="u-finance")
    )

    then.refused("P1")


def test_P1_heads_of_different_units_are_accepted() -> None:
    r = roster()

    then = when(
        r,
        lambda r: r.appoint(
            ADMIN, "p-safety-head", "安委办主任", "unit_head", TODAY, unit_id="u-safety-committee"
        ),
    )

    (event,) = then.events("OfficeHolderAppointed")
    assert event.unit_id == "u-safety-committee"


def test_P1_appointing_someone_to_an_office_they_already_hold_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.appoint(ADMIN, "p-vm-a", "张副市长", "vice_mayor", TODAY))

    then.refused("P1")


def test_P1_several_vice_mayors_hold_office_at_once() -> None:
    r = roster()

    then = when(r, lambda r: r.appoint(ADMIN, "p-vm-d", "新副市长", "vice_mayor", TODAY))

    then.events("OfficeHolderAppointed")
    assert set(then.aggregate.holders("vice_mayor", TODAY)) == {
        "p-vm-a",
        "p-vm-b",
        "p-vm-c",
        "p-vm-d",
    }


def test_P1_relieve_closes_the_tenure_and_keeps_the_history() -> None:
    r = roster()

    then = when(r, lambda r: r.relieve(ADMIN, "p-mayor", "mayor", date(2026, 10, 1)))

    (event,) = then.events("OfficeHolderRelieved")
    assert (event.person_id, event.office, event.on) == ("p-mayor", "mayor", date(2026, 10, 1))
    assert event.meta["rules"] == ["P1"]
    history = [t for t in then.aggregate.tenure_history() if t["person_id"] == "p-mayor"]
    assert history == [
        {
            "person_id": "p-mayor",
            "office": "mayor",
            "unit_id": None,
            "since": "2026-01-01",
            "until": "2026-10-01",
        }
    ]


def test_P1_relieved_person_holds_no_office_after_the_relieval_date() -> None:
    r = small_roster(relieved("p-m", "mayor", date(2026, 10, 1)))

    assert r.actor("p-m", date(2026, 9, 30)) is not None
    assert r.actor("p-m", date(2026, 10, 2)) is None
    assert r.holder("mayor", date(2026, 9, 30)) == "p-m"
    assert r.holder("mayor", date(2026, 10, 2)) is None
    assert r.posts_of("p-m", date(2026, 10, 2)) == ()


def test_P1_relieving_someone_who_does_not_hold_the_office_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.relieve(ADMIN, "p-vm-a", "mayor", TODAY))

    then.refused("P1")


def test_P1_relieving_twice_is_refused() -> None:
    r = small_roster(relieved("p-m", "mayor", date(2026, 10, 1)))

    then = when(r, lambda r: r.relieve(ADMIN, "p-m", "mayor", date(2026, 11, 1)))

    then.refused("P1")


def test_P1_relieving_before_the_tenure_began_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.relieve(ADMIN, "p-mayor", "mayor", date(2025, 12, 31)))

    then.refused("P1")


def test_P1_a_new_mayor_follows_the_relieved_one() -> None:
    r = small_roster(relieved("p-m", "mayor", date(2026, 10, 1)))

    then = when(r, lambda r: r.appoint(ADMIN, "p-m2", "新市长", "mayor", date(2026, 10, 1)))

    then.events("OfficeHolderAppointed")
    assert then.aggregate.holder("mayor", date(2026, 9, 30)) == "p-m"
    assert then.aggregate.holder("mayor", date(2026, 10, 1)) == "p-m2"
    assert [t["person_id"] for t in then.aggregate.tenure_history() if t["office"] == "mayor"] == [
        "p-m",
        "p-m2",
    ]


def test_P1_a_new_mayor_whose_tenure_overlaps_the_relieved_ones_is_refused() -> None:
    """One mayor at a time: the old mayor holds office until 2026-12-01, so a new mayor
    from 2026-10-01 would make two mayors in October and November."""
    r = small_roster(relieved("p-m", "mayor", date(2026, 12, 1)))

    then = when(r, lambda r: r.appoint(ADMIN, "p-m2", "新市长", "mayor", date(2026, 10, 1)))

    then.refused("P1")


def test_P1_actor_is_the_person_with_the_offices_held_on_a_date() -> None:
    r = roster()

    finance_head = r.actor("p-finance-head", TODAY)
    assert finance_head is not None
    assert finance_head.posts == (Post("unit_head", "u-finance"),)
    assert finance_head.clearance == "none"
    assert finance_head.name == "吴局长"
    investigator = r.actor("p-investigator", TODAY)
    assert investigator is not None
    assert investigator.clearance == "secret"
    mayor = r.actor("p-mayor", TODAY)
    assert mayor is not None
    assert mayor.holds("mayor") == Post("mayor")
    assert mayor.clearance == "top_secret"


def test_P1_actor_before_the_tenure_began_or_unknown_is_none() -> None:
    r = roster()

    assert r.actor("p-mayor", date(2025, 12, 31)) is None
    assert r.actor("p-nobody", TODAY) is None


def test_P1_actor_holds_every_office_of_the_day() -> None:
    r = small_roster(
        appointed("p-v1", "unit_head", unit_id="u-finance", since=date(2026, 6, 1)),
    )

    assert r.posts_of("p-v1", date(2026, 5, 31)) == (Post("vice_mayor"),)
    now = r.actor("p-v1", TODAY)
    assert now is not None
    assert now.posts == (Post("vice_mayor"), Post("unit_head", "u-finance"))


@pytest.mark.parametrize("person", ["p-mayor", "p-office-dir", "p-sg", "p-finance-head"])
def test_P1_only_the_system_administrator_appoints(person: str) -> None:
    r = roster()

    then = when(r, lambda r: r.appoint(act(person), "p-x", "某人", "vice_mayor", TODAY))

    then.refused("P1", status=403)


def test_P1_only_the_system_administrator_relieves() -> None:
    r = roster()

    then = when(r, lambda r: r.relieve(act("p-mayor"), "p-vm-a", "vice_mayor", TODAY))

    then.refused("P1", status=403)


def test_P1_only_the_system_administrator_adds_units() -> None:
    r = roster()

    then = when(r, lambda r: r.add_unit(act("p-office-dir"), "u-new", "新局", "department"))

    then.refused("P1", status=403)


def test_P1_only_the_system_administrator_assigns_divisions() -> None:
    r = roster()

    then = when(r, lambda r: r.assign_division(act("p-mayor"), "p-vm-c", ["u-housing"]))

    then.refused("P1", status=403)


def test_P1_unit_is_added_with_its_kind_and_superior() -> None:
    r = roster()

    then = when(
        r,
        lambda r: r.add_unit(
            ADMIN, "u-east-health", "东区卫健局", "county_department", None, "u-east-district"
        ),
    )

    (event,) = then.events("UnitAdded")
    assert (event.kind, event.superior_unit_id) == ("county_department", "u-east-district")
    assert event.meta["rules"] == ["P1"]
    assert then.aggregate.unit("u-east-health")["superior_unit_id"] == "u-east-district"


def test_P1_adding_a_unit_twice_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.add_unit(ADMIN, "u-finance", "市财政局", "department"))

    then.refused("P1")


def test_P1_division_moves_a_unit_from_one_vice_mayor_to_another() -> None:
    r = roster()

    then = when(r, lambda r: r.assign_division(ADMIN, "p-vm-c", ["u-housing"]))

    (event,) = then.events("DivisionAssigned")
    assert (event.vice_mayor_id, event.unit_ids) == ("p-vm-c", ["u-housing"])
    assert then.aggregate.vice_mayor_in_charge("u-housing") == "p-vm-c"
    assert then.aggregate.vice_mayor_in_charge("u-east-district") == "p-vm-b"


def test_P1_division_for_someone_who_is_not_a_vice_mayor_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.assign_division(ADMIN, "p-sg", ["u-housing"]))

    then.refused("P1")


# ----- P2 the executive vice-mayor acts for the mayor ---------------------------------------


def test_P2_the_roster_knows_the_executive_vice_mayor() -> None:
    r = roster()

    assert r.holder("executive_vice_mayor", TODAY) == "p-exec-vm"
    assert r.holder("mayor", TODAY) == "p-mayor"
    assert r.vice_mayor_in_charge("u-finance") == "p-exec-vm"


def test_P2_a_second_executive_vice_mayor_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.appoint(ADMIN, "p-vm-c", "陈副市长", "executive_vice_mayor", TODAY))

    then.refused("P1")


def test_P2_executive_vice_mayor_on_a_date_follows_the_tenures() -> None:
    r = small_roster(
        relieved("p-evm", "executive_vice_mayor", date(2026, 7, 1)),
        appointed("p-v1", "executive_vice_mayor", since=date(2026, 7, 1)),
    )

    assert r.holder("executive_vice_mayor", date(2026, 6, 30)) == "p-evm"
    assert r.holder("executive_vice_mayor", date(2026, 7, 1)) == "p-v1"


# ----- P3 AB pairs --------------------------------------------------------------------------


def test_P3_two_vice_mayors_form_an_ab_pair() -> None:
    r = small_roster()

    then = when(r, lambda r: r.pair(ADMIN, "p-v1", "p-v2"))

    (event,) = then.events("ABPairFormed")
    assert (event.a, event.b) == ("p-v1", "p-v2")
    assert event.meta["rules"] == ["P3"]
    assert event.meta["actor_id"] == "p-admin"
    assert then.aggregate.ab_partner("p-v1") == "p-v2"
    assert then.aggregate.ab_partner("p-v2") == "p-v1"


def test_P3_ab_partner_both_ways_on_the_example_roster() -> None:
    r = roster()

    assert r.ab_partner("p-vm-a") == "p-vm-b"
    assert r.ab_partner("p-vm-b") == "p-vm-a"
    assert r.ab_partner("p-vm-c") is None


@pytest.mark.parametrize("other", ["p-sg", "p-finance-head", "p-mayor", "p-nobody"])
def test_P3_pairing_someone_who_is_not_a_vice_mayor_is_refused(other: str) -> None:
    r = roster()

    then = when(r, lambda r: r.pair(ADMIN, "p-vm-c", other))

    then.refused("P3")


def test_P3_pairing_a_relieved_vice_mayor_is_refused() -> None:
    r = small_roster(relieved("p-v2", "vice_mayor", date(2026, 6, 1)))

    then = when(r, lambda r: r.pair(ADMIN, "p-v1", "p-v2"))

    then.refused("P3")


@pytest.mark.parametrize(("a", "b"), [("p-vm-c", "p-vm-a"), ("p-vm-b", "p-vm-c")])
def test_P3_pairing_someone_already_paired_is_refused(a: str, b: str) -> None:
    r = roster()

    then = when(r, lambda r: r.pair(ADMIN, a, b))

    then.refused("P3")


def test_P3_pairing_a_person_with_themself_is_refused() -> None:
    r = roster()

    then = when(r, lambda r: r.pair(ADMIN, "p-vm-c", "p-vm-c"))

    then.refused("P3")


def test_P3_only_the_system_administrator_pairs() -> None:
    r = small_roster()

    then = when(r, lambda r: r.pair(act("p-mayor"), "p-v1", "p-v2"))

    then.refused("P1", status=403)


# ----- D12 clearances: their own recorded act -----------------------------------------------


def test_D12_a_clearance_is_granted_by_the_secretary_general_with_a_reason() -> None:
    then = when(
        roster(), lambda r: r.grant_clearance(act("p-sg"), "p-office-dir", "secret", "涉密")
    )

    (event,) = then.events("ClearanceGranted")
    assert (event.person_id, event.clearance, event.reason) == ("p-office-dir", "secret", "涉密")
    assert event.meta["actor_office"] == "secretary_general"
    assert then.aggregate.actor("p-office-dir", TODAY).clearance == "secret"


@pytest.mark.parametrize("who", ["p-admin", "p-mayor", "p-office-dir", "p-finance-head"])
def test_D12_only_the_secretary_general_grants_a_clearance(who: str) -> None:
    then = when(roster(), lambda r: r.grant_clearance(act(who), "p-east-head", "secret", "x"))

    then.refused("D12", 403)


def test_D12_nobody_grants_themself_a_clearance() -> None:
    then = when(roster(), lambda r: r.grant_clearance(act("p-sg"), "p-sg", "top_secret", "x"))

    then.refused("D12", 403)


def test_D12_nobody_grants_above_their_own_clearance() -> None:
    r = roster()
    sg = act("p-sg")
    lower = Act(Actor("p-sg", "杨秘书长", sg.actor.posts, "secret"), sg.at, "spec")

    when(r, lambda r: r.grant_clearance(lower, "p-east-head", "top_secret", "x")).refused(
        "D12", 403
    )
    when(r, lambda r: r.grant_clearance(lower, "p-east-head", "secret", "x")).events(
        "ClearanceGranted"
    )


def test_P1_nobody_appoints_themself() -> None:
    then = when(
        roster(), lambda r: r.appoint(act("p-admin"), "p-admin", "管理员", "investigator", SINCE)
    )

    then.refused("P1", 403)


@pytest.mark.parametrize("clearance", ["secret", "confidential", "top_secret"])
def test_D12_an_appointment_by_the_administrator_clears_nobody(clearance: str) -> None:
    then = when(
        roster(),
        lambda r: r.appoint(ADMIN, "p-new", "新人", "investigator", SINCE, clearance=clearance),
    )

    then.refused("D12", 403)


def test_D12_an_appointment_with_no_clearance_or_none_is_recorded_with_none() -> None:
    then = when(
        roster(),
        lambda r: r.appoint(ADMIN, "p-new", "新人", "investigator", SINCE, clearance="none"),
    )

    (event,) = then.events("OfficeHolderAppointed")
    assert event.clearance == "none"


def test_D12_older_appointments_that_carried_a_clearance_keep_it() -> None:
    r = given(Roster, created(), appointed("p-inv", "investigator", clearance="secret"))

    assert r.actor("p-inv", TODAY).clearance == "secret"
