"""Leave over HTTP (L1–L6, P2, P3): reporting an absence, approval, filing with the office,
return (销假), cancellation, who is away at a moment and who acts for them.

The drill clock starts on Mon 2026-09-28 09:00 +08:00. Every refusal answers its status with
the rule id and stores nothing; two racing reports of the mayor and the executive vice-mayor
end with exactly one of them away (L1).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.http import PROBLEM, assert_problem, auth, events, get, move_clock, ok, post
from tests.support.meetings import convene_body
from tests.support.store import assert_refused, event_count, log_head, positions

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def at(day: str, time: str = "09:00") -> str:
    """An RFC 3339 time in Shanghai: ``at("09-30", "18:00")`` → 2026-09-30T18:00:00+08:00."""
    return f"2026-{day}T{time}:00+08:00"


def same_instant(a: str, b: str) -> bool:
    return datetime.fromisoformat(a) == datetime.fromisoformat(b)


def leave_body(person_id: str, kind: str, starts_at: str, ends_at: str, **extra: Any) -> dict:
    body: dict[str, Any] = {
        "person_id": person_id,
        "kind": kind,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    body.update(extra)
    return body


def report(client: Any, by: str, body: dict[str, Any]) -> Any:
    return post(client, "/leaves", by, body)


def reported(client: Any, by: str, body: dict[str, Any]) -> dict[str, Any]:
    return ok(report(client, by, body), 201)


def mayor_trip(client: Any, starts_at: str, ends_at: str) -> dict[str, Any]:
    """The mayor away on an official trip; the executive vice-mayor acts (P2)."""
    body = leave_body(
        "p-mayor", "official_trip", starts_at, ends_at, acting_id="p-exec-vm", destination="成都"
    )
    return reported(client, "p-mayor", body)


def vm_a_private(client: Any, **extra: Any) -> dict[str, Any]:
    """张副市长's private leave (L3: the mayor approves), 10-05 to 10-06; 刘副市长 acts (P3)."""
    body = leave_body("p-vm-a", "private", at("10-05"), at("10-06", "18:00"), acting_id="p-vm-b")
    body.update(extra)
    return reported(client, "p-vm-a", body)


def ecology_head_trip(client: Any) -> dict[str, Any]:
    """市生态环境局's head leaving the city (L5: 张副市长 is in charge of the unit)."""
    body = leave_body(
        "p-ecology-head", "out_of_city", at("10-05"), at("10-07", "18:00"), destination="北京"
    )
    return reported(client, "p-ecology-head", body)


def away(client: Any, when: str | None = None, by: str = "p-sg") -> list[dict[str, Any]]:
    params = {"at": when} if when else None
    body = ok(client.get("/leaves", params=params, headers=auth(by)))
    found: list[dict[str, Any]] = body["away"]
    return found


def away_ids(client: Any, when: str | None = None) -> list[str]:
    return [a["person_id"] for a in away(client, when)]


def command(client: Any, leave_id: str, verb: str, by: str, body: Any = None) -> Any:
    return post(client, f"/leaves/{leave_id}/{verb}", by, body)


def assert_leave_written(response: Any, status: int, version: int) -> dict[str, Any]:
    body = ok(response, status)
    assert response.headers["content-type"].startswith("application/json")
    assert body["version"] == version
    assert isinstance(body["position"], int) and body["position"] > 0
    assert response.headers["etag"] == f'"{version}"'
    if status == 201:
        assert response.headers["location"] == f"/leaves/{body['id']}"
    return body


# ----- every endpoint: report → approve → file → return, and a cancellation -------------------


