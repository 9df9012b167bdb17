"""Clocks: where the domain gets "now" from.

Every timer rule (D7, D10, ...) asks a `Clock`, never `datetime.now()` directly, so tests can fix
time and drills can move it forward. All clocks speak timezone-aware UTC; local dates for
working-day counting are taken in `SHANGHAI` (Asia/Shanghai, which has no daylight saving time).

The drill clock (`DrillClock`) implements the HTTP contract's `GOVRULES_TEST_CLOCK`: it starts
at a given time, keeps running with real time, and can only be moved forward (`POST /_clock`,
409 when asked to go back).
"""

from __future__ import annotations

import re
import threading
import time
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")

TEST_CLOCK_ENV = "GOVRULES_TEST_CLOCK"
"""Name of the environment variable whose value `parse_test_clock` interprets."""

_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})",
)


def local_date(at: datetime) -> date:
    """The day it is in Shanghai at ``at``: where people count days (working days, tenures,
    the year of a number)."""
    return at.astimezone(SHANGHAI).date()


class Clock(Protocol):
    """Source of the current time, timezone-aware, in UTC."""

    def now(self) -> datetime: ...


class ClockWentBackwards(ValueError):
    """The drill clock was asked to move back in time; the contract says it never does (409)."""

    def __init__(self, requested: datetime, current: datetime) -> None:
        super().__init__(
            f"the drill clock never goes back: {requested.isoformat()} "
            f"is before its current time {current.isoformat()}"
        )
        self.requested = requested
        self.current = current


def require_aware(t: datetime, what: str = "time") -> datetime:
    """Return `t` converted to UTC; raise ValueError if it is naive (has no UTC offset)."""
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware, got naive {t.isoformat()}")
    return t.astimezone(UTC)


class SystemClock:
    """The real clock, used in production."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that says whatever it was last set to; for tests (it may go backwards)."""

    def __init__(self, t: datetime) -> None:
        self._t = require_aware(t)

    def now(self) -> datetime:
        return self._t

    def set(self, t: datetime) -> None:
        self._t = require_aware(t)


class DrillClock:
    """The drill clock of `GOVRULES_TEST_CLOCK`: set time plus real time elapsed since.

    Thread-safe. It only moves forward (`advance_to`); asking it to go back raises
    `ClockWentBackwards`. `monotonic` measures elapsed real time and can be replaced in tests.
    """

    def __init__(
        self,
        start: datetime | None = None,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._set_at = require_aware(start, "start") if start is not None else datetime.now(UTC)
        self._set_mono = monotonic()
        self._held = False

    def now(self) -> datetime:
        with self._lock:
            return self._now_locked()

    def advance_to(self, t: datetime, *, hold: bool = False) -> None:
        """Move the clock forward to `t`; raise `ClockWentBackwards` if `t` is before now().
        With `hold` it stays at `t` until moved again (acts written at an exact moment: the
        demo city through HTTP); without, it runs on with real time from `t`."""
        target = require_aware(t)
        with self._lock:
            current = self._now_locked()
            if target < current:
                raise ClockWentBackwards(target, current)
            self._set_at = target
            self._set_mono = self._monotonic()
            self._held = hold

    def _now_locked(self) -> datetime:
        if self._held:
            return self._set_at
        elapsed = max(0.0, self._monotonic() - self._set_mono)
        return self._set_at + timedelta(seconds=elapsed)


def parse_test_clock(value: str | None) -> DrillClock | None:
    """Interpret `GOVRULES_TEST_CLOCK`: unset/"" → no drill clock; "1" → start at the real time;
    an RFC 3339 time with offset → start there; anything else → ValueError."""
    if value is None or value.strip() == "":
        return None
    text = value.strip()
    if text == "1":
        return DrillClock()
    return DrillClock(_parse_rfc3339(text))


def _parse_rfc3339(text: str) -> datetime:
    """Parse an RFC 3339 date-time (offset required) or raise a one-line ValueError."""
    problem = (
        f"{TEST_CLOCK_ENV} must be '1' or an RFC 3339 time with an offset "
        f"(e.g. 2026-09-28T09:00:00+08:00), got {text!r}"
    )
    if _RFC3339.fullmatch(text) is None:
        raise ValueError(problem)
    try:
        return datetime.fromisoformat(text.upper())
    except ValueError:
        raise ValueError(problem) from None
