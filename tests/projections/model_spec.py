"""Read-model specs: given events (as the engine reads them: a type and a JSON payload), then
rows. The model's tables are made in the test's own schema, one generation, no engine."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from projections.engine import Event, ReadModel, Tables
from projections.store import conninfo, parse_database_url


def originator(key: str) -> str:
    """A stable aggregate id for a short key ("1", "甲" …)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"spec:{key}"))


class ModelSpec:
    def __init__(self, conn: psycopg.Connection[Any], model: ReadModel, t: Tables) -> None:
        self.conn, self.model, self.t = conn, model, t
        self.position = 0
        self.versions: dict[str, int] = {}

    def given(self, *events: tuple[str, str, dict[str, Any]]) -> ModelSpec:
        """(type, key, payload) events in order, applied as one batch. Payloads go through
        JSON, as stored events do (dates become strings)."""
        batch = []
        for kind, key, payload in events:
            aggregate_id = originator(key)
            self.position += 1
            self.versions[aggregate_id] = self.versions.get(aggregate_id, 0) + 1
            state = orjson.loads(orjson.dumps(payload))
            batch.append(
                Event(self.position, aggregate_id, self.versions[aggregate_id], kind, state)
            )
        with self.conn.transaction(), self.conn.cursor() as cur:
            self.model.apply(cur, self.t, batch)
        return self


@contextmanager
def model_spec(database_url: str, schema: str, model: ReadModel) -> Iterator[ModelSpec]:
    with psycopg.connect(
        conninfo(parse_database_url(database_url)), autocommit=True, row_factory=dict_row
    ) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
        t = Tables(schema, model.name, 1, list(model.tables))
        for logical, columns in model.tables.items():
            conn.execute(SQL("CREATE TABLE {} (" + columns + ")").format(t[logical]))
        yield ModelSpec(conn, model, t)
