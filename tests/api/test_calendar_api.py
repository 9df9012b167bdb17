"""D7 over HTTP: the working-day calendar of a year the shipped data does not know (2027 for
chinesecalendar 1.11), recorded by the system administrator at POST /calendar/years/{year}
and shown at GET /calendar/years; countersigns whose 7 working days reach into that year are
counted with it, and keep being counted after a restart (the notice is an event like any
other)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from api.main import create_app
from api.services import build_services
from tests.support.documents import command, draft_request
from tests.support.http import get, move_clock, post, write
from tests.support.store import assert_refused, catch_up, log_head

NOTICE_2027 = {
    "holidays": [
        "2027-01-01",
        "2027-01-02",
        "2027-01-03",
        *(f"2027-02-{d:02}" for d in range(5, 13)),
    ],
    "workdays": ["2027-01-31", "2027-02-20"],
    "notice_ref": "国办发明电〔2026〕示例号",
}
CHRISTMAS_EVE = "2026-12-24T09:00:00+08:00"
# 12-25, 12-28, 12-29, 12-30, 12-31, (New Year off), 01-04, 01-05: due at the end of 01-05.
DUE = datetime.fromisoformat("2027-01-06T00:00:00+08:00")


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def countersign_due(client: Any) -> Any:
    doc = draft_request(client)
    return command(
        client, doc["id"], "countersign-requests", "p-finance-head", {"unit_ids": ["u-ecology"]}
    )


def test_D7_a_countersign_into_2027_waits_for_its_calendar_then_is_deemed_when_it_passes(
    client, services
):
    """The issue's case: requested on 2026-12-24 with no 2027 calendar, accepted with its due
    time pending (and shown so); the 2027 notice recorded; the due time counted by the system;
    the deemed no-objection recorded when it passes."""
    move_clock(client, CHRISTMAS_EVE)
    assert get(client, "/calendar/years")["missing"] == [2027]

    r = countersign_due(client)

    assert r.status_code == 200, r.text
    doc_id = r.json()["id"]
    (asked,) = r.json()["countersigns"]
    assert (asked["status"], asked["due"], asked["due_pending_year"]) == ("pending", None, 2027)
    catch_up(services)
    board = get(client, "/dashboard/countersigns")
    assert [(i["document_id"], i["due"], i["due_pending_year"]) for i in board["open"]] == [
        (doc_id, None, 2027)
    ]
    assert get(client, "/dashboard/summary")["countersigns"]["due_pending"] == 1

    write(client, "/calendar/years/2027", "p-admin", NOTICE_2027)
    moved = move_clock(client, "2026-12-24T09:05:00+08:00")  # the ticker runs before answering

    assert moved["deadlines_recorded"] == 1
    doc = get(client, f"/documents/{doc_id}")
    assert instant(doc["countersigns"][0]["due"]) == DUE
    assert doc["countersigns"][0]["due_pending_year"] is None
    events = [e["type"] for e in get(client, f"/documents/{doc_id}/history")["events"]]
    assert events[-1] == "CountersignDueSet"

    assert move_clock(client, "2027-01-05T23:59:00+08:00")["deadlines_recorded"] == 0
    assert move_clock(client, "2027-01-06T00:00:00+08:00")["deadlines_recorded"] == 1
    (deemed,) = get(client, f"/documents/{doc_id}")["countersigns"]
    assert (deemed["status"], deemed["opinion"]) == ("deemed", "no_objection")
    catch_up(services)
    assert get(client, "/dashboard/countersigns")["open"] == []


def test_D7_the_administrator_records_2027_and_countersigns_count_with_it(
    client, services, settings
):
    move_clock(client, CHRISTMAS_EVE)

    answer = write(client, "/calendar/years/2027", "p-admin", NOTICE_2027)

    (year,) = answer["years"]
    assert year["year"] == 2027 and year["source"] == "recorded"
    assert year["holidays"][:3] == ["2027-01-01", "2027-01-02", "2027-01-03"]
    assert year["workdays"] == ["2027-01-31", "2027-02-20"]
    assert year["recorded_by"] == "p-admin"
    listed = get(client, "/calendar/years")
    assert listed["missing"] == []
    assert {"year": 2026, "source": "shipped"} in listed["years"]
    assert listed["years"][-1]["year"] == 2027

    r = countersign_due(client)
    assert r.status_code == 200, r.text
    (asked,) = r.json()["countersigns"]
    assert instant(asked["due"]) == DUE  # New Year 01-01 to 01-03 is off

    restarted = build_services(settings)  # the notice is replayed from the log
    try:
        with TestClient(create_app(settings, restarted)) as again:
            move_clock(again, CHRISTMAS_EVE)  # a new process's drill clock starts afresh
            r = countersign_due(again)
            assert r.status_code == 200, r.text
            assert instant(r.json()["countersigns"][0]["due"]) == DUE
    finally:
        restarted.close()


def test_D7_only_the_system_administrator_records_a_notice(client, services):
    before = log_head(services)

    r = post(client, "/calendar/years/2027", "p-office-dir", NOTICE_2027)

    assert_refused(client, services, r, 403, "D7", before)


def test_D7_a_notice_is_recorded_once_and_never_for_a_shipped_year(client, services):
    write(client, "/calendar/years/2027", "p-admin", NOTICE_2027)
    before = log_head(services)

    assert_refused(
        client,
        services,
        post(client, "/calendar/years/2027", "p-admin", NOTICE_2027),
        409,
        "D7",
        before,
    )
    shipped = {**NOTICE_2027, "holidays": ["2026-01-01"], "workdays": []}
    assert_refused(
        client,
        services,
        post(client, "/calendar/years/2026", "p-admin", shipped),
        409,
        "D7",
        before,
    )


def test_D7_a_notice_that_cannot_be_one_is_422_and_stores_nothing(client, services):
    before = log_head(services)
    wrong = [
        {**NOTICE_2027, "holidays": ["2028-01-01"]},
        {**NOTICE_2027, "workdays": ["2027-02-03"]},
        {**NOTICE_2027, "holidays": ["2027-13-01"]},
        {**NOTICE_2027, "notice_ref": ""},
    ]
    for body in wrong:
        r = post(client, "/calendar/years/2027", "p-admin", body)
        assert r.status_code == 422, (body, r.text)
    assert post(client, "/calendar/years/year", "p-admin", NOTICE_2027).status_code == 422
    assert log_head(services) == before
