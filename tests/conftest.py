"""Fixtures: a real PostgreSQL for every test that needs one (DATABASE_URL, or an embedded
pgserver when unset), a fresh schema per test, the app wired through the composition root.

A PostgreSQL test that cannot connect fails; it is never skipped.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.auth import issue_token
from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings, load_settings
from projections.store import conninfo, parse_database_url

SECRET = "test-secret-0123456789abcdef-0123456789"
# Monday 2026-09-28 09:00 Shanghai: the D7 worked example's day.
START = "2026-09-28T09:00:00+08:00"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        import pgserver

        server = pgserver.get_server(tmp_path_factory.mktemp("pg"), cleanup_mode="delete")
        url = server.get_uri()
    try:
        with psycopg.connect(conninfo(parse_database_url(url)), connect_timeout=5):
            pass
    except psycopg.Error as e:
        pytest.fail(f"PostgreSQL is required and unreachable at {url}: {e}")
    return url


@pytest.fixture
def schema(database_url: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    yield name
    with psycopg.connect(conninfo(parse_database_url(database_url)), autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(name)))


@pytest.fixture
def settings(database_url: str, schema: str, tmp_path: Path) -> Settings:
    return load_settings(
        DATABASE_URL=database_url,
        GOVRULES_JWT_SECRET=SECRET,
        GOVRULES_SCHEMA=schema,
        GOVRULES_TEST_CLOCK=START,
        GOVRULES_DATA_DIR=str(tmp_path / "data"),
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    built = build_services(settings)
    yield built
    built.close()


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


def token(person_id: str, *, secret: str = SECRET, ttl: timedelta = timedelta(hours=1)) -> str:
    return issue_token(person_id, secret, datetime.now(UTC), ttl)


def auth(person_id: str, **headers: str) -> dict[str, str]:
    """Headers of a request by ``person_id`` (plus any others, underscores as dashes)."""
    extra = {k.replace("_", "-"): v for k, v in headers.items()}
    return {"Authorization": f"Bearer {token(person_id)}", **extra}


def positions(services: Services) -> int:
    """The head of the log: a refusal must leave it where it was."""
    return int(services.store.max_notification_id() or 0)


def event_count(services: Services) -> int:
    """How many events are stored (positions may have gaps: a rolled-back insert uses up its
    sequence values)."""
    database = parse_database_url(services.settings.database_url or "")
    with psycopg.connect(conninfo(database)) as conn:
        row = conn.execute(
            SQL("SELECT count(*) FROM {}.govrules_events").format(
                Identifier(services.settings.schema_name)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def as_json(response: Any) -> dict[str, Any]:
    body: dict[str, Any] = response.json()
    return body
