"""Fixtures: a real PostgreSQL for every test that needs one (DATABASE_URL, or an embedded
pgserver when unset), a fresh schema per test, the app wired through the composition root.
What the tests share besides fixtures is in ``tests/support``.

A PostgreSQL test that cannot connect fails; it is never skipped.

``services`` and ``client`` run nothing in the background (role ``api``): the test alone
writes, and a test that reads a read model directly catches it up first
(``tests.support.store.catch_up``). A test that needs the read models to follow the log by
themselves, as a server does (``?min_position=`` waits, traces, dashboards), asks for
``live_services`` as well: the runners and the deadline ticker of role ``all``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings, load_settings
from projections.store import conninfo, parse_database_url
from tests.support.http import SECRET, START
from tests.support.roster import roster_events


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
    """The test's store on the drill clock, in role ``api``: ``build_services`` starts no
    runners and no ticker."""
    return load_settings(
        DATABASE_URL=database_url,
        GOVRULES_JWT_SECRET=SECRET,
        GOVRULES_SCHEMA=schema,
        GOVRULES_TEST_CLOCK=START,
        GOVRULES_DATA_DIR=str(tmp_path / "data"),
        GOVRULES_ROLE="api",
    )


@pytest.fixture
def services(settings: Settings) -> Iterator[Services]:
    """The composition root's services with nothing running in the background."""
    built = build_services(settings)
    yield built
    built.close()


@pytest.fixture
def live_services(services: Services) -> Services:
    """The same services with the read models' runners and the deadline ticker started, as
    ``build_services`` starts them in role ``all`` (``close`` stops them)."""
    services.start_background()
    return services


@pytest.fixture
def client(services: Services) -> Iterator[TestClient]:
    with TestClient(create_app(services.settings, services)) as test_client:
        yield test_client


@pytest.fixture
def bootstrap_events(settings: Settings) -> int:
    """How many events the bootstrap roster file seeds a new store with."""
    return roster_events(settings.roster_file)
