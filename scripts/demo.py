"""``scripts/demo --years N [--events K] [--force | --if-empty] [--clock]``: the bench's synthetic
city (``scripts.city.generate``, seed 2019: the same N writes the same events) written through
the same command handlers into the configured store — DATABASE_URL and GOVRULES_SCHEMA, or the
embedded PostgreSQL under GOVRULES_DATA_DIR — about 50,000 events a simulated year, with a
progress bar. The store is opened as the server opens it (``projections.bootstrap``: made on
first use, the roster seeded), so the demo is the server's own data; the embedded PostgreSQL's
output goes to GOVRULES_DATA_DIR/logs/pgserver.log as the server's does (GOVRULES_VERBOSE=1
shows it), so the terminal shows only the bar and the one-line result.

The city ends with work in flight (``generate(..., in_flight=True)``), as a city is at any
moment, so the dashboards' "now" panels have something to show: a vice-mayor away at a
fortnight's study with the AB partner (or a leader the office names) acting, a unit head on an
official trip, the leaves the run had open still open (returns not yet reported: past their end
they show as return overdue), four countersign requests unanswered — two past the same-day limit
their lead unit set (a server's deadline ticker records them as deemed no objection, D7), two
due in ten days — and supervision reports due within the week. The city's last simulated day
is Wed 2026-11-18 for one year. ``--clock`` prints (stdout) the moment to show it at, an hour
after the store's last act when that is in the past: ``scripts/serve --demo`` starts the
server's drill clock there, so what is in flight is in flight whatever today's date. A new
store's roster is seeded stamped the day before the city starts (the record's time runs
forward: the offices were known before anyone acted in them).

A store that holds anything beyond its roster is refused (exit 2) unless ``--force``: the city
starts on Mon 2026-01-05 and would be written a second time over what is there. With
``--if-empty`` such a store is left alone quietly (exit 0): ``scripts/serve --demo``.

``--url URL --token T`` writes through a running server's HTTP API instead
(``scripts/demo_http.py``): the same generator runs against a private in-memory application
with the same roster, and each command it runs is sent on to the route the API made for it, by
the person the city has act (a token signed with GOVRULES_JWT_SECRET, or the dev secret with
GOVRULES_DEV=1, as ``scripts/token`` signs one), after the server's drill clock is moved to
the city's moment and held there (``POST /_clock``). So the server must run a drill clock from
before the city's start, ``GOVRULES_TEST_CLOCK=2026-01-05T08:00:00+08:00``; ``T`` is a system
administrator's token (it moves the clock). A server on the real clock, a token that cannot
move the clock, a secret the server does not accept, a log in use (unless ``--force``): each is
refused (exit 2, one line) before anything is written. The server's ticker records passed
deadlines as the clock moves (an in-process run records none); the people's acts are the same
as in-process."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import psycopg
from psycopg.sql import SQL, Identifier
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.application import GovRules  # noqa: E402
from domain.clock import SHANGHAI  # noqa: E402
from domain.roster import ROSTER_ID  # noqa: E402
from projections.bootstrap import System, bootstrap  # noqa: E402
from projections.settings import (  # noqa: E402
    SettingsError,
    StoreSettings,
    load,
    quiet_embedded_database,
)
from projections.store import EVENTS_TABLE  # noqa: E402
from scripts.city import START, Mirror, generate  # noqa: E402

ROSTER_KNOWN = START - timedelta(days=1)  # a new store's roster: the day before the city
EVENTS_PER_YEAR = 50_000  # docs/bench.md, "Workload": a simulated year of the city
SEED = 2019  # the bench's first run of the city: the same seed, the same events


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="scripts/demo",
        description="Write the synthetic city (about 50,000 events a year) into the store.",
    )
    parser.add_argument("--years", type=float, default=1.0, help="simulated years (default 1)")
    parser.add_argument("--events", type=int, help="write about this many events instead")
    parser.add_argument("--force", action="store_true", help="write into a store in use too")
    parser.add_argument(
        "--if-empty",
        action="store_true",
        help="a store in use is left alone quietly (exit 0): scripts/serve --demo",
    )
    parser.add_argument(
        "--url", help="write through this running server's HTTP API (its drill clock)"
    )
    parser.add_argument(
        "--token",
        help="with --url: a system administrator's token (it moves the server's drill clock); "
        "the city's people act with tokens signed with GOVRULES_JWT_SECRET (GOVRULES_DEV=1: "
        "the dev secret)",
    )
    parser.add_argument(
        "--clock",
        action="store_true",
        help="print (stdout) the moment to show the city at: an hour after the store's last "
        "act, when that is in the past; nothing otherwise (scripts/serve --demo)",
    )
    args = parser.parse_args(argv)
    if args.clock and args.url is not None:
        parser.error("--clock is for the configured store, not with --url")
    if args.token is not None and args.url is None:
        parser.error("--token goes with --url")
    if args.url is not None and not args.token:
        parser.error("--url needs --token: a system administrator's token for that server")
    if args.events is None:
        args.events = round(args.years * EVENTS_PER_YEAR)
    if args.events < 1:
        parser.error("nothing to write: --years or --events must be positive")
    return args


def beyond_roster(system: System) -> int:
    """Events in the store that are not the roster's (its bootstrap, or changes to it)."""
    query = SQL("SELECT count(*) FROM {}.{} WHERE originator_id <> %s").format(
        Identifier(system.settings.schema_name), Identifier(EVENTS_TABLE)
    )
    with psycopg.connect(system.conninfo) as conn:
        row = conn.execute(query, (ROSTER_ID,)).fetchone()
    return int(row[0]) if row else 0


