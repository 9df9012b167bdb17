"""History, accountability, verification (api.md; A1, A2, D12): a decision's lifetime trace
and its bundle to keep, a person's acts, the global log (a page or a live stream), the digest,
verification and the Merkle proofs. Readers see what their clearance allows (D12)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import anyio
import orjson
from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from fastapi.responses import Response
from psycopg.rows import tuple_row
from sse_starlette import EventSourceResponse, ServerSentEvent

from api.auth import current_actor
from api.contract import also
from api.reading import MinPosition, reading
from api.resources import Instant
from api.writes import json_response
from domain.base import Actor
from projections import accountability
from projections.evidence import Kept

router = APIRouter(tags=["accountability"])
PAGE = 500
Hash = Annotated[str, Query(pattern=r"^[0-9a-fA-F]{64}$", description="64 hex digits")]
# A full verification reads the whole log: one at a time per process, the others wait their
# turn with 503 and Retry-After rather than tie up the store.
_verifying = threading.BoundedSemaphore(1)


@router.get("/accountability/decisions/{decision_id}", summary="A decision's lifetime trace (A1)")
def decision_trace(
    request: Request,
    decision_id: uuid.UUID,
    format: Literal["json", "bundle"] = Query(
        default="json", description="bundle: a self-contained file to keep and check offline"
    ),
    kept_size: int | None = Query(
        default=None, ge=1, description="bundle: prove the log grew from a tree head kept earlier"
    ),
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    evidence = request.app.state.services.store.evidence
    with reading(request, "accountability", min_position) as (conn, t, position):
        trace = accountability.decision_trace(
            conn, t, evidence, decision_id, position, actor.clearance
        )
        if trace is None:
            raise HTTPException(404, f"no decision {decision_id}")
        if format == "json":
            return json_response(trace)
        with conn.cursor(row_factory=tuple_row) as cur:
            try:
                bundle = accountability.bundle(cur, evidence, trace, kept_size)
            except ValueError as e:
                raise HTTPException(422, str(e)) from None
    filename = f"decision-{decision_id}-trace.json"
    return json_response(
        bundle, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


@router.get("/accountability/people/{person_id}", summary="Every act of one person, for life (A1)")
def person_trace(
    request: Request,
    person_id: str,
    start: Instant | None = Query(default=None, alias="from"),
    end: Instant | None = Query(default=None, alias="to"),
    after: int = Query(default=0, ge=0, le=2**62, description="next_after of the page before"),
    limit: int = Query(default=200, ge=1, le=1000),
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    evidence = request.app.state.services.store.evidence
    with reading(request, "accountability", min_position) as (conn, t, position):
        trace = accountability.person_trace(
            conn, t, evidence, person_id, (start, end), (after, limit), position, actor.clearance
        )
    if trace["person"]["name"] is None:
        raise HTTPException(404, f"{person_id} has never been on the roster")
    return json_response(trace)


@router.get("/events", summary="The global log in order, a page at a time")
def events(
    request: Request,
    after: int = Query(default=0, ge=0, le=2**62),
    limit: int = Query(default=100, ge=1, le=1000),
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    with services.engine.pooled() as conn:
        page = accountability.log_page(conn, services.store.evidence, after, limit, actor.clearance)
    return json_response(
        {"events": page, "next_after": page[-1]["position"] if page else after, "limit": limit}
    )


@router.get(
    "/events/stream",
    summary="The global log live (server-sent events); resumes after Last-Event-ID",
    response_class=Response,
    responses={200: {"content": {"text/event-stream": {}}}},
)
def stream(
    request: Request,
    after: int = Query(default=0, ge=0, le=2**62),
    last_event_id: str | None = Header(default=None, alias="Last-Event-ID"),
    actor: Actor = Depends(current_actor),
) -> Response:
    start = after
    if last_event_id is not None:
        if not last_event_id.strip().isdigit() or len(last_event_id.strip()) > 18:
            raise HTTPException(400, "Last-Event-ID is the position of the last event received")
        start = int(last_event_id.strip())
    services = request.app.state.services
    return EventSourceResponse(
        _follow(request, start, actor.clearance),
        ping=services.settings.stream_heartbeat,
        headers={"Cache-Control": "no-store"},
    )


async def _follow(request: Request, start: int, clearance: str) -> AsyncIterator[ServerSentEvent]:
    """Every event after ``start`` as it is written: read a page from the log; when there is
    none, wait for the next NOTIFY (or the poll interval) and read again."""
    services = request.app.state.services

    def page(after: int) -> list[dict[str, Any]]:
        with services.engine.pooled() as conn:
            return accountability.log_page(conn, services.store.evidence, after, PAGE, clearance)

    cursor = start
    yield ServerSentEvent(comment="govrules event stream", retry=2000)
    while True:
        entries = await anyio.to_thread.run_sync(page, cursor)
        for entry in entries:
            yield ServerSentEvent(
                data=orjson.dumps(entry).decode(), id=str(entry["position"]), event="event"
            )
        if entries:
            cursor = entries[-1]["position"]
            if len(entries) == PAGE:
                continue
        assert services.feed is not None
        await services.feed.wait(timeout=1.0)


@router.get("/accountability/digest", summary="The head to keep: chain link and tree head")
def digest(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    services = request.app.state.services
    with services.engine.pooled() as conn:
        return json_response(accountability.digest(conn, services.store.evidence))


@router.get("/accountability/verify", summary="Recompute the chain and the tree (A2)")
def verify(
    request: Request,
    digest_position: int | None = Query(default=None, ge=1, le=2**62),
    digest_hash: Hash | None = None,
    tree_size: int | None = Query(default=None, ge=1, le=2**62),
    tree_root: Hash | None = None,
    actor: Actor = Depends(current_actor),
) -> Response:
    if (digest_position is None) != (digest_hash is None):
        raise HTTPException(422, "give digest_position and digest_hash together")
    if (tree_size is None) != (tree_root is None):
        raise HTTPException(422, "give tree_size and tree_root together")
    kept = Kept(
        position=digest_position,
        hash=bytes.fromhex(digest_hash) if digest_hash else None,
        size=tree_size,
        root=bytes.fromhex(tree_root) if tree_root else None,
    )
    if not _verifying.acquire(blocking=False):
        raise HTTPException(
            503, "a verification is running; retry when it is done", headers={"Retry-After": "5"}
        )
    try:
        verdict = request.app.state.services.store.verify(kept)
    finally:
        _verifying.release()
    return json_response(verdict.as_dict())


@router.get(
    "/accountability/proofs/inclusion",
    summary="RFC 9162 inclusion proof of one event",
    responses=also(404),
)
def inclusion(
    request: Request,
    position: int = Query(ge=1, le=2**62),
    size: int | None = Query(default=None, ge=1, le=2**62, description="default: the head"),
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    with services.engine.pooled() as conn:
        try:
            proof = accountability.inclusion(conn, services.store.evidence, position, size)
        except LookupError as e:
            raise HTTPException(404, str(e)) from None
        except ValueError as e:
            raise HTTPException(422, str(e)) from None
    return json_response(proof)


@router.get("/accountability/proofs/consistency", summary="RFC 9162 proof that the log only grew")
def consistency(
    request: Request,
    first: int = Query(ge=1, le=2**62),
    second: int | None = Query(default=None, ge=1, le=2**62, description="default: the head"),
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    with services.engine.pooled() as conn:
        try:
            proof = accountability.consistency(conn, services.store.evidence, first, second)
        except ValueError as e:
            raise HTTPException(422, str(e)) from None
    return json_response(proof)
