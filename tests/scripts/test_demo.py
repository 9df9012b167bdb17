"""scripts/demo: the demo city written into the configured store (DATABASE_URL,
GOVRULES_SCHEMA) is the same for the same size, ends with work in flight (open countersign
requests, someone away with someone acting, reports due), and a store in use is refused; the
bench's city (``generate`` without ``in_flight``) still ends with everyone back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from api.services import Services
from domain.roster import ROSTER_ID
from projections.read_models import countersigns, leaves_board, supervision_board
from projections.store import EVENTS_TABLE, conninfo, parse_database_url
from scripts import demo
from scripts.city import generate
from tests.support.store import catch_up


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
    # The in-flight end is part of what the same size writes: the tail's leaves are in both.
    assert {"govrules:LeaveReported", "govrules:LeaveFiled"} <= {t for t, _, _ in city}
    assert first == second


def last_act(url: str, schema: str) -> datetime:
    """The simulated moment of the city's last act (the roster's events carry the real time
    of the bootstrap): the dashboards' "now" at the moment the demo stops."""
    query = SQL("SELECT max((convert_from(state, 'UTF8')::json->>'timestamp')::timestamptz) "
                "FROM {}.{} WHERE originator_id <> %s").format(
        Identifier(schema), Identifier(EVENTS_TABLE))  # fmt: skip
    with psycopg.connect(conninfo(parse_database_url(url))) as conn:
        row = conn.execute(query, (ROSTER_ID,)).fetchone()
    assert row is not None and row[0] is not None
    return row[0]


def test_the_demo_ends_with_work_in_flight(
    monkeypatch: pytest.MonkeyPatch, database_url: str, schema: str, services: Services
) -> None:
    """At the moment the demo stops the "now" panels have something to show: countersign
    requests unanswered (some past the limit their lead unit set, some still due), a city
    leader away with the AB partner (or a named leader) acting, a unit head away, and
    progress reports due within the week."""
    assert run_demo(monkeypatch, database_url, schema, "--events", "400") == 0
    now = last_act(database_url, schema)
    catch_up(services)
    names = [countersigns.Countersigns.name, leaves_board.LeavesBoard.name, "supervision_board"]
    with services.engine.read(names) as (conn, tables, _):
        open_requests = countersigns.open_requests(conn, tables[names[0]], now)
        away = leaves_board.away_at(conn, tables[names[1]], now)
        due = supervision_board.reports_due(conn, tables[names[2]], now, timedelta(days=7))

    assert len(open_requests) >= 4
    assert {r["overdue"] for r in open_requests} == {True, False}
    leaders = [r for r in away if r["office"] != "unit_head"]
    assert leaders and all(r["acting_id"] for r in leaders)
    assert {r["acting_id"] for r in leaders}.isdisjoint(r["person_id"] for r in away)
    assert any(r["office"] == "unit_head" for r in away)
    assert all(r["filed"] for r in away)
    assert due


def test_the_bench_city_still_ends_with_everyone_back(services: Services) -> None:
    """Without ``in_flight`` (the bench, the tests) every leave is returned or cancelled at
    the end, so a later run on the same log finds no one away for ever."""
    generate(services.app, 3000)
    catch_up(services)
    with services.engine.read([leaves_board.LeavesBoard.name]) as (conn, tables, _):
        t = tables[leaves_board.LeavesBoard.name]
        far = datetime.fromisoformat("2100-01-01T00:00:00+00:00")
        assert leaves_board.away_at(conn, t, far) == []
        query = SQL(
            "SELECT count(*) AS leaves, count(*) FILTER (WHERE returned_at IS NULL AND status "
            "NOT IN ('cancelled', 'refused')) AS still_open FROM {}"
        ).format(t["absences"])
        counts = conn.execute(query).fetchone()
    assert counts is not None and counts["leaves"] > 0 and counts["still_open"] == 0


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
