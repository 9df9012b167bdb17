"""Issue #6, done when: "Rebuild while the API is serving: readers see the old tables until the
switch, then the new ones; no request fails."

Real processes, the production split: the API (``python -m api``, ``GOVRULES_ROLE=api``), the
live runners (``python -m projections``) and, three times in a row, ``python -m projections
rebuild`` of every read model. Reader threads hammer the read-model endpoints over HTTP the
whole time while a writer keeps drafting documents and requesting countersigns. It proves:

- no request fails: every read and every write answers 200/201;
- no reader ever sees a half-built or stale generation: every answer is exactly the log up to
  the ``position`` it reports (the documents drafted and countersigns requested at or before
  it), and a reader's positions never go back, across three switches;
- each rebuild exits 0, moves every model to the next generation and drops the old tables;
- the live runner process follows the new generation after each switch: the documents written
  during the rebuilds are in the read models at the end.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
from psycopg.sql import SQL, Identifier

from api.settings import Settings
from projections.models import MODELS
from projections.store import conninfo, parse_database_url
from tests.support.http import auth
from tests.support.polling import eventually
from tests.support.servers import environment, free_port, process, tail, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
INITIAL_DOCUMENTS = 40
REBUILDS = 3
UNITS = ["u-ecology", "u-housing"]  # each countersign request opens one row per unit
READER = "p-mayor"
WRITER = "p-finance-head"


# ----- the registry and the tables ----------------------------------------------------------


def registry(settings: Settings) -> dict[str, dict[str, Any]]:
    with psycopg.connect(conninfo(parse_database_url(settings.database_url or ""))) as conn:
        rows = conn.execute(
            SQL("SELECT name, generation, building, state, position FROM {}.rm_registry").format(
                Identifier(settings.schema_name)
            )
        ).fetchall()
    return {
        r[0]: {"generation": r[1], "building": r[2], "state": r[3], "position": r[4]} for r in rows
    }


def read_model_tables(settings: Settings) -> set[str]:
    with psycopg.connect(conninfo(parse_database_url(settings.database_url or ""))) as conn:
        rows = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s AND tablename LIKE 'rm\\_%%' "
            "AND tablename <> 'rm_registry'",
            (settings.schema_name,),
        ).fetchall()
    return {r[0] for r in rows}


def tables_of(generations: dict[str, int]) -> set[str]:
    return {f"rm_{m.name}_{t}_g{generations[m.name]}" for m in MODELS for t in m.tables}


# ----- writes ------------------------------------------------------------------------------


@dataclass
class Ledger:
    """What was written, with the position each write answered."""

    drafts: list[tuple[int, str]] = field(default_factory=list)  # (position, document id)
    requests: list[tuple[int, int]] = field(default_factory=list)  # (position, units opened)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def write(self, client: httpx.Client, i: int) -> None:
        r = client.post(
            "/documents",
            json={
                "doc_type": "request",
                "title": f"关于申请专项资金的请示{i}",
                "from_unit_id": "u-finance",
                "to": "government",
                "matters": ["专项资金"],
            },
            headers=auth(WRITER),
        )
        if r.status_code != 201:
            with self.lock:
                self.failures.append(f"POST /documents -> {r.status_code} {r.text[:300]}")
            return
        doc = r.json()
        with self.lock:
            self.drafts.append((doc["position"], doc["id"]))
        if i % 3:
            return
        r = client.post(
            f"/documents/{doc['id']}/countersign-requests",
            json={"unit_ids": UNITS},
            headers=auth(WRITER),
        )
        with self.lock:
            if r.status_code != 200:
                self.failures.append(f"POST countersign-requests -> {r.status_code} {r.text[:300]}")
            else:
                self.requests.append((r.json()["position"], len(UNITS)))

    def last(self) -> int:
        with self.lock:
            return max(p for p, _ in self.drafts + self.requests)

    def documents_at(self, position: int) -> set[str]:
        return {doc for p, doc in self.drafts if p <= position}

    def pending_at(self, position: int) -> int:
        return sum(n for p, n in self.requests if p <= position)


# ----- reads -------------------------------------------------------------------------------


@dataclass
class Answer:
    path: str
    started: float
    ended: float
    position: int
    facts: Any  # what the check below compares with the ledger


@dataclass
class Readers:
    base: str
    stop: threading.Event = field(default_factory=threading.Event)
    answers: list[Answer] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    generations_seen: dict[str, list[int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def loop(self, paths: list[str], facts: Callable[[str, dict[str, Any]], Any]) -> None:
        last: dict[str, int] = {}
        with httpx.Client(base_url=self.base, timeout=15) as client:
            i = 0
            while not self.stop.is_set():
                path = paths[i % len(paths)]
                i += 1
                started = time.monotonic()
                try:
                    r = client.get(path, headers=auth(READER))
                except httpx.HTTPError as e:
                    self._fail(f"{path}: {type(e).__name__}: {e}")
                    continue
                ended = time.monotonic()
                if r.status_code != 200:
                    self._fail(f"{path} -> {r.status_code} at {ended:.3f}: {r.text[:500]}")
                    continue
                try:
                    body = r.json()
                    position = int(body["position"])
                    answer = Answer(path, started, ended, position, facts(path, body))
                except (ValueError, KeyError, TypeError) as e:
                    self._fail(f"{path}: unexpected answer ({e!r}): {r.text[:500]}")
                    continue
                if position < last.get(path, 0):
                    self._fail(f"{path}: position went back from {last[path]} to {position}")
                last[path] = position
                with self.lock:
                    self.answers.append(answer)

    def watch_health(self) -> None:
        """Polls /health: the generation each model serves, as the API reports it."""
        with httpx.Client(base_url=self.base, timeout=15) as client:
            while not self.stop.is_set():
                try:
                    r = client.get("/health")
                except httpx.HTTPError as e:
                    self._fail(f"/health: {type(e).__name__}: {e}")
                    continue
                if r.status_code != 200:
                    self._fail(f"/health -> {r.status_code}: {r.text[:500]}")
                    continue
                for model in r.json()["projections"]:
                    if "name" not in model:
                        self._fail(f"/health: projections unavailable: {model}")
                        continue
                    seen = self.generations_seen.setdefault(model["name"], [])
                    if not seen or seen[-1] != model["generation"]:
                        seen.append(model["generation"])
                time.sleep(0.02)

    def served_since(self, since: float, plans: list[list[str]]) -> bool:
        """Every reader has been answered on a request it sent after ``since``."""
        with self.lock:
            answered = {a.path for a in self.answers if a.started >= since}
        return all(answered & set(plan) for plan in plans)

    def health_shows(self, generations: dict[str, int]) -> bool:
        """The /health watcher has seen each model serve its generation in ``generations``."""
        return all(
            (self.generations_seen.get(name) or [None])[-1] == generation
            for name, generation in generations.items()
        )

    def _fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def facts(path: str, body: dict[str, Any]) -> Any:
    if path.startswith("/documents"):
        return {item["id"] for item in body["items"]}
    if path.startswith("/dashboard/countersigns"):
        return len(body["open"])
    if path.startswith("/dashboard/summary"):
        return body["countersigns"]["open"]
    if "items" in body:
        return len(body["items"])
    return None


# ----- the test ----------------------------------------------------------------------------


def test_rebuilding_every_read_model_three_times_while_the_api_serves_fails_no_request(
    settings: Settings, tmp_path: Path
) -> None:
    # A fresh schema: the API process (GOVRULES_ROLE=api) seeds the roster on its first start.
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = environment(settings, port)
    api_log, runners_log = tmp_path / "api.log", tmp_path / "runners.log"
    python = sys.executable
    ledger = Ledger()
    readers: Readers | None = None
    threads: list[threading.Thread] = []
    with (
        process([python, "-m", "api"], env, api_log) as server,
        process([python, "-m", "projections"], env, runners_log) as runners,
    ):
        try:
            wait_healthy(base, server, api_log)
            assert runners.poll() is None, tail(runners_log)
            with httpx.Client(base_url=base, timeout=15) as client:
                for i in range(INITIAL_DOCUMENTS):
                    ledger.write(client, i)
            assert not ledger.failures, ledger.failures
            written = ledger.last()

            readers = Readers(base)
            q = f"min_position={written}"
            plans: list[list[str]] = [
                [f"/documents?limit=500&{q}"],
                [f"/documents?limit=500&{q}"],
                [f"/dashboard/countersigns?{q}"],
                [f"/dashboard/summary?{q}"],
                [f"/dashboard/summary?{q}", f"/dashboard/countersigns?{q}"],
                [
                    f"/meetings?limit=500&{q}",
                    f"/decisions?limit=500&{q}",
                    f"/supervision-items?limit=500&{q}",
                    f"/regulations?limit=500&{q}",
                    f"/leaves/list?limit=500&{q}",
                    f"/dashboard/meetings?{q}",
                    f"/dashboard/decisions?{q}",
                    f"/dashboard/supervision?{q}",
                    f"/dashboard/leaves?{q}",
                    f"/dashboard/regulations?{q}",
                ],
            ]
            threads = [threading.Thread(target=readers.loop, args=(p, facts)) for p in plans]
            threads.append(threading.Thread(target=readers.watch_health))
            for thread in threads:
                thread.start()
            generations = {k: v["generation"] for k, v in registry(settings).items()}
            eventually(  # the readers are served before any rebuild starts
                lambda: readers.served_since(0, plans) and readers.health_shows(generations),
                what="every reader answered before the first rebuild",
            )

            # A writer drafts documents all through the rebuilds.
            rebuilding = threading.Event()
            rebuilding.set()

            def keep_writing() -> None:
                with httpx.Client(base_url=base, timeout=15) as client:
                    i = INITIAL_DOCUMENTS
                    while rebuilding.is_set():
                        ledger.write(client, i)
                        i += 1
                        time.sleep(0.05)

            writer = threading.Thread(target=keep_writing)
            writer.start()
            windows: list[tuple[float, float]] = []
            try:
                for n in range(REBUILDS):
                    before = {k: v["generation"] for k, v in registry(settings).items()}
                    started = time.monotonic()
                    rebuilt = subprocess.run(
                        [python, "-m", "projections", "rebuild"],
                        env=env,
                        cwd=ROOT,
                        capture_output=True,
                        timeout=60,
                    )
                    windows.append((started, time.monotonic()))
                    assert rebuilt.returncode == 0, (
                        f"rebuild {n + 1} exited {rebuilt.returncode}:\n"
                        f"{rebuilt.stdout.decode()[-2000:]}{rebuilt.stderr.decode()[-2000:]}"
                    )
                    after = registry(settings)
                    assert set(after) == {m.name for m in MODELS}
                    for name, row in after.items():
                        assert row["generation"] == before[name] + 1, (n, name, before, row)
                        assert row["building"] is None, (n, name, row)
                        assert row["state"] == "running", (n, name, row)
                    generations = {k: v["generation"] for k, v in after.items()}
                    assert read_model_tables(settings) == tables_of(generations), (
                        "the old generations' tables were not dropped (or new ones missing)"
                    )
                    switched = time.monotonic()
                    eventually(  # readers served on the new generation before the next
                        lambda since=switched, now=generations: (
                            readers.served_since(since, plans) and readers.health_shows(now)
                        ),
                        what=f"every reader answered after switch {n + 1}",
                    )
            finally:
                rebuilding.clear()
                writer.join(timeout=30)
            assert not ledger.failures, ledger.failures

            # The live runner process went on with the new generation: every write since,
            # including those made during the rebuilds, is in the read models.
            last = ledger.last()
            with httpx.Client(base_url=base, timeout=15) as client:
                docs = client.get(f"/documents?limit=500&min_position={last}", headers=auth(READER))
                assert docs.status_code == 200, docs.text
                board = client.get(
                    f"/dashboard/countersigns?min_position={last}", headers=auth(READER)
                )
                assert board.status_code == 200, board.text
            written_all = time.monotonic()
            eventually(  # a last round of reads after the final writes
                lambda: readers.served_since(written_all, plans),
                what="every reader answered after the final writes",
            )
        finally:
            if readers is not None:
                readers.stop.set()
            for thread in threads:
                thread.join(timeout=30)
        assert server.poll() is None, f"the API died:\n{tail(api_log)}"
        assert runners.poll() is None, f"the runners died:\n{tail(runners_log)}"

    assert readers is not None
    assert not readers.failures, "\n".join(readers.failures[:20])

    # Every answer is exactly the log up to the position it reports: readers see the old
    # tables (caught up) until the switch, then the new ones (caught up), never a partial one.
    wrong: list[str] = []
    for a in readers.answers:
        if a.path.startswith("/documents"):
            expected = ledger.documents_at(a.position)
            if a.facts != expected:
                wrong.append(
                    f"{a.path} @{a.position}: {len(a.facts)} documents, not {len(expected)}"
                )
        elif a.path.startswith("/dashboard/countersigns"):
            if a.facts != ledger.pending_at(a.position):
                wrong.append(
                    f"{a.path} @{a.position}: {a.facts} open, not {ledger.pending_at(a.position)}"
                )
        elif a.path.startswith("/dashboard/summary"):
            # position is the lowest of six models; the countersigns one may stand further on
            low, high = ledger.pending_at(a.position), ledger.pending_at(ledger.last())
            if not low <= a.facts <= high:
                wrong.append(f"{a.path} @{a.position}: {a.facts} open, not in [{low}, {high}]")
        elif a.facts not in (None, 0):  # nothing but documents was ever written
            wrong.append(f"{a.path} @{a.position}: {a.facts} items, not 0")
    assert not wrong, "\n".join(wrong[:20])

    during = len(ledger.drafts) - INITIAL_DOCUMENTS
    assert during >= REBUILDS, "the writer drafted too few documents during the rebuilds"
    assert {item["id"] for item in docs.json()["items"]} == ledger.documents_at(last)
    assert len(board.json()["open"]) == ledger.pending_at(last)

    # The readers were served all through every rebuild, and before and after each switch.
    for n, (start, end) in enumerate(windows):
        served = [a for a in readers.answers if start <= a.started and a.ended <= end]
        assert served, f"no read was answered during rebuild {n + 1}"
    assert {a.path for a in readers.answers} == {p for plan in plans for p in plan}
    # /health showed every model move through every generation, one switch at a time.
    final = {k: v["generation"] for k, v in registry(settings).items()}
    for name, seen in readers.generations_seen.items():
        assert seen == list(range(final[name] - REBUILDS, final[name] + 1)), (name, seen)
    assert set(readers.generations_seen) == {m.name for m in MODELS}