@contextmanager
def progress_bar(target: int) -> Iterator[Callable[[int], None]]:
    """A rich bar of events written / target on a terminal; plain lines otherwise."""
    columns = (
        TextColumn("demo city"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeRemainingColumn(),
    )
    console = Console(stderr=True)
    with Progress(*columns, console=console, disable=not console.is_terminal) as bar:
        task = bar.add_task("demo", total=target)

        def report(written: int) -> None:
            bar.update(task, completed=min(written, target))

        yield report


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.url is not None:
        return through_http(args)
    try:
        settings = load(StoreSettings)
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    quiet_embedded_database(settings)
    # A roster seeded here (a new store) is stamped the day before the city starts, so the
    # record's time runs forward: the offices were known before anyone acted in them.
    system = bootstrap(settings.model_copy(update={"test_clock": ROSTER_KNOWN.isoformat()}))
    try:
        found = beyond_roster(system)
        if found and args.if_empty and not args.force:
            show_at(system, args.clock)
            return 0
        if found and not args.force:
            print(
                f"scripts/demo: the store already holds {found:,} events beyond its roster; "
                "refusing to write the demo city into it (--force to write anyway)",
                file=sys.stderr,
            )
            return 2
        with progress_bar(args.events) as report:
            written = generate(system.app, args.events, seed=SEED, progress=report, in_flight=True)
        show_at(system, args.clock)
    finally:
        system.close()
    print(f"scripts/demo: wrote {written:,} events of the demo city", file=sys.stderr)
    return 0


def last_moment(system: System, recent: int = 500) -> datetime | None:
    """The latest stamp among the store's last ``recent`` events (a batch's acts are stored
    together, not strictly in time order)."""
    recorder = system.app.recorder
    last = recorder.max_notification_id()
    if not last:
        return None
    found = recorder.select_notifications(start=max(1, last - recent + 1), limit=recent)
    stamps: list[datetime] = [
        cast(Any, system.app.mapper.to_domain_event(n)).timestamp for n in found
    ]
    return max(stamps) if stamps else None


def show_at(system: System, wanted: bool) -> None:
    """--clock: the city is shown as of an hour after its last act (scripts/serve --demo
    starts its drill clock there), so its work in flight is in flight whatever today's date.
    A store whose last act is not in the past gets no clock: the real one will do."""
    if not wanted:
        return
    last = last_moment(system)
    if last is None:
        return
    at = last + timedelta(hours=1)
    if at < datetime.now(UTC):
        print(at.astimezone(SHANGHAI).isoformat(timespec="seconds"))


def through_http(args: argparse.Namespace) -> int:
    """--url: the city run against a private in-memory application, each command sent on to
    the server (scripts/demo_http.py)."""
    from scripts import demo_http  # the API's modules: only for --url

    def write(app: GovRules, mirror: Mirror) -> int:
        with progress_bar(args.events) as report:
            return generate(
                app, args.events, seed=SEED, progress=report, in_flight=True, mirror=mirror
            )

    return demo_http.run(args.url, args.token, args.events, args.force, args.if_empty, write)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
