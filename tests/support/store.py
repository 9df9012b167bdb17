"""The event log as the tests look at it: its head, how many events it holds, and a refusal
that left it as it was (A2); the read models caught up without a follower."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.sql import SQL, Identifier

from api.services import Services
from projections.store import conninfo, parse_database_url
from tests.support.http import assert_problem


def positions(services: Services) -> int:
    """The head of the log: a refusal must leave it where it was."""
    return int(services.store.max_notification_id() or 0)


def event_count(services: Services) -> int:
    """How many events are stored (positions may have gaps: a rolled-back insert uses up its
    sequence values)."""
    database = parse_database_url(services.settings.database_url or "")
    with psycopg.connect(conninfo(database)) as conn:
        row = conn.execute(
            SQL("SELECT count(*) FROM {}.govrules_events").format(
                Identifier(services.settings.schema_name)
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def log_head(services: Services) -> tuple[int, int]:
    return positions(services), event_count(services)


def assert_refused(
    client: Any,
    services: Services,
    response: Any,
    status: int,
    rule: str,
    before: tuple[int, int],
) -> dict[str, Any]:
    """A refusal naming ``rule`` that stored nothing (A2: the log is where it was)."""
    body = assert_problem(response, status, rule)
    assert log_head(services) == before
    return body


def catch_up(services: Services) -> int:
    """Every read model brought up to the head of the log, here and now (what the runners do
    in the background of a live process); returns that head."""
    services.engine.catch_up()  # every model, each batch read once, as the follower does
    return positions(services)
