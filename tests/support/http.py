"""Requests as the tests send them: tokens, the common verbs, problem answers, the drill clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from api.auth import issue_token

SECRET = "test-secret-0123456789abcdef-0123456789"
# Monday 2026-09-28 09:00 Shanghai: the D7 worked example's day.
START = "2026-09-28T09:00:00+08:00"
PROBLEM = "application/problem+json"


def token(person_id: str, *, secret: str = SECRET, ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(person_id, secret, datetime.now(UTC), ttl)


def auth(person_id: str, **headers: str) -> dict[str, str]:
    """Headers of a request by ``person_id`` (plus any others, underscores as dashes)."""
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    return {"Authorization": f"Bearer {token(person_id)}", **extra}


def ok(response: Any, status: int = 200) -> dict[str, Any]:
    """The body of an answer that must have ``status``."""
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def post(client: Any, path: str, by: str, body: dict[str, Any] | None = None) -> Any:
    """A write by ``by``: the response, whatever it is."""
    return client.post(path, json=body, headers=auth(by))


def write(
    client: Any, path: str, by: str, body: dict[str, Any] | None = None, status: int = 200
) -> dict[str, Any]:
    """A write by ``by`` that must answer ``status`` (a command: 200); its body."""
    return ok(post(client, path, by, body), status)


def create(client: Any, path: str, by: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new resource: 201."""
    return write(client, path, by, body, 201)


def get(client: Any, path: str, by: str = "p-mayor", **params: Any) -> dict[str, Any]:
    """A read by ``by`` that must answer 200; its body."""
    return ok(client.get(path, params=params or None, headers=auth(by)))


def events(client: Any, collection: str, resource_id: str) -> list[dict[str, Any]]:
    """A resource's history: its events in order."""
    found: list[dict[str, Any]] = get(client, f"/{collection}/{resource_id}/history")["events"]
    return found


def move_clock(client: Any, now: str) -> dict[str, Any]:
    """The drill clock moved forward by the administrator (the ticker runs before it answers)."""
    return write(client, "/_clock", "p-admin", {"now": now})


def assert_problem(
    response: Any, status: int, rule: str | None = None, *, type_suffix: str | None = None
) -> dict[str, Any]:
    """An RFC 9457 problem with ``status`` (and ``rule`` + ``article`` when a rule refused)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert isinstance(body["type"], str) and body["type"]
    assert isinstance(body["title"], str) and body["title"]
    if rule is not None:
        assert body["rule"] == rule, body
        assert "article" in body, body
    if type_suffix is not None:
        assert body["type"].endswith(type_suffix), body
    return body
