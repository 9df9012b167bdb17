"""How the read side reads: the live tables of read models in one snapshot, with
read-your-writes (``?min_position=N`` waits up to 5 s for each model to reach N, then 503 with
Retry-After). Every answer carries the ``position`` it reflects."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Annotated, Any

import psycopg
from fastapi import HTTPException, Query, Request

from projections.engine import Tables

WAIT_SECONDS = 5.0
MinPosition = Query(default=None, ge=0, description="wait until the read model reflects it")
WaitFor = Annotated[int | None, Query(ge=0, description="wait until the read model reflects it")]


@contextmanager
def reading_models(
    request: Request, names: Sequence[str], min_position: int | None
) -> Iterator[tuple[psycopg.Connection[Any], dict[str, Tables], int]]:
    """The live tables of each model in one snapshot, and the lowest position they reflect."""
    engine = request.app.state.services.engine
    if min_position is not None:
        deadline = time.monotonic() + WAIT_SECONDS
        for name in names:
            left = max(0.0, deadline - time.monotonic())
            if engine.wait_for(name, min_position, left) is None:
                raise HTTPException(
                    503,
                    f"the {name} read model has not reached position {min_position} yet",
                    headers={"Retry-After": "1"},
                )
    with engine.read(names) as found:
        yield found


@contextmanager
def reading(
    request: Request, name: str, min_position: int | None
) -> Iterator[tuple[psycopg.Connection[Any], Tables, int]]:
    """One model's live tables and the position they reflect (see ``reading_models``)."""
    with reading_models(request, [name], min_position) as (conn, tables, position):
        yield conn, tables[name], position
