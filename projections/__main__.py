"""``python -m projections``: run the read-model runners and the deadline ticker on their own
(the API then runs with ``GOVRULES_ROLE=api``); ``python -m projections rebuild [NAME]``
rebuilds read models beside the live tables, with a progress bar on a terminal and plain log
lines otherwise."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from domain.application import GovRules
from domain.clock import SystemClock
from projections.engine import Engine, Runner
from projections.models import MODELS
from projections.settings import SettingsError, StoreSettings, load
from projections.store import (
    EVENTS_TABLE,
    application_env,
    conninfo,
    embedded_database,
    ensure_schema,
    parse_database_url,
    setup_lock,
)
from projections.ticker import Ticker

log = logging.getLogger("govrules.projections")


def _store() -> tuple[StoreSettings, dict[str, str]]:
    settings = load(StoreSettings)  # the runners need no JWT secret: they serve no HTTP
    database = (
        parse_database_url(settings.database_url)
        if settings.database_url
        else embedded_database(settings.data_dir)
    )
    return settings, database


def _engine(settings: StoreSettings, database: dict[str, str]) -> Engine:
    with setup_lock(database, settings.schema_name):  # the API may be creating it too
        ensure_schema(database, settings.schema_name)  # it may start before the API ever did
        engine = Engine(conninfo(database), settings.schema_name, EVENTS_TABLE, MODELS)
        engine.setup()
    return engine


def rebuild(engine: Engine, names: list[str]) -> None:
    """One shared scan of the log rebuilds every named read model (all when none is named)."""
    names = names or list(engine.models)
    for name in names:
        if name not in engine.models:
            raise SystemExit(f"no read model {name!r}; known: {', '.join(engine.models)}")
    label = ", ".join(names) if len(names) < len(engine.models) else "all read models"
    if sys.stderr.isatty():
        _rebuild_with_bar(engine, names, label)
    else:
        engine.rebuild(names, progress=_log_progress(label))
    log.info("rebuilt %s", label)


def _log_progress(label: str) -> Callable[[int, int], None]:
    def report(done: int, head: int) -> None:
        log.info("rebuild %s: %s/%s", label, done, head)

    return report


def _rebuild_with_bar(engine: Engine, names: list[str], label: str) -> None:
    columns = (
        TextColumn(f"rebuild {label}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, head: int) -> None:
            bar.update(task, completed=done, total=head)

        engine.rebuild(names, progress=report)


def run(engine: Engine, app: GovRules, drill: bool) -> None:
    """Every read model's runner and the deadline ticker (on the real clock), until SIGTERM.
    With a drill clock the API's POST /_clock ticks: this process runs no ticker."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runners = [Runner(engine, name).start() for name in engine.models]
    ticker = None if drill else Ticker(engine, app.record_deadline, SystemClock().now).start()
    log.info(
        "running read models (%s)%s",
        ", ".join(engine.models),
        " (drill clock: the API's POST /_clock ticks)" if drill else " and the deadline ticker",
    )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    if ticker is not None:
        ticker.stop()
    for runner in runners:
        runner.stop()
    app.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        settings, database = _store()
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    if argv[:1] == ["rebuild"]:
        rebuild(_engine(settings, database), argv[1:])
    elif not argv:
        engine = _engine(settings, database)
        # The application (for the ticker's commands) creates the event store if it is new.
        with setup_lock(database, settings.schema_name):
            app = GovRules(env=application_env(database, settings.schema_name))
        run(engine, app, drill=settings.test_clock is not None)
    else:
        print("usage: python -m projections [rebuild [NAME ...]]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
