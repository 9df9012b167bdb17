"""One door for every write: a route parses the request into its command, and ``run`` carries
it through the service layer with its context — the actor, the clock's time, the request's
correlation, If-Match (412) and the Idempotency-Key claim (replay / 422) — and answers the
resource with its ``version``, ``position``, ``ETag`` and ``Location``.

``add_command`` makes a command's route from the command itself: the path names its ids, the
rest of its fields are the request body (their types and constraints are the schema), so a
field is declared once, on the command."""

from __future__ import annotations

import dataclasses
import inspect
import re
import typing
import uuid
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import orjson
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, create_model

from api.auth import current_actor
from api.errors import problem
from api.renders import COLLECTIONS, render
from domain.base import Actor, GovAggregate
from domain.clock import SHANGHAI
from domain.rules import Conflict, RuleViolation
from domain.service import Command, Context, Written, execute
from projections.store import IdempotencyClaim, fingerprint

KEY = re.compile(r"^[\x21-\x7e]{1,200}$")
# An entity-tag (RFC 9110 §8.8.3) is quoted: "3" (W/"3" too); a bare 3 is still read as the
# version. An unbalanced quote ("3) is no entity-tag: a malformed field, 400 (§15.5.1), not a
# condition that failed (412).
IF_MATCH = re.compile(r'^(?:(?:W/)?"(\d{1,18})"|(\d{1,18}))$')
PATH_PARAM = re.compile(r"{(\w+)}")
Answer = Callable[[GovAggregate, Any], dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class CommandRoute:
    """Where ``add_command`` put a command: its path, which command field fills each path
    parameter, the request body's model (None: no body) and the answer it gives."""

    path: str
    names: dict[str, str]
    body: type[BaseModel] | None
    answer: Answer | None

    def request(self, command: Command) -> tuple[str, dict[str, Any] | None]:
        """The path and JSON body a client sends for ``command`` (scripts/demo --url)."""
        path = self.path.format(**{p: getattr(command, n) for p, n in self.names.items()})
        if self.body is None:
            return path, None
        values = {name: getattr(command, name) for name in self.body.model_fields}
        return path, self.body.model_validate(values).model_dump(mode="json")


# Every command's route, by command class: a client of the API made from the same registry.
COMMAND_ROUTES: dict[type[Command], CommandRoute] = {}


def _in_shanghai(value: Any) -> Any:
    """Answers give instants as users read them: RFC 3339 in Asia/Shanghai (+08:00). Days and
    times of day as they are."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(SHANGHAI).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


ANSWER = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


def json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        orjson.dumps(body, default=_in_shanghai, option=ANSWER),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def resource_response(
    request: Request,
    aggregate: GovAggregate,
    position: int | None,
    status: int = 200,
    answer: Answer | None = None,
) -> Response:
    now = request.app.state.services.clock.now()
    state = answer(aggregate, now) if answer else render(aggregate, now)
    body = {**state, "version": aggregate.version, "position": position}
    headers = {"ETag": f'"{aggregate.version}"'}
    if status == 201:
        headers["Location"] = f"/{aggregate.COLLECTION}/{aggregate.id}"
    return json_response(body, status, headers)


def expected_version(request: Request) -> int | None:
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    match = IF_MATCH.match(value.strip())
    if match is None:
        raise HTTPException(400, 'If-Match is a version in quotes, e.g. "3"')
    return int(match.group(1) or match.group(2))


def context(request: Request, actor: Actor, claim: IdempotencyClaim | None) -> Context:
    return Context(
        actor=actor,
        at=request.app.state.services.clock.now(),
        correlation_id=request.state.correlation_id,
        causation_id=request.headers.get("x-causation-id") or None,
        expected_version=expected_version(request),
        claim=claim,
        # The roster (and for a write the absence ledger) auth read for this request
        # (current_actor): not read a second time.
        known=getattr(request.state, "known", ()),
    )


def run(
    request: Request,
    actor: Actor,
    command: Command,
    body: BaseModel | None,
    answer: Answer | None = None,
) -> Response:
    """Runs ``command`` once per Idempotency-Key and answers the resource it acted on."""
    status = 201 if command.creates else 200
    claim = _claim(request, actor, command, body, status)
    if claim is not None and (replay := _replay(request, claim, answer)) is not None:
        return replay
    services = request.app.state.services
    try:
        written: Written = execute(services.app, command, context(request, actor, claim))
    except (Conflict, RuleViolation):
        # The same key may have won a race in another request — the loser then sees a
        # conflict, or a refusal once the winner's write is in (a second M12 meeting): answer
        # as the first request did.
        replay = _replay(request, claim, answer) if claim else None
        if replay is not None:
            return replay
        raise
    return resource_response(request, written.aggregate, written.position, status, answer)


def _claim(
    request: Request, actor: Actor, command: Command, body: BaseModel | None, status: int
) -> IdempotencyClaim | None:
    key = request.headers.get("idempotency-key")
    if key is None:
        return None
    if not KEY.match(key):
        raise HTTPException(400, "Idempotency-Key is 1-200 visible ASCII characters")
    payload = body.model_dump_json().encode() if body is not None else b""
    return IdempotencyClaim(
        actor_id=actor.person_id,
        key=key,
        fingerprint=fingerprint(request.method, request.url.path, payload),
        status=status,
        collection=command.collection,
    )


def _replay(request: Request, claim: IdempotencyClaim, answer: Answer | None) -> Response | None:
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
    cls = COLLECTIONS[record.collection]
    aggregate = services.app.load(cls, uuid.UUID(str(record.resource_id)), record.version)
    response = resource_response(request, aggregate, record.position, record.status, answer)
    response.headers["Idempotent-Replay"] = "true"
    return response


# ----- a command's route, made from the command ---------------------------------------------


def add_command(
    router: APIRouter,
    path: str,
    command: type[Command],
    summary: str,
    answer: Answer | None = None,
) -> None:
    """``POST path``: the path's parameters and a body of the command's other fields build the
    command; ``run`` carries it. The request schema is the command's own fields."""
    hints = typing.get_type_hints(command, include_extras=True)
    names = _path_names(path, command, hints)  # path parameter → command field
    every = dataclasses.fields(command)  # type: ignore[arg-type]
    fields = [f for f in every if f.name not in names.values()]
    body_model = _body_model(command, fields, hints) if fields else None

    def endpoint(request: Request, actor: Actor, **kwargs: Any) -> Response:
        body: BaseModel | None = kwargs.pop("body", None)
        values = {names[param]: value for param, value in kwargs.items()}
        if body is not None:
            values.update({f.name: getattr(body, f.name) for f in fields})
        return run(request, actor, command(**values), body, answer)

    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request),
            *(
                inspect.Parameter(param, inspect.Parameter.KEYWORD_ONLY, annotation=hints[name])
                for param, name in names.items()
            ),
            *_body_parameter(body_model, fields),
            inspect.Parameter(
                "actor",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Actor,
                default=Depends(current_actor),
            ),
        ]
    )
    COMMAND_ROUTES[command] = CommandRoute(path, names, body_model, answer)
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        status_code=201 if command.creates else 200,
        summary=summary,
        description=inspect.cleandoc(command.__doc__ or ""),
        name=command.__name__,
        response_class=Response,
    )


