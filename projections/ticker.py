"""The deadline ticker (design.md "Deadlines"): when a due time passes, the system records it
itself — a countersign deemed no objection (D7), a report or an item overdue (S3), an absence
begun unfiled (L4), a return overdue (L6), a filing overdue (G5), a regulation expired (G6).

It reads the deadline index (``projections/read_models/deadlines.py``) for obligations whose
moment has come and asks the application to record each one. The aggregates decide: each
command records its event once, for the due time it speaks for, with the actor ``system``,
and a second ask records nothing. Two tickers at once (R11) therefore record each deadline
once: the index rows they work on are locked (``SKIP LOCKED``), and a race on the aggregate
ends in the application's conflict-and-retry, which finds the event already there.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg

from projections.engine import Engine
from projections.read_models.deadlines import due_now, mark_done

log = logging.getLogger("govrules.ticker")

Record = Callable[[str, uuid.UUID, str, str, datetime], bool]
INTERVAL_SECONDS = 1.0
LOG_EVERY = 10.0  # seconds between "recorded N passed deadline(s)" lines
BATCH = 50


class Ticker:
    """Ticks in a thread every ``interval`` (or at once when woken); ``tick()`` runs one
    synchronously. ``record`` is ``domain.commands.record_deadline`` bound to an application;
    ``now`` the injected clock."""

    def __init__(
        self,
        engine: Engine,
        record: Record,
        now: Callable[[], datetime],
        interval: float = INTERVAL_SECONDS,
    ) -> None:
        self.engine = engine
        self.record = record
        self.now = now
        self.interval = interval
        # Whether this process's background loop ticks (None: always). Wired to the
        # follower's election: of several processes, the one applying the read models ticks
        # (each deadline would still be recorded once by any number of tickers, R11, but
        # two workers catching up on a backlog only fought over it). ``tick()`` always runs.
        self.active: Callable[[], bool] | None = None
        self.lock = threading.Lock()  # one tick at a time in this process
        self.unlogged = 0  # deadlines recorded since the last log line
        self.logged_at = -LOG_EVERY
        self.stopped = threading.Event()
        self.woken = threading.Event()
        self.thread = threading.Thread(target=self._run, name="deadline-ticker", daemon=True)

    def start(self) -> Ticker:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        self.woken.set()
        if self.thread.ident is not None:  # started
            self.thread.join(timeout=10)

    def wake(self) -> None:
        self.woken.set()

    def tick(self) -> int:
        """Record whatever fell due by now; returns how many events this tick recorded."""
        with self.lock:
            now = self.now()
            recorded = 0
            while True:
                handled, count = self._batch(now)
                recorded += count
                if handled < BATCH:  # the last batch, or one whose failures stay open
                    break
            self._report(recorded, now)
            return recorded

    def _report(self, recorded: int, now: datetime) -> None:
        """One log line at most every LOG_EVERY seconds: a backlog (a store's first start
        after a demo year) is recorded over many ticks, each a line would bury the rest."""
        self.unlogged += recorded
        if self.unlogged and time.monotonic() - self.logged_at >= LOG_EVERY:
            log.info("recorded %s passed deadline(s), up to %s", self.unlogged, now.isoformat())
            self.unlogged = 0
            self.logged_at = time.monotonic()

    def tick_after_catching_up(self) -> int:
        """POST /_clock: index every obligation written so far, then tick."""
        with self.engine.pooled() as conn:  # no connection of its own per call
            self.engine.catch_up("deadlines", conn=conn)
        return self.tick()

    def _batch(self, now: datetime) -> tuple[int, int]:
        """One batch of due obligations: (how many were handled, how many recorded)."""
        recorded = 0
        with self.engine.pooled() as conn, conn.transaction():  # pooled: a tick forks no backend
            t, _ = self.engine.tables(conn, "deadlines")
            rows = due_now(conn, t, now, BATCH)
            handled: list[dict[str, Any]] = []
            for row in rows:
                try:
                    if self.record(
                        row["kind"], uuid.UUID(row["aggregate_id"]), row["key"], row["due"], now
                    ):
                        recorded += 1
                    handled.append(row)
                except Exception:  # this obligation stays open; the others go on
                    log.exception(
                        "deadline %s %s %s %s not recorded; retried next tick",
                        row["kind"],
                        row["aggregate_id"],
                        row["key"],
                        row["due"],
                    )
            mark_done(conn, t, handled)
        return len(handled), recorded

    def _run(self) -> None:
        while not self.stopped.is_set():
            try:
                if self.active is None or self.active():
                    self.tick()
            except psycopg.OperationalError as e:
                log.warning("the ticker lost the store (%s); retrying", e)
            except LookupError:
                pass  # the deadline index is not set up yet
            except Exception:
                log.exception("the ticker failed; retrying")
            self.woken.wait(self.interval)
            self.woken.clear()
