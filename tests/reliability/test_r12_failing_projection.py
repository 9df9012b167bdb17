"""R12 (docs/reliability.md): a read model that raises on one event, in the runners' own
process (``python -m projections`` with one model more that raises on a document drafted).
That model stops with a clear log line naming the position; the API process keeps serving,
its /health shows the failed model, and no other read model stalls."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx

from api.settings import Settings
from tests.reliability.crowd import cluster, draft
from tests.support.http import auth
from tests.support.polling import eventually

LATER = 10


def health(base: str) -> dict[str, dict[str, Any]]:
    r = httpx.get(f"{base}/health", timeout=10)
    assert r.status_code == 200, r.text
    return {p["name"]: p for p in r.json()["projections"]}


def test_R12_a_projection_that_raises_stops_alone(settings: Settings, tmp_path: Path):
    runners = [sys.executable, "-m", "tests.reliability.exploding_runner"]
    with (
        cluster(settings, tmp_path, apis=1, runners=runners) as ([server], runner),
        httpx.Client(base_url=server.base, timeout=30) as api,
    ):
        r = draft(api, title="引爆的请示")
        assert r.status_code == 201, r.text
        poison = r.json()["position"]

        def failed() -> dict[str, Any] | None:
            status = health(server.base).get("exploding")
            return status if status and status["state"] == "failed" else None

        status = eventually(failed, timeout=30, interval=0.1, what="/health shows the failure")
        assert status["failed_position"] == poison
        assert status["position"] == poison - 1
        line = f"read model exploding failed after position {poison - 1}"
        log = eventually(lambda: line in (tmp_path / "runners.log").read_text(), timeout=10)
        assert log and f"cannot project event {poison}" in (tmp_path / "runners.log").read_text()

        served = 0
        for i in range(LATER):  # the API keeps serving: writes, and reads that wait
            r = draft(api, title=f"之后的请示{i}")
            assert r.status_code == 201, r.text
            head = r.json()["position"]
            for path in (
                f"/documents?limit=1&min_position={head}",
                f"/dashboard/summary?min_position={head}",
            ):
                got = api.get(path, headers=auth("p-mayor"))
                assert got.status_code == 200, (path, got.text[:300])
                served += 1
        assert runner.poll() is None  # the process, and the other runners in it, live on

        def caught_up() -> dict[str, dict[str, Any]] | None:
            now = health(server.base)
            others = [p for name, p in now.items() if name != "exploding"]
            ok = all(p["state"] == "running" and p["position"] >= head for p in others)
            return now if ok else None

        now = eventually(caught_up, timeout=30, interval=0.2, what="the other models caught up")
        assert now["exploding"]["position"] == poison - 1  # stopped, not skipped past
    print(
        f"\nR12: a read model raised on event {poison}: stopped there, logged, shown failed in "
        f"/health; {served} reads waiting for later writes served; the other {len(now) - 1} "
        f"read models caught up to {head}"
    )
