"""R3: kill -9 the projection runner in the middle of a rebuild of 200k events, three times,
then restart: the read models equal a clean rebuild row for row (checksum), with no duplicate
and no gap."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from psycopg.sql import SQL, Identifier

from api.services import Services
from projections.engine import Engine
from scripts.city import generate
from tests.projections.checks import table_checksum

EVENTS = 200_000
ROOT = Path(__file__).resolve().parents[2]


def checksum(engine: Engine, name: str) -> tuple[int, str]:
    model = engine.models[name]
    with engine.connect() as conn:
        t, _ = engine.tables(conn, name)
        (logical,) = model.tables
        return table_checksum(conn, t[logical])


def building_position(engine: Engine, name: str) -> int:
    status = {s["name"]: s for s in engine.status()}[name]
    return int(status["building_position"] or 0)


def test_R3_rebuild_killed_three_times_equals_a_clean_rebuild(services: Services, capsys):
    written = generate(services.app, EVENTS)
    assert written >= EVENTS
    engine = services.engine
    env = {
        **os.environ,
        "DATABASE_URL": services.settings.database_url or "",
        "GOVRULES_SCHEMA": services.settings.schema_name,
        "GOVRULES_DEV": "1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "projections", "rebuild", "documents", "countersigns"]
    kills = 0
    last = 0
    while kills < 3:
        runner = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while building_position(engine, "documents") <= last + 5000:
            assert runner.poll() is None, "the rebuild ended before it could be killed"
            assert time.monotonic() < deadline, "the rebuild made no progress"
            time.sleep(0.05)
        runner.kill()  # SIGKILL: no cleanup, no atexit
        runner.wait()
        kills += 1
        last = building_position(engine, "documents")
        assert last > 0
    finished = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    after_kills = {name: checksum(engine, name) for name in ("documents", "countersigns")}

    for name in ("documents", "countersigns"):
        engine.rebuild(name)  # a clean rebuild, from position 0 into a new generation
    clean = {name: checksum(engine, name) for name in ("documents", "countersigns")}

    assert after_kills == clean
    with engine.connect() as conn:
        drafted = conn.execute(
            SQL("SELECT count(*) AS n FROM {}.govrules_events WHERE topic = %s").format(
                Identifier(engine.schema)
            ),
            ("govrules:DocumentDrafted",),
        ).fetchone()
    assert drafted is not None and after_kills["documents"][0] == drafted["n"]  # no gap
    with capsys.disabled():
        print(f"\nR3: {written} events, killed {kills} times, read models identical")
