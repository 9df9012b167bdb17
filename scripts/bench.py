"""Benchmarks (docs/bench.md): every figure is a ratio against a baseline measured in the same
run on the same PostgreSQL. ``scripts/bench [rebuild] [verify] [trace] [--events N]`` (all of
them when none is named), over one synthetic city of N events written for the run.

- rebuild: all read models from zero vs a raw scan + orjson.loads of the same events;
  rebuild.mem: peak RSS of a rebuild at N events vs at N/10.
- verify: the whole hash chain and Merkle tree recomputed vs the same raw scan.
- trace: GET /accountability/decisions/{id} of a decision with 500 linked events, p99 at the
  client (one connection, sequential requests, an httpx client) vs GET /health on the same
  server.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import psycopg
from psycopg.sql import SQL, Identifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import issue_token  # noqa: E402
from api.services import Services, build_services  # noqa: E402
from api.settings import DEV_SECRET, load_settings  # noqa: E402
from projections.store import conninfo, parse_database_url  # noqa: E402
from scripts.city import generate  # noqa: E402


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


@dataclass
class City:
    """One run's store: a schema of its own with the synthetic city written into it."""

    url: str
    schema: str
    services: Services
    events: int = 0

    @property
    def database(self) -> dict[str, str]:
        return parse_database_url(self.url)

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": self.url, "GOVRULES_SCHEMA": self.schema,
                "GOVRULES_DEV": "1"}  # fmt: skip

    def grow(self, events: int) -> None:
        """Writes the city until it holds ``events`` events (a later run of the generator
        continues with another seed)."""
        if events > self.events:
            seed = 2019 if self.events == 0 else 2020
            self.events += generate(self.services.app, events - self.events, seed=seed)


@contextmanager
def city(url: str) -> Iterator[City]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    settings = load_settings(
        DATABASE_URL=url, GOVRULES_SCHEMA=schema, GOVRULES_DEV=True, GOVRULES_ROLE="api"
    )
    services = build_services(settings)
    try:
        yield City(url, schema, services)
    finally:
        services.close()
        with psycopg.connect(conninfo(parse_database_url(url)), autocommit=True) as conn:
            conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(schema)))


def bench_rebuild(c: City, events: int) -> list[str]:
    c.grow(max(events // 10, 1000))
    small = c.events
    _, small_rss = rebuild_process(c.env)
    c.grow(events)
    scanned, scan_seconds = raw_scan(c.database, c.schema)
    binary_scanned, binary_seconds = raw_scan(c.database, c.schema, binary=True)
    seconds, rss = rebuild_process(c.env)
    raw_rate = scanned / scan_seconds
    binary_rate = binary_scanned / binary_seconds
    rate = c.events / seconds
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
        f"rebuild.mem {rss / 1024:,.0f} MiB at {c.events:,} events vs {small_rss / 1024:,.0f} "
        f"MiB at {small:,} (ratio = {rss / small_rss:.2f}, goal <= 1.2)",
    ]


def bench_verify(c: City) -> list[str]:
    """The whole chain and tree recomputed, as ``python -m projections verify`` does, in this
    process, against bench.md's raw scan of the same events."""
    scanned, scan_seconds = raw_scan(c.database, c.schema)
    started = time.perf_counter()
    verdict = c.services.store.verify()
    seconds = time.perf_counter() - started
    assert verdict.ok and verdict.checked == scanned, verdict
    raw_rate, rate = scanned / scan_seconds, verdict.checked / seconds
    return [
        line("verify.raw", raw_rate, "events/s", None, "", ""),
        line("verify", rate, "events/s", rate / raw_rate, "raw scan", ">= 0.5"),
    ]


def bench_trace(c: City, linked: int = 500, requests: int = 300) -> list[str]:
    """A decision carried out by documents and supervised by items until its trace holds
    ``linked`` events, written over HTTP to a real API process; then the trace and /health,
    each ``requests`` times in turn on one keep-alive connection."""
    port = _free_port()
    env = {**c.env, "GOVRULES_PORT": str(port), "GOVRULES_ROLE": "api"}
    catch_up(c)
    with _server(env) as base, httpx.Client(base_url=base, timeout=30) as http:
        decision_id, last = linked_decision(http, c, linked)
        catch_up(c)
        headers = _auth("p-investigator")
        path = f"/accountability/decisions/{decision_id}"
        entries = http.get(path, params={"min_position": last}, headers=headers).json()
        assert len(entries["entries"]) >= linked, len(entries["entries"])
        health = _latencies(http, "/health", {}, requests)
        trace = _latencies(http, path, headers, requests)
    p99, health_p99 = _p(trace, 99), _p(health, 99)
    return [
        f"trace.health {health_p99:.1f} ms p99, {_p(health, 50):.1f} ms p50 (baseline; "
        f"{requests} sequential requests, httpx client, one connection)",
        f"trace {p99:.1f} ms p99 (ratio vs /health p99 = {p99 / health_p99:.2f}, goal p99 <= "
        f"50 ms), {_p(trace, 50):.1f} ms p50, {_p(trace, 90):.1f} ms p90, "
        f"{len(entries['entries'])} linked events",
    ]


def catch_up(c: City) -> None:
    for name in c.services.engine.models:
        c.services.engine.catch_up(name)


def _latencies(http: httpx.Client, path: str, headers: dict[str, str], n: int) -> list[float]:
    for _ in range(20):  # warm up: pools, caches, the planner
        assert http.get(path, headers=headers).status_code == 200
    times = []
    for _ in range(n):
        started = time.perf_counter()
        response = http.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:200]
    return times


