"""What the process tests share: units and heads added through the roster commands (as an
administrator would), a document asking them to countersign, many requests sent at once from
threads, and the store read directly to check what was recorded."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from psycopg.sql import SQL, Identifier

from api.settings import Settings
from projections.store import conninfo, parse_database_url
from tests.support.http import auth
from tests.support.servers import Server, api_server, environment, free_port, process

SINCE = "2026-01-01"


def add_units(api: httpx.Client, prefix: str, count: int) -> list[tuple[str, str]]:
    """``count`` new departments, each with its head: (unit id, head's person id)."""
    made = []
    for i in range(count):
        unit, head = f"u-{prefix}-{i:02d}", f"p-{prefix}-{i:02d}"
        r = api.post(
            "/roster/units",
            json={"unit_id": unit, "name": f"{prefix}局{i}", "kind": "department"},
            headers=auth("p-admin"),
        )
        assert r.status_code == 200, r.text
        r = api.post(
            "/roster/appointments",
            json={
                "person_id": head,
                "name": f"{prefix}局长{i}",
                "office": "unit_head",
                "unit_id": unit,
                "since": SINCE,
            },
            headers=auth("p-admin"),
        )
        assert r.status_code == 200, r.text
        made.append((unit, head))
    return made


def draft(
    api: httpx.Client, title: str = "关于申请专项资金的请示", by: str = "p-finance-head"
) -> Any:
    r = api.post(
        "/documents",
        json={
            "doc_type": "request",
            "title": title,
            "from_unit_id": "u-finance",
            "to": "government",
            "matters": ["专项资金"],
        },
        headers=auth(by),
    )
    return r


def ask_countersigns(api: httpx.Client, document: str, units: list[str]) -> int:
    """The units asked to countersign ``document``; answers its version."""
    r = api.post(
        f"/documents/{document}/countersign-requests",
        json={"unit_ids": units},
        headers=auth("p-finance-head"),
    )
    assert r.status_code == 200, r.text
    return int(r.json()["version"])


@dataclass(frozen=True)
class Crowd:
    """A real API process (``base``, a client ``api``), new units with their heads, and a
    document (``doc``) that asked them all to countersign, at version ``asked``."""

    base: str
    api: httpx.Client
    units: list[tuple[str, str]]
    doc: str
    asked: int


@contextmanager
def countersign_crowd(
    settings: Settings, tmp_path: Path, prefix: str, count: int
) -> Iterator[Crowd]:
    """R1, R2: ``count`` units asked to countersign one request, on an API process of its own."""
    with (
        api_server(settings, tmp_path / "api.log", GOVRULES_ROLE="api") as server,
        httpx.Client(base_url=server.base, timeout=60) as api,
    ):
        units = add_units(api, prefix, count)
        r = draft(api)
        assert r.status_code == 201, r.text
        doc = r.json()["id"]
        yield Crowd(server.base, api, units, doc, ask_countersigns(api, doc, [u for u, _ in units]))


def at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Every call started together (a barrier), each in its own thread; their results."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], Any]) -> Any:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def statuses(responses: list[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def query(settings: Settings, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` on the test's schema (``{schema}`` in ``sql`` names it)."""
    with psycopg.connect(conninfo(parse_database_url(settings.database_url or ""))) as conn:
        statement = SQL(sql).format(schema=Identifier(settings.schema_name))
        return conn.execute(statement, args).fetchall()


def versions(settings: Settings, aggregate_id: str) -> list[tuple[int, str]]:
    """(version, event type) of one aggregate's recorded events, in order."""
    rows = query(
        settings,
        "SELECT originator_version, topic FROM {schema}.govrules_events "
        "WHERE originator_id = %s ORDER BY originator_version",
        aggregate_id,
    )
    return [(int(v), str(t).removeprefix("govrules:")) for v, t in rows]


@contextmanager
def cluster(
    settings: Settings, logs: Path, apis: int, runners: list[str] | None = None
) -> Iterator[tuple[list[Server], subprocess.Popen[bytes]]]:
    """The production split on one PostgreSQL: ``apis`` API processes (``GOVRULES_ROLE=api``)
    and the read models' runners in their own process (``runners``: the command, by default
    ``python -m projections``). Logs in ``logs``."""
    command = runners or [sys.executable, "-m", "projections"]
    with ExitStack() as stack:
        servers = [
            stack.enter_context(api_server(settings, logs / f"api{i}.log", GOVRULES_ROLE="api"))
            for i in range(apis)
        ]
        env = environment(settings, free_port())
        runner = stack.enter_context(process(command, env, logs / "runners.log"))
        yield servers, runner


def recorded(settings: Settings, event_type: str) -> list[tuple[str, dict[str, Any]]]:
    """(aggregate id, payload) of every stored event of ``event_type``, in log order."""
    rows = query(
        settings,
        "SELECT originator_id, state FROM {schema}.govrules_events "
        "WHERE topic = %s ORDER BY notification_id",
        f"govrules:{event_type}",
    )
    return [(str(a), orjson.loads(bytes(s))) for a, s in rows]


def deemed(settings: Settings) -> Counter[tuple[str, str]]:
    """The countersigns deemed no objection (D7) the system recorded, by (document, unit)."""
    found = recorded(settings, "CountersignDeemedNoObjection")
    return Counter((d, state["unit_id"]) for d, state in found)
