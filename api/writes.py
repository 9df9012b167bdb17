"""One door for every write: If-Match (412), Idempotency-Key (replay / 422), the act's
metadata, and the answer's ``version``, ``position``, ``ETag`` and ``Location``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import orjson
from fastapi import HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api.errors import problem
from domain.application import Written
from domain.base import Act, Actor, GovAggregate
from domain.roster import Roster
from domain.rules import Conflict, RuleViolation, forbid
from projections.store import IdempotencyClaim, fingerprint

A = TypeVar("A", bound=GovAggregate)

Render = Callable[[Any], dict[str, Any]]
KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
IF_MATCH = re.compile(r'^(?:W/)?"?(\d{1,18})"?$')


def json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def resource_response(
    aggregate: GovAggregate, render: Render, position: int | None, status: int = 200
) -> Response:
    body = {**render(aggregate), "version": aggregate.version, "position": position}
    headers = {"ETag": f'"{aggregate.version}"'}
    if status == 201:
        headers["Location"] = f"/{aggregate.COLLECTION}/{aggregate.id}"
    return json_response(body, status, headers)


def make_act(request: Request, actor: Actor) -> Act:
    services = request.app.state.services
    now = services.clock.now()
    return Act(
        actor=actor,
        at=now,
        correlation_id=request.state.correlation_id,
        causation_id=request.headers.get("x-causation-id") or None,
        absent=services.app.absent_at(now),  # P2/P3: who acts for whom right now
    )


def expected_version(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    match = IF_MATCH.match(value.strip())
    if match is None:
        raise HTTPException(400, 'If-Match is a version in quotes, e.g. "3"')
    return int(match.group(1))


def write(
    request: Request,
    actor: Actor,
    body: BaseModel | None,
    run: Callable[[Act, int | None, dict[str, Any]], Written],
    render: Render,
    *,
    collection: str,
    status: int = 200,
) -> Response:
    """Runs ``run(act, expected_version, save_kwargs)`` once per Idempotency-Key."""
    if actor.reads_only:  # before anything is loaded: every write, the same answer (A1)
        raise forbid("A1", f"{actor.person_id} is an investigator: reads only, never writes")
    key = request.headers.get("idempotency-key")
    expected = expected_version(request)
    save_kwargs: dict[str, Any] = {}
    claim = None
    if key is not None:
        if not KEY.match(key):
            raise HTTPException(400, "Idempotency-Key is 1-200 visible ASCII characters")
        payload = body.model_dump_json().encode() if body is not None else b""
        claim = IdempotencyClaim(
            actor_id=actor.person_id,
            key=key,
            fingerprint=fingerprint(request.method, request.url.path, payload),
            status=status,
            collection=collection,
        )
        replay = _replay(request, claim, render)
        if replay is not None:
            return replay
        save_kwargs["idempotency"] = claim
    try:
        written = run(make_act(request, actor), expected, save_kwargs)
    except (Conflict, RuleViolation):
        # The same key may have won a race in another request — the loser then sees a
        # conflict, or a refusal once the winner's write is in (a second M12 meeting): answer
        # as the first request did.
        replay = _replay(request, claim, render) if claim else None
        if replay is not None:
            return replay
        raise
    return resource_response(written.aggregate, render, written.position, status)


def command(
    request: Request,
    actor: Actor,
    cls: type[A],
    resource_id: uuid.UUID,
    body: BaseModel | None,
    fn: Callable[[A, Roster, Act], object],
    render: Render,
    guard: Callable[[Actor, A], None] | None = None,
) -> Response:
    """A command on an existing resource: load it, check what the reader may see (``guard``),
    run ``fn(aggregate, roster, act)``, save, answer."""
    services = request.app.state.services

    def run(act: Act, expected: int | None, kw: dict[str, Any]) -> Written:
        def apply(aggregate: A, roster: Roster) -> None:
            if guard is not None:
                guard(actor, aggregate)
            fn(aggregate, roster, act)

        written: Written = services.app.command(
            cls, resource_id, apply, expected_version=expected, **kw
        )
        return written

    return write(request, actor, body, run, render, collection=cls.COLLECTION)


def _replay(request: Request, claim: IdempotencyClaim | None, render: Render) -> Response | None:
    if claim is None:
        return None
    services = request.app.state.services
    record = services.store.find_idempotency(claim.actor_id, claim.key)
    if record is None:
        return None
    if record.fingerprint != claim.fingerprint:
        return problem(
            422,
            "idempotency-key-reused",
            "Idempotency-Key reused with another request",
            "this key was used for a different request; use a new key",
        )
    from api.resources import COLLECTIONS

    cls = COLLECTIONS[record.collection]
    aggregate = services.app.load(cls, uuid.UUID(str(record.resource_id)), record.version)
    response = resource_response(aggregate, render, record.position, record.status)
    response.headers["Idempotent-Replay"] = "true"
    return response
