"""Authentication (api.md, Conventions → Auth): Bearer JWT, HS256, ``sub`` on the roster,
``exp`` honoured. Anything else → 401 problem+json with ``WWW-Authenticate``; only /health,
/openapi.json and /docs are open."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.support.documents import notice_body
from tests.support.http import SECRET, assert_problem, auth, token
from tests.support.store import positions

PROTECTED = [
    ("GET", "/roster", None),
    ("GET", "/roster/history", None),
    ("GET", f"/documents/{uuid.uuid4()}", None),
    ("GET", f"/documents/{uuid.uuid4()}/history", None),
    ("POST", "/documents", notice_body()),
    ("POST", f"/documents/{uuid.uuid4()}/sign-off", {"opinion": "同意"}),
    (
        "POST",
        "/roster/relievals",
        {"person_id": "p-vm-b", "office": "vice_mayor", "on": "2026-10-01"},
    ),
    ("POST", "/_clock", {"now": "2026-10-01T09:00:00+08:00"}),
]


def _no_sub_token() -> str:
    now = datetime.now(UTC)
    return jwt.encode({"exp": int((now + timedelta(hours=1)).timestamp())}, SECRET, "HS256")


def _unsigned_token() -> str:
    return jwt.encode({"sub": "p-mayor"}, key=None, algorithm="none")


BAD_HEADERS = {
    "missing": None,
    "empty": "",
    "basic-scheme": "Basic cC1tYXlvcjpzZWNyZXQ=",
    "bearer-without-token": "Bearer ",
    "not-a-jwt": "Bearer not.a.jwt",
    "garbage": "Bearer abc",
    "token-without-scheme": token("p-mayor"),
    "wrong-signature": f"Bearer {token('p-mayor', secret='x' * 40)}",
    "expired": f"Bearer {token('p-mayor', ttl=timedelta(seconds=-10))}",
    "unknown-person": f"Bearer {token('p-nobody')}",
    "no-subject": f"Bearer {_no_sub_token()}",
    "alg-none": f"Bearer {_unsigned_token()}",
}


def _assert_unauthorised(r) -> None:
    body = assert_problem(r, 401)
    assert r.headers["www-authenticate"].lower().startswith("bearer")
    assert "rule" not in body


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_bad_credentials_get_401_on_a_read(client, case):
    value = BAD_HEADERS[case]
    headers = {} if value is None else {"Authorization": value}
    _assert_unauthorised(client.get("/roster", headers=headers))


@pytest.mark.parametrize("case", sorted(BAD_HEADERS))
def test_bad_credentials_get_401_on_a_write_and_nothing_is_stored(client, services, case):
    value = BAD_HEADERS[case]
    headers = {} if value is None else {"Authorization": value}
    before = positions(services)
    _assert_unauthorised(client.post("/documents", json=notice_body(), headers=headers))
    assert positions(services) == before


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_every_endpoint_needs_a_token(client, services, method, path, body):
    before = positions(services)
    _assert_unauthorised(client.request(method, path, json=body))
    assert positions(services) == before


def test_the_expired_token_is_reported_as_such(client):
    r = client.get("/roster", headers={"Authorization": BAD_HEADERS["expired"]})
    body = assert_problem(r, 401)
    assert "expired" in body["detail"].lower()


def test_health_needs_no_token(client):
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["store"]["ok"] is True
    assert body["drill_clock"] is True


def test_openapi_needs_no_token_and_lists_the_contract(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for path in (
        "/roster",
        "/roster/appointments",
        "/roster/relievals",
        "/documents",
        "/documents/{doc_id}/countersign-requests",
        "/documents/{doc_id}/countersignatures",
        "/documents/{doc_id}/review",
        "/documents/{doc_id}/sign-off",
        "/documents/{doc_id}/register",
        "/documents/{doc_id}/issue",
        "/documents/{doc_id}/publish",
        "/documents/{resource_id}",
        "/documents/{resource_id}/history",
    ):
        assert path in paths, path


def test_docs_page_needs_no_token(client):
    r = client.get("/docs")
    assert r.status_code == 200
    assert "text/html" in r.headers["content-type"]


def test_a_valid_token_of_a_roster_person_is_accepted(client):
    r = client.get("/roster", headers=auth("p-investigator"))
    assert r.status_code == 200
    assert r.json()["version"] >= 1
