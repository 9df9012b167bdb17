"""R5 (docs/reliability.md): PostgreSQL stopped and started again under load. The database is
an embedded one started for this test (pgserver, as tests/conftest.py uses when DATABASE_URL is
unset), never the machine's shared cluster: other tests keep running on that one.

While it is down every request is answered 503 (with Retry-After) within 5 s: no hang, no
500. When it is back, the server serves again by itself (nobody restarts it), and every write
it acknowledged is in the store."""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pgserver
import pytest
from pgserver._commands import pg_ctl

from api.settings import Settings, load_settings
from tests.reliability.crowd import draft, query
from tests.support.http import SECRET, START, auth
from tests.support.polling import eventually
from tests.support.servers import api_server

DOWN_SECONDS = 6.0
ANSWER_WITHIN = 5.0
WRITERS = 3


@pytest.fixture
def own_database(tmp_path: Path) -> Iterator[tuple[pgserver.PostgresServer, Settings]]:
    # Outside pytest's own temporary tree: every pytest session on the machine makes that
    # tree private again, and the server runs as its own system user.
    home = Path(tempfile.mkdtemp(prefix="govrules-r5-"))
    home.chmod(0o755)
    server = pgserver.get_server(home / "pg", cleanup_mode="delete")
    try:
        yield (
            server,
            load_settings(
                DATABASE_URL=server.get_uri(),
                GOVRULES_JWT_SECRET=SECRET,
                GOVRULES_SCHEMA="r5",
                GOVRULES_TEST_CLOCK=START,
                GOVRULES_DATA_DIR=str(tmp_path / "data"),
            ),
        )
    finally:
        server.cleanup()
        shutil.rmtree(home, ignore_errors=True)


@dataclass
class Load:
    """What the writers and the reader were answered, with how long each answer took."""

    base: str
    running: bool = True
    down: bool = False
    acknowledged: list[str] = field(default_factory=list)
    answers: Counter[tuple[bool, int]] = field(default_factory=Counter)  # (down?, status)
    slowest_down: dict[str, float] = field(default_factory=dict)  # by request
    bad: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, r: httpx.Response | None, took: float, what: str) -> None:
        with self.lock:
            status = r.status_code if r is not None else 0
            self.answers[self.down, status] += 1
            if self.down:
                self.slowest_down[what] = max(self.slowest_down.get(what, 0.0), took)
            if r is None or (status >= 500 and status != 503):
                self.bad.append(f"{what}: {status} after {took:.1f} s")
            elif status == 503 and "retry-after" not in r.headers:
                self.bad.append(f"{what}: 503 without Retry-After")
            elif status not in (200, 201, 503):
                self.bad.append(f"{what}: {status} {r.text[:200]}")

    def write(self, n: int) -> None:
        with httpx.Client(base_url=self.base, timeout=ANSWER_WITHIN + 5) as api:
            i = 0
            while self.running:
                started = time.monotonic()
                try:
                    r: httpx.Response | None = draft(api, title=f"请示{n}-{i}")
                except httpx.TransportError:
                    r = None
                self.note(r, time.monotonic() - started, "POST /documents")
                if r is not None and r.status_code == 201:
                    with self.lock:
                        self.acknowledged.append(r.json()["id"])
                i += 1
                time.sleep(0.05)

    def read(self) -> None:
        with httpx.Client(base_url=self.base, timeout=ANSWER_WITHIN + 5) as api:
            while self.running:
                started = time.monotonic()
                try:
                    r: httpx.Response | None = api.get(
                        "/documents?limit=5", headers=auth("p-mayor")
                    )
                except httpx.TransportError:
                    r = None
                self.note(r, time.monotonic() - started, "GET /documents")
                time.sleep(0.05)


def test_R5_database_down_answers_503_and_service_resumes(own_database, tmp_path: Path):
    database, settings = own_database
    with api_server(settings, tmp_path / "api.log") as server:
        load = Load(server.base)
        threads = [threading.Thread(target=load.write, args=(n,)) for n in range(WRITERS)]
        threads.append(threading.Thread(target=load.read))
        for t in threads:
            t.start()
        try:
            time.sleep(2)
            pg_ctl(
                ["-w", "-m", "immediate", "stop"], pgdata=database.pgdata, user=database.system_user
            )
            load.down = True
            time.sleep(DOWN_SECONDS)
            load.down = False
            database.ensure_postgres_running()  # the same socket, the same address
            back = time.monotonic()

            def serving() -> int | None:
                with httpx.Client(base_url=server.base, timeout=10) as api:
                    r = draft(api)
                return int(r.json()["position"]) if r.status_code == 201 else None

            written = eventually(serving, timeout=30, interval=0.2, what="a write after restart")
            resumed = time.monotonic() - back

            def followed() -> bool:  # the read models' runners are back too
                r = httpx.get(
                    f"{server.base}/documents?limit=1&min_position={written}",
                    headers=auth("p-mayor"),
                    timeout=10,
                )
                return r.status_code == 200

            eventually(followed, timeout=30, interval=0.2, what="the read models after restart")
            time.sleep(1)
        finally:
            load.running = False
            for t in threads:
                t.join(timeout=30)
        assert not load.bad, load.bad[:10]
        assert load.answers[True, 503] > 0, load.answers  # the outage was seen
        slowest = max(load.slowest_down.values())
        assert slowest <= ANSWER_WITHIN, load.slowest_down
        assert server.process.poll() is None  # nobody restarted it
    stored = {
        str(r[0])
        for r in query(settings, "SELECT DISTINCT originator_id FROM {schema}.govrules_events")
    }
    lost = [d for d in load.acknowledged if d not in stored]
    assert not lost, lost
    print(
        f"\nR5: PostgreSQL down {DOWN_SECONDS:.0f} s under {WRITERS} writers and a reader: "
        f"{load.answers[True, 503]} requests answered 503 (slowest {slowest:.1f} s), "
        f"no 500, no hang; serving again {resumed:.1f} s after restart; "
        f"{len(load.acknowledged)} acknowledged writes all stored"
    )