def test_a_private_leave_from_report_to_return(client, services):
    body = leave_body(
        "p-vm-a",
        "private",
        at("09-30"),
        at("10-01", "18:00"),
        acting_id="p-vm-b",
        destination="家中",
    )
    r = report(client, "p-vm-a", body)
    leave = assert_leave_written(r, 201, 1)
    leave_id = leave["id"]
    assert leave["position"] == positions(services)
    assert leave["person_id"] == "p-vm-a"
    assert leave["office"] == "vice_mayor"
    assert leave["kind"] == "private"
    assert leave["status"] == "requested"  # a request until the mayor approves it (L3)
    assert (leave["request"], leave["leaves_city"], leave["begins_at"]) == (True, False, None)
    assert leave["filing_due"] is None and leave["unfiled"] is None
    assert leave["approval_by"] == "p-mayor"
    assert leave["acting_id"] == "p-vm-b"
    assert leave["acting_named_by_office"] is False
    assert leave["destination"] == "家中"
    assert leave["urgent"] is False
    assert (leave["approved"], leave["filed"], leave["returned_at"]) == (None, None, None)
    assert same_instant(leave["starts_at"], at("09-30"))
    assert same_instant(leave["ends_at"], at("10-01", "18:00"))
    assert same_instant(leave["return_due"], at("10-01", "18:00"))

    assert away(client, at("09-30", "10:00")) == []  # L3: nobody is away, nobody acts

    move_clock(client, at("09-28", "10:00"))
    approved = assert_leave_written(command(client, leave_id, "approve", "p-mayor"), 200, 2)
    assert approved["status"] == "approved"
    assert approved["approved"]["by"] == "p-mayor"
    assert same_instant(approved["begins_at"], at("09-30"))
    assert same_instant(approved["filing_due"], at("09-30"))  # filed before it begins (L4)
    assert approved["position"] == positions(services)

    move_clock(client, at("09-28", "11:00"))
    filed = assert_leave_written(command(client, leave_id, "file", "p-office-dir"), 200, 3)
    assert filed["filed"]["by"] == "p-office-dir"
    assert filed["filed_late"] is False
    assert filed["status"] == "approved"

    # While away: listed with who acts (P3), by moment and by "now".
    assert away(client, at("09-29", "12:00")) == []
    move_clock(client, at("09-30", "12:00"))
    (entry,) = away(client, at("09-30", "10:00"))
    assert entry["person_id"] == "p-vm-a"
    assert entry["office"] == "vice_mayor"
    assert entry["acting_id"] == "p-vm-b"
    assert entry["leave_id"] == leave_id
    assert entry["overdue"] is False
    assert away_ids(client) == ["p-vm-a"]

    returned = assert_leave_written(
        command(client, leave_id, "return", "p-vm-a", {"returned_at": at("09-30", "11:00")}),
        200,
        4,
    )
    assert returned["status"] == "returned"
    assert same_instant(returned["returned_at"], at("09-30", "11:00"))
    assert returned["position"] == positions(services)

    # Nobody is away after the return (销假 cuts the planned absence short); before it, still.
    assert away(client, at("09-30", "11:30")) == []
    assert away(client, at("10-01", "12:00")) == []
    assert away(client) == []
    assert away_ids(client, at("09-30", "10:59")) == ["p-vm-a"]

    # GET: now, by version, as of a moment, and the history.
    state = get(client, f"/leaves/{leave_id}", by="p-finance-head")
    assert state == {**returned, "position": state["position"]}
    assert state["version"] == 4
    first = get(client, f"/leaves/{leave_id}", version=1)
    assert (first["version"], first["status"], first["approved"]) == (1, "requested", None)
    as_of = get(client, f"/leaves/{leave_id}", as_of=at("09-28", "10:30"))
    assert (as_of["version"], as_of["status"], as_of["filed"]) == (2, "approved", None)
    assert get(client, f"/leaves/{leave_id}", as_of=at("09-29"))["version"] == 3
    early = client.get(
        f"/leaves/{leave_id}", params={"as_of": at("09-28", "08:00")}, headers=auth("p-mayor")
    )
    assert_problem(early, 404)
    assert_problem(
        client.get(f"/leaves/{leave_id}", params={"version": 9}, headers=auth("p-mayor")), 404
    )

    history = events(client, "leaves", leave_id)
    assert [e["type"] for e in history] == [
        "LeaveReported",
        "LeaveApproved",
        "LeaveFiled",
        "ReturnReported",
    ]
    assert [e["version"] for e in history] == [1, 2, 3, 4]
    assert [e["actor_id"] for e in history] == ["p-vm-a", "p-mayor", "p-office-dir", "p-vm-a"]
    assert "L3" in history[0]["rules"] and "L4" in history[0]["rules"]
    assert "P3" in history[0]["rules"]
    assert history[1]["rules"] == ["L3", "L4"]
    assert same_instant(history[1]["payload"]["begins_at"], at("09-30"))
    assert history[1]["actor_office"] == "mayor"
    assert history[1]["acting_for"] is None
    assert history[2]["rules"] == ["L4"] and history[2]["actor_office"] == "office_director"
    assert history[3]["rules"] == ["L6"]
    # The answer's position is its last event: the ledger's, saved with the leave.
    assert history[-1]["position"] < returned["position"]


def test_a_leave_cancelled_before_it_began_is_not_away(client, services):
    leave = ecology_head_trip(client)
    assert leave["status"] == "reported" and leave["approval_by"] == "p-vm-a"
    assert away_ids(client, at("10-06")) == ["p-ecology-head"]

    cancelled = ok(command(client, leave["id"], "cancel", "p-ecology-head"))
    assert cancelled["status"] == "cancelled"
    assert cancelled["version"] == 2
    assert cancelled["position"] == positions(services)
    assert away(client, at("10-06")) == []
    assert [e["type"] for e in events(client, "leaves", leave["id"])] == [
        "LeaveReported",
        "LeaveCancelled",
    ]

    # A cancelled absence is neither approved nor cancelled again.
    before = log_head(services)
    assert_refused(
        client, services, command(client, leave["id"], "approve", "p-vm-a"), 409, "L5", before
    )
    again = command(client, leave["id"], "cancel", "p-ecology-head")
    assert_refused(client, services, again, 409, "L6", before)


def test_a_unit_heads_trip_is_approved_by_the_vice_mayor_in_charge_l5(client):
    leave = ecology_head_trip(client)
    approved = ok(command(client, leave["id"], "approve", "p-vm-a"))
    assert approved["status"] == "approved"
    assert approved["approved"]["by"] == "p-vm-a"
    approval = events(client, "leaves", leave["id"])[-1]
    assert approval["rules"] == ["L5"]
    assert (approval["actor_office"], approval["acting_for"]) == ("vice_mayor", None)


