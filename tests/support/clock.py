"""Times on the drill clock, which starts on Mon 2026-09-28 09:00 +08:00 (``http.START``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any


def at(day: str, time: str = "09:00") -> str:
    """``at("10-05", "18:00")`` → 2026-10-05T18:00:00+08:00 (Shanghai)."""
    return f"2026-{day}T{time}:00+08:00" if len(day) == 5 else f"{day}T{time}:00+08:00"


def instant(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
