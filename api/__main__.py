"""``python -m api``: serve the app with uvicorn. ``python -m api token PERSON_ID`` (or
``scripts/token PERSON_ID``) prints a token (dev secret or GOVRULES_JWT_SECRET).

Once the server answers, the last lines it prints are the address to open (in dev mode with a
token in its fragment: the page reads it there, it never travels to the server in a URL) and
the command that prints a token for someone else. The embedded PostgreSQL's chatter goes to
``GOVRULES_DATA_DIR/logs/pgserver.log`` unless GOVRULES_VERBOSE=1."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import uvicorn

from api.auth import issue_token
from api.main import READY_PROBE, create_app
from api.services import Services, build_services
from api.settings import Settings, SettingsError, load_settings
from projections.settings import quiet_embedded_database
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
            print(
                "usage: scripts/token PERSON_ID  (or python -m api token PERSON_ID)",
                file=sys.stderr,
            )
            return 2
        print(issue_token(argv[1], settings.secret, datetime.now(UTC), _lifetime(settings)))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    quiet_embedded_database(settings)
    print(f"govrules starting on {_base_url(settings)} ...", flush=True)
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
    _announce_when_ready(settings)
    if processes > 1:
        return _serve_workers(settings, services, processes)
    try:
        app = create_app(settings, services)
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="info")
    finally:
        services.close()
    return 0


def _base_url(settings: Settings) -> str:
    """The address a browser on this machine opens (a wildcard bind answers on loopback)."""
    host = settings.host
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"


def _announce_when_ready(settings: Settings) -> None:
    """Prints the ready lines from a thread once ``/health`` answers (any status: a 503 says
    the database is down, and /health says why), so they come after uvicorn's start-up; in
    role ``all``, once the read models have also caught up with the log (after ``--demo``, a
    year of it), so the page opened first shows the whole city."""
    threading.Thread(target=_announce, args=(settings,), name="govrules-ready", daemon=True).start()


def _announce(settings: Settings) -> None:
    base = _base_url(settings)
    for _ in range(1500):  # about five minutes
        try:
            with urllib.request.urlopen(base + READY_PROBE, timeout=5) as answer:
                health = json.loads(answer.read())
        except urllib.error.HTTPError:
            break
        except (OSError, ValueError):
            time.sleep(0.2)
            continue
        if settings.role == "all" and catching_up(health):
            time.sleep(0.2)  # the page opened now would show a half-read city
            continue
        break
    else:
        return
    print(ready_lines(settings, datetime.now(UTC)), flush=True)


def catching_up(health: dict[str, Any]) -> bool:
    """Whether a read model that runs is still behind the log (/health's ``lag``). One that
    stopped on an error does not hold the announcement back: /health says why."""
    return any(
        p.get("state") == "running" and (p.get("lag") or 0) > 0
        for p in health.get("projections", ())
    )


def ready_lines(settings: Settings, now: datetime) -> str:
    """What ``python -m api`` prints last: the address to open and the token command."""
    base = _base_url(settings)
    if not settings.dev:
        return "\n".join(
            [
                f"govrules is ready (API docs: {base}/docs). Open:",
                f"  {base}/",
                "A token (signed with GOVRULES_JWT_SECRET): scripts/token PERSON_ID",
            ]
        )
    ttl = _lifetime(settings)
    token = issue_token("p-admin", settings.secret, now, ttl)
    return "\n".join(
        [
            f"govrules is ready (API docs: {base}/docs; GOVRULES_DEV=1: the fixed dev secret).",
            f"Open, signed in as p-admin (system_admin) for {_hours(ttl)}:",
            f"  {base}/#token={token}",
            "A token for someone else: scripts/token p-mayor",
        ]
    )


def _hours(ttl: timedelta) -> str:
    hours = ttl.total_seconds() / 3600
    return f"{hours:g} h" if hours >= 1 else f"{ttl.total_seconds() / 60:g} min"


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
