"""scripts/demo: the demo city written into the configured store (DATABASE_URL,
GOVRULES_SCHEMA) is the same for the same size, and a store in use is refused; with --url it is
sent through a running server's HTTP API on a drill clock, the same events, and a server that
cannot take it (no drill clock, a bad token) is refused with nothing written."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.main import create_app
from api.services import build_services
from api.settings import Settings, load_settings
from domain.roster import ROSTER_ID
from projections.store import EVENTS_TABLE, conninfo, parse_database_url
from scripts import demo
from tests.support.http import SECRET, token
from tests.support.servers import Server, api_server, tail


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
