"""scripts/demo: the demo city written into the configured store (DATABASE_URL,
GOVRULES_SCHEMA) is the same for the same size, ends with work in flight (open countersign
requests, someone away with someone acting, reports due), and a store in use is refused; the
bench's city (``generate`` without ``in_flight``) still ends with everyone back. With --url it
is sent through a running server's HTTP API on a drill clock, the same events, and a server
that cannot take it (no drill clock, a bad token) is refused with nothing written."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings, load_settings
from domain.roster import ROSTER_ID
from projections.read_models import countersigns, leaves_board, supervision_board
from projections.store import EVENTS_TABLE, conninfo, parse_database_url
from scripts import demo
from scripts.city import generate
from tests.support.http import SECRET, token
from tests.support.servers import Server, api_server, tail
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


def roster_stamps(url: str, schema: str) -> list[datetime]:
    query = SQL("SELECT (convert_from(state, 'UTF8')::json->>'timestamp')::timestamptz "
                "FROM {}.{} WHERE originator_id = %s").format(
        Identifier(schema), Identifier(EVENTS_TABLE))  # fmt: skip
    with psycopg.connect(conninfo(parse_database_url(url))) as conn:
        return [row[0] for row in conn.execute(query, (ROSTER_ID,)).fetchall()]


def test_the_clock_to_show_the_city_at_is_an_hour_after_its_last_act(
    monkeypatch: pytest.MonkeyPatch,
    database_url: str,
    schemas: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """scripts/serve --demo starts its drill clock where --clock says: an hour after the last
    act, in Shanghai time, whether the demo wrote the city or found it there (--if-empty).
    A new store's roster is stamped the day before the city starts: time runs forward."""
    schemas.append(f"t_demo_{uuid.uuid4().hex[:10]}")
    assert run_demo(monkeypatch, database_url, schemas[0], "--events", "300", "--clock") == 0
    printed = capsys.readouterr().out.strip()
    at = datetime.fromisoformat(printed)
    assert printed.endswith("+08:00")
    assert at == last_act(database_url, schemas[0]) + timedelta(hours=1)
    assert all(stamp < demo.START for stamp in roster_stamps(database_url, schemas[0]))

    args = ("--events", "300", "--if-empty", "--clock")
    assert run_demo(monkeypatch, database_url, schemas[0], *args) == 0  # left as it is
    assert capsys.readouterr().out.strip() == printed


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


CLOCK_START = "2026-01-05T08:00:00+08:00"  # before the city's first moment (09:00)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def events_of(client: Any, **headers: str) -> list[dict[str, Any]]:
    """The whole log as GET /events answers it, read by the mayor."""
    found: list[dict[str, Any]] = []
    after = 0
    while True:
        answer = client.get(
            "/events",
            params={"after": after, "limit": 1000},
            headers={"Authorization": f"Bearer {token('p-mayor')}", **headers},
        )
        assert answer.status_code == 200, answer.text
        page = answer.json()
        if not page["events"]:
            return found
        found += page["events"]
        after = page["next_after"]


