"""Normative documents over HTTP (G2, G5, G6, G7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support.http import write


def department_doc(
    client: Any, title: str, number: str, published_on: date, valid_until: date
) -> str:
    """A 市财政局 normative document: drafted, legality review passed by the bureau's own legal
    reviewer (G2), published (G6)."""
    body = {"kind": "department_normative", "title": title, "drafting_unit_id": "u-finance"}
    reg_id: str = write(client, "/regulations", "p-finance-head", body, 201)["id"]
    review = {"passed": True, "opinion": "符合上位法"}
    write(client, f"/regulations/{reg_id}/legality-review", "p-finance-legal", review)
    publication = {
        "published_on": published_on.isoformat(),
        "valid_until": valid_until.isoformat(),
        "number": number,
    }
    write(client, f"/regulations/{reg_id}/publish", "p-finance-head", publication)
    return reg_id


def reg(client: Any, reg_id: str, verb: str, by: str, body: dict[str, Any]) -> dict[str, Any]:
    return write(client, f"/regulations/{reg_id}/{verb}", by, body)