def _path_names(path: str, command: type[Command], hints: dict[str, Any]) -> dict[str, str]:
    """Each path parameter and the command field it fills: the field of that name, or else the
    command's one resource id (``/documents/{doc_id}`` fills ``document_id``)."""
    params = PATH_PARAM.findall(path)
    ids = [n for n, hint in hints.items() if hint is uuid.UUID and n not in params]
    names = {}
    for param in params:
        if param in hints:
            names[param] = param
        else:
            (names[param],) = ids  # exactly one resource id, or the route is wrong
    return names


def _body_model(
    command: type[Command], fields: list[dataclasses.Field[Any]], hints: dict[str, Any]
) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for f in fields:
        if f.default is not dataclasses.MISSING:
            definitions[f.name] = (hints[f.name], f.default)
        elif f.default_factory is not dataclasses.MISSING:
            definitions[f.name] = (hints[f.name], Field(default_factory=f.default_factory))
        else:
            definitions[f.name] = (hints[f.name], ...)
    model: type[BaseModel] = create_model(f"{command.__name__}Body", **definitions)
    return model


def _body_parameter(
    model: type[BaseModel] | None, fields: list[dataclasses.Field[Any]]
) -> list[inspect.Parameter]:
    if model is None:
        return []
    optional = all(
        f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        for f in fields
    )
    if optional:  # a body with nothing required may be left out
        return [
            inspect.Parameter(
                "body", inspect.Parameter.KEYWORD_ONLY, annotation=model | None, default=None
            )
        ]
    return [inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=model)]
