"""The synthetic city (projections/workload.py): it writes what it says it wrote, every kind of
work the bench asks for (documents, meetings, decisions, supervision, leaves, regulations), the
same log for the same seed, and a log every read model projects without failing."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from api.services import Services, build_services
from api.settings import load_settings
from projections.store import conninfo, parse_database_url
from scripts.city import generate
from tests.support.http import SECRET, START

EVENTS = 6_000  # enough simulated days for an item to be verified and closed

# The events the generator adds beside documents and meetings, by aggregate.
EXPECTED = {
    "supervision": {"SupervisionItemRegistered", "ProgressReported", "ItemVerified", "ItemClosed"},
    "leaves": {"LeaveReported", "AbsenceEntered", "LeaveApproved", "LeaveFiled", "ReturnReported"},
    "regulations": {"RegulationDrafted", "LegalityReviewed"},
    "decisions": {
        "DecisionInitiated",
        "DecisionProcedureRecorded",
        "DecisionTaken",
        "DecisionPublished",
    },
    "meetings": {"MeetingConvened", "TopicProposed", "TopicDecided", "MinutesSigned"},
    "documents": {"DocumentDrafted", "DocumentCountersigned", "DocumentSignedOff"},
}
# Each read model and a table that must have rows after the run.
FILLED = {
    "supervision_board": "items",
    "leaves_board": "absences",
    "regulations_board": "regulations",
    "decisions_board": "decisions",
    "meetings_board": "meetings",
    "documents": "list",
}


def topics(services: Services) -> list[str]:
    """The log's event types in order."""
    with services.engine.connect() as conn:
        rows = conn.execute(
            SQL("SELECT topic FROM {} ORDER BY notification_id").format(services.engine.events)
        ).fetchall()
    return [str(r["topic"]).split(":", 1)[1] for r in rows]


@pytest.fixture
def other_services(database_url: str, tmp_path: Path) -> Iterator[Services]:
    """A second fresh schema with the roster bootstrapped, like ``services`` (nothing runs in
    the background: the test alone writes, and catches the read models up itself)."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    settings = load_settings(
        DATABASE_URL=database_url,
        GOVRULES_JWT_SECRET=SECRET,
        GOVRULES_SCHEMA=schema,
        GOVRULES_TEST_CLOCK=START,
        GOVRULES_DATA_DIR=str(tmp_path / "other"),
        GOVRULES_ROLE="api",
    )
    built = build_services(settings)
    try:
        yield built
    finally:
        built.close()
        with psycopg.connect(conninfo(parse_database_url(database_url)), autocommit=True) as c:
            c.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))


def test_the_count_returned_is_the_events_stored_and_every_kind_of_work_is_there(
    services: Services,
):
    before = len(topics(services))
    written = generate(services.app, EVENTS)
    log = topics(services)
    assert written >= EVENTS
    assert written == len(log) - before
    seen = set(log[before:])
    for kind, expected in EXPECTED.items():
        assert expected <= seen, (kind, sorted(expected - seen))
    counts = Counter(log[before:])
    documents = sum(n for topic, n in counts.items() if topic.startswith("Document"))
    assert documents > written / 2  # documents stay most of the log


def test_the_same_seed_writes_the_same_log(services: Services, other_services: Services):
    assert generate(services.app, EVENTS, seed=7) == generate(other_services.app, EVENTS, seed=7)
    assert topics(services) == topics(other_services)


def test_every_read_model_projects_the_log(services: Services):
    generate(services.app, EVENTS)
    engine = services.engine
    for name in engine.models:
        engine.catch_up(name)
    status = {s["name"]: s for s in engine.status()}
    assert {name: s["state"] for name, s in status.items()} == dict.fromkeys(
        engine.models, "running"
    )
    assert all(s["lag"] == 0 for s in status.values()), status
    with engine.connect() as conn:
        for name, table in FILLED.items():
            t, _ = engine.tables(conn, name)
            row = conn.execute(SQL("SELECT count(*) AS n FROM {}").format(t[table])).fetchone()
            assert row is not None and row["n"] > 0, (name, table)
        t, _ = engine.tables(conn, "decisions_board")
        stages = {
            r["stage"]
            for r in conn.execute(SQL("SELECT stage FROM {}").format(t["decisions"])).fetchall()
        }
    assert "published" in stages  # decided at an executive meeting, then published (M9, M13)
