"""Concurrent writers over HTTP: D11 numbers stay unique and gapless under racing
registrations; two writers on the same version → one wins, the other 412 or 409
(/concurrency), never a 500, never a lost write."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from fastapi.testclient import TestClient

from tests.support.documents import GOV_CODE, draft_notice, events_of, signed_off_notice
from tests.support.http import PROBLEM, assert_problem, auth, ok
from tests.support.store import positions

N_DOCUMENTS = 8


def _race(calls: list[Any]) -> list[Any]:
    """Runs the calls at the same moment (a barrier), returns their results in order."""
    barrier = threading.Barrier(len(calls))

    def run(call: Any) -> Any:
        barrier.wait(timeout=30)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(run, call) for call in calls]
        return [f.result(timeout=120) for f in futures]


def _lenient(client: TestClient) -> TestClient:
    return TestClient(client.app, raise_server_exceptions=False)


def test_racing_registrations_get_numbers_1_to_n(client, services):
    docs = [signed_off_notice(client, title=f"关于第{i}项工作的通知") for i in range(N_DOCUMENTS)]
    c = _lenient(client)

    def register(doc_id: str) -> Any:
        return lambda: c.post(
            f"/documents/{doc_id}/register",
            json={"issuer_code": GOV_CODE},
            headers=auth("p-office-dir"),
        )

    responses = _race([register(d["id"]) for d in docs])
    assert [r.status_code for r in responses] == [200] * N_DOCUMENTS, [
        (r.status_code, r.text[:200]) for r in responses
    ]
    numbers = [r.json()["number"] for r in responses]
    assert len(set(numbers)) == N_DOCUMENTS, numbers  # no duplicate
    assert set(numbers) == {f"攀府发〔2026〕{i}号" for i in range(1, N_DOCUMENTS + 1)}

    # What the responses said is what is stored.
    for doc, number in zip(docs, numbers, strict=True):
        stored = ok(client.get(f"/documents/{doc['id']}", headers=auth("p-mayor")))
        assert stored["number"] == number
        assert stored["version"] == 3
        assert [e["type"] for e in events_of(client, doc["id"])][-1] == "DocumentNumbered"

    # The next one continues the sequence.
    late = signed_off_notice(client, title="最后一份通知")
    numbered = ok(
        client.post(
            f"/documents/{late['id']}/register",
            json={"issuer_code": GOV_CODE},
            headers=auth("p-office-dir"),
        )
    )
    assert numbered["number"] == f"攀府发〔2026〕{N_DOCUMENTS + 1}号"
    assert numbered["position"] == positions(services)


def test_racing_registrations_of_two_issuer_codes_count_separately(client):
    docs = [signed_off_notice(client, title=f"通知{i}") for i in range(6)]
    codes = ["攀府发", "攀府函"] * 3
    c = _lenient(client)
    responses = _race(
        [
            (
                lambda d=d, code=code: c.post(
                    f"/documents/{d['id']}/register",
                    json={"issuer_code": code},
                    headers=auth("p-office-dir"),
                )
            )
            for d, code in zip(docs, codes, strict=True)
        ]
    )
    assert [r.status_code for r in responses] == [200] * 6
    numbers = {r.json()["number"] for r in responses}
    assert numbers == {f"{code}〔2026〕{i}号" for code in ("攀府发", "攀府函") for i in (1, 2, 3)}


def _assert_loser(r: Any) -> None:
    assert r.status_code in (409, 412), (r.status_code, r.text[:300])
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    if r.status_code == 409:
        assert body["type"].endswith("/concurrency"), body
        assert "rule" not in body


def test_two_writers_on_the_same_version(client, services):
    c = _lenient(client)
    for round_ in range(6):
        doc = draft_notice(client, title=f"并发测试通知{round_}")
        doc_id = doc["id"]
        units = ["u-finance", "u-justice"]

        def ask(unit: str, doc_id: str = doc_id) -> Any:
            return lambda: c.post(
                f"/documents/{doc_id}/countersign-requests",
                json={"unit_ids": [unit]},
                headers=auth("p-office-dir", if_match='"1"'),
            )

        before = positions(services)
        responses = _race([ask(u) for u in units])
        statuses = sorted(r.status_code for r in responses)
        assert statuses[0] == 200 and statuses[1] != 200, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        (winner_unit,) = [u for u, r in zip(units, responses, strict=True) if r.status_code == 200]
        (loser,) = [r for r in responses if r.status_code != 200]
        _assert_loser(loser)

        winner = responses[units.index(winner_unit)].json()
        assert winner["version"] == 2
        assert positions(services) == before + 1 == winner["position"]

        events = events_of(client, doc_id)
        assert [e["type"] for e in events] == ["DocumentDrafted", "CountersignRequested"]
        assert events[1]["payload"]["unit_ids"] == [winner_unit]
        state = ok(client.get(f"/documents/{doc_id}", headers=auth("p-mayor")))
        assert [cs["unit_id"] for cs in state["countersigns"]] == [winner_unit]


def test_sign_off_and_countersign_request_racing_on_one_version(client, services):
    c = _lenient(client)
    for round_ in range(4):
        doc = draft_notice(client, title=f"竞争通知{round_}")
        doc_id = doc["id"]
        calls = [
            lambda doc_id=doc_id: c.post(
                f"/documents/{doc_id}/sign-off",
                json={"opinion": "同意"},
                headers=auth("p-vm-a", if_match='"1"'),
            ),
            lambda doc_id=doc_id: c.post(
                f"/documents/{doc_id}/countersign-requests",
                json={"unit_ids": ["u-finance"]},
                headers=auth("p-office-dir", if_match='"1"'),
            ),
        ]
        responses = _race(calls)
        winners = [r for r in responses if r.status_code == 200]
        losers = [r for r in responses if r.status_code != 200]
        assert len(winners) == 1 and len(losers) == 1, [
            (r.status_code, r.text[:200]) for r in responses
        ]
        _assert_loser(losers[0])
        events = events_of(client, doc_id)
        assert len(events) == 2
        expected = (
            "DocumentSignedOff" if responses[0].status_code == 200 else "CountersignRequested"
        )
        assert events[1]["type"] == expected
        assert events[1]["position"] == winners[0].json()["position"]


def test_R1_racing_writers_without_if_match_are_all_recorded(client, services):
    """Without If-Match a writer does not care which version it lands on: a lost race is
    judged again on the reloaded document, so every one is recorded (R1)."""
    c = _lenient(client)
    doc = draft_notice(client, title="多部门会签通知")
    units = ["u-finance", "u-justice", "u-housing", "u-east-district"]
    responses = _race(
        [
            (
                lambda unit=unit: c.post(
                    f"/documents/{doc['id']}/countersign-requests",
                    json={"unit_ids": [unit]},
                    headers=auth("p-office-dir"),
                )
            )
            for unit in units
        ]
    )
    assert [r.status_code for r in responses] == [200] * len(units), [
        (r.status_code, r.text[:300]) for r in responses
    ]
    events = events_of(client, doc["id"])
    asked = [u for e in events[1:] for u in e["payload"]["unit_ids"]]
    assert sorted(asked) == sorted(units)
    state = ok(client.get(f"/documents/{doc['id']}", headers=auth("p-mayor")))
    assert sorted(cs["unit_id"] for cs in state["countersigns"]) == sorted(units)
    assert state["version"] == 1 + len(units)
    assert sorted(r.json()["version"] for r in responses) == [2, 3, 4, 5]


def test_one_document_registered_twice_at_once_takes_one_number(client, services):
    """A double submission without a key: one number, the other refused (D11), no gap."""
    doc = signed_off_notice(client)
    c = _lenient(client)
    responses = _race(
        [
            lambda: c.post(
                f"/documents/{doc['id']}/register",
                json={"issuer_code": GOV_CODE},
                headers=auth("p-office-dir"),
            )
        ]
        * 2
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [(r.status_code, r.text[:200]) for r in responses]
    (winner,) = [r for r in responses if r.status_code == 200]
    (loser,) = [r for r in responses if r.status_code != 200]
    assert winner.json()["number"] == "攀府发〔2026〕1号"
    # Registering retries a lost race on the reloaded document (D11), which is numbered by
    # then: the loser is refused by the rule, whichever way the race went.
    assert_problem(loser, 409, "D11")
    assert [e["type"] for e in events_of(client, doc["id"])].count("DocumentNumbered") == 1

    other = signed_off_notice(client, title="下一份通知")
    numbered = ok(
        client.post(
            f"/documents/{other['id']}/register",
            json={"issuer_code": GOV_CODE},
            headers=auth("p-office-dir"),
        )
    )
    assert numbered["number"] == "攀府发〔2026〕2号"
