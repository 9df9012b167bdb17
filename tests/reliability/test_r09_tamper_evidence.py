"""R9 (docs/reliability.md): one byte of a stored event changed in PostgreSQL, an event deleted,
an event inserted, and a kept digest that no longer matches — ``verify`` names the first bad
position every time: over HTTP against a real server process, and as ``python -m projections
verify`` (the command an investigator runs), each as its own process on real PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from api.settings import Settings
from projections import evidence
from projections.store import conninfo, parse_database_url
from tests.support.http import auth
from tests.support.roster import roster_events
from tests.support.servers import ROOT, api_server, environment

DRAFTS = 40


def connect(settings: Settings) -> psycopg.Connection[Any]:
    return psycopg.connect(conninfo(parse_database_url(settings.database_url or "")))


def sql(settings: Settings, statement: str, *params: object) -> list[tuple[Any, ...]]:
    with connect(settings) as conn:
        cur = conn.execute(SQL(statement).format(s=Identifier(settings.schema_name)), params)
        return cur.fetchall() if cur.description else []


def verify_http(api: httpx.Client, **kept: Any) -> dict[str, Any]:
    r = api.get("/accountability/verify", params=kept, headers=auth("p-investigator"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def verify_cli(settings: Settings, *args: str) -> tuple[int, dict[str, Any]]:
    env = environment(settings, 0)
    done = subprocess.run(
        [sys.executable, "-m", "projections", "verify", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip(), done.stderr
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1])


def found(api: httpx.Client, settings: Settings, **kept: Any) -> tuple[Any, Any]:
    """What the API and the command each name as the first bad position of a log that does not
    verify (the command says so and exits 1)."""
    args = ["--digest", f"{kept['digest_position']}:{kept['digest_hash']}"] if kept else []
    code, verdict = verify_cli(settings, *args)
    assert (code, verdict["ok"]) == (1, False), (code, verdict)
    return verify_http(api, **kept)["first_bad_position"], verdict["first_bad_position"]


@contextmanager
def tampered(settings: Settings, apply: str, undo: str, *params: object) -> Iterator[None]:
    sql(settings, apply, *params)
    try:
        yield
    finally:
        sql(settings, undo, *params)


def test_r9_verify_names_the_first_bad_position(settings: Settings, tmp_path: Path):
    with (
        api_server(settings, tmp_path / "api.log") as server,
        httpx.Client(base_url=server.base, timeout=30) as api,
    ):
        drafted = [draft(api, i) for i in range(DRAFTS)]
        events = roster_events(settings.roster_file) + DRAFTS  # the bootstrap roster, the drafts
        intact = verify_http(api)
        assert intact == {"ok": True, "checked": events, "first_bad_position": None,
                          "reason": None}  # fmt: skip
        kept = api.get("/accountability/digest", headers=auth("p-investigator")).json()
        changed, deleted, inserted = drafted[10], drafted[20], drafted[-1] + 1000

        # One byte of one event's payload.
        with tampered(
            settings,
            "UPDATE {s}.govrules_events SET state = set_byte(state, 20, get_byte(state, 20) # 1) "
            "WHERE notification_id = %s",
            "UPDATE {s}.govrules_events SET state = set_byte(state, 20, get_byte(state, 20) # 1) "
            "WHERE notification_id = %s",
            changed,
        ):
            assert found(api, settings) == (changed, changed)
        assert verify_http(api)["ok"] is True  # put back: intact again

        # One event deleted (its row kept aside and put back after).
        row = sql(settings, "SELECT * FROM {s}.govrules_events WHERE notification_id = %s", deleted)
        sql(settings, "DELETE FROM {s}.govrules_events WHERE notification_id = %s", deleted)
        assert found(api, settings) == (deleted, deleted)
        sql(settings, "INSERT INTO {s}.govrules_events VALUES (%s, %s, %s, %s, %s)", *row[0])
        assert verify_http(api)["ok"] is True

        # One event inserted behind the store's back.
        with tampered(
            settings,
            "INSERT INTO {s}.govrules_events (originator_id, originator_version, topic, state, "
            "notification_id) VALUES ('" + str(uuid.uuid4()) + "', 1, 'govrules:DocumentDrafted', "
            "'{{}}'::bytea, %s)",
            "DELETE FROM {s}.govrules_events WHERE notification_id = %s",
            inserted,
        ):
            assert found(api, settings) == (inserted, inserted)

        # History rewritten so thoroughly that the chain and the tree agree with it again:
        # only the digest the investigator kept can tell.
        rewrite(settings, changed)
        assert verify_http(api)["ok"] is True
        digest = {"digest_position": kept["position"], "digest_hash": kept["hash"]}
        assert found(api, settings, **digest) == (kept["position"], kept["position"])
    print(
        f"R9: {events} events; a changed byte, a deleted and an inserted event and a "
        "rewritten history each named at their position, over HTTP and by the command"
    )


def draft(api: httpx.Client, i: int) -> int:
    r = api.post("/documents", headers=auth("p-finance-head"), json={
        "doc_type": "request", "title": f"关于申请专项资金的请示{i}", "from_unit_id": "u-finance",
        "to": "government", "matters": ["专项资金"],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["position"])


def rewrite(settings: Settings, position: int) -> None:
    sql(
        settings,
        "UPDATE {s}.govrules_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
        "'专项资金', '专项补助'), 'UTF8') WHERE notification_id = %s",
        position,
    )
    for table in ("hashes", "tree_nodes", "tree_head"):
        sql(settings, f"DELETE FROM {{s}}.govrules_events_{table}")
    with connect(settings) as conn:
        evidence.start_tree(conn, evidence.EvidenceTables(settings.schema_name, "govrules_events"))
