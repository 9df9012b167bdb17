"""The composition root (cosmicpython's ``bootstrap.py``): settings → database → the event
store and the application (calendar, regulation policy), the read models' engine, the clock,
the deadline ticker and the read models' follower. The API (``api.services``), ``python -m
projections``, the bench and the tests all wire through ``bootstrap``."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, replace
from functools import partial
from typing import cast

from domain.application import GovRules, OrjsonPydanticMapper
from domain.calendar import CalendarOverrides, WorkingDayCalendar
from domain.clock import Clock, DrillClock, SystemClock, parse_test_clock
from domain.commands import BootstrapRoster, record_deadline
from domain.regulations import RegulationPolicy
from domain.rules import Conflict
from domain.service import Context, execute
from projections.engine import Engine, Follower
from projections.models import MODELS
from projections.settings import StoreSettings
from projections.store import (
    EVENTS_TABLE,
    GovrulesRecorder,
    application_env,
    conninfo,
    embedded_database,
    ensure_schema,
    parse_database_url,
    setup_lock,
)
from projections.ticker import Ticker

log = logging.getLogger("govrules")


@dataclass
class System:
    """Everything a process that reads or writes the ledger holds."""

    settings: StoreSettings
    database: dict[str, str]
    app: GovRules
    engine: Engine
    clock: Clock
    drill_clock: DrillClock | None
    ticker: Ticker
    follower: Follower | None = None

    @property
    def store(self) -> GovrulesRecorder:
        recorder = self.app.recorder
        assert isinstance(recorder, GovrulesRecorder)
        return recorder

    @property
    def conninfo(self) -> str:
        return conninfo(self.database)

    def start_background(self, ticker: bool = True) -> None:
        """The read models' follower (one per process, elected: one per schema applies), and
        the deadline ticker (on the real clock: with a drill clock, whoever moves it ticks)."""
        self.follower = Follower(self.engine).start()
        if ticker:
            self.ticker.active = self.follower.active.is_set  # the elected process ticks
            self.ticker.start()

    def stop_background(self) -> None:
        """Stop the deadline ticker and the read models' follower."""
        self.ticker.stop()
        if self.follower is not None:
            self.follower.stop()
            self.follower = None

    def close(self) -> None:
        self.stop_background()
        self.engine.close()
        self.app.close()


def bootstrap(settings: StoreSettings) -> System:
    """The store opened (made on first use, under a lock other processes respect), the
    application and the read models set up, the roster seeded if the store is new."""
    if settings.database_url:
        database = parse_database_url(settings.database_url)
    else:
        database = embedded_database(settings.data_dir)
    with setup_lock(database, settings.schema_name):  # other processes may be creating it too
        ensure_schema(database, settings.schema_name)
        app = GovRules(
            env=application_env(database, settings.schema_name),
            calendar=WorkingDayCalendar(_overrides(settings)),
            regulation_policy=RegulationPolicy(
                validity_years=settings.validity_years,
                temporary_validity_years=settings.temporary_validity_years,
                filing_days=settings.filing_days,
            ),
        )
        # Every reader of the log decodes stored bytes as the application's mapper does
        # (cipher, compressor, upcasters): the read models and the history alike.
        decode = cast(OrjsonPydanticMapper, app.mapper).decode_state
        store = cast(GovrulesRecorder, app.recorder)
        store.evidence = replace(store.evidence, decode=decode)
        engine = Engine(conninfo(database), settings.schema_name, EVENTS_TABLE, MODELS, decode)
        engine.setup()
    drill_clock = parse_test_clock(settings.test_clock)
    clock: Clock = drill_clock or SystemClock()
    ticker = Ticker(engine, partial(record_deadline, app), clock.now)
    system = System(settings, database, app, engine, clock, drill_clock, ticker)
    seed_roster(system)  # whatever the role: every process can find a roster
    return system


def _overrides(settings: StoreSettings) -> CalendarOverrides | None:
    path = settings.calendar_overrides
    return CalendarOverrides.from_file(path) if path else None


def seed_roster(system: System) -> None:
    """First start: seed an empty roster from the bootstrap file; later starts ignore it."""
    if system.app.has_roster():
        return
    path = system.settings.roster_file
    data = json.loads(path.read_text(encoding="utf-8"))
    ctx = Context.system(system.clock.now(), f"bootstrap-{uuid.uuid4()}")
    try:
        written = execute(system.app, BootstrapRoster(**data), ctx)
    except Conflict:
        return  # another process bootstrapped it first
    if written.position is not None:
        log.info("roster bootstrapped from %s (%s events)", path, written.aggregate.version)
