"""The composition root (cosmicpython's ``bootstrap.py``): settings → database → application,
clock and calendar. Tests wire a real PostgreSQL through the same function."""

from __future__ import annotations

import json
import logging
import uuid
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

from api.feed import LogFeed
from domain.application import GovRules
from domain.calendar import CalendarOverrides, WorkingDayCalendar
from domain.clock import Clock, DrillClock, SystemClock, parse_test_clock
from domain.commands import BootstrapRoster, record_deadline
from domain.regulations import RegulationPolicy
from domain.rules import Conflict
from domain.service import Context, execute
from projections.engine import Engine, Runner
from projections.models import MODELS
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

if TYPE_CHECKING:
    from api.settings import Settings

log = logging.getLogger("govrules")


@dataclass
class Services:
    settings: Settings
    app: GovRules
    clock: Clock
    drill_clock: DrillClock | None
    engine: Engine
    feed: LogFeed
    runners: list[Runner] = field(default_factory=list)
    ticker: Ticker | None = None  # the thread runs in role "all"; POST /_clock ticks anyway

    @property
    def store(self) -> GovrulesRecorder:
        recorder = self.app.recorder
        assert isinstance(recorder, GovrulesRecorder)
        return recorder

    def stop_background(self) -> None:
        """Stop the deadline ticker and the read-model runners (tests that step them alone)."""
        if self.ticker is not None:
            self.ticker.stop()
        for runner in self.runners:
            runner.stop()

    def close(self) -> None:
        self.stop_background()
        self.feed.stop()
        self.engine.close()
        self.app.close()


def build_services(settings: Settings) -> Services:
    if settings.database_url:
        database = parse_database_url(settings.database_url)
    else:
        database = embedded_database(settings.data_dir)
    overrides = (
        CalendarOverrides.from_file(settings.calendar_overrides)
        if settings.calendar_overrides
        else None
    )
    with setup_lock(database, settings.schema_name):  # other processes may be creating it too
        ensure_schema(database, settings.schema_name)
        app = GovRules(
            env=application_env(database, settings.schema_name),
            calendar=WorkingDayCalendar(overrides),
            regulation_policy=RegulationPolicy(
                validity_years=settings.validity_years,
                temporary_validity_years=settings.temporary_validity_years,
                filing_days=settings.filing_days,
            ),
        )
        engine = Engine(conninfo(database), settings.schema_name, EVENTS_TABLE, MODELS)
        engine.setup()
    drill_clock = parse_test_clock(settings.test_clock)
    clock: Clock = drill_clock or SystemClock()
    feed = LogFeed(conninfo(database), EVENTS_TABLE)
    services = Services(settings, app, clock, drill_clock, engine, feed)
    bootstrap_roster(services)  # whatever the role: an API-only deployment needs a roster too
    services.ticker = Ticker(engine, partial(record_deadline, app), clock.now)
    if settings.role == "all":
        services.ticker.start()
        services.runners = [Runner(engine, model.name).start() for model in MODELS]
    return services


def bootstrap_roster(services: Services) -> None:
    """First start: seed an empty roster from the bootstrap file; later starts ignore it."""
    if services.app.has_roster():
        return
    path = services.settings.roster_file
    data = json.loads(path.read_text(encoding="utf-8"))
    ctx = Context.system(services.clock.now(), f"bootstrap-{uuid.uuid4()}")
    try:
        written = execute(services.app, BootstrapRoster(**data), ctx)
    except Conflict:
        return  # another process bootstrapped it first
    if written.position is not None:
        log.info("roster bootstrapped from %s (%s events)", path, written.aggregate.version)