def test_the_office_records_an_absence_for_a_leader(client):
    body = leave_body("p-vm-c", "private", at("10-05"), at("10-06"), acting_id="p-sg")
    leave = reported(client, "p-office-dir", body)
    assert leave["person_id"] == "p-vm-c"
    (event,) = events(client, "leaves", leave["id"])
    assert (event["actor_id"], event["actor_office"]) == ("p-office-dir", "office_director")


def test_an_unknown_leave_is_404(client):
    assert_problem(client.get(f"/leaves/{UNKNOWN}", headers=auth("p-mayor")), 404)
    assert_problem(command(client, UNKNOWN, "approve", "p-mayor"), 404)
    assert_problem(command(client, UNKNOWN, "return", "p-mayor", {"returned_at": at("09-28")}), 404)


def test_a_bad_kind_or_an_end_before_the_start_is_422(client, services):
    before = log_head(services)
    body = leave_body("p-vm-a", "holiday", at("10-05"), at("10-06"), acting_id="p-vm-b")
    assert_problem(report(client, "p-vm-a", body), 422)
    body = leave_body("p-vm-a", "private", at("10-06"), at("10-05"), acting_id="p-vm-b")
    assert_problem(report(client, "p-vm-a", body), 422)
    assert log_head(services) == before


def test_an_absence_withdrawn_or_ended_early_frees_the_period_for_l1(client, services):
    body = leave_body("p-exec-vm", "out_of_city", at("10-05"), at("10-09"), acting_id="p-vm-c")
    body["reported_to_id"] = "p-mayor"  # L2: the executive vice-mayor reports to the mayor
    exec_vm = reported(client, "p-exec-vm", body)
    ok(command(client, exec_vm["id"], "cancel", "p-exec-vm"))
    mayor = mayor_trip(client, at("10-06"), at("10-07"))
    assert away_ids(client, at("10-06", "12:00")) == ["p-mayor"]

    # The mayor came back on the first day: the executive vice-mayor may leave after that.
    move_clock(client, at("10-06", "15:00"))
    ok(command(client, mayor["id"], "return", "p-mayor", {"returned_at": at("10-06", "14:00")}))
    body = leave_body(
        "p-exec-vm", "out_of_city", at("10-06", "16:00"), at("10-06", "20:00"),
        acting_id="p-vm-c", reported_to_id="p-mayor", urgent=True,
    )  # fmt: skip
    assert reported(client, "p-exec-vm", body)["status"] == "approved"
    assert away_ids(client, at("10-06", "17:00")) == ["p-exec-vm"]


def test_an_absence_past_its_end_without_a_return_is_listed_overdue_l6(client):
    mayor = mayor_trip(client, at("09-28", "10:00"), at("09-28", "18:00"))
    (entry,) = away(client, at("09-28", "12:00"))
    assert (entry["person_id"], entry["overdue"]) == ("p-mayor", False)
    move_clock(client, at("09-29", "09:00"))
    (late,) = away(client)
    assert (late["person_id"], late["leave_id"], late["overdue"]) == ("p-mayor", mayor["id"], True)
    assert late["acting_id"] == "p-exec-vm"
    ok(command(client, mayor["id"], "return", "p-mayor", {"returned_at": at("09-29", "08:30")}))
    assert away(client) == []


def test_an_overdue_mayor_still_counts_as_away_for_l1(client, services):
    """L1 with L6: the mayor's trip passed its planned end without a return (销假); he is still
    listed away (overdue) and the executive vice-mayor still acts for him, so the executive
    vice-mayor may not leave too — GET /leaves would show both away at once."""
    mayor_trip(client, at("09-28", "10:00"), at("09-28", "18:00"))
    move_clock(client, at("09-29", "12:00"))
    assert away_ids(client) == ["p-mayor"]
    before = log_head(services)
    body = leave_body(
        "p-exec-vm", "out_of_city", at("09-29", "13:00"), at("09-29", "18:00"),
        acting_id="p-vm-c", reported_to_id="p-mayor", urgent=True,
    )  # fmt: skip
    assert_refused(client, services, report(client, "p-exec-vm", body), 409, "L1", before)
    assert away_ids(client, at("09-29", "15:00")) == ["p-mayor"]


def test_approving_or_filing_twice_is_refused(client, services):
    leave = vm_a_private(client)
    ok(command(client, leave["id"], "approve", "p-mayor"))
    ok(command(client, leave["id"], "file", "p-office-dir"))
    before = log_head(services)
    again = command(client, leave["id"], "approve", "p-mayor")
    assert_refused(client, services, again, 409, "L3", before)
    again = command(client, leave["id"], "file", "p-office-dir")
    assert_refused(client, services, again, 409, "L4", before)

    # An absence that needs no approval (the mayor's official trip) is not approved.
    trip = mayor_trip(client, at("10-08"), at("10-09"))
    assert (trip["status"], trip["approval_by"]) == ("approved", None)
    before = log_head(services)
    r = command(client, trip["id"], "approve", "p-mayor")
    assert_refused(client, services, r, 409, "L3", before)


