"""Time travel (?version=, ?as_of=), /history with every event's metadata, correlation ids,
and the drill clock (POST /_clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.support.documents import GOV_CODE, command, draft_notice, events_of
from tests.support.http import assert_problem, auth, move_clock, ok
from tests.support.store import positions

HISTORY_FIELDS = {
    "position",
    "version",
    "type",
    "recorded_at",
    "actor_id",
    "actor_office",
    "acting_for",
    "rules",
    "correlation_id",
    "causation_id",
    "payload",
}
DAY_2 = "2026-09-29T10:00:00+08:00"
DAY_3 = "2026-09-30T10:00:00+08:00"


def _signed_and_numbered(client):
    """Drafted on day 1, signed off on day 2, numbered on day 3."""
    doc = draft_notice(client)
    move_clock(client, DAY_2)
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意印发"}))
    move_clock(client, DAY_3)
    ok(command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))
    return doc


def test_version_1_shows_the_drafted_state_after_later_commands(client):
    doc = _signed_and_numbered(client)
    current = ok(client.get(f"/documents/{doc['id']}", headers=auth("p-mayor")))
    assert current["status"] == "numbered"
    assert current["version"] == 3

    r = client.get(f"/documents/{doc['id']}", params={"version": 1}, headers=auth("p-mayor"))
    first = ok(r)
    assert r.headers["etag"] == '"1"'
    assert first["version"] == 1
    assert first["status"] == "drafted"
    assert first["sign_off"] is None
    assert first["number"] is None
    assert first["title"] == doc["title"]
    assert first["position"] == doc["position"]

    second = ok(client.get(f"/documents/{doc['id']}?version=2", headers=auth("p-mayor")))
    assert second["status"] == "signed_off"
    assert second["sign_off"]["by"] == "p-vm-a"
    assert second["number"] is None


def test_as_of_before_the_sign_off_shows_the_earlier_state(client):
    doc = _signed_and_numbered(client)
    url = f"/documents/{doc['id']}"

    r = client.get(url, params={"as_of": "2026-09-29T09:00:00+08:00"}, headers=auth("p-mayor"))
    before_sign_off = ok(r)
    assert before_sign_off["status"] == "drafted"
    assert before_sign_off["version"] == 1
    assert r.headers["etag"] == '"1"'
    assert before_sign_off["position"] == doc["position"]

    # The same instant in UTC.
    r = client.get(url, params={"as_of": "2026-09-29T01:00:00Z"}, headers=auth("p-mayor"))
    assert ok(r)["version"] == 1

    r = client.get(url, params={"as_of": "2026-09-29T12:00:00+08:00"}, headers=auth("p-mayor"))
    after_sign_off = ok(r)
    assert after_sign_off["status"] == "signed_off"
    assert after_sign_off["version"] == 2
    assert after_sign_off["number"] is None

    r = client.get(url, params={"as_of": "2026-10-01T00:00:00+08:00"}, headers=auth("p-mayor"))
    assert ok(r)["number"] == "攀府发〔2026〕1号"


def test_as_of_before_the_document_existed_is_404(client):
    doc = draft_notice(client)
    r = client.get(
        f"/documents/{doc['id']}",
        params={"as_of": "2026-09-28T08:00:00+08:00"},
        headers=auth("p-mayor"),
    )
    assert_problem(r, 404)


def test_version_and_as_of_together_is_422(client):
    doc = draft_notice(client)
    r = client.get(
        f"/documents/{doc['id']}",
        params={"version": 1, "as_of": "2026-09-28T10:00:00+08:00"},
        headers=auth("p-mayor"),
    )
    assert_problem(r, 422)


def test_as_of_without_offset_is_422(client):
    doc = draft_notice(client)
    r = client.get(
        f"/documents/{doc['id']}", params={"as_of": "2026-09-28T10:00:00"}, headers=auth("p-mayor")
    )
    assert_problem(r, 422)


def test_history_lists_every_event_with_its_metadata(client, services):
    doc = draft_notice(client)
    move_clock(client, DAY_2)
    signed = ok(
        command(
            client,
            doc["id"],
            "sign-off",
            "p-vm-a",
            {"opinion": "同意印发"},
            x_correlation_id="corr-42",
        )
    )
    move_clock(client, DAY_3)
    numbered = ok(command(client, doc["id"], "register", "p-office-dir", {"issuer_code": GOV_CODE}))

    r = client.get(f"/documents/{doc['id']}/history", headers=auth("p-investigator"))
    body = ok(r)
    assert body["id"] == doc["id"]
    events = body["events"]
    assert [e["type"] for e in events] == [
        "DocumentDrafted",
        "DocumentSignedOff",
        "DocumentNumbered",
    ]
    for e in events:
        assert HISTORY_FIELDS <= set(e), set(e) ^ HISTORY_FIELDS
        assert isinstance(e["rules"], list) and e["rules"]
        assert isinstance(e["payload"], dict)
        assert e["correlation_id"]
        assert datetime.fromisoformat(e["recorded_at"]).tzinfo is not None
    assert [e["version"] for e in events] == [1, 2, 3]
    positions_ = [e["position"] for e in events]
    assert positions_ == sorted(positions_) and len(set(positions_)) == 3
    assert positions_[0] == doc["position"]
    assert positions_[1] == signed["position"]
    assert positions_[2] <= numbered["position"] <= positions(services)

    drafted, signed_off, numbered_event = events
    assert drafted["actor_id"] == "p-office-dir"
    assert drafted["actor_office"] == "office_director"
    assert drafted["acting_for"] is None
    assert "D1" in drafted["rules"]
    assert drafted["payload"]["title"] == doc["title"]

    assert signed_off["actor_id"] == "p-vm-a"
    assert signed_off["actor_office"] == "vice_mayor"
    assert signed_off["acting_for"] is None
    assert "D9" in signed_off["rules"]
    assert signed_off["correlation_id"] == "corr-42"
    assert signed_off["payload"]["opinion"] == "同意印发"

    assert numbered_event["actor_id"] == "p-office-dir"
    assert numbered_event["rules"] == ["D11"]
    assert numbered_event["correlation_id"] != "corr-42"

    # recorded_at is the drill clock's time of the act, not the wall clock.
    day_1 = datetime.fromisoformat("2026-09-28T09:00:00+08:00")
    day_2 = datetime.fromisoformat(DAY_2)
    day_3 = datetime.fromisoformat(DAY_3)
    minute = timedelta(minutes=1)
    assert day_1 <= datetime.fromisoformat(drafted["recorded_at"]) < day_1 + minute
    assert day_2 <= datetime.fromisoformat(signed_off["recorded_at"]) < day_2 + minute
    assert day_3 <= datetime.fromisoformat(numbered_event["recorded_at"]) < day_3 + minute


def test_correlation_id_header_reaches_the_event_and_the_answer(client):
    r = client.post(
        "/documents",
        json={
            "doc_type": "notice",
            "title": "关于做好国庆假期安全工作的通知",
            "from_unit_id": "u-gov",
            "drafting_unit_id": "u-ecology",
            "to": "u-ecology",
            "matters": ["假期安全"],
        },
        headers=auth("p-office-dir", x_correlation_id="drill-2026-0928-a"),
    )
    doc = ok(r, 201)
    assert r.headers["x-correlation-id"] == "drill-2026-0928-a"
    (event,) = events_of(client, doc["id"])
    assert event["correlation_id"] == "drill-2026-0928-a"


def test_history_of_the_roster(client):
    events = ok(client.get("/roster/history", headers=auth("p-mayor")))["events"]
    assert events[0]["type"] == "RosterStarted"
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["actor_id"] == "system" for e in events)


# ----- drill clock -------------------------------------------------------------------------------


def test_clock_moves_forward(client):
    body = move_clock(client, "2026-10-09T09:00:00+08:00")
    now = datetime.fromisoformat(body["now"])
    target = datetime.fromisoformat("2026-10-09T09:00:00+08:00")
    assert target <= now < target + timedelta(minutes=1)
    health = datetime.fromisoformat(client.get("/health").json()["now"])
    assert target <= health < target + timedelta(minutes=1)


def test_clock_never_goes_back(client, services):
    move_clock(client, DAY_2)
    before = positions(services)
    r = client.post("/_clock", json={"now": "2026-09-28T09:00:00+08:00"}, headers=auth("p-admin"))
    body = assert_problem(r, 409, type_suffix="/clock-backwards")
    assert "rule" not in body  # no rule of the government refuses it: the clock does
    assert positions(services) == before
    health = datetime.fromisoformat(client.get("/health").json()["now"])
    assert health >= datetime.fromisoformat(DAY_2)


def test_clock_is_moved_by_the_administrator_only(client, services):
    before = positions(services)
    for who in ("p-mayor", "p-office-dir", "p-investigator"):
        r = client.post("/_clock", json={"now": "2027-01-01T00:00:00+08:00"}, headers=auth(who))
        assert_problem(r, 403, "P1")
    assert positions(services) == before
    health = datetime.fromisoformat(client.get("/health").json()["now"])
    assert health < datetime.fromisoformat("2026-09-29T00:00:00+08:00")


def test_clock_needs_a_time_zone(client):
    r = client.post("/_clock", json={"now": "2026-10-09T09:00:00"}, headers=auth("p-admin"))
    assert_problem(r, 422)


def test_countersign_due_follows_the_drill_clock(client):
    """D7 counted from the clock's day: requested Fri 2026-10-09 (a working day) → 7 working
    days 10-10 (make-up Saturday), 10-12 … 10-16, 10-19 → due 2026-10-20 00:00 +08:00."""
    move_clock(client, "2026-10-09T09:00:00+08:00")
    doc = draft_notice(client)
    asked = ok(
        command(
            client, doc["id"], "countersign-requests", "p-office-dir", {"unit_ids": ["u-finance"]}
        )
    )
    (entry,) = asked["countersigns"]
    assert datetime.fromisoformat(entry["due"]) == datetime.fromisoformat(
        "2026-10-20T00:00:00+08:00"
    )


def test_as_of_after_every_act_is_the_current_state_even_after_a_later_act(client):
    """Time travel to a moment after every act answers the current state (remembered with
    its latest stamp); an act recorded since is not in an answer for a moment before it."""
    doc = _signed_and_numbered(client)
    url = f"/documents/{doc['id']}"
    late = "2026-10-01T00:00:00+08:00"
    first = ok(client.get(url, params={"as_of": late}, headers=auth("p-mayor")))
    again = ok(client.get(url, params={"as_of": late}, headers=auth("p-mayor")))
    current = ok(client.get(url, headers=auth("p-mayor")))
    assert first == again == current
    assert first["version"] == 3

    move_clock(client, "2026-10-02T10:00:00+08:00")
    assert ok(command(client, doc["id"], "issue", "p-office-dir"))["version"] == 4
    after = ok(client.get(url, params={"as_of": late}, headers=auth("p-mayor")))
    assert after["version"] == 3
