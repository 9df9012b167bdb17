"""The bootstrap roster a new store is seeded with (``StoreSettings.roster_file``): what the
tests count on it is read from the file, not written down twice."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SECTIONS = ("units", "appointments", "divisions", "ab_pairs")


def bootstrap_roster(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def roster_events(path: Path) -> int:
    """How many events seeding the roster from ``path`` records: the roster's creation, then
    one for each unit, appointment, division and AB pair (``BootstrapRoster``)."""
    data = bootstrap_roster(path)
    return 1 + sum(len(data.get(section, [])) for section in SECTIONS)