def test_a_stale_if_match_is_412_and_an_idempotent_report_is_answered_again(client, services):
    leave = vm_a_private(client)
    before = log_head(services)
    r = client.post(f"/leaves/{leave['id']}/approve", headers=auth("p-mayor", if_match='"7"'))
    assert_problem(r, 412)
    assert log_head(services) == before
    r = client.post(f"/leaves/{leave['id']}/approve", headers=auth("p-mayor", if_match='"1"'))
    assert ok(r)["version"] == 2

    body = leave_body(
        "p-vm-c", "out_of_city", at("10-12"), at("10-13"), acting_id="p-sg",
        reported_to_id="p-mayor",
    )  # fmt: skip
    first = client.post("/leaves", json=body, headers=auth("p-vm-c", idempotency_key="lv-1"))
    created = ok(first, 201)
    count = event_count(services)
    second = client.post("/leaves", json=body, headers=auth("p-vm-c", idempotency_key="lv-1"))
    assert ok(second, 201) == created
    assert second.headers["location"] == first.headers["location"]
    assert event_count(services) == count
    other = {**body, "ends_at": at("10-14")}
    reused = client.post("/leaves", json=other, headers=auth("p-vm-c", idempotency_key="lv-1"))
    assert_problem(reused, 422)
    assert event_count(services) == count
    (entry,) = [a for a in away(client, at("10-12", "12:00")) if a["person_id"] == "p-vm-c"]
    assert entry["leave_id"] == created["id"]


# ----- authority: 403 + rule id, nothing stored -------------------------------------------------


def test_private_leave_of_a_vice_mayor_is_approved_by_the_mayor_only_l3(client, services):
    leave = vm_a_private(client)
    before = log_head(services)
    r = command(client, leave["id"], "approve", "p-vm-c")
    assert_refused(client, services, r, 403, "L3", before)
    assert get(client, f"/leaves/{leave['id']}")["status"] == "requested"


def test_a_unit_heads_trip_is_not_approved_by_another_vice_mayor_l5(client, services):
    leave = ecology_head_trip(client)
    before = log_head(services)
    r = command(client, leave["id"], "approve", "p-vm-c")
    assert_refused(client, services, r, 403, "L5", before)
    assert get(client, f"/leaves/{leave['id']}")["approved"] is None


def test_filing_by_a_unit_head_is_forbidden_l4(client, services):
    leave = vm_a_private(client)
    before = log_head(services)
    r = command(client, leave["id"], "file", "p-finance-head")
    assert_refused(client, services, r, 403, "L4", before)
    assert get(client, f"/leaves/{leave['id']}")["filed"] is None


def test_only_the_mayor_overrides_l1(client, services):
    mayor_trip(client, at("10-05"), at("10-08", "18:00"))
    before = log_head(services)
    body = leave_body(
        "p-exec-vm",
        "out_of_city",
        at("10-06"),
        at("10-07"),
        acting_id="p-vm-a",
        reported_to_id="p-mayor",
        override_reason="省里紧急会议",
    )
    r = report(client, "p-exec-vm", body)
    assert_refused(client, services, r, 403, "L1", before)
    assert away_ids(client, at("10-06", "12:00")) == ["p-mayor"]


def test_a_vice_mayor_does_not_report_the_partners_absence_l4(client, services):
    before = log_head(services)
    body = leave_body(
        "p-vm-b", "out_of_city", at("10-05"), at("10-06"), acting_id="p-vm-a",
        reported_to_id="p-mayor",
    )  # fmt: skip
    r = report(client, "p-vm-a", body)
    assert_refused(client, services, r, 403, "L4", before)
    assert away(client, at("10-05", "12:00")) == []


def test_someone_elses_return_or_cancellation_is_forbidden_l4(client, services):
    leave = vm_a_private(client)
    before = log_head(services)
    assert_refused(
        client, services, command(client, leave["id"], "cancel", "p-vm-b"), 403, "L4", before
    )
    move_clock(client, at("10-05", "12:00"))
    before = log_head(services)
    r = command(client, leave["id"], "return", "p-vm-c", {"returned_at": at("10-05", "11:00")})
    assert_refused(client, services, r, 403, "L4", before)


# ----- rule refusals: 409 + rule id, nothing stored ---------------------------------------------


def test_the_mayor_and_the_executive_vice_mayor_are_not_away_together_l1(client, services):
    mayor_trip(client, at("09-28", "10:00"), at("10-02", "18:00"))
    before = log_head(services)
    body = leave_body("p-exec-vm", "out_of_city", at("09-29"), at("09-30"), acting_id="p-vm-a")
    body["reported_to_id"] = "p-mayor"
    r = report(client, "p-exec-vm", body)
    problem = assert_refused(client, services, r, 409, "L1", before)
    assert problem["article"] == 84
    assert problem["type"].endswith("/rule-refused")

    # The other way round too, and a period that does not overlap is fine.
    body = leave_body("p-exec-vm", "out_of_city", at("10-03"), at("10-04"), acting_id="p-vm-a")
    body["reported_to_id"] = "p-mayor"
    exec_vm = reported(client, "p-exec-vm", body)
    assert "L1" in events(client, "leaves", exec_vm["id"])[0]["rules"]
    before = log_head(services)
    body = leave_body(
        "p-mayor", "private", at("10-03", "12:00"), at("10-05"), acting_id="p-exec-vm"
    )
    assert_refused(client, services, report(client, "p-mayor", body), 409, "L1", before)


