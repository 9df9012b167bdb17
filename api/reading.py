"""How the read side reads: the live tables of read models in one snapshot, with
read-your-writes (``?min_position=N`` waits up to 5 s for each model to reach N, then 503 with
Retry-After). Every answer carries the ``position`` it reflects.

Waiting is bounded (issue 13): N is at most 2^53 and at most the head of the log plus a margin
(422 beyond: no write answered it), and at most ``GOVRULES_MAX_WAITING`` requests wait at once;
one more is answered 503 with Retry-After at once instead of holding a worker thread."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
from fastapi import HTTPException, Query, Request

from projections.engine import Tables

WAIT_SECONDS = 5.0
MAX_POSITION = 2**53  # the largest integer every JSON client reads exactly
HEAD_MARGIN = 1000  # "the next events" may be waited for; a position far past the head not
DESCRIPTION = "wait until the read model reflects it (at most the log's head + 1000)"
MinPosition = Query(default=None, ge=0, le=MAX_POSITION, description=DESCRIPTION)
WaitFor = Annotated[int | None, Query(ge=0, le=MAX_POSITION, description=DESCRIPTION)]


def _wait(request: Request, names: Sequence[str], min_position: int) -> None:
    """Returns once every model reached ``min_position``; 422, or 503 with Retry-After."""
    services = request.app.state.services
    engine = services.engine
    pending = [name for name in names if engine.wait_for(name, min_position, 0) is None]
    if not pending:
        return
    head = int(services.store.max_notification_id() or 0)
    if min_position > head + HEAD_MARGIN:
        raise HTTPException(
            422, f"min_position {min_position} is beyond the head of the log ({head})"
        )
    waiting = request.app.state.waiting
    if not waiting.acquire(blocking=False):
        raise HTTPException(
            503,
            f"too many requests waiting for read models ({services.settings.max_waiting}); "
            "retry shortly",
            headers={"Retry-After": "1"},
        )
    try:
        deadline = time.monotonic() + WAIT_SECONDS
        for name in pending:
            left = max(0.0, deadline - time.monotonic())
            if engine.wait_for(name, min_position, left) is None:
                raise HTTPException(
                    503,
                    f"the {name} read model has not reached position {min_position} yet",
                    headers={"Retry-After": "1"},
                )
    finally:
        waiting.release()


@contextmanager
def reading_models(
    request: Request, names: Sequence[str], min_position: int | None
) -> Iterator[tuple[psycopg.Connection[Any], dict[str, Tables], int]]:
    """The live tables of each model in one snapshot, and the lowest position they reflect."""
    if min_position is not None:
        _wait(request, names, min_position)
    with request.app.state.services.engine.read(names) as found:
        yield found


@contextmanager
def reading(
    request: Request, name: str, min_position: int | None
) -> Iterator[tuple[psycopg.Connection[Any], Tables, int]]:
    """One model's live tables and the position they reflect (see ``reading_models``)."""
    with reading_models(request, [name], min_position) as (conn, tables, position):
        yield conn, tables[name], position
