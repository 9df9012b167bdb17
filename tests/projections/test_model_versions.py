"""A read model whose shape changes (its columns, or its version for a changed meaning) is
rebuilt beside the live one and switched to when the engine is set up: the code never meets a
table without the columns it asks for, and nobody has to rebuild it by hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import psycopg
import pytest
from psycopg.sql import SQL

from projections.engine import Engine, Event, ReadModel, Tables, insert_rows
from projections.store import EVENTS_TABLE
from tests.support.documents import draft_request


class TitlesV1(ReadModel):
    name: ClassVar[str] = "titles"
    tables: ClassVar[dict[str, str]] = {"docs": "id uuid PRIMARY KEY, title text NOT NULL"}
    types: ClassVar[tuple[str, ...]] = ("DocumentDrafted",)

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        rows = [{"id": e.originator_id, "title": e.state["title"]} for e in events]
        insert_rows(cur, t["docs"], ("id", "title"), rows)


class TitlesV2(TitlesV1):
    """A new column: the unit that drafted the document."""

    tables: ClassVar[dict[str, str]] = {
        "docs": "id uuid PRIMARY KEY, title text NOT NULL, from_unit_id text NOT NULL"
    }

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        rows = [
            {
                "id": e.originator_id,
                "title": e.state["title"],
                "from_unit_id": e.state["from_unit_id"],
            }
            for e in events
        ]
        insert_rows(cur, t["docs"], ("id", "title", "from_unit_id"), rows)


class TitlesUpper(TitlesV1):
    """Same columns, another meaning: the version says so."""

    version: ClassVar[int] = 2

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        rows = [{"id": e.originator_id, "title": e.state["title"].upper()} for e in events]
        insert_rows(cur, t["docs"], ("id", "title"), rows)


def live_v1(client: Any, services: Any, titles: list[str]) -> Engine:
    """Documents drafted with these titles, and version 1 of the model set up and caught up."""
    for title in titles:
        draft_request(client, title=title)
    v1 = engine_of(services, TitlesV1())
    assert v1.setup() == []
    v1.catch_up("titles")
    return v1


OPENED: list[Engine] = []


@pytest.fixture(autouse=True)
def close_engines() -> Iterator[None]:
    """The engines a test made are closed after it (their readers' pools with them)."""
    yield
    while OPENED:
        OPENED.pop().close()


def engine_of(services: Any, model: ReadModel) -> Engine:
    engine = Engine(services.engine.conninfo, services.engine.schema, EVENTS_TABLE, [model])
    OPENED.append(engine)
    return engine


def registry(engine: Engine) -> dict[str, Any]:
    (row,) = [s for s in engine.status() if s["name"] == "titles"]
    return row


def docs(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        t, _ = engine.tables(conn, "titles")
        return conn.execute(SQL("SELECT * FROM {} ORDER BY title").format(t["docs"])).fetchall()


def table_exists(engine: Engine, generation: int) -> bool:
    with engine.connect() as conn:
        name = f"{engine.schema}.rm_titles_docs_g{generation}"
        found = conn.execute("SELECT to_regclass(%s) AS t", (name,)).fetchone()
    return bool(found and found["t"])


def test_a_new_column_is_rebuilt_beside_the_live_tables_and_switched_at_setup(client, services):
    v1 = live_v1(client, services, ["甲", "乙"])
    assert registry(v1)["generation"] == 1 and registry(v1)["shape"] == TitlesV1.shape()

    v2 = engine_of(services, TitlesV2())
    assert v2.setup() == ["titles"]

    assert registry(v2)["generation"] == 2
    assert registry(v2)["shape"] == TitlesV2.shape() != TitlesV1.shape()
    assert registry(v2)["position"] == registry(v1)["position"]
    assert [(r["title"], r["from_unit_id"]) for r in docs(v2)] == [
        ("乙", "u-finance"),
        ("甲", "u-finance"),
    ]
    assert not table_exists(v2, 1)
    assert v2.setup() == []  # the shape is on record now: the next start rebuilds nothing
    assert registry(v2)["generation"] == 2
    v1.close()
    v2.close()


def test_a_bumped_version_with_the_same_columns_is_rebuilt_too(client, services):
    v1 = live_v1(client, services, ["abc"])
    upper = engine_of(services, TitlesUpper())
    assert upper.setup() == ["titles"]
    assert [r["title"] for r in docs(upper)] == ["ABC"]
    v1.close()
    upper.close()


def test_a_registry_from_before_versions_rebuilds_each_model_once(client, services):
    v1 = live_v1(client, services, ["甲"])
    with v1.connect() as conn:
        conn.execute(SQL("UPDATE {} SET shape = NULL").format(v1.registry))
    assert v1.setup() == ["titles"]
    assert v1.setup() == []
    assert [r["title"] for r in docs(v1)] == ["甲"]
    v1.close()
