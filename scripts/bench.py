"""Benchmarks (docs/bench.md): every figure is a ratio against a baseline measured in the same
run on the same PostgreSQL, printed as one line ``NAME value unit (ratio vs BASELINE = x.xx,
goal ...)``. ``scripts/bench [FIGURE ...] [--events N] [--quick] [--record]`` (all figures when
none is named), over one synthetic city of N events written for the run in a schema of its own.

- rebuild: all read models from zero vs a raw scan + orjson.loads of the same events;
  rebuild.mem: peak RSS of a rebuild at N events vs at N/10.
- verify: the whole hash chain and Merkle tree recomputed vs the same raw scan.
- writes: writes.raw (baseline: psycopg INSERT + COMMIT of an event-shaped row, one
  connection); writes.lib (``execute(app, DraftDocument, ctx)`` in this process, one thread);
  writes.http (``POST /documents``, 16 concurrent clients, against ``python -m api`` as a user
  starts it: role ``all``, the read-model runners in its process; also with role ``api`` for
  the record); writes.peak (the best total rate over 1-64 threads in this process and 1-64
  HTTP clients).
- lag: write acknowledged -> the ``documents`` read model's position reaches the write's,
  under an open-loop 200 commands/s over HTTP (one watcher connection polls the registry).
- reads: ``/dashboard/summary`` vs ``/health``, 32 connections, throughput and p99.
- as_of: ``GET /documents/{id}?as_of=T`` of a 1,000-event document vs its current state, p50.
- trace: ``/accountability/decisions/{id}`` with 500 linked events vs ``/health``, p99.
- api.rss: the API server's RSS (with any child processes) after the runs above.

Load generator: an asyncio ``httpx`` client in this process (keep-alive connections; latencies
at the client); one sequential keep-alive connection for trace and as_of. Named in the output.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import psycopg
from psycopg.sql import SQL, Identifier

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.auth import issue_token  # noqa: E402
from api.services import Services, build_services  # noqa: E402
from api.settings import DEV_SECRET, load_settings  # noqa: E402
from domain.base import Actor  # noqa: E402
from domain.commands.documents import (  # noqa: E402
    DraftDocument,
    ExtendCountersign,
    RequestCountersign,
)
from domain.service import Batch, Context, execute  # noqa: E402
from projections.store import conninfo, parse_database_url  # noqa: E402
from scripts.city import generate  # noqa: E402

HTTPX = "httpx AsyncClient (asyncio, keep-alive)"
# The closed loops (writes.http, writes.peak, reads) run by wrk when it is installed.
GENERATOR = "wrk (Debian's package; a Lua script for the POSTs)" if shutil.which("wrk") else HTTPX
SEQUENTIAL = "httpx Client, one keep-alive connection, sequential"
DRAFTER = "p-finance-head"  # DraftDocument: a unit head in their unit's name (MATRIX: UNIT)
DRAFT: dict[str, Any] = {"doc_type": "request", "title": "关于申请专项资金的请示",
                         "from_unit_id": "u-finance", "to": "government",
                         "matters": ["专项资金"]}  # fmt: skip
READER = "p-mayor"
COUNTS = (1, 4, 16, 32, 64)  # writes.peak: threads in this process, and HTTP clients


def line(
    name: str,
    value: float,
    unit: str,
    ratio: float | None,
    baseline: str,
    goal: str,
    note: str = "",
) -> str:
    """``NAME value unit (ratio vs BASELINE = x.xx, goal ...) note``; a baseline:
    ``NAME value unit (baseline) note``. Values under 100 keep one decimal."""
    number = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
    tail = f" {note}" if note else ""
    if ratio is None:
        return f"{name} {number} {unit} (baseline){tail}"
    return f"{name} {number} {unit} (ratio vs {baseline} = {ratio:.2f}, goal {goal}){tail}"


@dataclass(frozen=True)
class Options:
    """How long and how much: ``--quick`` shortens every window."""

    quick: bool = False

    @property
    def window(self) -> float:
        """Seconds of each throughput measurement."""
        return 2.0 if self.quick else 5.0

    @property
    def lag_seconds(self) -> float:
        return 4.0 if self.quick else 10.0

    @property
    def requests(self) -> int:
        """Requests of each sequential latency series (trace, as_of)."""
        return 60 if self.quick else 300


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

    def actor(self, person_id: str) -> Actor:
        found = self.services.app.actor(person_id, self.services.clock.now())
        assert found is not None, person_id
        return found

    def catch_up(self) -> None:
        """Every read model brought up to the log in this process (its services run no
        follower), so a server started next does not spend its first seconds catching up:
        one scan of the log feeds them all. The deadlines that passed in the city's past (it
        is written on the real clock's days) are recorded too, as the server's ticker would
        at its start: the figures measure a server in its steady state, not its backlog."""
        self.services.engine.catch_up()
        while self.services.ticker.tick_after_catching_up():
            pass
        self.services.engine.catch_up()


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


# ----- the server, as a user starts it -----------------------------------------------------


@dataclass(frozen=True)
class Server:
    base: str
    pid: int
    role: str


@contextmanager
def serve(c: City, role: str) -> Iterator[Server]:
    """``python -m api`` as ``scripts/serve`` starts it (GOVRULES_DEV=1, DATABASE_URL,
    GOVRULES_SCHEMA, a free GOVRULES_PORT) in ``role``, healthy before it is used; the read
    models are caught up first. Its output goes to a log file in the temp directory."""
    c.catch_up()
    port = _free_port()
    env = {**c.env, "GOVRULES_PORT": str(port), "GOVRULES_ROLE": role,
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    log = Path(tempfile.gettempdir()) / f"govrules-bench-api-{role}.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "api"], env=env, cwd=ROOT, stdout=out, stderr=out
        )
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
            yield Server(base, child.pid, role)
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _auth(person: str) -> dict[str, str]:
    token = issue_token(person, DEV_SECRET, datetime.now(UTC), timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


# ----- load generators -----------------------------------------------------------------------


@dataclass
class Load:
    """What a closed-loop run saw: requests answered 200/201, seconds, their latencies at the
    client (ms), and the failures by kind (a status, or a transport error's name)."""

    count: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.count / self.seconds

    # wrk reports percentiles, not each latency
    percentiles: dict[int, float] = field(default_factory=dict)

    def p(self, percentile: int) -> float:
        if percentile in self.percentiles:
            return self.percentiles[percentile]
        return _p(self.latencies, percentile)

    @property
    def failed(self) -> str:
        return _failed(self.errors)


def _failed(errors: Counter[str]) -> str:
    """``; failed: 503 x12, ReadError x1`` (not counted in the rate), or nothing."""
    if not errors:
        return ""
    return "; failed: " + ", ".join(f"{kind} x{n}" for kind, n in errors.most_common())


async def _request(
    http: httpx.AsyncClient,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
    errors: Counter[str],
) -> httpx.Response | None:
    """One request (a POST when ``body`` is given); None, counted in ``errors``, when it was
    not answered 200/201. A server out of resources fails requests: the run goes on and the
    line says how many failed, instead of stopping the whole bench."""
    try:
        if body is None:
            response = await http.get(path, headers=headers)
        else:
            response = await http.post(path, headers=headers, json=body)
    except httpx.TransportError as e:
        errors[type(e).__name__] += 1
        return None
    if response.status_code not in (200, 201):
        errors[str(response.status_code)] += 1
        return None
    return response


def closed_loop(
    base: str,
    clients: int,
    seconds: float,
    path: str,
    headers: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
) -> Load:
    """``clients`` concurrent clients (one keep-alive connection each), each sending its next
    request when the last is answered, for ``seconds`` after one warm-up request each. A POST
    when ``body`` is given. Run by ``wrk`` when it is installed (a C client leaves the two
    cores to the server: the httpx client took about a third of them), else by httpx."""
    if WRK:
        return wrk_loop(base, clients, seconds, path, headers or {}, body)
    return asyncio.run(_closed_loop(base, clients, seconds, path, headers or {}, body))


WRK = shutil.which("wrk")
WRK_SCRIPT = """
wrk.method = "{method}"
wrk.body = {body}
{headers}
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK %d %d %d %d %d %d %d %.3f %.3f %.3f\\n", summary.requests,
    summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000))
end
"""


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_loop(
    base: str,
    clients: int,
    seconds: float,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
) -> Load:
    """The closed loop run by ``wrk`` (Debian's package): ``clients`` connections on two
    threads, a Lua script for the method, body and headers; answers other than 2xx/3xx and
    socket errors are counted as failures."""
    assert WRK is not None
    all_headers = {**headers, **({"Content-Type": "application/json"} if body else {})}
    script = WRK_SCRIPT.format(
        method="POST" if body is not None else "GET",
        body=_lua(orjson.dumps(body).decode()) if body is not None else "nil",
        headers="\n".join(f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in all_headers.items()),
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        out = subprocess.run(
            [WRK, f"-c{clients}", f"-t{min(2, clients)}", f"-d{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", lua.name, base + path],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    found = [row for row in out.splitlines() if row.startswith("WRK ")]
    if not found:
        raise RuntimeError(f"wrk printed no summary: {out[-500:]}")
    fields = found[-1].split()[1:]
    requests, micros, connect, read, write, status, timeout = map(int, fields[:7])
    p50, p90, p99 = map(float, fields[7:])
    errors: Counter[str] = Counter()
    for kind, n in (("not 2xx", status), ("connect", connect), ("read", read),
                    ("write", write), ("timeout", timeout)):  # fmt: skip
        if n:
            errors[kind] = n
    load = Load(requests - status, micros / 1e6, errors=errors)
    load.percentiles = {50: p50, 90: p90, 99: p99}
    if not load.count:
        raise RuntimeError(f"{path}: no request answered{load.failed}")
    return load


async def _closed_loop(
    base: str,
    clients: int,
    seconds: float,
    path: str,
    headers: dict[str, str],
    body: dict[str, Any] | None,
) -> Load:
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:
        warm_up: Counter[str] = Counter()
        await asyncio.gather(
            *(_request(http, path, headers, body, warm_up) for _ in range(clients))
        )
        load = Load(0, 0.0)
        started = time.perf_counter()
        stop = started + seconds

        async def client() -> None:
            while time.perf_counter() < stop:
                sent = time.perf_counter()
                if await _request(http, path, headers, body, load.errors) is not None:
                    load.latencies.append((time.perf_counter() - sent) * 1000)

        await asyncio.gather(*(client() for _ in range(clients)))
        load.count, load.seconds = len(load.latencies), time.perf_counter() - started
        if not load.count:
            raise RuntimeError(f"{path}: no request answered{load.failed}")
        return load


def open_loop(
    base: str, rate: float, seconds: float, headers: dict[str, str], body: dict[str, Any]
) -> tuple[list[tuple[float, int]], float, int, Counter[str]]:
    """POSTs sent at a steady ``rate`` whatever the answers (open loop; at most 64 in flight on
    keep-alive connections, the rest queue in the client): each answer's time
    (``time.perf_counter``) and position, the seconds the run took, how many requests were
    abandoned unanswered because a server that cannot keep up was still behind ``seconds`` +
    5 s after the last was due (a slow server does not stretch the run without end), and the
    failures by kind."""
    return asyncio.run(_open_loop(base, rate, seconds, headers, body))


async def _open_loop(
    base: str, rate: float, seconds: float, headers: dict[str, str], body: dict[str, Any]
) -> tuple[list[tuple[float, int]], float, int, Counter[str]]:
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    acks: list[tuple[float, int]] = []
    errors: Counter[str] = Counter()
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as http:

        async def send() -> None:
            response = await _request(http, "/documents", headers, body, errors)
            if response is not None:
                acks.append((time.perf_counter(), int(response.json()["position"])))

        await send()  # warm up
        acks.clear()
        errors.clear()
        tasks = []
        started = time.perf_counter()
        for i in range(round(rate * seconds)):
            delay = started + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send()))
        grace = started + 2 * seconds + 5 - time.perf_counter()
        _, pending = await asyncio.wait(tasks, timeout=max(grace, 1))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        if not acks:
            raise RuntimeError(f"POST /documents: no request answered{_failed(errors)}")
        return acks, time.perf_counter() - started, len(pending), errors


def sequential(http: httpx.Client, path: str, headers: dict[str, str], n: int) -> list[float]:
    """``n`` GETs one after another on one keep-alive connection after 20 warm-up ones:
    latencies at the client, ms."""
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
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, len(ordered) * percentile // 100)]


# ----- rebuild, verify -----------------------------------------------------------------------


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


# ----- writes --------------------------------------------------------------------------------


def writes_raw(c: City, seconds: float) -> float:
    """The per-commit limit: one row shaped like an event row (uuid, version, topic, the bytes
    of a DocumentDrafted payload from the log) INSERTed and COMMITted per transaction, on one
    connection, into a scratch table shaped like the event table; rows a second."""
    table = SQL("{}.bench_raw").format(Identifier(c.schema))
    with psycopg.connect(conninfo(c.database)) as conn:
        row = conn.execute(
            SQL("SELECT topic, state FROM {}.govrules_events WHERE topic LIKE %s LIMIT 1").format(
                Identifier(c.schema)
            ),
            ("%DocumentDrafted%",),
        ).fetchone()
        assert row is not None, "the city has no drafted document"
        topic, state = row
        conn.execute(SQL(
            "CREATE TABLE {} (originator_id uuid NOT NULL, originator_version bigint NOT NULL, "
            "topic text NOT NULL, state bytea, notification_id bigserial, "
            "PRIMARY KEY (originator_id, originator_version))"
        ).format(table))  # fmt: skip
        conn.execute(SQL("CREATE UNIQUE INDEX ON {} (notification_id)").format(table))
        conn.commit()
        insert = SQL(
            "INSERT INTO {} (originator_id, originator_version, topic, state) "
            "VALUES (%s, 1, %s, %s)"
        ).format(table)
        count = 0
        started = time.perf_counter()
        stop = started + seconds
        while time.perf_counter() < stop:
            conn.execute(insert, (uuid.uuid4(), topic, state), prepare=True)
            conn.commit()
            count += 1
        elapsed = time.perf_counter() - started
        conn.execute(SQL("DROP TABLE {}").format(table))
        conn.commit()
    return count / elapsed


def drafts(c: City, threads: int, seconds: float) -> float:
    """``threads`` threads in this process, each running one DraftDocument per ``execute``
    (one command, one transaction) for ``seconds``; commands a second. The actor is resolved
    once, as an in-process caller holding it would."""
    actor = c.actor(DRAFTER)
    app, clock = c.services.app, c.services.clock
    counts = [0] * threads
    failures: list[BaseException] = []

    def draft(k: int, i: int) -> None:
        ctx = Context(actor, clock.now(), correlation_id=f"bench-{k}-{i}")
        execute(app, DraftDocument(**DRAFT), ctx)

    for i in range(3):  # warm up
        draft(-1, i)
    started = time.perf_counter()
    stop = started + seconds

    def work(k: int) -> None:
        try:
            while time.perf_counter() < stop:
                draft(k, counts[k])
                counts[k] += 1
        except BaseException as e:  # reported after the run
            failures.append(e)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise failures[0]
    return sum(counts) / (time.perf_counter() - started)


@dataclass
class Writes:
    """The write figures measured so far (later figures' baselines)."""

    raw: float = 0.0
    lib: float = 0.0
    peak: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # writes.peak's runs with failures


def bench_writes_local(c: City, opts: Options, w: Writes) -> list[str]:
    """writes.raw and writes.lib, and the in-process half of writes.peak (no server runs)."""
    w.raw = writes_raw(c, opts.window)
    w.lib = drafts(c, 1, opts.window)
    w.peak["1 thread in-process"] = w.lib
    for threads in COUNTS[1:]:
        w.peak[f"{threads} threads in-process"] = drafts(c, threads, opts.window)
    return [
        line("writes.raw", w.raw, "rows/s", None, "", "",
             f"[psycopg INSERT + COMMIT of an event-shaped row, 1 connection, {opts.window:g} s]"),
        line("writes.lib", w.lib, "commands/s", w.lib / w.raw, "writes.raw", ">= 0.45",
             f"[execute(DraftDocument), 1 thread in-process, {opts.window:g} s]"),
    ]  # fmt: skip


def bench_writes_http(s: Server, opts: Options, w: Writes, peak: bool = True) -> list[str]:
    """POST /documents, 16 concurrent clients; with ``peak`` also the HTTP half of writes.peak
    (1-64 clients)."""
    headers = _auth(DRAFTER)
    load = closed_loop(s.base, 16, opts.window, "/documents", headers, DRAFT)
    name = "writes.http" if s.role == "all" else f"writes.http.{s.role}"
    goal = ">= 0.6" if s.role == "all" else "none: for the record"
    lines = [
        line(name, load.rate, "commands/s", load.rate / w.lib, "writes.lib", goal,
             f"[POST /documents, 16 clients, {GENERATOR}, python -m api role {s.role}; "
             f"p50 {load.p(50):.1f} ms, p99 {load.p(99):.1f} ms{load.failed}]"),
    ]  # fmt: skip
    if peak:
        for clients in COUNTS:
            tried = load
            if clients != 16:
                tried = closed_loop(s.base, clients, opts.window, "/documents", headers, DRAFT)
            w.peak[f"{clients} HTTP clients (role {s.role})"] = tried.rate
            if tried.errors:
                w.failed[f"{clients} HTTP clients (role {s.role})"] = tried.failed
    return lines


def bench_writes_peak(w: Writes) -> list[str]:
    how, best = max(w.peak.items(), key=lambda kv: kv[1])
    tried = ", ".join(f"{k}: {v:,.0f}{w.failed.get(k, '')}" for k, v in w.peak.items())
    return [
        line("writes.peak", best, "commands/s", best / w.raw, "writes.raw", ">= 1.0",
             f"[best: {how}]"),
        f"# writes.peak tried (commands/s): {tried}",
    ]  # fmt: skip


# ----- lag -----------------------------------------------------------------------------------


class Watcher(threading.Thread):
    """One connection polling a read model's position in the registry every ``every``
    seconds; keeps (time.perf_counter, position) at each change. ``ready`` once connected
    (retried for 10 s: a busy server may be out of connection slots for a moment);
    ``error``: why it stopped early."""

    def __init__(self, c: City, model: str = "documents", every: float = 0.002) -> None:
        super().__init__(daemon=True)
        self.c, self.model, self.every = c, model, every
        self.seen: list[tuple[float, int]] = []
        self.done, self.ready = threading.Event(), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._poll(self._connect())
        except BaseException as e:  # reported by bench_lag
            self.error = e
            self.ready.set()

    def _connect(self) -> psycopg.Connection[Any]:
        deadline = time.monotonic() + 10
        while True:
            try:
                return psycopg.connect(conninfo(self.c.database), autocommit=True)
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def _poll(self, conn: psycopg.Connection[Any]) -> None:
        query = SQL("SELECT position FROM {}.rm_registry WHERE name = %s").format(
            Identifier(self.c.schema)
        )
        with conn:
            last = None
            while not self.done.is_set():
                row = conn.execute(query, (self.model,), prepare=True).fetchone()
                now = time.perf_counter()
                position = int(row[0]) if row else -1
                if position != last:
                    self.seen.append((now, position))
                    last = position
                self.ready.set()
                time.sleep(self.every)

    def reached(self, position: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.seen and self.seen[-1][1] >= position:
                return True
            time.sleep(0.01)
        return False


def lags(seen: list[tuple[float, int]], acks: list[tuple[float, int]]) -> tuple[list[float], int]:
    """Each write's lag, ms: from its answer to the first observation of the model at or past
    its position (0 when the model was there already); and how many were never seen."""
    times = [t for t, _ in seen]
    positions = [p for _, p in seen]
    found, unseen = [], 0
    for answered, position in acks:
        i = bisect.bisect_left(positions, position)
        if i == len(positions):
            unseen += 1
        else:
            found.append(max(0.0, times[i] - answered) * 1000)
    return found, unseen


def bench_lag(c: City, s: Server, opts: Options, rate: float = 200) -> list[str]:
    """Open loop: ``rate`` POST /documents a second for ``opts.lag_seconds``; the lag of each
    write as ``lags`` reckons it, seen by one connection polling the registry every 2 ms."""
    watcher = Watcher(c)
    watcher.start()
    watcher.ready.wait(30)
    if watcher.error is not None or not watcher.ready.is_set():
        raise RuntimeError(f"the lag watcher could not poll the registry: {watcher.error}")
    try:
        acks, seconds, abandoned, errors = open_loop(
            s.base, rate, opts.lag_seconds, _auth(DRAFTER), DRAFT
        )
        watcher.reached(max(p for _, p in acks), 10)
    finally:
        watcher.done.set()
        watcher.join()
    if watcher.error is not None:
        raise RuntimeError(f"the lag watcher stopped: {watcher.error}")
    found, unseen = lags(watcher.seen, acks)
    note = (
        f"[p50 {_p(found, 50):.1f} ms; offered {rate:g}/s open loop for {opts.lag_seconds:g} s, "
        f"answered {len(acks) / seconds:,.0f}/s, {abandoned} abandoned unanswered; POST "
        f"/documents, {HTTPX}; positions seen by one connection polling rm_registry every "
        f"2 ms; {unseen} never seen within 10 s{_failed(errors)}]"
    )
    return [f"lag {_p(found, 99):.1f} ms p99 (goal p99 <= 100 ms) {note}"]


# ----- reads ---------------------------------------------------------------------------------


def bench_reads(s: Server, opts: Options) -> list[str]:
    health = closed_loop(s.base, 32, opts.window, "/health")
    summary = closed_loop(s.base, 32, opts.window, "/dashboard/summary", _auth(READER))
    how = f"32 connections, {opts.window:g} s each, {GENERATOR}"
    return [
        line("reads.health", health.rate, "req/s", None, "", "",
             f"[GET /health, p50 {health.p(50):.1f} ms, p99 {health.p(99):.1f} ms; {how}"
             f"{health.failed}]"),
        line("reads", summary.rate, "req/s", summary.rate / health.rate, "/health",
             f">= 0.7, and p99 <= 20 ms: p99 {summary.p(99):.1f} ms",
             f"[GET /dashboard/summary, p50 {summary.p(50):.1f} ms; {how}{summary.failed}]"),
    ]  # fmt: skip


# ----- as_of ---------------------------------------------------------------------------------


def long_document(c: City, events: int = 1000) -> tuple[uuid.UUID, datetime]:
    """A request drafted, one countersign asked and its agreed limit extended until the
    document holds ``events`` events (ExtendCountersign repeats: each limit later than the
    last), in one transaction; answers its id and an instant after its last event."""
    actor = c.actor(DRAFTER)
    now = c.services.clock.now()
    start = now - timedelta(seconds=events / 1000 + 2)
    batch = Batch(c.services.app)

    def ctx(i: int) -> Context:
        return Context(actor, start + timedelta(milliseconds=i), f"bench-as-of-{i}")

    doc = batch.run(DraftDocument(**DRAFT), ctx(0))
    due = now + timedelta(days=30)
    batch.run(RequestCountersign(doc.id, ["u-housing"], due), ctx(1))
    for i in range(2, events):
        batch.run(ExtendCountersign(doc.id, "u-housing", due + timedelta(minutes=i)), ctx(i))
    batch.commit()
    return doc.id, now


def bench_as_of(c: City, s: Server, opts: Options) -> list[str]:
    document_id, after = long_document(c)
    path = f"/documents/{document_id}"
    as_of = f"{path}?as_of={quote(after.isoformat())}"
    headers = _auth(READER)
    with httpx.Client(base_url=s.base, timeout=60) as http:
        version = http.get(path, headers=headers).json().get("version")
        assert version == 1000, version
        current = sequential(http, path, headers, opts.requests)
        travelled = sequential(http, as_of, headers, opts.requests)
    p50, base_p50 = _p(travelled, 50), _p(current, 50)
    how = f"{opts.requests} requests each, {SEQUENTIAL}"
    return [
        f"as_of.current {base_p50:.1f} ms p50 (baseline) [GET /documents/{{id}}, 1,000 events, "
        f"p99 {_p(current, 99):.1f} ms; {how}]",
        f"as_of {p50:.1f} ms p50 (ratio vs current-state read = {p50 / base_p50:.2f}, goal <= "
        f"2.00) [?as_of= after the last event: all 1,000 events; p99 {_p(travelled, 99):.1f} "
        f"ms]",
    ]


# ----- trace ---------------------------------------------------------------------------------


def bench_trace(c: City, s: Server, opts: Options, linked: int = 500) -> list[str]:
    """A decision carried out by documents and supervised by items until its trace holds
    ``linked`` events, written over HTTP; then the trace and /health, each in turn on one
    keep-alive connection."""
    requests = opts.requests
    with httpx.Client(base_url=s.base, timeout=30) as http:
        decision_id, last = linked_decision(http, c, linked)
        if s.role == "api":  # no runners in the server: the models are brought up here
            c.catch_up()
        headers = _auth("p-investigator")
        path = f"/accountability/decisions/{decision_id}"
        entries = http.get(path, params={"min_position": last}, headers=headers).json()
        assert len(entries["entries"]) >= linked, len(entries["entries"])
        health = sequential(http, "/health", {}, requests)
        trace = sequential(http, path, headers, requests)
    p99, health_p99 = _p(trace, 99), _p(health, 99)
    return [
        f"trace.health {health_p99:.1f} ms p99, {_p(health, 50):.1f} ms p50 (baseline; "
        f"{requests} sequential requests, httpx client, one connection)",
        f"trace {p99:.1f} ms p99 (ratio vs /health p99 = {p99 / health_p99:.2f}, goal p99 <= "
        f"50 ms), {_p(trace, 50):.1f} ms p50, {_p(trace, 90):.1f} ms p90, "
        f"{len(entries['entries'])} linked events",
    ]


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
        body: dict[str, Any] = {"procedure": procedure, "performed_by": unit,
                                "conclusion": "同意", "evidence_refs": ["报告"]}  # fmt: skip
        if procedure == "legality_review":
            body["passed"] = True  # the review's verdict (M10)
        post(f"/decisions/{d}/procedures", by, body)
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


# ----- api.rss -------------------------------------------------------------------------------


def tree_rss_kib(pid: int) -> list[int]:
    """VmRSS of ``pid`` and of every process below it (uvicorn workers), KiB, ``pid``'s
    first."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    tree, frontier = [pid], [pid]
    while frontier:
        parent = frontier.pop()
        children = sorted(p for p, pp in parents.items() if pp == parent and p not in tree)
        tree.extend(children)
        frontier.extend(children)
    sizes: list[int] = []
    for p in tree:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        sizes.extend(int(t.split()[1]) for t in status.splitlines() if t.startswith("VmRSS:"))
    return sizes


def bench_rss(s: Server, after: list[str]) -> list[str]:
    sizes = tree_rss_kib(s.pid)
    each = " + ".join(f"{k / 1024:,.0f}" for k in sizes)
    runs = ", ".join(after) or "start-up only"
    # bench.md's figure is one API worker's RSS: the largest process of the server's tree.
    return [f"api.rss {max(sizes) / 1024:,.0f} MiB (goal <= 200 MiB) [the largest process of "
            f"python -m api role {s.role}: {len(sizes)} process(es), {each} MiB (VmRSS), "
            f"{sum(sizes) / 1024:,.0f} MiB in all; after: {runs}]"]  # fmt: skip


# ----- the run -------------------------------------------------------------------------------

FIGURES = ("rebuild", "verify", "writes", "trace", "lag", "reads", "as_of", "api.rss")
ALIASES = {"rebuild.mem": "rebuild", "writes.raw": "writes", "writes.lib": "writes",
           "writes.http": "writes", "writes.peak": "writes", "rss": "api.rss"}  # fmt: skip


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description="The figures of docs/bench.md, each against a baseline of the same run.",
    )
    parser.add_argument("figures", nargs="*", help=f"any of {', '.join(FIGURES)} (default: all)")
    parser.add_argument(
        "--events", type=int, help="the city's size (default 200,000; with --quick 20,000)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="a smaller city, shorter windows: under 5 minutes"
    )
    parser.add_argument(
        "--record", action="store_true",
        help="append the date, the machine, the command and the lines to bench/RESULTS.md",
    )  # fmt: skip
    args = parser.parse_args(argv)
    figures = {ALIASES.get(f, f) for f in args.figures} or set(FIGURES)
    unknown = sorted(figures - set(FIGURES))
    if unknown:
        parser.error(f"unknown figures {unknown}; choose from {', '.join(FIGURES)}")
    if args.record and args.quick:
        parser.error("--record keeps full runs only (not --quick)")
    args.figures = [f for f in FIGURES if f in figures]  # in run order, once each
    if args.events is None:
        args.events = 20_000 if args.quick else 200_000
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    figures: list[str] = args.figures
    opts = Options(quick=args.quick)
    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    printed: list[str] = []

    def report(lines: list[str]) -> None:
        for text in lines:
            print(text, flush=True)
            printed.append(text)

    started = time.monotonic()
    report([f"# nproc={os.cpu_count()} events={args.events:,} database={url.split('@')[-1]} "
            f"postgresql={server_version(url)}{' --quick' if opts.quick else ''}; "
            f"HTTP load generators: closed loops {GENERATOR}; the lag's open loop {HTTPX}, "
            "in the bench's process"])  # fmt: skip
    with city(url) as c:
        if "rebuild" in figures:
            report(bench_rebuild(c, args.events))
        else:
            c.grow(args.events)
        if "verify" in figures:
            report(bench_verify(c))
        run_server_figures(c, figures, opts, report)
    report([f"# {time.monotonic() - started:,.0f} s"])
    if args.record:
        record(url, argv, printed)
    return 0


def run_server_figures(
    c: City, figures: list[str], opts: Options, report: Callable[[list[str]], None]
) -> None:
    """The in-process writes first (no server running); the trace against role ``api`` (as
    before); then one role-``all`` server for writes.http, the HTTP half of writes.peak, lag,
    reads and as_of, whose RSS is read last; role ``api`` once more, for the record."""
    w = Writes()
    if "writes" in figures:
        report(bench_writes_local(c, opts, w))
    if "trace" in figures:
        with serve(c, "api") as s:
            report(bench_trace(c, s, opts))
    if not {"writes", "lag", "reads", "as_of", "api.rss"} & set(figures):
        return
    ran: list[str] = []
    with serve(c, "all") as s:
        runs: list[tuple[str, Callable[[], list[str]]]] = [
            ("writes", lambda: bench_writes_http(s, opts, w)),
            ("lag", lambda: bench_lag(c, s, opts)),
            ("reads", lambda: bench_reads(s, opts)),
            ("as_of", lambda: bench_as_of(c, s, opts)),
        ]
        for name, bench in runs:
            if name in figures:
                report(bench())
                ran.append(name)
        if "api.rss" in figures:
            report(bench_rss(s, ran))
    if "writes" in figures:
        with serve(c, "api") as s:
            report(bench_writes_http(s, opts, w, peak=False))
        report(bench_writes_peak(w))


def server_version(url: str) -> str:
    with psycopg.connect(conninfo(parse_database_url(url))) as conn:
        row = conn.execute("SHOW server_version").fetchone()
    return str(row[0]).split()[0] if row else "?"


def record(url: str, argv: list[str], lines: list[str]) -> None:
    """Appends a dated section to bench/RESULTS.md: the machine, the command, the lines."""
    command = " ".join(["scripts/bench", *map(shlex.quote, argv)])
    section = [
        "",
        f"## {date.today().isoformat()} — scripts/bench",
        f"- Machine: `nproc` = {os.cpu_count()}, PostgreSQL {server_version(url)}, database "
        f"{url.split('@')[-1]}. Command: `{command}`.",
        "",
        "```",
        *lines,
        "```",
    ]
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as out:
        out.write("\n".join(section) + "\n")


if __name__ == "__main__":
    sys.exit(main())
