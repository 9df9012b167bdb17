"""GET /events: the global log in order, a page at a time, with its metadata (api.md), and
D12: an uncleared reader sees that a secret event exists, never its payload or title."""

from __future__ import annotations

from typing import Any

from tests.support.http import assert_problem, auth, create, ok
from tests.support.store import positions

SECRET_TITLE = "关于涉密项目安排的通知"
SECRET_BODY = "密件正文：涉密安排细节"


def page(client: Any, by: str = "p-mayor", **params: Any) -> dict[str, Any]:
    return ok(client.get("/events", params=params, headers=auth(by)))


def secret_notice(client: Any) -> dict[str, Any]:
    return create(client, "/documents", "p-sg", {
        "doc_type": "notice", "title": SECRET_TITLE, "body": SECRET_BODY, "from_unit_id": "u-gov",
        "drafting_unit_id": "u-gov-office", "to": "u-finance", "matters": ["涉密项目"],
        "classification": "secret",
    })  # fmt: skip


def test_the_log_pages_in_order_with_a_cursor(client, services, bootstrap_events):
    head = positions(services)
    seen: list[int] = []
    after = 0
    while True:
        body = page(client, after=after, limit=7)
        seen += [e["position"] for e in body["events"]]
        if not body["events"]:
            assert body["next_after"] == after
            break
        after = body["next_after"]
        assert after == body["events"][-1]["position"]
    assert seen == sorted(set(seen))
    assert seen[-1] == head
    assert len(seen) == bootstrap_events  # the bootstrapped roster, one event each


def test_each_event_carries_its_metadata_and_hash(client, bootstrap_events):
    doc = create(client, "/documents", "p-finance-head", {
        "doc_type": "request", "title": "关于申请专项资金的请示", "from_unit_id": "u-finance",
        "to": "government", "matters": ["专项资金"],
    })  # fmt: skip
    (event,) = page(client, after=doc["position"] - 1)["events"]
    assert event["position"] == doc["position"]
    assert event["originator_id"] == doc["id"]
    assert (event["type"], event["version"]) == ("DocumentDrafted", 1)
    assert (event["actor_id"], event["actor_office"]) == ("p-finance-head", "unit_head")
    assert event["rules"] and event["correlation_id"]
    assert event["recorded_at"].endswith("+08:00")
    assert event["payload"]["title"] == "关于申请专项资金的请示"
    assert len(event["hash"]) == 64 and event["leaf_index"] == bootstrap_events  # after the roster


def test_a_secret_event_exists_for_the_uncleared_without_its_content_d12(client):
    doc = secret_notice(client)
    uncleared = client.get("/events", params={"after": 0}, headers=auth("p-finance-head"))
    assert uncleared.status_code == 200
    assert SECRET_TITLE not in uncleared.text and SECRET_BODY not in uncleared.text
    (event,) = [e for e in uncleared.json()["events"] if e["originator_id"] == doc["id"]]
    assert event["redacted"] is True and event["payload"] is None
    assert (event["type"], event["position"]) == ("DocumentDrafted", doc["position"])
    assert len(event["hash"]) == 64  # still verifiable: it is in the chain and the tree

    (seen,) = [e for e in page(client, after=0)["events"] if e["originator_id"] == doc["id"]]
    assert seen["payload"]["title"] == SECRET_TITLE  # the mayor is cleared


def test_bad_cursors_and_limits_are_422(client):
    for params in ({"limit": 0}, {"limit": 1001}, {"after": -1}, {"after": "x"}):
        assert_problem(client.get("/events", params=params, headers=auth("p-mayor")), 422)


def test_the_log_needs_a_token(client):
    assert_problem(client.get("/events"), 401)
