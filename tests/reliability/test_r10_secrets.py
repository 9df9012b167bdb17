"""R10 (docs/reliability.md): a secret document's title and body never appear to an uncleared
reader — not in /events or its stream, history, traces, bundles, lists, dashboards or errors —
against a real server process. The document is 机密 (confidential): above the investigator's
clearance (秘密) as well as the unit head's (none)."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.settings import Settings
from tests.support.http import auth
from tests.support.servers import api_server

TITLE = "关于机密专项的决定"
BODY = "机密正文：专项安排"
UNCLEARED = ("p-finance-head", "p-investigator")


def created(api: httpx.Client, path: str, by: str, body: dict[str, object]) -> dict[str, object]:
    r = api.post(path, json=body, headers=auth(by))
    assert r.status_code == 201, r.text
    result: dict[str, object] = r.json()
    return result


def stream_text(api: httpx.Client, by: str, until: int) -> str:
    """The event stream as the reader receives it, up to the event ``until``."""
    seen: list[str] = []
    with api.stream("GET", "/events/stream", headers=auth(by), timeout=20) as stream:
        for line in stream.iter_lines():
            seen.append(line)
            if line == f"id: {until}":
                break
    return "\n".join(seen)


def test_r10_a_secret_never_reaches_an_uncleared_reader(settings: Settings, tmp_path: Path):
    with (
        api_server(settings, tmp_path / "api.log") as server,
        httpx.Client(base_url=server.base, timeout=30) as api,
    ):
        decision = created(api, "/decisions", "p-finance-head", {
            "title": "专项安排", "matter_kind": "other", "initiated_by_unit": "u-finance",
            "responsible_person": "p-finance-head",
        })  # fmt: skip
        doc = created(api, "/documents", "p-sg", {
            "doc_type": "decision", "title": TITLE, "body": BODY, "from_unit_id": "u-gov",
            "drafting_unit_id": "u-gov-office", "to": "u-finance", "matters": ["专项"],
            "classification": "confidential", "decision_id": decision["id"],
        })  # fmt: skip
        d, head = doc["id"], int(str(doc["position"]))
        r = api.post(f"/documents/{d}/countersign-requests", json={"unit_ids": ["u-finance"]},
                     headers=auth("p-sg"))  # fmt: skip
        assert r.status_code == 200, r.text
        head = int(r.json()["position"])
        # (path, status): the document itself is refused (D12), every list, dashboard, trace
        # and bundle answers with the document's existence but not its title or body.
        reads = [
            ("/events?limit=1000", 200), (f"/documents/{d}", 403),
            (f"/documents/{d}?version=1", 403), (f"/documents/{d}?version=99", 403),
            (f"/documents/{d}?as_of=2026-12-01T00:00:00%2B08:00", 403),
            (f"/documents/{d}/history", 403), (f"/documents?limit=500&min_position={head}", 200),
            (f"/dashboard/summary?min_position={head}", 200), ("/dashboard/countersigns", 200),
            ("/dashboard/decisions", 200), (f"/decisions/{decision['id']}", 200),
            (f"/accountability/decisions/{decision['id']}?min_position={head}", 200),
            (f"/accountability/decisions/{decision['id']}?format=bundle", 200),
            ("/accountability/people/p-sg", 200), ("/accountability/people/p-finance-head", 200),
        ]  # fmt: skip
        writes = [
            (f"/documents/{d}/countersignatures", {"unit_id": "u-finance", "opinion": "agree"}),
            (f"/documents/{d}/sign-off", {"opinion": "同意"}),
            ("/documents", {"doc_type": "reply", "title": "x", "from_unit_id": "u-gov",
                            "drafting_unit_id": "u-finance", "to": "u-finance", "matters": ["x"],
                            "replies_to": d}),
        ]  # fmt: skip
        answers = 0
        for reader in UNCLEARED:
            for path, status in reads:
                r = api.get(path, headers=auth(reader))
                assert r.status_code == status, (reader, path, r.status_code, r.text[:300])
                assert TITLE not in r.text and BODY not in r.text, (reader, path)
                answers += 1
            for path, body in writes:
                r = api.post(path, json=body, headers=auth(reader))
                assert r.status_code == 403, (path, r.text)
                assert TITLE not in r.text and BODY not in r.text, (reader, path)
                answers += 1
            text = stream_text(api, reader, head)
            assert f"id: {head}" in text
            assert TITLE not in text and BODY not in text
            answers += 1
        # The mayor is cleared: the same reads show it (the probe would see a leak).
        assert TITLE in api.get(f"/documents/{d}", headers=auth("p-mayor")).text
        assert TITLE in stream_text(api, "p-mayor", head)
    print(f"R10: {answers} answers to 2 uncleared readers, the secret's title and body in none")
