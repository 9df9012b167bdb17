"""Official documents over HTTP: the bodies of an incoming request and an outgoing notice,
drafting, commands, and a document's history."""

from __future__ import annotations

from typing import Any

from tests.support.http import auth, ok

GOV_CODE = "攀府发"


def request_body(**overrides: Any) -> dict[str, Any]:
    """An incoming request (请示) from 市财政局 to the government, one matter."""
    body: dict[str, Any] = {
        "doc_type": "request",
        "title": "关于申请生态补偿专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["生态补偿专项资金"],
        "urgency": "normal",
        "classification": "none",
    }
    body.update(overrides)
    return body


def notice_body(**overrides: Any) -> dict[str, Any]:
    """An outgoing notice (通知) in the government's name, drafted for 市生态环境局."""
    body: dict[str, Any] = {
        "doc_type": "notice",
        "title": "关于加强长江上游生态环境保护的通知",
        "from_unit_id": "u-gov",
        "drafting_unit_id": "u-ecology",
        "to": "u-ecology",
        "matters": ["生态环境保护"],
        "urgency": "normal",
        "classification": "none",
    }
    body.update(overrides)
    return body


def draft(client: Any, by: str, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    r = client.post("/documents", json=body, headers=auth(by, **headers))
    assert r.status_code == 201, r.text
    result: dict[str, Any] = r.json()
    return result


def draft_notice(client: Any, by: str = "p-office-dir", **overrides: Any) -> dict[str, Any]:
    return draft(client, by, notice_body(**overrides))


def draft_request(client: Any, **overrides: Any) -> dict[str, Any]:
    return draft(client, "p-finance-head", request_body(**overrides))


def command(
    client: Any, doc_id: str, verb: str, by: str, body: dict[str, Any] | None = None, **headers: str
) -> Any:
    return client.post(f"/documents/{doc_id}/{verb}", json=body, headers=auth(by, **headers))


def signed_off_notice(client: Any, **overrides: Any) -> dict[str, Any]:
    doc = draft_notice(client, **overrides)
    return ok(command(client, doc["id"], "sign-off", "p-vm-a", {"opinion": "同意印发"}))


def events_of(client: Any, doc_id: str, who: str = "p-mayor") -> list[dict[str, Any]]:
    r = client.get(f"/documents/{doc_id}/history", headers=auth(who))
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


def instructed_request(client: Any, **overrides: Any) -> dict[str, Any]:
    """An incoming request the office routed to the vice-mayor in charge of u-finance
    (p-exec-vm) and that leader's instruction on it (D8): where a reply (批复) can follow."""
    doc = draft_request(client, **overrides)
    review = {"conforming": True, "proposed_handling": "拟同意，请常务副市长阅示"}
    ok(command(client, doc["id"], "review", "p-office-dir", review))
    return ok(command(client, doc["id"], "instruction", "p-exec-vm", {"text": "同意，请办理"}))