def acts(events: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    """The people's acts (not the system's: the roster's bootstrap, passed deadlines the
    server's ticker records when its clock moves), resource by resource: each resource's acts
    in order, with type, actor, office, acting-for, rules and payload, ids blanked (the server
    makes its own); the resources sorted. In-process, a stretch of commands is saved in one
    transaction, so how the resources' acts interleave in the log differs from HTTP, where
    each command is saved on its own; each resource's own sequence does not."""
    keys = ("type", "actor_id", "actor_office", "acting_for", "rules", "payload")
    streams: dict[str, list[str]] = {}
    for e in events:
        if e["actor_id"] != "system":
            act = json.dumps({k: e[k] for k in keys}, ensure_ascii=False, sort_keys=True)
            streams.setdefault(e["originator_id"], []).append(UUID.sub("<id>", act))
    return sorted(tuple(stream) for stream in streams.values())


@pytest.fixture
def server(settings: Settings, tmp_path: Path) -> Iterator[Server]:
    """``python -m api`` on its drill clock, an hour before the city's start."""
    with api_server(settings, tmp_path / "api.log", GOVRULES_TEST_CLOCK=CLOCK_START) as running:
        yield running


def run_http(monkeypatch: pytest.MonkeyPatch, server: Server, admin: str, *args: str) -> int:
    monkeypatch.setenv("GOVRULES_JWT_SECRET", SECRET)
    monkeypatch.delenv("GOVRULES_DEV", raising=False)
    return demo.main(["--url", server.base, "--token", admin, *args])


def test_through_http_the_same_acts_as_in_process(
    monkeypatch: pytest.MonkeyPatch,
    server: Server,
    database_url: str,
    schemas: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_http(monkeypatch, server, token("p-admin"), "--events", "2000") == 0, tail(
        server.log
    )
    assert "sent" in capsys.readouterr().err
    with httpx.Client(base_url=server.base, timeout=30) as client:
        remote = events_of(client)

    schemas.append(f"t_demo_{uuid.uuid4().hex[:10]}")
    assert run_demo(monkeypatch, database_url, schemas[0], "--events", "2000") == 0
    local_settings = load_settings(
        DATABASE_URL=database_url,
        GOVRULES_SCHEMA=schemas[0],
        GOVRULES_JWT_SECRET=SECRET,
        GOVRULES_ROLE="api",
    )
    services = build_services(local_settings)
    try:
        with TestClient(create_app(local_settings, services)) as client:
            local = events_of(client)
    finally:
        services.close()

    city = acts(local)
    assert sum(len(stream) for stream in city) >= 2000
    assert acts(remote) == city
    # the server's ticker recorded what fell due as its clock moved: system acts only
    types = {e["type"] for e in remote if e["actor_id"] == "system"}
    assert types <= {"RosterStarted", "UnitAdded", "OfficeHolderAppointed", "DivisionAssigned",
                     "ABPairFormed", "DocumentHandlingOverdue", "ReturnOverdue",
                     "CountersignDeemedNoObjection", "ReportOverdue", "ItemOverdue",
                     "FilingOverdue", "RegulationExpired"}  # fmt: skip

    # a server in use is refused, and left as it is
    capsys.readouterr()
    assert run_http(monkeypatch, server, token("p-admin"), "--events", "100") == 2
    reason = capsys.readouterr().err.strip()
    assert "beyond its roster" in reason and "--force" in reason and "\n" not in reason
    with httpx.Client(base_url=server.base, timeout=30) as client:
        assert len(events_of(client)) == len(remote)


def test_a_token_the_server_does_not_take_is_refused_with_nothing_written(
    monkeypatch: pytest.MonkeyPatch, server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    with httpx.Client(base_url=server.base, timeout=30) as client:
        before = events_of(client)
    for bad in ("not-a-token", token("p-admin", secret="another-secret-0123456789abcdef-01"),
                token("p-mayor")):  # fmt: skip
        assert run_http(monkeypatch, server, bad, "--events", "300") == 2
        reason = capsys.readouterr().err.strip()
        assert "--token" in reason and "system administrator" in reason, reason
        assert "\n" not in reason and "Traceback" not in reason
    # the administrator's token is good, but the people's tokens are signed with another secret
    monkeypatch.setenv("GOVRULES_JWT_SECRET", "another-secret-0123456789abcdef-01")
    assert demo.main(["--url", server.base, "--token", token("p-admin"), "--events", "300"]) == 2
    reason = capsys.readouterr().err.strip()
    assert "GOVRULES_JWT_SECRET" in reason and "\n" not in reason, reason
    with httpx.Client(base_url=server.base, timeout=30) as client:
        assert events_of(client) == before


def test_a_server_on_the_real_clock_is_refused_with_nothing_written(
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with api_server(settings, tmp_path / "api.log", GOVRULES_TEST_CLOCK="") as real:
        with httpx.Client(base_url=real.base, timeout=30) as client:
            before = events_of(client)
        assert run_http(monkeypatch, real, token("p-admin"), "--events", "300") == 2
        reason = capsys.readouterr().err.strip()
        assert "real clock" in reason and "GOVRULES_TEST_CLOCK" in reason, reason
        assert "\n" not in reason
        with httpx.Client(base_url=real.base, timeout=30) as client:
            assert events_of(client) == before


def test_url_and_token_go_together(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--url", "http://127.0.0.1:9"])
    assert exit_.value.code == 2
    assert "--token" in capsys.readouterr().err
