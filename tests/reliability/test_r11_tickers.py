"""R11 (docs/reliability.md): deadlines recorded exactly once, with the tickers in real
processes. Three API processes (``GOVRULES_ROLE=api``) and the runners' process share one
PostgreSQL; on the drill clock whoever moves it (POST /_clock) ticks. Two APIs move their
clocks past 40 countersign limits (D7) at the same moment: two tickers at once. Then 40 more
fall due and a third API's ticker is killed with SIGKILL in the middle of recording them; an
other one finishes. Every deadline is recorded exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from api.settings import Settings
from tests.reliability.crowd import at_once, cluster, deemed, draft
from tests.support.http import auth

DOCUMENTS = 20
UNITS = ["u-ecology", "u-housing"]  # each document asks both: two deadlines
FIRST_DUE = "2026-11-05T09:00:00+08:00"
SECOND_DUE = "2026-12-01T09:00:00+08:00"


def obligations(base: str, n: int) -> None:
    with httpx.Client(base_url=base, timeout=30) as api:
        for i in range(n):
            r = draft(api, title=f"请示{i}")
            assert r.status_code == 201, r.text
            r = api.post(
                f"/documents/{r.json()['id']}/countersign-requests",
                json={"unit_ids": UNITS},
                headers=auth("p-finance-head"),
            )
            assert r.status_code == 200, r.text


def move_clock(base: str, now: str) -> httpx.Response:
    return httpx.post(f"{base}/_clock", json={"now": now}, headers=auth("p-admin"), timeout=60)


def test_R11_two_tickers_at_once_and_one_killed_record_each_deadline_once(
    settings: Settings, tmp_path: Path
):
    per_batch = DOCUMENTS * len(UNITS)
    with cluster(settings, tmp_path, apis=3) as (servers, _):
        a, b, c = servers
        obligations(a.base, DOCUMENTS)
        answers = at_once(
            [lambda: move_clock(a.base, FIRST_DUE), lambda: move_clock(b.base, FIRST_DUE)]
        )
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        by_each = [r.json()["deadlines_recorded"] for r in answers]
        assert sum(by_each) == per_batch, by_each
        recorded = deemed(settings)
        assert len(recorded) == per_batch and set(recorded.values()) == {1}, recorded

        obligations(b.base, DOCUMENTS)  # on b's clock (past the first limits): due later
        ticking = threading.Thread(target=lambda: _swallow(lambda: move_clock(c.base, SECOND_DUE)))
        ticking.start()
        deadline = time.monotonic() + 60
        while sum(deemed(settings).values()) == per_batch:
            assert time.monotonic() < deadline, "the ticker recorded nothing"
            time.sleep(0.01)
        c.process.kill()  # SIGKILL in the middle of the tick
        c.process.wait()
        ticking.join(timeout=30)
        before = sum(deemed(settings).values()) - per_batch
        assert 0 < before < per_batch, f"killed after {before} of {per_batch}: not mid-run"

        r = move_clock(b.base, SECOND_DUE)
        assert r.status_code == 200, r.text
        recorded = deemed(settings)
        assert len(recorded) == 2 * per_batch and set(recorded.values()) == {1}, recorded
    print(
        f"\nR11: {per_batch} deadlines ticked by two API processes at once ({by_each[0]} + "
        f"{by_each[1]}), {per_batch} more with a ticker killed after {before}: "
        f"{2 * per_batch} recorded, each exactly once"
    )


def _swallow(call: Callable[[], object]) -> None:
    """The request to the process that is killed: it never gets an answer."""
    try:
        call()
    except httpx.TransportError:
        pass
