"""GET /{collection}?status=&limit=&cursor=&min_position= (api.md "Every resource"): a page of
summaries from the ``summaries`` read model, for meetings, decisions, supervision items, leaves
and regulations. Leaves answer at /leaves/list: GET /leaves already says who is away (P2, P3).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.routes.readmodels import MinPosition, reading
from api.writes import json_response
from domain.base import Actor
from projections.read_models import summaries

router = APIRouter(tags=["read models"])

# path → the collection its summaries are kept under
LISTS = {
    "/meetings": "meetings",
    "/decisions": "decisions",
    "/supervision-items": "supervision-items",
    "/leaves/list": "leaves",
    "/regulations": "regulations",
}


def page(
    request: Request,
    collection: str,
    status: str | None,
    limit: int,
    cursor: uuid.UUID | None,
    min_position: int | None,
) -> Response:
    """One page of a collection's summaries in id order; ``next_cursor`` while more follow."""
    with reading(request, "summaries", min_position) as (conn, t, position):
        items, more = summaries.page(conn, t, collection, status, cursor, limit)
    return json_response(
        {
            "items": items,
            "next_cursor": items[-1]["id"] if more else None,
            "position": position,
        }
    )


def _endpoint(collection: str) -> Callable[..., Response]:
    def list_summaries(
        request: Request,
        status: str | None = None,
        limit: int = Query(default=50, ge=1, le=500),
        cursor: uuid.UUID | None = Query(default=None, description="the next_cursor of a page"),
        min_position: int | None = MinPosition,
        actor: Actor = Depends(current_actor),
    ) -> Response:
        return page(request, collection, status, limit, cursor, min_position)

    return list_summaries


for _path, _collection in LISTS.items():
    router.add_api_route(
        _path,
        _endpoint(_collection),
        methods=["GET"],
        name=f"list_{_collection.replace('-', '_')}",
        summary=f"A page of {_collection} summaries (read model)",
    )
