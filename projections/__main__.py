"""``python -m projections``: run the read models' follower and the deadline ticker on their own
(the API then runs with ``GOVRULES_ROLE=api``); ``python -m projections rebuild [NAME]``
rebuilds read models beside the live tables, and ``python -m projections verify [--digest P:H]
[--tree SIZE:ROOT]`` recomputes the hash chain and the Merkle tree of the log (A2), each with a
progress bar on a terminal and plain log lines otherwise."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

import psycopg
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from projections.bootstrap import System, bootstrap
from projections.engine import Engine
from projections.evidence import EvidenceTables, Kept, read_head
from projections.evidence import verify as evidence_verify
from projections.settings import SettingsError, StoreSettings, load
from projections.store import (
    EVENTS_TABLE,
    conninfo,
)

log = logging.getLogger("govrules.projections")


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
    with Progress(*_bar_columns(f"rebuild {label}")) as bar:
        task = bar.add_task(label, total=None)

        def report(done: int, head: int) -> None:
            bar.update(task, completed=done, total=head)

        engine.rebuild(names, progress=report)


def verify(database: dict[str, str], schema: str, args: list[str]) -> int:
    """Recomputes the chain and the Merkle tree from the stored events; with ``--digest P:H``
    (and/or ``--tree SIZE:ROOT``) also checks what an investigator kept. Exit 0 when the log
    is intact, 1 with the first bad position otherwise."""
    try:
        kept = _kept(args)
    except ValueError as e:
        print(f"verify: {e}", file=sys.stderr)
        print(VERIFY_USAGE, file=sys.stderr)
        return 2
    tables = EvidenceTables(schema, EVENTS_TABLE)
    with psycopg.connect(conninfo(database), connect_timeout=5) as conn:
        with conn.cursor() as cur:
            total = read_head(cur, tables).size
        conn.commit()
        if sys.stderr.isatty():
            with Progress(*_bar_columns("verify")) as bar:
                task = bar.add_task("verify", total=total)
                verdict = evidence_verify(
                    conn, tables, kept, lambda done: bar.update(task, completed=done)
                )
        else:
            verdict = evidence_verify(
                conn, tables, kept, lambda done: log.info("verify: %s/%s", done, total)
            )
    print(json.dumps(verdict.as_dict()))
    return 0 if verdict.ok else 1


VERIFY_USAGE = "usage: python -m projections verify [--digest POSITION:HASH] [--tree SIZE:ROOT]"


def _kept(args: list[str]) -> Kept:
    """``--digest P:H`` and ``--tree SIZE:ROOT`` (hex), as GET /accountability/digest gives."""
    found: dict[str, tuple[int, bytes]] = {}
    pairs = iter(args)
    for flag in pairs:
        value = next(pairs, None)
        if flag not in ("--digest", "--tree") or value is None:
            raise ValueError(f"unexpected {flag!r}")
        number, _, digest = value.partition(":")
        if not number.isdigit() or len(digest) != 64:
            raise ValueError(f"{flag} takes NUMBER:HASH (64 hex digits), not {value!r}")
        found[flag] = (int(number), bytes.fromhex(digest))
    position, chain = found.get("--digest", (None, None))
    size, root = found.get("--tree", (None, None))
    return Kept(position=position, hash=chain, size=size, root=root)


def _bar_columns(label: str) -> tuple[Any, ...]:
    return (
        TextColumn(label),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(),
    )


def run(system: System) -> None:
    """The read models' follower and the deadline ticker (on the real clock), until SIGTERM.
    With a drill clock the API's POST /_clock ticks: this process runs no ticker."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    drill = system.drill_clock is not None
    system.start_background(ticker=not drill)
    log.info(
        "running read models (%s)%s",
        ", ".join(system.engine.models),
        " (drill clock: the API's POST /_clock ticks)" if drill else " and the deadline ticker",
    )
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    system.close()


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    if argv[:1] not in (["rebuild"], ["verify"], []):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        system = bootstrap(load(StoreSettings))  # no JWT secret: this process serves no HTTP
    except SettingsError as e:
        print(e, file=sys.stderr)
        return 2
    if argv[:1] == ["rebuild"]:
        rebuild(system.engine, argv[1:])
        system.close()
    elif argv[:1] == ["verify"]:
        code = verify(system.database, system.settings.schema_name, argv[1:])
        system.close()
        return code
    else:
        run(system)
    return 0


USAGE = "usage: python -m projections [rebuild [NAME ...] | verify [--digest P:H]]"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
