"""Benchmarks (docs/bench.md): every figure is a ratio against a baseline measured in the same
run on the same PostgreSQL. ``scripts/bench [rebuild] [--events N]``.

Implemented so far: rebuild (all read models from zero vs a raw scan + orjson.loads of the same
events) and rebuild.mem (peak RSS of a rebuild at N events vs at N/10).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import psycopg
from psycopg.sql import SQL, Identifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.services import build_services  # noqa: E402
from api.settings import load_settings  # noqa: E402
from projections.store import conninfo, parse_database_url  # noqa: E402
from projections.workload import generate  # noqa: E402


def line(name: str, value: float, unit: str, ratio: float | None, baseline: str, goal: str) -> str:
    """``NAME value unit (ratio vs BASELINE = x.xx, goal ...)``; a baseline: ``(baseline)``."""
    if ratio is None:
        return f"{name} {value:,.0f} {unit} (baseline)"
    return f"{name} {value:,.0f} {unit} (ratio vs {baseline} = {ratio:.2f}, goal {goal})"


def raw_scan(database: dict[str, str], schema: str, binary: bool = False) -> tuple[int, float]:
    """The baseline: SELECT every event row and orjson.loads its payload, one connection
    (bench.md's definition: text results, as a plain client reads them). ``binary``: the same
    scan with binary results (bytea as is, not hex), as the rebuild reads the log."""
    started = time.perf_counter()
    count = 0
    with (
        psycopg.connect(conninfo(database)) as conn,
        conn.cursor(name="raw", binary=binary) as cur,
    ):
        cur.itersize = 10_000
        cur.execute(
            SQL("SELECT notification_id, topic, state FROM {}.govrules_events ORDER BY 1").format(
                Identifier(schema)
            )
        )
        for _, _, state in cur:
            orjson.loads(state)
            count += 1
    return count, time.perf_counter() - started


def rebuild_process(env: dict[str, str]) -> tuple[float, int]:
    """Rebuild every read model in a process of its own: seconds, and its peak RSS in KiB."""
    code = (
        "import resource, sys, time; sys.argv=['projections','rebuild'];"
        "from projections.__main__ import main; t=time.perf_counter(); main(['rebuild']);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    seconds, rss = out.stdout.split()[-2:]
    return float(seconds), int(rss)


def bench_rebuild(url: str, events: int) -> list[str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        DATABASE_URL=url, GOVRULES_SCHEMA=schema, GOVRULES_DEV=True, GOVRULES_ROLE="api"
    )
    services = build_services(settings)
    database = parse_database_url(url)
    env = {**os.environ, "DATABASE_URL": url, "GOVRULES_SCHEMA": schema, "GOVRULES_DEV": "1"}
    try:
        data = json.loads(settings.roster_file.read_text(encoding="utf-8"))
        services.app.bootstrap_roster(data, services.clock.now())
        small = generate(services.app, max(events // 10, 1000))
        _, small_rss = rebuild_process(env)
        total = small + generate(services.app, events - small, seed=2020)
        scanned, scan_seconds = raw_scan(database, schema)
        binary_scanned, binary_seconds = raw_scan(database, schema, binary=True)
        seconds, rss = rebuild_process(env)
    finally:
        services.close()
        with psycopg.connect(conninfo(database), autocommit=True) as conn:
            conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))
    raw_rate = scanned / scan_seconds
    binary_rate = binary_scanned / binary_seconds
    rate = total / seconds
    return [
        line("rebuild.raw", raw_rate, "events/s", None, "", ""),
        line("rebuild", rate, "events/s", rate / raw_rate, "raw scan", ">= 0.25 and >= 20,000/s"),
        line(
            "rebuild.raw_binary",
            binary_rate,
            "events/s",
            rate / binary_rate,
            "binary raw scan",
            "none: the scan as the rebuild reads the log, for the record",
        ),
        f"rebuild.mem {rss / 1024:,.0f} MiB at {total:,} events vs {small_rss / 1024:,.0f} MiB "
        f"at {small:,} (ratio = {rss / small_rss:.2f}, goal <= 1.2)",
    ]


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("figures", nargs="*", default=["rebuild"], choices=["rebuild"])
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(f"# nproc={os.cpu_count()} events={args.events:,} database={url.split('@')[-1]}")
    for figure in args.figures:
        if figure == "rebuild":
            for text in bench_rebuild(url, args.events):
                print(text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
