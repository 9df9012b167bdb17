"""Generic reads every resource has: current state, ``?version=``, ``?as_of=`` (time travel)
and ``/history`` with each event's metadata and global position."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator

from api.auth import current_actor
from api.contract import InstantQuery
from api.writes import json_response, resource_response
from domain.base import Actor, GovAggregate
from domain.fields import in_range
from domain.rules import NotFound
from projections.accountability import log_entry

TOPIC_PREFIX = "govrules:"
Guard = Callable[[Actor, Any], None]


def parse_time(value: str, name: str = "as_of") -> datetime:
    try:
        return in_range(datetime.fromisoformat(value))
    except ValueError as e:
        raise HTTPException(422, f"{name} is an RFC 3339 time with offset: {e}") from None


Instant = Annotated[datetime, AfterValidator(in_range)]


def history_of(store: Any, aggregate_id: uuid.UUID) -> list[dict[str, Any]]:
    """The events of one aggregate for its /history, as the global log shows them (api.md)."""
    return [log_entry(r, decode=store.evidence.decode) for r in store.history(aggregate_id)]


def load_state(
    request: Request,
    cls: type[GovAggregate],
    aggregate_id: uuid.UUID,
    version: int | None,
    as_of: str | None,
) -> tuple[GovAggregate, int | None]:
    services = request.app.state.services
    if version is not None and as_of is not None:
        raise HTTPException(422, "ask for version or as_of, not both")
    if as_of is not None:
        aggregate = services.app.load_as_of(cls, aggregate_id, parse_time(as_of))
    elif version is None:  # the current state, shared: rendered, never changed (no copy)
        aggregate = services.app.view(cls, aggregate_id)
    else:
        aggregate = services.app.load(cls, aggregate_id, version)
        if version is not None and aggregate.version != version:
            raise HTTPException(404, f"version {version} does not exist")
    return aggregate, services.store.position_of(aggregate.id, aggregate.version)


def _everyone(actor: Actor, aggregate: Any) -> None:
    """Most resources are readable by everyone on the roster; documents guard D12."""


def add_reads(router: APIRouter, cls: type[GovAggregate], guard: Guard = _everyone) -> None:
    """GET /{collection}/{id} (with ?version= or ?as_of=) and /{collection}/{id}/history."""
    name = cls.COLLECTION

    @router.get(f"/{name}/{{resource_id}}", summary=f"One of {name}: current or as it was")
    def read(
        request: Request,
        resource_id: uuid.UUID,
        version: int | None = Query(default=None, ge=1, le=10**9),
        as_of: InstantQuery | None = Query(default=None, description="RFC 3339 time with offset"),
        actor: Actor = Depends(current_actor),
    ) -> Response:
        try:
            aggregate, position = load_state(request, cls, resource_id, version, as_of)
        except (NotFound, HTTPException):
            # D12: what the reader may not see is 403 whatever they ask of it, so a missing
            # version or an earlier time says nothing about it either.
            guard(actor, request.app.state.services.app.view(cls, resource_id))
            raise
        guard(actor, aggregate)
        return resource_response(request, aggregate, position)

    @router.get(f"/{name}/{{resource_id}}/history", summary=f"Events of one of {name}")
    def history(
        request: Request, resource_id: uuid.UUID, actor: Actor = Depends(current_actor)
    ) -> Response:
        services = request.app.state.services
        guard(actor, services.app.view(cls, resource_id))
        events = history_of(services.store, resource_id)
        return json_response({"id": str(resource_id), "events": events})
