"""Read-model endpoints: lists and dashboards, with read-your-writes (``?min_position=N``
waits up to 5 s for the model to reach N, then 503 with Retry-After). Every answer carries
the ``position`` it reflects."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.writes import json_response
from domain.base import Actor, clearance_covers
from projections.engine import Tables
from projections.read_models import documents

router = APIRouter(tags=["read models"])
WAIT_SECONDS = 5.0
MinPosition = Query(default=None, ge=0, description="wait until the read model reflects it")


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


@router.get("/documents", summary="A page of document summaries (read model)")
def list_documents(
    request: Request,
    status: str | None = None,
    limit: int = Query(default=50, ge=1, le=500),
    cursor: uuid.UUID | None = Query(default=None, description="the next_cursor of a page"),
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    with reading(request, "documents", min_position) as (conn, t, position):
        page, more = documents.page(conn, t, status, cursor, limit)
    items = []
    for row in page:
        item = dict(row)
        if not clearance_covers(actor.clearance, row["classification"]):
            item["title"] = None  # D12: a classified title never reaches the uncleared
        items.append(item)
    return json_response(
        {
            "items": items,
            "next_cursor": page[-1]["id"] if more else None,
            "position": position,
        }
    )
