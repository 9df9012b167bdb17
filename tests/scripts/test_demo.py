"""scripts/demo: the demo city written into the configured store (DATABASE_URL,
GOVRULES_SCHEMA) is the same for the same size, and a store in use is refused."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from domain.roster import ROSTER_ID
from projections.store import EVENTS_TABLE, conninfo, parse_database_url
from scripts import demo


@pytest.fixture
def schemas(database_url: str) -> Iterator[list[str]]:
    """Fresh schemas named on demand, all dropped afterwards."""
    names: list[str] = []
    yield names
    with psycopg.connect(conninfo(parse_database_url(database_url)), autocommit=True) as conn:
        for name in names:
            conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(name)))


def run_demo(monkeypatch: pytest.MonkeyPatch, url: str, schema: str, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("GOVRULES_SCHEMA", schema)
    return demo.main(list(args))


def log_of(url: str, schema: str) -> list[tuple[str, int, bool]]:
    """Every event in order: its topic, its version, and whether it is the roster's."""
    query = SQL("SELECT topic, originator_version, originator_id FROM {}.{} ORDER BY "
                "notification_id").format(Identifier(schema), Identifier(EVENTS_TABLE))  # fmt: skip
    with psycopg.connect(conninfo(parse_database_url(url))) as conn:
        return [(t, v, o == ROSTER_ID) for t, v, o in conn.execute(query).fetchall()]


def test_the_same_size_writes_the_same_events(
    monkeypatch: pytest.MonkeyPatch, database_url: str, schemas: list[str]
) -> None:
    schemas.extend(f"t_demo_{uuid.uuid4().hex[:10]}" for _ in range(2))
    for schema in schemas:
        assert run_demo(monkeypatch, database_url, schema, "--events", "600") == 0
    first, second = (log_of(database_url, schema) for schema in schemas)
    city = [event for event in first if not event[2]]
    assert len(city) >= 600  # at least what was asked, beyond the roster's
    assert {"govrules:DocumentDrafted", "govrules:CountersignRequested"} <= {t for t, _, _ in city}
    assert first == second


def test_a_store_in_use_is_refused_and_left_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    schemas: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    schemas.append(f"t_demo_{uuid.uuid4().hex[:10]}")
    assert run_demo(monkeypatch, database_url, schemas[0], "--events", "300") == 0
    before = log_of(database_url, schemas[0])
    capsys.readouterr()

    assert run_demo(monkeypatch, database_url, schemas[0], "--years", "1") == 2
    reason = capsys.readouterr().err.strip()
    assert "beyond its roster" in reason and "--force" in reason and "\n" not in reason
    assert log_of(database_url, schemas[0]) == before

    # scripts/serve --demo: a store in use is left as it is, quietly.
    assert run_demo(monkeypatch, database_url, schemas[0], "--years", "1", "--if-empty") == 0
    assert log_of(database_url, schemas[0]) == before


def test_writing_through_http_is_refused_for_now(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    schemas: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    schemas.append(f"t_demo_{uuid.uuid4().hex[:10]}")
    args = ("--years", "1", "--url", "http://127.0.0.1:8000", "--token", "t")
    assert run_demo(monkeypatch, database_url, schemas[0], *args) == 2
    assert "DATABASE_URL" in capsys.readouterr().err
    with psycopg.connect(conninfo(parse_database_url(database_url))) as conn:
        found = conn.execute(
            "SELECT 1 FROM information_schema.schemata WHERE schema_name = %s", (schemas[0],)
        ).fetchone()
    assert found is None  # the store was not even opened
