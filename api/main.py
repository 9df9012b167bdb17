"""The FastAPI application (``api.main:app``). Plain ``def`` endpoints: eventsourcing is
synchronous, so FastAPI runs them in its threadpool."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from api import contract, errors
from api.middleware import LimitAndCorrelate
from api.routes import (
    accountability,
    calendar,
    dashboards,
    decisions,
    documents,
    leaves,
    lists,
    meetings,
    page,
    regulations,
    roster,
    supervision,
    system,
)
from api.services import Services, build_services
from api.settings import Settings, load_settings

log = logging.getLogger("govrules")
READY_PROBE = "/health?probe=ready"  # python -m api's own polls until it prints the address


class QuietReadyProbe(logging.Filter):
    """Start-up polls /health until the read models have caught up (a demo year: a second or
    two, a large store longer); those polls are not worth an access-log line each."""

    def filter(self, record: logging.LogRecord) -> bool:
        return READY_PROBE not in record.getMessage()


ROUTERS = (
    roster,
    calendar,
    lists,  # before leaves: /leaves/list is not a leave id
    dashboards, documents, meetings, decisions, supervision, leaves, regulations,
    accountability, system,
    page,  # GET /: the dashboard page for people
)  # fmt: skip


def _lifespan(
    settings: Settings | None, services: Services | None
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Opens the store at start-up (not at import) unless given services; closes what it
    opened."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        app.state.services = services or build_services(settings or load_settings())
        # requests waiting for ?min_position= at once (api.reading)
        app.state.waiting = threading.BoundedSemaphore(app.state.services.settings.max_waiting)
        # What start-up built (modules, the app, pools) lives as long as the process: moved to
        # the permanent generation, a full collection no longer walks it. Large answers (a
        # trace of 500 events) triggered full collections that tripled their p99 (scripts/bench
        # trace: 138 ms without, 63 ms with, the same run).
        gc.collect()
        gc.freeze()
        if app.state.services.settings.dev:
            log.warning("GOVRULES_DEV=1: tokens are signed with the fixed dev secret")
        access = logging.getLogger("uvicorn.access")  # configured by uvicorn by now
        if not any(isinstance(f, QuietReadyProbe) for f in access.filters):
            access.addFilter(QuietReadyProbe())
        try:
            yield
        finally:
            if owned:
                app.state.services.close()

    return lifespan


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Builds the app; the store is opened at start-up (lifespan), not at import. ``/docs``
    (Swagger UI) and ``/redoc`` load their scripts and styles from this server
    (``/static-offline-docs``, shipped in the ``fastapi-offline`` wheel), not from a CDN: they
    work on a network without internet access."""
    app = FastAPIOffline(
        title="govrules",
        version="0.1.0",
        description="Event-sourced ledger of a city government's work rules "
        "(攀枝花市人民政府工作规则). Errors are application/problem+json; rule refusals "
        "carry `rule` and `article`.",
        lifespan=_lifespan(settings, services),
    )
    errors.install(app)
    contract.install(app, [module.router for module in ROUTERS])
    app.add_middleware(LimitAndCorrelate)
    for module in ROUTERS:
        app.include_router(module.router)
    return app


def _app_from_env() -> FastAPI:
    return create_app()


app = _app_from_env()
