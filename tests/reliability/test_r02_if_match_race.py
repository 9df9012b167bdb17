"""R2 (docs/reliability.md): writers racing on one version with If-Match, against a real
server process. Every round each writer still waiting sends its countersign with the version
it read: exactly one wins per version, every other gets 412 or 409 (never retried for it),
and nothing is lost: each winner is in the store, the versions consecutive."""

from __future__ import annotations

from pathlib import Path

import httpx

from api.settings import Settings
from tests.reliability.crowd import at_once, countersign_crowd, versions
from tests.support.http import auth

WRITERS = 8


def test_R2_racing_writers_with_if_match_one_wins_per_version(settings: Settings, tmp_path: Path):
    with countersign_crowd(settings, tmp_path, "r2", WRITERS) as crowd:
        waiting, doc = list(crowd.units), crowd.doc
        version = first = crowd.asked
        lost = 0
        while waiting:

            def countersign(unit: str, head: str, seen: int = version) -> httpx.Response:
                return httpx.post(
                    f"{crowd.base}/documents/{doc}/countersignatures",
                    json={"unit_id": unit, "opinion": "agree"},
                    headers=auth(head, if_match=f'"{seen}"'),
                    timeout=60,
                )

            answers = at_once([lambda u=u, h=h: countersign(u, h) for u, h in waiting])
            won = [i for i, r in enumerate(answers) if r.status_code == 200]
            assert len(won) == 1, [(r.status_code, r.text[:200]) for r in answers]
            for r in answers:
                assert r.status_code in (200, 409, 412), r.text[:300]
            assert answers[won[0]].json()["version"] == version + 1
            lost += len(answers) - 1
            del waiting[won[0]]
            version += 1
        recorded = versions(settings, doc)
        assert [v for v, _ in recorded] == list(range(1, version + 1))
        assert [t for v, t in recorded if v > first] == ["DocumentCountersigned"] * WRITERS
    print(
        f"\nR2: {WRITERS} writers raced with If-Match over {WRITERS} versions: one winner per "
        f"version, {lost} answered 412/409, all {WRITERS} winners stored, versions consecutive"
    )
