"""R1 (docs/reliability.md): 50 units countersign one document at once, over HTTP against a
real server process. Each request is sent without If-Match — it does not care which version
it lands on — so a writer that loses the race for the next version is judged again on the
reloaded document: all 50 are recorded exactly once, the versions consecutive, no 500."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from api.settings import Settings
from tests.reliability.crowd import at_once, countersign_crowd, statuses, versions
from tests.support.http import auth

UNITS = 50


def test_R1_fifty_units_countersign_one_document_at_once(settings: Settings, tmp_path: Path):
    with countersign_crowd(settings, tmp_path, "r1", UNITS) as crowd:
        api, units, doc, asked = crowd.api, crowd.units, crowd.doc, crowd.asked

        def countersign(unit: str, head: str) -> httpx.Response:
            with httpx.Client(base_url=crowd.base, timeout=60) as own:
                return own.post(
                    f"/documents/{doc}/countersignatures",
                    json={"unit_id": unit, "opinion": "agree"},
                    headers=auth(head),
                )

        started = time.monotonic()
        answers = at_once([lambda u=u, h=h: countersign(u, h) for u, h in units])
        took = time.monotonic() - started

        assert statuses(answers) == {200: UNITS}, [
            r.text[:200] for r in answers if r.status_code != 200
        ]
        recorded = versions(settings, doc)
        assert [v for v, _ in recorded] == list(range(1, asked + UNITS + 1))  # consecutive
        assert [t for v, t in recorded if v > asked] == ["DocumentCountersigned"] * UNITS
        answered = api.get(f"/documents/{doc}", headers=auth("p-mayor")).json()["countersigns"]
        assert sorted(c["unit_id"] for c in answered if c["status"] == "answered") == sorted(
            u for u, _ in units
        )  # each unit once
        assert sorted({r.json()["version"] for r in answers}) == list(
            range(asked + 1, asked + UNITS + 1)
        )
    print(
        f"\nR1: {UNITS} units countersigned one document at once in {took:.1f} s: "
        f"{UNITS} recorded once each, versions {asked + 1}..{asked + UNITS} consecutive, no 500"
    )
