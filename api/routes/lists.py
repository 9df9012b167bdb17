"""GET /{collection}?status=&limit=&cursor=&min_position= (api.md "Every resource"): a page of
summaries in id order, ``next_cursor`` while more follow. Documents come from the documents
read model (a classified title never reaches the uncleared, D12); meetings, decisions,
supervision items, leaves and regulations from the ``summaries`` read model. Leaves answer at
/leaves/list: GET /leaves already says who is away (P2, P3).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.reading import WaitFor, reading
from api.writes import json_response
from domain.base import Actor, clearance_covers
from projections.read_models import documents, summaries

router = APIRouter(tags=["read models"])

# path → the collection its summaries are kept under
LISTS = {
    "/meetings": "meetings",
    "/decisions": "decisions",
    "/supervision-items": "supervision-items",
    "/leaves/list": "leaves",
    "/regulations": "regulations",
}


@dataclass
class PageQuery:
    """The query of every list: a status to keep, a page size, where the last page ended, and
    the position to wait for."""

    status: str | None = None
    limit: Annotated[int, Query(ge=1, le=500)] = 50
    cursor: Annotated[uuid.UUID | None, Query(description="the next_cursor of a page")] = None
    min_position: WaitFor = None


def _answer(items: list[dict[str, Any]], more: bool, position: int) -> Response:
    next_cursor = items[-1]["id"] if more else None
    return json_response({"items": items, "next_cursor": next_cursor, "position": position})


@router.get("/documents", summary="A page of document summaries (read model)")
def list_documents(
    request: Request,
    q: PageQuery = Depends(),
    actor: Actor = Depends(current_actor),
) -> Response:
    with reading(request, "documents", q.min_position) as (conn, t, position):
        rows, more = documents.page(conn, t, q.status, q.cursor, q.limit)
    for row in rows:
        if not clearance_covers(actor.clearance, row["classification"]):
            row["title"] = None  # D12: a classified title never reaches the uncleared
    return _answer(rows, more, position)


def _endpoint(collection: str) -> Callable[..., Response]:
    def list_summaries(
        request: Request,
        q: PageQuery = Depends(),
        actor: Actor = Depends(current_actor),
    ) -> Response:
        with reading(request, "summaries", q.min_position) as (conn, t, position):
            rows, more = summaries.page(conn, t, collection, q.status, q.cursor, q.limit)
        return _answer(rows, more, position)

    return list_summaries


for _path, _collection in LISTS.items():
    router.add_api_route(
        _path,
        _endpoint(_collection),
        methods=["GET"],
        name=f"list_{_collection.replace('-', '_')}",
        summary=f"A page of {_collection} summaries (read model)",
    )
