"""The FastAPI application (``api.main:app``). Plain ``def`` endpoints: eventsourcing is
synchronous, so FastAPI runs them in its threadpool."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import Response
from pydantic import BaseModel

from api import errors
from api.auth import current_actor
from api.middleware import LimitAndCorrelate
from api.resources import Instant
from api.routes import (
    accountability,
    dashboards,
    decisions,
    documents,
    leaves,
    lists,
    meetings,
    page,
    readmodels,
    regulations,
    roster,
    supervision,
)
from api.services import Services, build_services
from api.settings import Settings, load_settings
from api.writes import json_response
from domain.base import Actor
from domain.rules import forbid

log = logging.getLogger("govrules")


class ClockMove(BaseModel):
    now: Instant


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Builds the app; the store is opened at start-up (lifespan), not at import."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build_services(settings or load_settings())
        # What start-up built (modules, the app, pools) lives as long as the process: moved to
        # the permanent generation, a full collection no longer walks it. Large answers (a
        # trace of 500 events) triggered full collections that tripled their p99 (scripts/bench
        # trace: 138 ms without, 63 ms with, the same run).
        gc.collect()
        gc.freeze()
        if app.state.services.settings.dev:
            log.warning("GOVRULES_DEV=1: tokens are signed with the fixed dev secret")
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    app = FastAPI(
        title="govrules",
        version="0.1.0",
        description="Event-sourced ledger of a city government's work rules "
        "(攀枝花市人民政府工作规则). Errors are application/problem+json; rule refusals "
        "carry `rule` and `article`.",
        lifespan=lifespan,
    )
    errors.install(app)
    app.add_middleware(LimitAndCorrelate)
    app.include_router(roster.router)
    app.include_router(readmodels.router)
    app.include_router(lists.router)  # before leaves: /leaves/list is not a leave id
    app.include_router(dashboards.router)
    app.include_router(documents.router)
    app.include_router(meetings.router)
    app.include_router(decisions.router)
    app.include_router(supervision.router)
    app.include_router(leaves.router)
    app.include_router(regulations.router)
    app.include_router(accountability.router)
    app.include_router(page.router)  # GET /: the dashboard page for people

    @app.get("/health", tags=["system"], summary="The store and the clock")
    def health(request: Request) -> Response:
        services = request.app.state.services
        try:
            position = services.store.max_notification_id()
        except Exception as e:
            return errors.problem(
                503,
                "unavailable",
                "Store unavailable",
                "the event store cannot be reached; retry shortly",
                headers={"Retry-After": "2"},
                status_text="unavailable",
                store={"ok": False, "error": type(e).__name__},
            )
        try:
            projections = services.engine.status()
        except Exception as e:
            projections = [{"state": "unavailable", "error": type(e).__name__}]
        return json_response(
            {
                "status": "ok",
                "store": {"ok": True, "position": position or 0},
                "projections": projections,
                "now": services.clock.now(),
                "drill_clock": services.drill_clock is not None,
                "role": services.settings.role,
            }
        )

    @app.post("/_clock", tags=["system"], summary="Move the drill clock forward (tests, demos)")
    def move_clock(
        request: Request, body: ClockMove, actor: Actor = Depends(current_actor)
    ) -> Response:
        drill = request.app.state.services.drill_clock
        if drill is None:
            raise HTTPException(404, "Not Found")
        if actor.holds("system_admin") is None:
            raise forbid("P1", "only the system administrator moves the drill clock")
        drill.advance_to(body.now)
        # api.md: the ticker records whatever fell due before the call returns.
        ticker = request.app.state.services.ticker
        recorded = ticker.tick_after_catching_up() if ticker is not None else 0
        return json_response({"now": drill.now(), "deadlines_recorded": recorded})

    return app


def _app_from_env() -> FastAPI:
    return create_app()


app = _app_from_env()
