"""The documents list: summaries for GET /documents (D12 at read time)."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.documents import DOCUMENT_STATUS, OfficialDocument
from projections.engine import Event, ReadModel, Tables, insert_rows

COLUMNS = ("id", "status", "doc_type", "title", "classification", "from_unit_id", "direction",
           "number", "version", "position", "updated_at")  # fmt: skip


class DocumentsList(ReadModel):
    """GET /documents: a page of document summaries (titles of classified ones are hidden
    from uncleared readers at read time, D12)."""

    name: ClassVar[str] = "documents"
    tables: ClassVar[dict[str, str]] = {
        "list": "id uuid PRIMARY KEY, status text NOT NULL, doc_type text NOT NULL, "
        "title text NOT NULL, classification text NOT NULL, from_unit_id text NOT NULL, "
        "direction text NOT NULL, number text, version int NOT NULL, position bigint NOT NULL, "
        "updated_at timestamptz NOT NULL"
    }
    types: ClassVar[tuple[str, ...]] = OfficialDocument.event_names()

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Folds the batch per document first, then writes each document once: new ones with
        COPY, changed ones with one batched update (rebuild speed)."""
        new: dict[str, dict[str, Any]] = {}
        changed: dict[str, dict[str, Any]] = {}
        for e in events:
            s = e.state
            if e.type == OfficialDocument.Drafted.NAME:
                new[e.originator_id] = {
                    "id": e.originator_id,
                    "status": DOCUMENT_STATUS(e.type, s),
                    "doc_type": s["doc_type"],
                    "title": s["title"],
                    "classification": s["classification"],
                    "from_unit_id": s["from_unit_id"],
                    "direction": s["direction"],
                    "number": None,
                }
                row = new[e.originator_id]
            else:
                row = new.get(e.originator_id) or changed.setdefault(
                    e.originator_id, {"id": e.originator_id, "status": None, "number": None}
                )
                row["status"] = DOCUMENT_STATUS(e.type, s, row["status"])
                row["number"] = s.get("number", row["number"])
            row.update(version=e.version, position=e.position, updated_at=s["timestamp"])
        insert_rows(cur, t["list"], COLUMNS, list(new.values()))
        if changed:
            cur.executemany(
                SQL(
                    "UPDATE {} SET status = COALESCE(%(status)s, status), "
                    "number = COALESCE(%(number)s, number), version = %(version)s, "
                    "position = %(position)s, updated_at = %(updated_at)s WHERE id = %(id)s"
                ).format(t["list"]),
                list(changed.values()),
            )


# ----- queries (the API reads these) -------------------------------------------------------


def page(
    conn: psycopg.Connection[Any],
    t: Tables,
    status: str | None,
    cursor: uuid.UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of documents in id order after ``cursor``, and whether more follow."""
    rows = conn.execute(
        SQL(
            "SELECT id, status, doc_type, title, classification, from_unit_id, direction, "
            "number, version, updated_at FROM {} WHERE (%(status)s::text IS NULL OR "
            "status = %(status)s) AND (%(cursor)s::uuid IS NULL OR id > %(cursor)s) "
            "ORDER BY id LIMIT %(limit)s"
        ).format(t["list"]),
        {"status": status, "cursor": cursor, "limit": limit + 1},
    ).fetchall()
    return [{**r, "id": str(r["id"])} for r in rows[:limit]], len(rows) > limit
