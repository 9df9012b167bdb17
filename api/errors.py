"""Every error is application/problem+json (RFC 9457); rule refusals carry ``rule`` and
``article`` and quote the rule in Chinese and English. Nothing a client sends yields a 500."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError, PersistenceError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from psycopg_pool import PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from domain.calendar import CalendarYearUnknown
from domain.clock import ClockWentBackwards
from domain.roster import InvalidReference
from domain.rules import Conflict, NotAuthorised, NotFound, RuleViolation

TYPE_BASE = "https://govrules.example/problems/"
log = logging.getLogger("govrules.api")


def problem(
    status: int,
    kind: str,
    title: str,
    detail: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"type": TYPE_BASE + kind, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    body.update(extra)
    return Response(
        orjson.dumps(body),
        status_code=status,
        media_type="application/problem+json",
        headers=headers,
    )


def rule_problem(e: RuleViolation) -> Response:
    """A rule refused the command: 403 where the actor acts outside the authority a rule
    gives (NotAuthorised), 409 where the act itself breaks the rule."""
    rule = e.rule
    forbidden = isinstance(e, NotAuthorised)
    kind = "forbidden" if forbidden else "rule-refused"
    title = "Not authorised by the rules" if forbidden else "Refused by the rules"
    return problem(
        403 if forbidden else 409,
        kind,
        title,
        e.detail,
        rule=rule.id,
        article=rule.article,
        rule_text={"zh": rule.zh, "en": rule.en},
    )


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(err.get("type") == "json_invalid" for err in errors):
        return problem(400, "malformed-json", "Malformed JSON", "the body is not valid JSON")
    detail = [{k: v for k, v in err.items() if k in ("loc", "msg", "type")} for err in errors]
    return problem(
        422, "validation", "Request does not match the schema", "see errors", errors=detail
    )


HTTP_KINDS = {
    400: ("bad-request", "Bad request"),
    401: ("unauthorised", "Unauthorised"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    422: ("validation", "Request does not match the schema"),
}


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind, title = HTTP_KINDS.get(exc.status_code, ("http", "HTTP error"))
    headers = dict(exc.headers) if exc.headers else None
    return problem(
        exc.status_code,
        kind,
        title,
        str(exc.detail),
        headers=headers,
    )


def _unavailable(request: Request, exc: Exception) -> Response:
    log.warning("store unavailable: %s", exc)
    return problem(
        503,
        "unavailable",
        "Store unavailable",
        "the event store cannot be reached; retry shortly",
        headers={"Retry-After": "2"},
    )


def install(app: FastAPI) -> None:
    def rule(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RuleViolation)
        return rule_problem(exc)

    def not_found(request: Request, exc: Exception) -> Response:
        return problem(404, "not-found", "Not found", str(exc))

    def conflict(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Conflict)
        if exc.precondition:
            return problem(412, "precondition-failed", "Precondition failed", exc.detail)
        return problem(409, "concurrency", "Concurrent modification", exc.detail)

    def invalid(request: Request, exc: Exception) -> Response:
        return problem(422, "invalid-reference", "Invalid value", str(exc))

    def calendar(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, CalendarYearUnknown)
        return problem(
            409,
            "calendar-year-unknown",
            "Working-day calendar has no data for that year",
            str(exc),
            rule="D7",
            article=49,
            year=exc.year,
        )

    def backwards(request: Request, exc: Exception) -> Response:
        return problem(409, "clock-backwards", "The drill clock never goes back", str(exc))

    app.add_exception_handler(RuleViolation, rule)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(Conflict, conflict)
    app.add_exception_handler(InvalidReference, invalid)
    app.add_exception_handler(CalendarYearUnknown, calendar)
    app.add_exception_handler(ClockWentBackwards, backwards)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    # The store down: the library's errors on the write path, psycopg's own on the read
    # models' pooled connections (a connection the server closed, a failed connect).
    unavailable = (OperationalError, InterfaceError, PoolTimeout, PersistenceError)
    for exc_type in (*unavailable, psycopg.OperationalError, psycopg.InterfaceError):
        app.add_exception_handler(exc_type, _unavailable)
