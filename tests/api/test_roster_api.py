"""/roster over HTTP (P1, P3): the bootstrapped roster, appointments, relievals, units,
divisions, AB pairs, who may change it, and the roster as it stood at a time (?as_of=)."""

from __future__ import annotations

from typing import Any

from tests.support.documents import command, draft_notice, events_of
from tests.support.http import assert_problem, auth, move_clock, ok
from tests.support.store import positions

VM_D = {
    "person_id": "p-vm-d",
    "name": "周副市长",
    "office": "vice_mayor",
    "since": "2026-09-29",
}


def roster(client: Any, who: str = "p-mayor", **params: str) -> dict[str, Any]:
    r = client.get("/roster", params=params, headers=auth(who))
    body = ok(r)
    assert r.headers["etag"] == f'"{body["version"]}"'
    return body


def holders(snapshot: dict[str, Any]) -> set[tuple[str, str]]:
    return {(h["person_id"], h["office"]) for h in snapshot["office_holders"]}


def test_bootstrapped_roster(client, services):
    body = roster(client)
    assert body["government"] == "u-gov"
    assert body["on"] == "2026-09-28"
    assert body["position"] == positions(services)
    units = {u["unit_id"]: u for u in body["units"]}
    assert units["u-gov"]["kind"] == "government"
    assert units["u-east-district-edu"]["superior_unit_id"] == "u-east-district"
    assert ("p-mayor", "mayor") in holders(body)
    assert ("p-finance-head", "unit_head") in holders(body)
    divisions = {d["vice_mayor_id"]: d["unit_ids"] for d in body["divisions"]}
    assert divisions["p-exec-vm"] == ["u-finance", "u-justice"]
    assert divisions["p-vm-a"] == ["u-ecology"]
    assert body["ab_pairs"] == [{"a": "p-vm-a", "b": "p-vm-b"}]
    clearances = {h["person_id"]: h["clearance"] for h in body["office_holders"]}
    assert clearances["p-sg"] == "top_secret"
    assert clearances["p-office-dir"] == "none"
    assert clearances["p-investigator"] == "secret"


def test_appointment_by_the_administrator(client, services):
    before = roster(client)
    r = client.post("/roster/appointments", json=VM_D, headers=auth("p-admin"))
    body = ok(r)
    assert body["version"] == before["version"] + 1
    assert r.headers["etag"] == f'"{body["version"]}"'
    assert body["position"] == positions(services)
    tenure = [t for t in body["tenures"] if t["person_id"] == "p-vm-d"]
    assert tenure == [
        {
            "person_id": "p-vm-d",
            "office": "vice_mayor",
            "unit_id": None,
            "since": "2026-09-29",
            "until": None,
        }
    ]
    history = ok(client.get("/roster/history", headers=auth("p-investigator")))["events"]
    last = history[-1]
    assert last["type"] == "OfficeHolderAppointed"
    assert last["actor_id"] == "p-admin"
    assert last["actor_office"] == "system_admin"
    assert last["rules"] == ["P1"]
    assert last["payload"]["person_id"] == "p-vm-d"
    assert last["position"] == body["position"]


def test_the_roster_is_changed_by_the_administrator_only_p1(client, services):
    for who in ("p-mayor", "p-office-dir", "p-finance-head", "p-investigator"):
        rule = "A1" if who == "p-investigator" else "P1"  # the investigator writes nothing
        before = positions(services)
        version = roster(client)["version"]
        r = client.post("/roster/appointments", json=VM_D, headers=auth(who))
        assert_problem(r, 403, rule)
        r = client.post(
            "/roster/relievals",
            json={"person_id": "p-vm-b", "office": "vice_mayor", "on": "2026-10-01"},
            headers=auth(who),
        )
        assert_problem(r, 403, rule)
        r = client.post(
            "/roster/units",
            json={"unit_id": "u-new", "name": "新局", "kind": "department"},
            headers=auth(who),
        )
        assert_problem(r, 403, rule)
        assert positions(services) == before
        assert roster(client)["version"] == version


def test_second_mayor_is_refused_p1(client, services):
    before = positions(services)
    r = client.post(
        "/roster/appointments",
        json={
            "person_id": "p-other",
            "name": "另一位市长",
            "office": "mayor",
            "since": "2026-10-01",
        },
        headers=auth("p-admin"),
    )
    body = assert_problem(r, 409, "P1", type_suffix="/rule-refused")
    assert body["article"] == 4
    assert positions(services) == before


def test_relieving_someone_not_in_office_is_refused_p1(client, services):
    before = positions(services)
    r = client.post(
        "/roster/relievals",
        json={"person_id": "p-finance-head", "office": "mayor", "on": "2026-10-01"},
        headers=auth("p-admin"),
    )
    assert_problem(r, 409, "P1")
    assert positions(services) == before


def test_duplicate_unit_is_refused_p1(client, services):
    before = positions(services)
    r = client.post(
        "/roster/units",
        json={"unit_id": "u-finance", "name": "财政局", "kind": "department"},
        headers=auth("p-admin"),
    )
    assert_problem(r, 409, "P1")
    assert positions(services) == before


