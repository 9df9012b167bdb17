"""``python -m api``: serve the app with uvicorn. ``python -m api token PERSON_ID`` prints a
token (dev secret or GOVRULES_JWT_SECRET)."""

from __future__ import annotations

import logging
import os
import signal
import sys
from datetime import UTC, datetime, timedelta

import uvicorn

from api.auth import issue_token
from api.main import create_app
from api.services import Services, build_services
from api.settings import Settings, SettingsError, load_settings
from projections.store import database_url

log = logging.getLogger("govrules")


def _exit(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _lifetime(settings: Settings) -> timedelta:
    """A printed token lives a day, or less where the longest lifetime allowed is shorter."""
    return min(timedelta(days=1), timedelta(seconds=settings.token_max_lifetime))


def main(argv: list[str]) -> int:
    try:
        settings = load_settings()
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    if argv[:1] == ["token"]:
        if len(argv) != 2:
            print("usage: python -m api token PERSON_ID", file=sys.stderr)
            return 2
        print(issue_token(argv[1], settings.secret, datetime.now(UTC), _lifetime(settings)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    url = f"http://{settings.host}:{settings.port}"
    print(f"govrules serving on {url}  (API docs: {url}/docs)", flush=True)
    if settings.dev:
        ttl = _lifetime(settings)
        token = issue_token("p-admin", settings.secret, datetime.now(UTC), ttl)
        print(f"GOVRULES_DEV=1: a dev token for p-admin (system_admin), valid {ttl}:", flush=True)
        print(f"  Authorization: Bearer {token}", flush=True)
        print("  more: python -m api token p-mayor", flush=True)
    processes = settings.processes
    try:
        # One process at first: it creates the store (or starts the embedded PostgreSQL, which
        # lives as long as this process) and seeds the roster, so workers only open it.
        services = build_services(settings if processes == 1 else _without_follower(settings))
    except Exception as e:
        reason = " ".join(str(e).split())  # one line, whatever the driver printed
        print(f"govrules could not start: {type(e).__name__}: {reason}", file=sys.stderr)
        return 1
    # uvicorn re-raises SIGTERM/SIGINT after its graceful shutdown; turning them into a normal
    # exit lets the store close and the embedded PostgreSQL stop (pgserver's atexit).
    signal.signal(signal.SIGTERM, _exit)
    if processes > 1:
        return _serve_workers(settings, services, processes)
    try:
        app = create_app(settings, services)
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    finally:
        services.close()
    return 0


def _without_follower(settings: Settings) -> Settings:
    return settings.model_copy(update={"role": "api"})


def _serve_workers(settings: Settings, services: Services, processes: int) -> int:
    """``processes`` uvicorn workers on one port (the kernel spreads the connections), each
    with its own pools. In role ``all`` every worker starts the read models' follower and the
    deadline ticker: one follower per store applies (an advisory lock elects it, another takes
    over when its process dies) and deadlines are recorded once however many tickers run (R11).
    The workers find the store this process opened through DATABASE_URL."""
    os.environ["DATABASE_URL"] = database_url(services.database)
    services.close()  # the workers open their own; an embedded PostgreSQL keeps running
    log.info("govrules: %s worker processes (GOVRULES_WORKERS)", processes)
    uvicorn.run(
        "api.main:app",
        host=settings.host,
        port=settings.port,
        workers=processes,
        log_level="info",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