def test_the_mayors_override_with_a_reason_is_recorded_l1(client, services):
    """L1: a second overlapping absence passes with an explicit override with a reason given by
    the mayor, and the override is recorded. The executive vice-mayor is away then, so another
    leader must act for the mayor."""
    body = leave_body("p-exec-vm", "out_of_city", at("10-05"), at("10-07"), acting_id="p-vm-a")
    body["reported_to_id"] = "p-mayor"
    reported(client, "p-exec-vm", body)
    body = leave_body(
        "p-mayor",
        "official_trip",
        at("10-06"),
        at("10-06", "18:00"),
        acting_id="p-vm-b",
        override_reason="国务院紧急会议，须市长本人出席",
    )
    r = report(client, "p-mayor", body)
    leave = ok(r, 201)
    assert leave["override_reason"] == "国务院紧急会议，须市长本人出席"
    assert "L1" in events(client, "leaves", leave["id"])[0]["rules"]
    assert sorted(away_ids(client, at("10-06", "12:00"))) == ["p-exec-vm", "p-mayor"]


def test_leaving_the_city_is_reported_a_day_ahead_unless_urgent_l2(client, services):
    body = leave_body(
        "p-vm-a",
        "out_of_city",
        at("09-28", "18:00"),
        at("09-29", "18:00"),
        acting_id="p-vm-b",
        reported_to_id="p-mayor",
        destination="成都",
    )
    before = log_head(services)
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L2", before)

    # Not reported to the mayor or the executive vice-mayor: refused as well.
    other = {**body, "starts_at": at("10-05"), "ends_at": at("10-06"), "reported_to_id": "p-sg"}
    assert_refused(client, services, report(client, "p-vm-a", other), 409, "L2", before)
    missing = {k: v for k, v in other.items() if k != "reported_to_id"}
    assert_refused(client, services, report(client, "p-vm-a", missing), 409, "L2", before)

    urgent = reported(client, "p-vm-a", {**body, "urgent": True})
    assert urgent["urgent"] is True
    assert urgent["reported_to_id"] == "p-mayor"
    assert urgent["status"] == "approved"  # leaving on duty needs no approval, only the report
    assert "L2" in events(client, "leaves", urgent["id"])[0]["rules"]

    # A day ahead is fine without urgency.
    ahead = {**body, "starts_at": at("09-30"), "ends_at": at("09-30", "18:00")}
    ahead["person_id"] = "p-sg"
    ahead["acting_id"] = "p-vm-c"
    assert reported(client, "p-sg", ahead)["urgent"] is False


def test_a_leaders_absence_names_who_acts_l4(client, services):
    before = log_head(services)
    body = leave_body("p-vm-a", "private", at("10-05"), at("10-06"))
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L4", before)

    # The mayor: the executive vice-mayor acts (P2), nobody else.
    body = leave_body("p-mayor", "private", at("10-05"), at("10-06"), acting_id="p-vm-a")
    assert_refused(client, services, report(client, "p-mayor", body), 409, "L4", before)
    body = leave_body("p-mayor", "private", at("10-05"), at("10-06"))
    assert_refused(client, services, report(client, "p-mayor", body), 409, "L4", before)

    # A vice-mayor: the AB partner, not someone else while the partner is in town (P3).
    body = leave_body("p-vm-a", "private", at("10-05"), at("10-06"), acting_id="p-vm-c")
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L4", before)
    # Not a unit head, nor oneself.
    body = leave_body("p-vm-a", "private", at("10-05"), at("10-06"), acting_id="p-finance-head")
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L4", before)
    body = leave_body("p-vm-a", "private", at("10-05"), at("10-06"), acting_id="p-vm-a")
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L4", before)

    # A unit head needs no acting person.
    head = ecology_head_trip(client)
    assert head["acting_id"] is None


def test_a_return_is_reported_once_it_happened_l6(client, services):
    body = leave_body("p-vm-c", "official_trip", at("09-28", "10:00"), at("09-29", "18:00"))
    body.update(acting_id="p-sg", reported_to_id="p-mayor", urgent=True)  # L2: at short notice
    leave = reported(client, "p-vm-c", body)
    move_clock(client, at("09-28", "12:00"))
    before = log_head(services)
    r = command(client, leave["id"], "return", "p-vm-c", {"returned_at": at("09-28", "15:00")})
    assert_refused(client, services, r, 409, "L6", before)
    assert get(client, f"/leaves/{leave['id']}")["status"] == "approved"
    assert away_ids(client, at("09-28", "16:00")) == ["p-vm-c"]

    # Once begun, an absence ends with a return, not a cancellation.
    r = command(client, leave["id"], "cancel", "p-vm-c")
    assert_refused(client, services, r, 409, "L6", before)

    back = ok(
        command(client, leave["id"], "return", "p-vm-c", {"returned_at": at("09-28", "11:30")})
    )
    assert back["status"] == "returned"
    before = log_head(services)
    r = command(client, leave["id"], "return", "p-vm-c", {"returned_at": at("09-28", "11:45")})
    assert_refused(client, services, r, 409, "L6", before)


# ----- who acts: the acting mayor (P2) and the AB partner (P3) ----------------------------------


