"""Supervision items over HTTP (S1, S3): registered by the office, reported on by the units,
verified, rectified and closed."""

from __future__ import annotations

from typing import Any

from tests.support.http import write

HEADS = {"u-finance": "p-finance-head", "u-ecology": "p-ecology-head"}


def item(client: Any, lead: str, deadline: str, report_dates: list[str], **extra: Any) -> str:
    body = {
        "title": extra.pop("title", "落实市长批示"),
        "source": {"kind": "instruction", "ref": "市长批示〔2026〕12号"},
        "lead_unit_id": lead,
        "co_unit_ids": [],
        "deadline": deadline,
        "report_dates": report_dates,
    }
    created: str = write(client, "/supervision-items", "p-office-dir", body, 201)["id"]
    return created


def sv(
    client: Any, item_id: str, verb: str, body: dict[str, Any], unit: str = "u-finance"
) -> dict[str, Any]:
    by = HEADS[unit] if verb == "reports" else "p-office-dir"
    return write(client, f"/supervision-items/{item_id}/{verb}", by, body)


def report(client: Any, item_id: str, unit: str = "u-finance") -> dict[str, Any]:
    return sv(client, item_id, "reports", {"unit_id": unit, "text": "进展"}, unit)


def verify(client: Any, item_id: str, result: str) -> dict[str, Any]:
    return sv(client, item_id, "verification", {"result": result, "findings": "核查"})


def closed(client: Any, item_id: str, unit: str = "u-finance") -> dict[str, Any]:
    report(client, item_id, unit)
    verify(client, item_id, "passed")
    return sv(client, item_id, "close", {"summary": "办结"})