def test_ab_pair_of_a_non_vice_mayor_is_refused_p3(client, services):
    before = positions(services)
    r = client.post("/roster/ab-pairs", json={"a": "p-vm-c", "b": "p-sg"}, headers=auth("p-admin"))
    body = assert_problem(r, 409, "P3")
    assert body["article"] == 61
    assert positions(services) == before


def test_unit_division_and_pair_by_the_administrator(client):
    ok(
        client.post(
            "/roster/units",
            json={"unit_id": "u-water", "name": "市水务局", "kind": "department"},
            headers=auth("p-admin"),
        )
    )
    ok(
        client.post(
            "/roster/divisions",
            json={"vice_mayor_id": "p-vm-c", "unit_ids": ["u-water", "u-housing"]},
            headers=auth("p-admin"),
        )
    )
    body = roster(client)
    divisions = {d["vice_mayor_id"]: d["unit_ids"] for d in body["divisions"]}
    assert divisions["p-vm-c"] == ["u-water", "u-housing"]
    # A unit is in one division at a time: 住建局 moved from p-vm-b to p-vm-c.
    assert divisions["p-vm-b"] == ["u-east-district"]
    assert "u-water" in {u["unit_id"] for u in body["units"]}


def test_roster_as_of_before_and_after_an_appointment_and_a_relieval(client, services):
    bootstrap_version = roster(client)["version"]

    move_clock(client, "2026-09-29T10:00:00+08:00")
    appointed = ok(client.post("/roster/appointments", json=VM_D, headers=auth("p-admin")))

    move_clock(client, "2026-09-30T10:00:00+08:00")
    relieved = ok(
        client.post(
            "/roster/relievals",
            json={"person_id": "p-vm-b", "office": "vice_mayor", "on": "2026-09-30"},
            headers=auth("p-admin"),
        )
    )
    assert relieved["version"] == appointed["version"] + 1

    # What the record said at an instant (known_at): the appointment was entered at 10:00.
    known_before = roster(client, known_at="2026-09-29T09:00:00+08:00")
    assert known_before["version"] == bootstrap_version
    assert known_before["on"] == "2026-09-29"
    assert ("p-vm-d", "vice_mayor") not in holders(known_before)
    assert ("p-vm-b", "vice_mayor") in holders(known_before)

    known_after = roster(client, known_at="2026-09-29T11:00:00+08:00")
    assert known_after["version"] == appointed["version"]
    assert known_after["position"] == appointed["position"]
    assert ("p-vm-d", "vice_mayor") in holders(known_after)
    assert ("p-vm-b", "vice_mayor") in holders(known_after)

    # Who held what on a day (as_of), from the tenures' own dates as recorded now: p-vm-d's
    # tenure runs from 2026-09-29, p-vm-b's until the day before 2026-09-30.
    on_the_29th = roster(client, as_of="2026-09-29T09:00:00+08:00")
    assert on_the_29th["version"] == relieved["version"]
    assert ("p-vm-d", "vice_mayor") in holders(on_the_29th)
    assert ("p-vm-b", "vice_mayor") in holders(on_the_29th)
    assert ("p-vm-d", "vice_mayor") not in holders(roster(client, as_of="2026-09-28T12:00:00Z"))

    on_the_30th = roster(client, as_of="2026-09-30T09:00:00+08:00")
    assert ("p-vm-b", "vice_mayor") not in holders(on_the_30th)
    assert ("p-vm-d", "vice_mayor") in holders(on_the_30th)
    (tenure,) = [t for t in on_the_30th["tenures"] if t["person_id"] == "p-vm-b"]
    assert tenure["until"] == "2026-09-30"  # kept for life, closed, not deleted

    now = roster(client)
    assert ("p-vm-b", "vice_mayor") not in holders(now)
    assert now["version"] == relieved["version"]


def test_roster_known_at_before_it_was_recorded_is_404(client):
    r = client.get(
        "/roster", params={"known_at": "2026-01-01T00:00:00+08:00"}, headers=auth("p-mayor")
    )
    assert_problem(r, 404)


def test_roster_as_of_answers_from_tenure_dates_not_from_when_it_was_recorded_p1(client):
    """Issue 10: a roster recorded on 2026-09-28 whose tenures began 2026-01-01 answers for
    2026-03-01; before any tenure began, nobody held an office."""
    march = roster(client, as_of="2026-03-01T10:00:00+08:00")
    assert march["on"] == "2026-03-01"
    assert ("p-mayor", "mayor") in holders(march)
    assert ("p-vm-a", "vice_mayor") in holders(march)
    assert holders(roster(client, as_of="2025-12-31T10:00:00+08:00")) == set()


def test_roster_as_of_without_offset_is_422(client):
    r = client.get("/roster", params={"as_of": "2026-09-28T10:00:00"}, headers=auth("p-mayor"))
    assert_problem(r, 422)


def test_a_relieved_vice_mayor_signs_off_nothing(client, services):
    doc = draft_notice(client)
    move_clock(client, "2026-09-30T10:00:00+08:00")
    ok(
        client.post(
            "/roster/relievals",
            json={"person_id": "p-vm-a", "office": "vice_mayor", "on": "2026-09-30"},
            headers=auth("p-admin"),
        )
    )
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"})
    assert_problem(r, 401)  # no office on the roster now: no longer an actor at all
    assert positions(services) == before
    assert len(events_of(client, doc["id"])) == 1
