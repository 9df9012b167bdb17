"""One LISTEN connection per process for every live stream (GET /events/stream): the store
NOTIFYs its channel in every inserting transaction; this thread wakes the streams waiting in
the event loop. A lost NOTIFY (upstream issue #305) only delays a stream by its poll interval:
streams wait with a timeout and read the log again either way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import psycopg
from psycopg.sql import SQL, Identifier

log = logging.getLogger("govrules.feed")


class LogFeed:
    def __init__(self, conninfo: str, channel: str) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    def _ensure_started(self) -> None:
        with self._lock:
            if self._thread is None and not self._stopped.is_set():
                self._thread = threading.Thread(target=self._run, name="log-feed", daemon=True)
                self._thread.start()

    async def wait(self, timeout: float) -> None:
        """Until the next write anywhere in the log, or ``timeout`` seconds."""
        self._ensure_started()
        woken = asyncio.Event()
        waiter = (asyncio.get_running_loop(), woken)
        with self._lock:
            self._waiters.add(waiter)
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(woken.wait(), timeout)
        finally:
            with self._lock:
                self._waiters.discard(waiter)

    def _wake(self) -> None:
        with self._lock:
            waiters = list(self._waiters)
        for loop, woken in waiters:
            with contextlib.suppress(RuntimeError):  # a loop that closed meanwhile
                loop.call_soon_threadsafe(woken.set)

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(SQL("LISTEN {}").format(Identifier(self.channel)))
                    while not self._stopped.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._wake()
            except psycopg.Error as e:
                log.warning("the event feed lost the store (%s); retrying", e)
                self._stopped.wait(1.0)

    def stop(self) -> None:
        self._stopped.set()
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