def test_the_executive_vice_mayor_convenes_as_acting_mayor_while_the_mayor_is_away_p2(
    client, services
):
    mayor_trip(client, at("09-28", "10:00"), at("10-02", "18:00"))
    meeting = convene_body(convener_id="p-exec-vm", scheduled_at=at("09-29"))

    # The mayor is not away yet: the executive vice-mayor does not convene (M2).
    before = log_head(services)
    r = post(client, "/meetings", "p-exec-vm", meeting)
    assert_refused(client, services, r, 403, "M2", before)

    move_clock(client, at("09-28", "11:00"))
    (entry,) = away(client)
    assert (entry["person_id"], entry["acting_id"]) == ("p-mayor", "p-exec-vm")
    convened = ok(post(client, "/meetings", "p-exec-vm", meeting), 201)
    assert convened["convener_id"] == "p-exec-vm"
    (event,) = events(client, "meetings", convened["id"])
    assert event["type"] == "MeetingConvened"
    assert event["actor_id"] == "p-exec-vm"
    assert event["actor_office"] == "executive_vice_mayor"
    assert event["acting_for"] == "p-mayor"
    assert "P2" in event["rules"] and "M2" in event["rules"]


def test_the_acting_mayor_approves_a_vice_mayors_private_leave_p2(client, services):
    mayor_trip(client, at("09-28", "10:00"), at("10-02", "18:00"))
    leave = vm_a_private(client)
    move_clock(client, at("09-28", "11:00"))
    approved = ok(command(client, leave["id"], "approve", "p-exec-vm"))
    assert approved["approved"]["by"] == "p-exec-vm"
    event = events(client, "leaves", leave["id"])[-1]
    assert event["acting_for"] == "p-mayor"
    assert event["rules"] == ["L3", "L4", "P2"]


def test_P3_the_ab_partner_does_not_approve_for_a_vice_mayor_who_is_away_the_mayor_does(
    client, services
):
    """AB partners cover some official activities (art. 61), not leave approval: with 张副市长
    away, 刘副市长 (his partner) is refused; the mayor approves in their own right (L5)."""
    body = leave_body(
        "p-vm-a", "out_of_city", at("09-30"), at("10-02", "18:00"), acting_id="p-vm-b",
        reported_to_id="p-mayor",
    )  # fmt: skip
    reported(client, "p-vm-a", body)
    leave = ecology_head_trip(client)
    move_clock(client, at("09-30", "10:00"))
    assert away_ids(client) == ["p-vm-a"]
    before = log_head(services)

    r = command(client, leave["id"], "approve", "p-vm-b")

    assert_refused(client, services, r, 403, "L5", before)
    approved = ok(command(client, leave["id"], "approve", "p-mayor"))
    assert (approved["status"], approved["approved"]["by"]) == ("approved", "p-mayor")
    event = events(client, "leaves", leave["id"])[-1]
    assert (event["actor_office"], event["acting_for"], event["rules"]) == ("mayor", None, ["L5"])


def test_with_both_ab_partners_away_the_office_names_who_acts_p3(client, services):
    body_b = leave_body(
        "p-vm-b", "out_of_city", at("09-30"), at("10-02", "18:00"), acting_id="p-vm-a",
        reported_to_id="p-exec-vm",
    )  # fmt: skip
    leave_b = reported(client, "p-vm-b", body_b)
    assert leave_b["acting_named_by_office"] is False

    body_a = leave_body(
        "p-vm-a", "out_of_city", at("10-01"), at("10-02"), acting_id="p-vm-c",
        reported_to_id="p-mayor",
    )  # fmt: skip
    before = log_head(services)
    assert_refused(client, services, report(client, "p-vm-a", body_a), 403, "L4", before)
    # The partner who is away cannot act either.
    partner = {**body_a, "acting_id": "p-vm-b"}
    assert_refused(client, services, report(client, "p-office-dir", partner), 409, "L4", before)

    r = report(client, "p-office-dir", body_a)
    leave_a = assert_leave_written(r, 201, 1)
    assert leave_a["acting_id"] == "p-vm-c"
    assert leave_a["acting_named_by_office"] is True
    (event,) = events(client, "leaves", leave_a["id"])
    assert event["actor_id"] == "p-office-dir"
    assert "P3" in event["rules"] and "L4" in event["rules"]

    during = {a["person_id"]: a["acting_id"] for a in away(client, at("10-01", "12:00"))}
    assert during == {"p-vm-b": "p-vm-a", "p-vm-a": "p-vm-c"}


def test_P3_the_leader_the_office_named_does_not_approve_leave_while_both_partners_are_away(
    client, services
):
    """P3: with both partners away, the leader the office assigned covers their official
    activities; approving a trip of the head of a unit in 张副市长's division (L5) is still
    the vice-mayor's or, while away, the mayor's."""
    body_b = leave_body(
        "p-vm-b", "out_of_city", at("09-30"), at("10-04"), acting_id="p-vm-a",
        reported_to_id="p-mayor",
    )  # fmt: skip
    reported(client, "p-vm-b", body_b)
    body_a = leave_body(
        "p-vm-a", "out_of_city", at("10-01"), at("10-03"), acting_id="p-vm-c",
        reported_to_id="p-mayor",
    )  # fmt: skip
    assert reported(client, "p-office-dir", body_a)["acting_named_by_office"] is True
    leave = ecology_head_trip(client)
    move_clock(client, at("10-01", "12:00"))
    assert sorted(away_ids(client)) == ["p-vm-a", "p-vm-b"]
    before = log_head(services)

    r = command(client, leave["id"], "approve", "p-vm-c")

    assert_refused(client, services, r, 403, "L5", before)
    assert ok(command(client, leave["id"], "approve", "p-mayor"))["approved"]["by"] == "p-mayor"


