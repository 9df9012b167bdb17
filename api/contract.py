"""The OpenAPI document, completed in one place: every operation declares the errors it can
answer — each an RFC 9457 ``application/problem+json`` body of one ``Problem`` schema — and
the bearer token it needs. Which errors an operation can answer follows from how it is built
(a write, a path with ids, a token, parameters), so a new route is described without being
touched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import WithJsonSchema

from api.auth import current_actor

PROBLEM_MEDIA = "application/problem+json"
BEARER = "bearer"

# An instant in a query (?as_of=, ?at=, ?known_at=): RFC 3339 in the contract; the route parses
# it itself (``api.resources.parse_time``), so what it accepts and refuses is decided there.
InstantQuery = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]

# Queries that travel back in time: before the resource was recorded there is nothing (404).
TIME_TRAVEL = {"as_of", "known_at"}

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. A rule's refusal (403, 409) names the rule, its "
    "article and its text in Chinese and English.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "rule": {"type": "string", "description": "the rule's id, e.g. D9"},
        "article": {
            "type": ["integer", "null"],
            "description": "the article of the work rules (null: the rule has none of its own)",
        },
        "rule_text": {
            "type": "object",
            "required": ["zh", "en"],
            "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
        },
        "errors": {
            "type": "array",
            "description": "422: where the request does not match the schema",
            "items": {"type": "object"},
        },
    },
    "additionalProperties": True,
}

MEANINGS = {
    400: "Malformed JSON, If-Match or Idempotency-Key",
    401: "No token, or an expired, forged or unknown one",
    403: "Not authorised by the rules (rule, article), or not cleared for the document (D12)",
    404: "No such resource, no such version of it, or nothing at what the query names",
    409: "Refused by the rules (rule, article), or a concurrent write won",
    412: "If-Match names a version that is not the current one",
    413: "The body is larger than 1 MiB",
    422: "The request does not match the schema, names what does not exist, or reuses an "
    "Idempotency-Key",
    503: "The store cannot be reached, or the read model has not caught up; retry (Retry-After)",
}


def _dependants(route: APIRoute) -> list[Dependant]:
    """The route's own parameters and those of every dependency it has, however deep."""
    found, pending = [], [route.dependant]
    while pending:
        dependant = pending.pop()
        found.append(dependant)
        pending.extend(dependant.dependencies)
    return found


def _authenticated(route: APIRoute) -> bool:
    return any(d.call is current_actor for d in _dependants(route))


def _errors(route: APIRoute) -> list[int]:
    """The error statuses ``route`` can answer, from how it is built."""
    dependants = _dependants(route)
    statuses = {503}
    if _authenticated(route):
        statuses |= {401, 403}
    queries = {q.name for d in dependants for q in d.query_params}
    if any(d.path_params for d in dependants) or queries & TIME_TRAVEL:
        statuses.add(404)  # a resource, a version of it, or a time before it was recorded
    if any(d.path_params or d.query_params or d.body_params for d in dependants):
        statuses.add(422)
    if "POST" in (route.methods or ()):
        statuses |= {400, 404, 409, 412, 413, 422}
    statuses |= {int(status) for status in route.responses if int(status) >= 400}
    return sorted(statuses)


def also(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route that answers an error its shape does not imply (a 404 for
    a position or a period a query names); described as problems like the rest."""
    return {status: {"description": MEANINGS[status]} for status in statuses}


def _problem(status: int) -> dict[str, Any]:
    return {
        "description": MEANINGS[status],
        "content": {PROBLEM_MEDIA: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def describe(app: FastAPI, routers: Sequence[APIRouter]) -> dict[str, Any]:
    """The OpenAPI document with the errors, their Problem schema and the bearer token; the
    routers (included without a prefix) tell how each operation is built."""
    spec = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = {BEARER: {"type": "http", "scheme": "bearer"}}
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    for route in routes:
        if not route.include_in_schema:
            continue
        for method in route.methods or ():
            operation = spec["paths"][route.path_format][method.lower()]
            responses = operation["responses"]
            responses.update({str(status): _problem(status) for status in _errors(route)})
            operation["responses"] = dict(sorted(responses.items()))
            if _authenticated(route):
                operation["security"] = [{BEARER: []}]
    return spec


def install(app: FastAPI, routers: Sequence[APIRouter]) -> None:
    """``/openapi.json`` serves ``describe(app, routers)``, built once."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(app, routers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
