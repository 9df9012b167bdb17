"""Group commit: concurrent writers share one transaction (one insert lock, one fsync).

A leader/follower queue with no thread of its own and no artificial delay. A writer enqueues
its work and, if nobody is leading, leads: it takes what is queued (up to a cap) and runs it as
one group; everybody else waits for their own answer. While a group commits, new writers queue
up, and the first of them leads the next group. A writer alone is a group of one and runs at
once, as it would without the queue.

The queue knows nothing of databases: ``run`` gets the group's requests in arrival order and
gives each its own ``result`` or ``error`` (one writer's refusal never fails another's). A
request ``run`` left unanswered, because it raised, gets that error — a copy per writer, as
each raises it in its own thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

W = TypeVar("W")
R = TypeVar("R")


@dataclass(eq=False)
class Request(Generic[W, R]):
    """One writer's work, and then its answer."""

    work: W
    size: int = 0
    answered: bool = False
    result: R | None = None
    error: BaseException | None = None
    lead: bool = False
    wake: threading.Event = field(default_factory=threading.Event)

    def answer(self, result: R | None = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.answered = result, error, True

    def outcome(self) -> R | None:
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class GroupStats:
    """What grouping did (for tests and the bench): groups run, writers in them, the largest."""

    groups: int = 0
    writers: int = 0
    largest: int = 0


def copy_error(error: BaseException) -> BaseException:
    """The same error for another writer's thread (its own traceback), caused by the original."""
    try:
        copied = type(error)(*error.args)
    except Exception:  # an exception class with another signature: share the instance
        return error
    copied.__cause__ = error
    return copied


class GroupCommit(Generic[W, R]):
    # A writer in a group is a savepoint, a subtransaction: PostgreSQL keeps 64 per backend
    # in shared memory and beyond that every snapshot of every session gets slower.
    def __init__(
        self,
        run: Callable[[list[Request[W, R]]], None],
        max_writers: int = 60,
        max_bytes: int = 4 * 1024 * 1024,
    ) -> None:
        self._run = run
        self.max_writers = max_writers
        self.max_bytes = max_bytes
        self._mutex = threading.Lock()
        self._queue: deque[Request[W, R]] = deque()
        self._leading = False
        self.stats = GroupStats()

    def waiting(self) -> int:
        """How many writers are queued for the next group."""
        with self._mutex:
            return len(self._queue)

    def submit(self, work: W, size: int = 0) -> R | None:
        """Runs ``work`` in a group, as soon as possible; answers its own result or raises its
        own error."""
        request: Request[W, R] = Request(work, size)
        with self._mutex:
            self._queue.append(request)
            if not self._leading:
                self._leading = request.lead = True
        if not request.lead:
            request.wake.wait()
            if not request.lead:
                return request.outcome()
        self._lead(request)
        return request.outcome()

    def _take(self) -> list[Request[W, R]]:
        with self._mutex:
            group = [self._queue.popleft()]  # the leader itself
            size = group[0].size
            while self._queue and len(group) < self.max_writers:
                size += self._queue[0].size
                if size > self.max_bytes:
                    break
                group.append(self._queue.popleft())
            self.stats.groups += 1
            self.stats.writers += len(group)
            self.stats.largest = max(self.stats.largest, len(group))
            return group

    def _lead(self, leader: Request[W, R]) -> None:
        group = self._take()
        assert group[0] is leader
        try:
            self._run(group)
        except BaseException as e:
            for request in group:
                if not request.answered:
                    request.answer(error=e if request is leader else copy_error(e))
            if not isinstance(e, Exception):
                raise
        finally:
            with self._mutex:
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False
            for request in group:
                if not request.answered:  # ``run`` forgot one: never leave a writer hanging
                    request.answer(error=RuntimeError("the group ended without an answer"))
                if request is not leader:
                    request.wake.set()