# ----- L1 under contention ----------------------------------------------------------------------


def _race(calls: list[Any]) -> list[Any]:
    """Runs the calls at the same moment (a barrier), returns their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [f.result(timeout=120) for f in futures]


@pytest.mark.parametrize("ledger_opened", [False, True], ids=["fresh-ledger", "open-ledger"])
def test_racing_absences_of_the_mayor_and_the_executive_vice_mayor_one_wins_l1(
    client, services, ledger_opened
):
    lenient = TestClient(client.app, raise_server_exceptions=False)
    if ledger_opened:
        # Someone else's absence opens the ledger: a report then records 2 events.
        body = leave_body("p-sg", "private", at("11-20"), at("11-21"), acting_id="p-vm-b")
        reported(client, "p-sg", body)
    rounds = 3 if ledger_opened else 1
    for n in range(rounds):
        day = 5 + 3 * n
        mayor = leave_body(
            "p-mayor", "official_trip", at(f"10-{day:02d}"), at(f"10-{day + 1:02d}"),
            acting_id="p-exec-vm",
        )  # fmt: skip
        exec_vm = leave_body(
            "p-exec-vm", "out_of_city", at(f"10-{day:02d}", "12:00"),
            at(f"10-{day + 1:02d}", "12:00"), acting_id="p-vm-c", reported_to_id="p-mayor",
        )  # fmt: skip
        per_report = 2 if (ledger_opened or n > 0) else 3
        count_before = event_count(services)

        responses = _race(
            [
                lambda b=mayor: lenient.post("/leaves", json=b, headers=auth("p-mayor")),
                lambda b=exec_vm: lenient.post("/leaves", json=b, headers=auth("p-exec-vm")),
            ]
        )
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [(r.status_code, r.text[:300]) for r in responses]
        (winner,) = [r for r in responses if r.status_code == 201]
        (loser,) = [r for r in responses if r.status_code == 409]
        assert loser.headers["content-type"].startswith(PROBLEM)
        assert loser.json()["rule"] == "L1", loser.text
        assert event_count(services) == count_before + per_report
        assert winner.json()["position"] == positions(services)

        won = winner.json()
        starts = {mayor["starts_at"], exec_vm["starts_at"]}
        (entry,) = [
            a
            for a in away(client, at(f"10-{day:02d}", "15:00"))
            if any(same_instant(a["starts_at"], t) for t in starts)
        ]
        assert (entry["person_id"], entry["leave_id"]) == (won["person_id"], won["id"])
        assert [e["type"] for e in events(client, "leaves", won["id"])] == ["LeaveReported"]


# ----- issue 12: L3 a request until approved, L2 for private leave out of the city, L4 unfiled --


def test_L3_private_leave_is_a_request_until_the_mayor_approves(client, services):
    leave = vm_a_private(client)
    assert (leave["status"], leave["request"], leave["begins_at"]) == ("requested", True, None)
    assert away(client, at("10-05", "12:00")) == []  # not away, nobody acts (P3)
    assert leave["position"] == positions(services)  # the ledger was not written

    approved = ok(command(client, leave["id"], "approve", "p-mayor"))
    assert approved["status"] == "approved"
    assert same_instant(approved["begins_at"], at("10-05"))
    (entry,) = away(client, at("10-05", "12:00"))
    assert (entry["person_id"], entry["acting_id"], entry["leave_id"]) == (
        "p-vm-a",
        "p-vm-b",
        leave["id"],
    )
    versions = [get(client, f"/leaves/{leave['id']}", version=v)["status"] for v in (1, 2)]
    assert versions == ["requested", "approved"]


def test_L3_a_request_refused_by_the_mayor_leaves_no_absence(client, services):
    leave = vm_a_private(client)
    before = log_head(services)
    r = command(client, leave["id"], "refuse", "p-exec-vm", {"reason": "不同意"})
    assert_refused(client, services, r, 403, "L3", before)
    r = command(client, leave["id"], "refuse", "p-vm-a")
    assert_refused(client, services, r, 403, "L3", before)

    refused = ok(command(client, leave["id"], "refuse", "p-mayor", {"reason": "近期工作繁重"}))
    assert refused["status"] == "refused"
    assert refused["refused"]["by"] == "p-mayor"
    assert refused["refused"]["reason"] == "近期工作繁重"
    assert refused["version"] == 2 and refused["position"] == positions(services)
    history = events(client, "leaves", leave["id"])
    assert [e["type"] for e in history] == ["LeaveReported", "LeaveRefused"]
    assert history[1]["rules"] == ["L3"]
    assert away(client, at("10-05", "12:00")) == []

    before = log_head(services)
    for verb, by in (("approve", "p-mayor"), ("refuse", "p-mayor")):
        assert_refused(client, services, command(client, leave["id"], verb, by), 409, "L3", before)
    r = command(client, leave["id"], "file", "p-office-dir")
    assert_refused(client, services, r, 409, "L4", before)


def test_L3_a_request_withdrawn_even_after_its_planned_start_leaves_no_absence(client, services):
    leave = vm_a_private(client)
    move_clock(client, at("10-05", "10:00"))
    withdrawn = ok(command(client, leave["id"], "cancel", "p-vm-a"))
    assert withdrawn["status"] == "cancelled"
    assert events(client, "leaves", leave["id"])[-1]["rules"] == ["L3"]
    assert away(client, at("10-05", "12:00")) == []
    before = log_head(services)
    r = command(client, leave["id"], "approve", "p-mayor")
    assert_refused(client, services, r, 409, "L3", before)


def test_L3_L1_a_pending_request_does_not_count_and_is_judged_when_approved(client, services):
    body = leave_body("p-exec-vm", "private", at("10-05"), at("10-06", "18:00"), acting_id="p-vm-a")
    asked = reported(client, "p-exec-vm", body)
    assert asked["status"] == "requested"
    trip = mayor_trip(client, at("10-06"), at("10-07"))  # overlaps the request: no clash (L1)
    assert "L1" in events(client, "leaves", trip["id"])[0]["rules"]

    before = log_head(services)
    r = command(client, asked["id"], "approve", "p-mayor")
    assert_refused(client, services, r, 409, "L1", before)
    assert get(client, f"/leaves/{asked['id']}")["status"] == "requested"

    approved = ok(
        command(client, asked["id"], "approve", "p-mayor", {"override_reason": "家中急事"})
    )
    assert approved["override_reason"] == "家中急事"
    assert "L1" in events(client, "leaves", asked["id"])[-1]["rules"]
    assert sorted(away_ids(client, at("10-06", "12:00"))) == ["p-exec-vm", "p-mayor"]


def test_L2_private_leave_out_of_the_city_is_reported_a_day_ahead_unless_urgent(client, services):
    body = leave_body(
        "p-vm-a", "private", at("09-29", "08:59"), at("09-30", "18:00"), acting_id="p-vm-b",
        leaves_city=True, reported_to_id="p-mayor", destination="昆明",
    )  # fmt: skip
    before = log_head(services)
    assert_refused(client, services, report(client, "p-vm-a", body), 409, "L2", before)
    # A day ahead (提前 1 天; the exact boundary, a day to the second, is the domain spec's:
    # the drill clock runs on while the test writes).
    early = {**body, "starts_at": at("09-29", "09:05")}
    unreported = {k: v for k, v in early.items() if k != "reported_to_id"}
    assert_refused(client, services, report(client, "p-vm-a", unreported), 409, "L2", before)

    ahead = reported(client, "p-vm-a", early)
    assert (ahead["status"], ahead["leaves_city"], ahead["urgent"]) == ("requested", True, False)
    assert {"L2", "L3"} <= set(events(client, "leaves", ahead["id"])[0]["rules"])

    urgent = {**body, "person_id": "p-sg", "acting_id": "p-dsg", "urgent": True}
    urgent.update(starts_at=at("09-28", "15:00"), ends_at=at("09-28", "18:00"))
    at_once = reported(client, "p-sg", urgent)
    assert (at_once["status"], at_once["urgent"]) == ("requested", True)


def test_L4_an_absence_begun_unfiled_is_recorded_by_the_system(client, services):
    unfiled = mayor_trip(client, at("09-28", "10:00"), at("09-29", "18:00"))
    assert same_instant(unfiled["filing_due"], at("09-28", "10:00"))
    body = leave_body(
        "p-sg", "official_trip", at("09-28", "11:00"), at("09-28", "18:00"), acting_id="p-dsg",
        reported_to_id="p-mayor", urgent=True,
    )  # fmt: skip
    in_time = reported(client, "p-sg", body)
    ok(command(client, in_time["id"], "file", "p-office-dir"))

    move_clock(client, at("09-28", "09:59"))
    assert get(client, f"/leaves/{unfiled['id']}")["unfiled"] is None
    move_clock(client, at("09-28", "12:00"))
    state = get(client, f"/leaves/{unfiled['id']}")
    assert same_instant(state["unfiled"], at("09-28", "10:00"))
    last = events(client, "leaves", unfiled["id"])[-1]
    assert (last["type"], last["actor_id"], last["rules"]) == ("AbsenceUnfiled", "system", ["L4"])
    assert same_instant(last["recorded_at"], at("09-28", "10:00"))
    assert get(client, f"/leaves/{in_time['id']}")["unfiled"] is None

    late = ok(command(client, unfiled["id"], "file", "p-office-dir"))
    assert late["filed_late"] is True
    assert same_instant(late["unfiled"], at("09-28", "10:00"))  # the record stands
    move_clock(client, at("09-28", "13:00"))
    types = [e["type"] for e in events(client, "leaves", unfiled["id"])]
    assert types == ["LeaveReported", "AbsenceUnfiled", "LeaveFiled"]
