"""R4 (docs/reliability.md): ``kill -9`` of the API process while writers keep drafting
documents; every write it answered 2xx is in the store after a restart, and the restarted
server serves again."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx

from api.settings import Settings
from tests.reliability.crowd import draft, query
from tests.support.http import auth
from tests.support.servers import api_server

WRITERS = 4
LOAD_SECONDS = 3.0


def test_R4_api_killed_under_write_load_loses_no_acknowledged_write(
    settings: Settings, tmp_path: Path
):
    acknowledged: list[str] = []
    failed: list[str] = []
    with api_server(settings, tmp_path / "api.log", GOVRULES_ROLE="api") as server:

        def write(n: int) -> None:
            with httpx.Client(base_url=server.base, timeout=10) as api:
                for i in range(10_000):
                    try:
                        r = draft(api, title=f"请示{n}-{i}")
                    except httpx.TransportError:
                        return  # the server is gone: this write was never acknowledged
                    if r.status_code == 201:
                        acknowledged.append(r.json()["id"])
                    else:
                        failed.append(f"{r.status_code} {r.text[:200]}")

        writers = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
        for w in writers:
            w.start()
        time.sleep(LOAD_SECONDS)
        server.process.kill()  # SIGKILL: no shutdown, transactions in flight are cut
        server.process.wait()
        for w in writers:
            w.join(timeout=30)
    assert not failed, failed[:5]
    assert len(acknowledged) > 10, "the load wrote too little to mean anything"

    with (
        api_server(settings, tmp_path / "api2.log", GOVRULES_ROLE="api") as again,
        httpx.Client(base_url=again.base, timeout=30) as api,
    ):
        stored = {
            str(r[0])
            for r in query(settings, "SELECT DISTINCT originator_id FROM {schema}.govrules_events")
        }
        missing = [d for d in acknowledged if d not in stored]
        assert not missing, missing
        for d in acknowledged[:: max(1, len(acknowledged) // 20)]:  # readable through the API
            assert api.get(f"/documents/{d}", headers=auth("p-mayor")).status_code == 200
        r = draft(api, title="重启之后的请示")
        assert r.status_code == 201, r.text
    print(
        f"\nR4: API killed with SIGKILL under {WRITERS} writers; {len(acknowledged)} "
        f"acknowledged writes, all {len(acknowledged)} in the store after restart; serving again"
    )
