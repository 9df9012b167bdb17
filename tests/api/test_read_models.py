"""Read models through HTTP: read-your-writes with ?min_position, pages with a cursor, the
countersign dashboard, /health per projection, and classified titles hidden (D12)."""

from __future__ import annotations

import pytest

from tests.support.http import auth


def draft(client, who="p-finance-head", **fields):
    body = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["专项资金"],
        **fields,
    }
    r = client.post("/documents", json=body, headers=auth(who))
    assert r.status_code == 201, r.text
    return r.json()


@pytest.mark.usefixtures("live_services")
def test_a_write_is_visible_at_its_position(client):
    doc = draft(client)
    page = client.get(f"/documents?min_position={doc['position']}", headers=auth("p-mayor")).json()
    assert page["position"] >= doc["position"]
    assert [item["id"] for item in page["items"]] == [doc["id"]]
    assert page["items"][0]["status"] == "drafted"


@pytest.mark.usefixtures("live_services")
def test_pages_follow_the_cursor_and_filter_by_status(client):
    docs = [draft(client, title=f"请示{i}") for i in range(5)]
    last = docs[-1]["position"]
    seen, cursor = [], None
    while True:
        query = f"/documents?limit=2&min_position={last}" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(query, headers=auth("p-mayor")).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(d["id"] for d in docs)
    none = client.get(
        f"/documents?status=published&min_position={last}", headers=auth("p-mayor")
    ).json()
    assert none["items"] == []


def test_a_position_not_reached_answers_503_with_retry_after(client):
    doc = draft(client)
    r = client.get(f"/documents?min_position={doc['position']}", headers=auth("p-mayor"))
    assert r.status_code == 503
    assert r.headers["retry-after"]
    assert r.headers["content-type"] == "application/problem+json"


@pytest.mark.usefixtures("live_services")
def test_the_countersign_dashboard_lists_open_requests_with_their_due_time(client):
    doc = draft(client)
    r = client.post(
        f"/documents/{doc['id']}/countersign-requests",
        json={"unit_ids": ["u-ecology", "u-housing"]},
        headers=auth("p-finance-head"),
    )
    asked = r.json()
    r = client.post(
        f"/documents/{doc['id']}/countersignatures",
        json={"unit_id": "u-ecology", "opinion": "agree"},
        headers=auth("p-ecology-head"),
    )
    answered = r.json()
    board = client.get(
        f"/dashboard/countersigns?min_position={answered['position']}", headers=auth("p-mayor")
    ).json()
    assert [(o["document_id"], o["unit_id"]) for o in board["open"]] == [(doc["id"], "u-housing")]
    assert board["open"][0]["due"] == "2026-10-14T00:00:00+08:00"  # D7: 24:00, 7th working day
    assert board["overdue"] == 0
    assert asked["position"] < answered["position"] <= board["position"]


@pytest.mark.usefixtures("live_services")
def test_health_shows_each_projection(client):
    doc = draft(client)
    client.get(f"/documents?min_position={doc['position']}", headers=auth("p-mayor"))
    health = client.get("/health").json()
    names = {p["name"]: p for p in health["projections"]}
    assert set(names) == {
        "accountability",
        "documents",
        "countersigns",
        "summaries",
        "decisions_board",
        "meetings_board",
        "supervision_board",
        "leaves_board",
        "regulations_board",
        "document_limits",
        "deadlines",
    }
    assert names["documents"]["state"] == "running"
    assert names["documents"]["position"] >= doc["position"]


@pytest.mark.usefixtures("live_services")
def test_a_classified_title_never_reaches_an_uncleared_reader(client):
    secret = draft(
        client,
        who="p-sg",
        doc_type="notice",
        title="绝密通知",
        from_unit_id="u-gov",
        to="u-finance",
        matters=["m"],
        classification="secret",
        drafting_unit_id="u-ecology",
    )
    query = f"/documents?min_position={secret['position']}"
    uncleared = client.get(query, headers=auth("p-finance-head"))
    assert "绝密通知" not in uncleared.text
    assert uncleared.json()["items"][0]["title"] is None
    cleared = client.get(query, headers=auth("p-mayor")).json()
    assert cleared["items"][0]["title"] == "绝密通知"


@pytest.mark.usefixtures("live_services")
def test_the_summary_counts_the_decisions_and_meetings_panels_too(client):
    r = client.post(
        "/decisions",
        json={
            "title": "2027年预算草案",
            "matter_kind": "budget",
            "initiated_by_unit": "u-finance",
            "responsible_person": "p-finance-head",
        },
        headers=auth("p-finance-head"),
    )
    decision = r.json()
    summary = client.get(
        f"/dashboard/summary?min_position={decision['position']}", headers=auth("p-mayor")
    ).json()
    assert summary["decisions"]["by_stage"]["preparing"] == 1  # M10: procedures missing
    assert summary["meetings"] == {
        "plenaries_this_year": 0,  # M4
        "executive_gaps": summary["meetings"]["executive_gaps"],
        "pending_minutes": 0,  # M8
    }
    assert summary["position"] >= decision["position"]


@pytest.mark.usefixtures("live_services")
def test_a_summary_asked_again_at_the_same_positions_is_the_same_and_a_write_renews_it(client):
    """The summary is kept for the second it was computed in, at the positions it reflects:
    asked again with nothing written it answers the same; once a write is in, it counts it
    (a cached answer is never older than the last write it reads)."""

    def decide(title: str) -> dict:
        r = client.post(
            "/decisions",
            json={
                "title": title,
                "matter_kind": "budget",
                "initiated_by_unit": "u-finance",
                "responsible_person": "p-finance-head",
            },
            headers=auth("p-finance-head"),
        )
        assert r.status_code == 201, r.text
        return r.json()

    first = decide("2027年预算草案")
    url = "/dashboard/summary?min_position={}"
    before = client.get(url.format(first["position"]), headers=auth("p-mayor")).json()
    again = client.get(url.format(first["position"]), headers=auth("p-sg")).json()
    assert {**again, "now": None} == {**before, "now": None}
    assert before["decisions"]["by_stage"]["preparing"] == 1

    second = decide("2028年预算草案")
    after = client.get(url.format(second["position"]), headers=auth("p-mayor")).json()
    assert after["decisions"]["by_stage"]["preparing"] == 2
    assert after["position"] >= second["position"] > before["position"]