def _p(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * percentile // 100)]


def linked_decision(http: httpx.Client, c: City, linked: int) -> tuple[str, int]:
    """A major decision through its four procedures and an executive meeting, then documents
    that carry it out (countersigned, signed off, numbered, issued) and supervision items
    from it, until its trace holds ``linked`` events."""

    def post(path: str, by: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        r = http.post(path, json=body, headers=_auth(by))
        assert r.status_code in (200, 201), (path, r.text[:300])
        result: dict[str, Any] = r.json()
        return result

    d = post("/decisions", "p-finance-head", {
        "title": "基准测试重大决策", "matter_kind": "major_policy",
        "initiated_by_unit": "u-finance", "responsible_person": "p-finance-head",
    })["id"]  # fmt: skip
    for procedure, by, unit in (
        ("public_participation", "p-finance-head", "u-finance"),
        ("expert_review", "p-finance-head", "u-finance"),
        ("risk_assessment", "p-finance-head", "u-finance"),
        ("legality_review", "p-justice-head", "u-justice"),
    ):
        post(f"/decisions/{d}/procedures", by, {"procedure": procedure, "performed_by": unit,
             "conclusion": "同意", "evidence_refs": ["报告"]})  # fmt: skip
    now = c.services.clock.now()
    m = post("/meetings", "p-office-dir", {"kind": "executive", "title": "基准常务会议",
             "convener_id": "p-mayor", "scheduled_at": now.isoformat()})["id"]  # fmt: skip
    topic = post(f"/meetings/{m}/topics", "p-exec-vm", {"title": "审议", "decision_id": d,
                 "proposed_by": "p-exec-vm"})["topic_id"]  # fmt: skip
    post(f"/meetings/{m}/topics/{topic}/set", "p-mayor")
    post(f"/meetings/{m}/papers", "p-office-dir", {"distributed_at": now.isoformat()})
    members = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
    post(f"/meetings/{m}/open", "p-mayor", {"present": members})
    last = post(f"/meetings/{m}/decisions", "p-mayor", {"topic_id": topic, "text": "通过",
                "positions": dict.fromkeys(members, "agree")})["position"]  # fmt: skip
    count = 15
    while count < linked:
        doc = post("/documents", "p-office-dir", {"doc_type": "notice", "title": "贯彻落实的通知",
                   "from_unit_id": "u-gov", "drafting_unit_id": "u-ecology", "to": "u-ecology",
                   "matters": ["落实"], "decision_id": d})["id"]  # fmt: skip
        due = (now + timedelta(days=10)).isoformat()  # explicit: no holiday calendar needed
        post(f"/documents/{doc}/countersign-requests", "p-ecology-head",
             {"unit_ids": ["u-housing"], "due": due})  # fmt: skip
        post(f"/documents/{doc}/countersignatures", "p-housing-head",
             {"unit_id": "u-housing", "opinion": "agree"})  # fmt: skip
        post(f"/documents/{doc}/sign-off", "p-vm-a", {"opinion": "同意"})
        post(f"/documents/{doc}/register", "p-office-dir", {"issuer_code": "攀府发"})
        last = post(f"/documents/{doc}/issue", "p-office-dir")["position"]
        count += 7
        if count % 5 == 0:
            deadline = (now + timedelta(days=60)).isoformat()
            item = post("/supervision-items", "p-office-dir", {"title": "督办",
                        "source": {"kind": "decision", "ref": d}, "lead_unit_id": "u-finance",
                        "deadline": deadline})["id"]  # fmt: skip
            last = post(f"/supervision-items/{item}/reports", "p-finance-head",
                        {"unit_id": "u-finance", "text": "进展"})["position"]  # fmt: skip
            count += 3
    return d, int(last)


def _auth(person: str) -> dict[str, str]:
    token = issue_token(person, DEV_SECRET, datetime.now(UTC), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _server(env: dict[str, str]) -> Iterator[str]:
    """``python -m api`` on ``GOVRULES_PORT``, healthy before it is used."""
    base = f"http://127.0.0.1:{env['GOVRULES_PORT']}"
    log = Path(tempfile.gettempdir()) / "govrules-bench-api.log"
    with log.open("wb") as out:
        child = subprocess.Popen([sys.executable, "-m", "api"], env={**env, "PYTHONPATH":
                                 str(ROOT)}, cwd=ROOT, stdout=out, stderr=out)  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if child.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the API did not start; see {log}")
                time.sleep(0.2)
            yield base
        finally:
            child.send_signal(signal.SIGTERM)
            child.wait(timeout=30)


FIGURES = ("rebuild", "verify", "trace")


def main() -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench")
    parser.add_argument("figures", nargs="*", help=f"any of {', '.join(FIGURES)} (default: all)")
    parser.add_argument("--events", type=int, default=200_000)
    args = parser.parse_args()
    figures = args.figures or list(FIGURES)
    unknown = sorted(set(figures) - set(FIGURES))
    if unknown:
        parser.error(f"unknown figures {unknown}; choose from {', '.join(FIGURES)}")
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    print(f"# nproc={os.cpu_count()} events={args.events:,} database={url.split('@')[-1]}")
    with city(url) as c:
        if "rebuild" in figures:
            report(bench_rebuild(c, args.events))
        else:
            c.grow(args.events)
        if "verify" in figures:
            report(bench_verify(c))
        if "trace" in figures:
            report(bench_trace(c))
    return 0


def report(lines: list[str]) -> None:
    for text in lines:
        print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
