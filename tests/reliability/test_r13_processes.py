"""R13 (docs/reliability.md): the guarantees across processes. Three API processes
(``GOVRULES_ROLE=api``) and the runners in their own (``python -m projections``) on one
PostgreSQL, under a mixed load sent to all three — registrations racing for numbers, the mayor
and the executive vice-mayor reporting overlapping absences at the same moment through
different processes, writes read back through another process — while one API process is
killed with SIGKILL. Then the two left move their clocks past the countersign limits at once.

What must hold: no duplicate and no skipped document number (D11), never the mayor and the
executive vice-mayor away at once (L1), every write readable through any process at the
position it answered (read-your-writes), every deadline recorded once, no 500."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

from api.settings import Settings
from tests.projections.test_deadlines import DEADLINE_EVENTS
from tests.reliability.crowd import at_once, cluster, deemed, draft, recorded
from tests.support.documents import GOV_CODE, signed_off_notice
from tests.support.http import auth
from tests.support.servers import Server

NUMBERED = 12  # documents registered, by three threads through the processes
COUNTERSIGNS = 8  # documents asking two units each: 16 limits
L1_ROUNDS = 8
READ_BACK = 12  # per writer, two writers
DUE = "2026-11-05T09:00:00+08:00"


@dataclass
class Load:
    servers: list[Server]
    alive: list[Server]
    statuses: Counter[int] = field(default_factory=Counter)
    unanswered: int = 0
    read_back: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(
        self, i: int, method: str, path: str, by: str, body: object = None
    ) -> httpx.Response | None:
        """A request to the ``i``-th process still alive; None when it died under it."""
        base = self.alive[i % len(self.alive)].base
        try:
            r = httpx.request(method, f"{base}{path}", json=body, headers=auth(by), timeout=30)
        except httpx.TransportError:
            with self.lock:
                self.unanswered += 1
            return None
        with self.lock:
            self.statuses[r.status_code] += 1
            if r.status_code >= 500:
                self.failures.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return r

    def register(self, docs: list[str], first: int) -> None:
        for k, doc in enumerate(docs):
            self.send(
                first + k,
                "POST",
                f"/documents/{doc}/register",
                "p-office-dir",
                {"issuer_code": GOV_CODE},
            )

    def absences(self) -> None:
        for n in range(L1_ROUNDS):
            day = f"2026-10-{12 + n:02d}"
            mayor = {
                "person_id": "p-mayor",
                "kind": "official_trip",
                "acting_id": "p-exec-vm",
                "starts_at": f"{day}T10:00:00+08:00",
                "ends_at": f"{day}T18:00:00+08:00",
                "destination": "成都",
            }
            exec_vm = {
                "person_id": "p-exec-vm",
                "kind": "out_of_city",
                "acting_id": "p-vm-a",
                "reported_to_id": "p-mayor",
                "starts_at": f"{day}T09:00:00+08:00",
                "ends_at": f"{day}T12:00:00+08:00",
            }
            answers = at_once(
                [
                    lambda n=n, b=mayor: self.send(n, "POST", "/leaves", "p-mayor", b),
                    lambda n=n, b=exec_vm: self.send(n + 1, "POST", "/leaves", "p-exec-vm", b),
                ]
            )
            if sum(1 for r in answers if r is not None and r.status_code == 201) > 1:
                with self.lock:
                    self.failures.append(f"L1: both away on {day}")

    def write_and_read_back(self, first: int) -> None:
        for k in range(READ_BACK):
            r = self.send(
                first + k,
                "POST",
                "/documents",
                "p-finance-head",
                {
                    "doc_type": "request",
                    "title": f"请示{first}-{k}",
                    "from_unit_id": "u-finance",
                    "to": "government",
                    "matters": ["专项资金"],
                },
            )
            if r is None or r.status_code != 201:
                continue
            doc, position = r.json()["id"], r.json()["position"]
            got = self.send(
                first + k + 1, "GET", f"/documents?limit=500&min_position={position}", "p-mayor"
            )
            if got is None:
                continue
            ids = {item["id"] for item in got.json().get("items", [])}
            with self.lock:
                self.read_back += 1
                if got.status_code != 200 or doc not in ids:
                    self.failures.append(f"read-your-writes: {doc} not in a read at {position}")


def obligations(api: httpx.Client) -> None:
    for i in range(COUNTERSIGNS):
        r = draft(api, title=f"会签请示{i}")
        assert r.status_code == 201, r.text
        r = api.post(
            f"/documents/{r.json()['id']}/countersign-requests",
            json={"unit_ids": ["u-ecology", "u-housing"]},
            headers=auth("p-finance-head"),
        )
        assert r.status_code == 200, r.text


def test_R13_three_api_processes_and_the_runners_one_killed(settings: Settings, tmp_path: Path):
    with cluster(settings, tmp_path, apis=3) as (servers, runners):
        with httpx.Client(base_url=servers[0].base, timeout=30) as api:
            docs = [signed_off_notice(api, title=f"通知{i}")["id"] for i in range(NUMBERED)]
            obligations(api)
        load = Load(servers, list(servers))
        third = NUMBERED // 3
        work = [
            threading.Thread(target=load.register, args=(docs[k * third : (k + 1) * third], k))
            for k in range(3)
        ]
        work += [threading.Thread(target=load.absences)]
        work += [threading.Thread(target=load.write_and_read_back, args=(k,)) for k in range(2)]
        for w in work:
            w.start()
        time.sleep(1.5)
        victim = servers[2]
        load.alive.remove(victim)
        victim.process.kill()  # SIGKILL under load
        victim.process.wait()
        for w in work:
            w.join(timeout=120)
        assert not any(w.is_alive() for w in work), "the load did not finish"

        answers = at_once(
            [
                lambda s=s: httpx.post(
                    f"{s.base}/_clock", json={"now": DUE}, headers=auth("p-admin"), timeout=60
                )
                for s in load.alive
            ]
        )
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        assert runners.poll() is None

    assert not load.failures, load.failures[:10]
    numbers = sorted(state["sequence"] for _, state in recorded(settings, "DocumentNumbered"))
    assert numbers == list(range(1, len(numbers) + 1)), numbers  # D11: no duplicate, no gap
    assert len(numbers) >= NUMBERED - load.unanswered
    away = [
        (
            s["person_id"],
            datetime.fromisoformat(s["starts_at"]),
            datetime.fromisoformat(s["ends_at"]),
        )
        for _, s in recorded(settings, "AbsenceEntered")
    ]
    mayor = [(a, b) for p, a, b in away if p == "p-mayor"]
    exec_vm = [(a, b) for p, a, b in away if p == "p-exec-vm"]
    assert not [(m, e) for m in mayor for e in exec_vm if m[0] < e[1] and e[0] < m[1]]  # L1
    assert len(mayor) + len(exec_vm) >= 1
    limits = deemed(settings)
    assert len(limits) == 2 * COUNTERSIGNS and set(limits.values()) == {1}, limits
    for name in DEADLINE_EVENTS:  # whatever else fell due: once each
        seen = Counter((a, str(s)) for a, s in recorded(settings, name))
        assert set(seen.values()) <= {1}, (name, seen)
    print(
        f"\nR13: 3 API processes + runners, one API killed under load "
        f"({sum(load.statuses.values())} answers {dict(load.statuses)}, "
        f"{load.unanswered} cut off): "
        f"{len(numbers)} numbers 1..{len(numbers)} no duplicate; {len(mayor)} mayor and "
        f"{len(exec_vm)} executive vice-mayor absences, none overlapping; {load.read_back} "
        f"reads through another process saw the write; {len(limits)} deadlines recorded once"
    )
