"""503 when the store cannot be reached (api.md): a real database that stops accepting
connections, not a mock. Requests answer within seconds, never hang, never 500."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlparse

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.main import create_app
from api.services import build_services
from api.settings import load_settings
from projections.store import conninfo, parse_database_url
from tests.support.http import SECRET, START, auth


@pytest.fixture
def own_database(database_url: str) -> Iterator[tuple[str, str]]:
    """A database of this test's own, so closing it disturbs no other test."""
    name = f"govrules_down_{uuid.uuid4().hex[:10]}"
    admin = conninfo(parse_database_url(database_url))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(SQL("CREATE DATABASE {}").format(Identifier(name)))
    url = urlparse(database_url)._replace(path=f"/{name}").geturl()
    yield url, name
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(Identifier(name)))
        conn.execute(SQL("DROP DATABASE {} WITH (FORCE)").format(Identifier(name)))


def _close(database_url: str, name: str) -> None:
    with psycopg.connect(conninfo(parse_database_url(database_url)), autocommit=True) as conn:
        conn.execute(SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(Identifier(name)))
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )


def test_requests_get_503_while_the_store_is_unreachable(database_url, own_database):
    url, name = own_database
    settings = load_settings(
        DATABASE_URL=url, GOVRULES_JWT_SECRET=SECRET, GOVRULES_TEST_CLOCK=START
    )
    services = build_services(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            assert client.get("/health").status_code == 200
            _close(database_url, name)
            for path in ("/health", "/roster"):
                started = time.monotonic()
                response = client.get(path, headers=auth("p-mayor"))
                assert response.status_code == 503, response.text
                assert time.monotonic() - started < 15
                assert response.headers["content-type"] == "application/problem+json"
                assert response.headers["retry-after"]
            drafted = client.post(
                "/documents",
                json={
                    "doc_type": "request",
                    "title": "t",
                    "from_unit_id": "u-finance",
                    "to": "government",
                    "matters": ["m"],
                },
                headers=auth("p-finance-head"),
            )
            assert drafted.status_code == 503, drafted.text
            assert drafted.headers["content-type"] == "application/problem+json"
    finally:
        services.close()
