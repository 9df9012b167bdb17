"""Several server processes, as ``python -m api`` starts them by default (GOVRULES_WORKERS):
the workers share the port, every answered write is stored once, a read at the write's
position answers it through whichever process gets the request, and one follower per store
keeps the read models (the others stand by)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from api.settings import Settings, load_settings
from tests.reliability.crowd import draft, query
from tests.support.http import auth
from tests.support.servers import api_server

WORKERS = 2
WRITES = 40


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def test_workers_share_the_port_and_every_write_is_read_back_through_any_of_them(
    settings: Settings, tmp_path: Path
):
    # no drill clock: with one, the server keeps to one process (the clock lives in it)
    with api_server(
        settings, tmp_path / "api.log", GOVRULES_WORKERS=str(WORKERS), GOVRULES_TEST_CLOCK=""
    ) as server:
        workers = [
            pid
            for pid in children(server.process.pid)
            if "spawn" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        ]
        assert len(workers) == WORKERS, (workers, server.log.read_text()[-2000:])

        def write_then_read(i: int) -> tuple[int, int, str]:
            with httpx.Client(base_url=server.base, timeout=15) as api:
                written = draft(api, title=f"多进程请示{i}")
                assert written.status_code == 201, written.text
                body = written.json()
                read = api.get(
                    f"/documents/{body['id']}",
                    params={"min_position": body["position"]},
                    headers=auth("p-finance-head"),
                )
                return written.status_code, read.status_code, read.json().get("title", "")

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(write_then_read, range(WRITES)))
        assert [a[:2] for a in answers] == [(201, 200)] * WRITES
        assert sorted(a[2] for a in answers) == sorted(f"多进程请示{i}" for i in range(WRITES))

        with httpx.Client(base_url=server.base, timeout=15) as api:
            health = api.get("/health").json()
        assert {p["state"] for p in health["projections"]} == {"running"}

    stored = query(
        settings,
        "SELECT count(DISTINCT originator_id) FROM {schema}.govrules_events "
        "WHERE topic = 'govrules:DocumentDrafted'",
    )
    assert stored[0][0] == WRITES


def test_a_drill_clock_keeps_the_server_to_one_process():
    assert load_settings(GOVRULES_DEV=True, GOVRULES_WORKERS=4).processes == 4
    assert (
        load_settings(
            GOVRULES_DEV=True, GOVRULES_WORKERS=4, GOVRULES_TEST_CLOCK="2026-09-28T09:00:00+08:00"
        ).processes
        == 1
    )
    assert 1 <= load_settings(GOVRULES_DEV=True).processes <= 4
