"""Leaves over HTTP (L1–L6, P2, P3)."""

from __future__ import annotations

from typing import Any

from tests.support.http import write


def leave(
    client: Any, by: str, person: str, kind: str, start: str, end: str, **extra: Any
) -> dict[str, Any]:
    body = {"person_id": person, "kind": kind, "starts_at": start, "ends_at": end, **extra}
    return write(client, "/leaves", by, body, 201)


def mayor_trip(client: Any, start: str, end: str, **extra: Any) -> dict[str, Any]:
    extra.setdefault("acting_id", "p-exec-vm")  # P2
    return leave(client, "p-mayor", "p-mayor", "official_trip", start, end, **extra)
