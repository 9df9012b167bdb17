"""Idempotency-Key (api.md): the same key with the same body answers the first response again
and records nothing new; the same key with another body → 422; keys belong to one person."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi.testclient import TestClient

from tests.support.documents import (
    GOV_CODE,
    command,
    draft_notice,
    events_of,
    notice_body,
    request_body,
)
from tests.support.http import assert_problem, auth, ok
from tests.support.store import event_count, positions


def _same_answer(first, again) -> None:
    assert again.status_code == first.status_code
    a, b = first.json(), again.json()
    assert (b["id"], b["version"], b["position"]) == (a["id"], a["version"], a["position"])
    assert b == a
    assert again.headers["etag"] == first.headers["etag"]


def test_create_with_the_same_key_and_body_is_answered_again(client, services):
    headers = auth("p-office-dir", idempotency_key="draft-2026-0928-001")
    first = client.post("/documents", json=notice_body(), headers=headers)
    assert first.status_code == 201
    after_first = positions(services)

    again = client.post("/documents", json=notice_body(), headers=headers)
    _same_answer(first, again)
    assert again.headers["location"] == first.headers["location"]
    assert positions(services) == after_first
    assert len(events_of(client, first.json()["id"])) == 1


def test_command_with_the_same_key_is_recorded_once(client, services):
    doc = draft_notice(client)
    headers = {"idempotency_key": "sign-1"}
    first = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, **headers)
    assert first.status_code == 200
    after_first = positions(services)
    again = command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, **headers)
    _same_answer(first, again)
    assert positions(services) == after_first
    types = [e["type"] for e in events_of(client, doc["id"])]
    assert types.count("DocumentSignedOff") == 1


def test_register_with_the_same_key_takes_one_number(client, services):
    doc = draft_notice(client)
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}))
    first = command(
        client,
        doc["id"],
        "register",
        "p-office-dir",
        {"issuer_code": GOV_CODE},
        idempotency_key="r1",
    )
    assert ok(first)["number"] == "攀府发〔2026〕1号"
    after_first = positions(services)
    again = command(
        client,
        doc["id"],
        "register",
        "p-office-dir",
        {"issuer_code": GOV_CODE},
        idempotency_key="r1",
    )
    _same_answer(first, again)
    assert positions(services) == after_first


def test_replay_answers_the_first_response_after_the_resource_moved_on(client, services):
    headers = auth("p-office-dir", idempotency_key="draft-then-moved")
    first = client.post("/documents", json=notice_body(), headers=headers)
    doc = ok(first, 201)
    ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意"}))
    after = positions(services)

    again = client.post("/documents", json=notice_body(), headers=headers)
    assert again.status_code == 201
    replay = again.json()
    assert (replay["id"], replay["version"], replay["position"]) == (doc["id"], 1, doc["position"])
    assert replay["status"] == "drafted"
    assert positions(services) == after


def test_same_key_with_another_body_is_422(client, services):
    headers = auth("p-office-dir", idempotency_key="k-body")
    ok(client.post("/documents", json=notice_body(), headers=headers), 201)
    before = positions(services)
    r = client.post("/documents", json=notice_body(title="另一个标题"), headers=headers)
    body = assert_problem(r, 422)
    assert "rule" not in body
    assert positions(services) == before


def test_same_key_on_another_resource_is_422(client, services):
    a = draft_notice(client)
    b = draft_notice(client, title="第二份通知")
    ok(
        command(
            client, a["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, idempotency_key="k-path"
        )
    )
    before = positions(services)
    r = command(
        client, b["id"], "sign-off", "p-vm-a", {"opinion": "同意"}, idempotency_key="k-path"
    )
    assert_problem(r, 422)
    assert positions(services) == before
    assert len(events_of(client, b["id"])) == 1


def test_keys_are_per_person(client, services):
    key = "shared-key-001"
    finance = client.post(
        "/documents", json=request_body(), headers=auth("p-finance-head", idempotency_key=key)
    )
    ecology = client.post(
        "/documents",
        json=request_body(from_unit_id="u-ecology", title="关于生态环境监测站建设的请示"),
        headers=auth("p-ecology-head", idempotency_key=key),
    )
    assert finance.status_code == ecology.status_code == 201
    assert finance.json()["id"] != ecology.json()["id"]
    assert ecology.json()["drafted_by"] == "p-ecology-head"
    assert ecology.json()["position"] == finance.json()["position"] + 1


def test_refused_request_does_not_use_up_the_key(client, services):
    doc = draft_notice(client)
    before = positions(services)
    r = command(client, doc["id"], "sign-off", "p-vm-b", {"opinion": "同意"}, idempotency_key="k-r")
    assert_problem(r, 403, "D9")
    assert positions(services) == before
    # The same key, the same body, by the same person: still refused, still nothing stored.
    r = command(client, doc["id"], "sign-off", "p-vm-b", {"opinion": "同意"}, idempotency_key="k-r")
    assert_problem(r, 403, "D9")
    assert positions(services) == before


def test_racing_requests_with_one_key_record_once(client, services):
    """Several identical requests with one key at the same moment: one document, one event,
    every answer the first one (a race is probabilistic: ten rounds)."""
    c = TestClient(client.app, raise_server_exceptions=False)
    for round_ in range(10):
        barrier = threading.Barrier(4)
        headers = auth("p-office-dir", idempotency_key=f"race-key-{round_}")

        def post(headers=headers, barrier=barrier):
            barrier.wait(timeout=30)
            return c.post("/documents", json=notice_body(), headers=headers)

        before = event_count(services)
        with ThreadPoolExecutor(max_workers=4) as pool:
            responses = [f.result(timeout=60) for f in [pool.submit(post) for _ in range(4)]]
        assert event_count(services) == before + 1
        assert [r.status_code for r in responses] == [201] * 4, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        assert len({r.json()["id"] for r in responses}) == 1
        assert len({r.json()["position"] for r in responses}) == 1


def test_the_same_key_and_body_from_two_people_are_two_writes(client, services):
    before = positions(services)
    by_director = client.post(
        "/documents", json=notice_body(), headers=auth("p-office-dir", idempotency_key="same")
    )
    by_secretary_general = client.post(
        "/documents", json=notice_body(), headers=auth("p-sg", idempotency_key="same")
    )
    assert by_director.status_code == by_secretary_general.status_code == 201
    assert by_director.json()["id"] != by_secretary_general.json()["id"]
    assert by_secretary_general.json()["drafted_by"] == "p-sg"
    assert positions(services) == before + 2
