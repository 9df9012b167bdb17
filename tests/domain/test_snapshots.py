"""Snapshots of the two aggregates every write or numbering reads and whose logs grow for
years: the absence ledger and each year's number register (D11). A snapshot is taken every
GovRules.snapshotting_intervals events; loading from it must give exactly the state a full
replay gives, time travel before it still works, and a snapshot that cannot be stored never
turns a recorded act into an error."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from typing import Any

from eventsourcing.domain import Aggregate

from api.services import Services
from domain.application import GovRules
from domain.documents import DocumentNumberSequence, number_sequence_id
from domain.leaves import LEDGER_ID, AbsenceLedger
from scripts.city import START, generate
from tests.support.servers import ROOT

EVENTS = 50_000  # about nine simulated months: > 100 ledger and > 400 register events


def replayed(app: GovRules, aggregate_id: uuid.UUID, version: int | None = None) -> Any:
    """The aggregate from every one of its events, no snapshot."""
    aggregate: Aggregate | None = None
    for event in app.events.get(aggregate_id, lte=version):
        aggregate = event.mutate(aggregate)
    return aggregate


def snapshot_versions(app: GovRules, aggregate_id: uuid.UUID) -> list[int]:
    assert app.snapshots is not None
    return [s.originator_version for s in app.snapshots.get(aggregate_id)]


def test_loading_from_snapshots_equals_replaying_every_event(services: Services) -> None:
    app = services.app
    generate(app, EVENTS)
    register_id = number_sequence_id("攀府发", START.year)

    for cls, aggregate_id, interval in (
        (AbsenceLedger, LEDGER_ID, 100),
        (DocumentNumberSequence, register_id, 200),
    ):
        loaded = app.load(cls, aggregate_id)
        versions = snapshot_versions(app, aggregate_id)
        assert GovRules.snapshotting_intervals[cls] == interval
        assert versions == list(range(interval, loaded.version + 1, interval)), cls.__name__
        assert vars(loaded) == vars(replayed(app, aggregate_id)), cls.__name__
        # Time travel to a version between two snapshots: the earlier snapshot + events.
        between = versions[0] + interval // 2
        assert vars(app.repository.get(aggregate_id, version=between)) == vars(
            replayed(app, aggregate_id, between)
        )


def test_the_next_number_after_a_snapshot_follows_the_last_one(services: Services) -> None:
    app = services.app
    generate(app, EVENTS)
    register = app.load(DocumentNumberSequence, number_sequence_id("攀府发", START.year))
    assert register.version > 200
    numbers = sorted(register.assigned.values())
    assert numbers == list(range(1, register.last + 1))  # D11: none shared, none skipped


def test_a_snapshot_that_cannot_be_stored_leaves_the_act_recorded(
    services: Services, monkeypatch
) -> None:
    app = services.app
    assert app.snapshots is not None

    def refuse(*_: Any, **__: Any) -> None:
        raise OSError("snapshot store unavailable")

    monkeypatch.setattr(app.snapshots, "put", refuse)
    written = generate(app, EVENTS)  # every save went through; no snapshot was stored

    assert written >= EVENTS
    register_id = number_sequence_id("攀府发", START.year)
    for cls, aggregate_id in ((AbsenceLedger, LEDGER_ID), (DocumentNumberSequence, register_id)):
        loaded = app.load(cls, aggregate_id)
        assert loaded.version > GovRules.snapshotting_intervals[cls], cls.__name__
        assert snapshot_versions(app, aggregate_id) == []
        assert vars(loaded) == vars(replayed(app, aggregate_id))


def test_a_snapshot_taken_by_one_process_loads_in_another(services: Services) -> None:
    """A fresh process (an API restarted, a second worker) never took a snapshot itself: it
    must still resolve the snapshot's topic and load it (it could not: every write failed
    after a restart once the ledger had a snapshot)."""
    generate(services.app, EVENTS)
    register_id = number_sequence_id("攀府发", START.year)
    assert snapshot_versions(services.app, LEDGER_ID)
    assert snapshot_versions(services.app, register_id)
    code = (
        "import sys, uuid; from api.services import build_services; "
        "from api.settings import load_settings; "
        "from domain.documents import DocumentNumberSequence; "
        "from domain.leaves import LEDGER_ID, AbsenceLedger; "
        "s = build_services(load_settings(GOVRULES_ROLE='api')); "
        "print(s.app.load(AbsenceLedger, LEDGER_ID).version, "
        "s.app.load(DocumentNumberSequence, uuid.UUID(sys.argv[1])).version); s.close()"
    )
    settings = services.settings
    env = {**os.environ, "DATABASE_URL": settings.database_url or "",
           "GOVRULES_SCHEMA": settings.schema_name, "GOVRULES_DEV": "1",
           "PYTHONPATH": str(ROOT)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", code, str(register_id)],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    ledger, register = (int(v) for v in done.stdout.split())
    assert ledger == services.app.load(AbsenceLedger, LEDGER_ID).version
    assert register == services.app.load(DocumentNumberSequence, register_id).version
