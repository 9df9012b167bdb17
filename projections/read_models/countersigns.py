"""The countersign dashboard: open requests with their due time (D6, D7)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.documents import OfficialDocument
from projections.engine import Event, ReadModel, Tables, insert_rows

# D7: events that move a request's due time: counted once its year is known, or agreed anew.
DUE_MOVES = {OfficialDocument.CountersignDueSet.NAME, OfficialDocument.CountersignExtended.NAME}


class Countersigns(ReadModel):
    """/dashboard/countersigns: open countersign requests with their due time (D6, D7)."""

    name: ClassVar[str] = "countersigns"
    tables: ClassVar[dict[str, str]] = {
        "requests": "document_id uuid NOT NULL, unit_id text NOT NULL, requested_at "
        "timestamptz NOT NULL, due timestamptz, due_pending_year int, status text NOT NULL, "
        "opinion text, answered_at timestamptz, position bigint NOT NULL, "
        "PRIMARY KEY (document_id, unit_id)"
    }
    # The dashboard lists the open requests by due time.
    indexes: ClassVar[tuple[tuple[str, str], ...]] = (
        ("requests", "(due) WHERE status = 'pending'"),
    )
    types: ClassVar[tuple[str, ...]] = (
        OfficialDocument.CountersignRequested.NAME,
        OfficialDocument.Countersigned.NAME,
        OfficialDocument.CountersignDeemedNoObjection.NAME,
        OfficialDocument.CountersignDueSet.NAME,
        OfficialDocument.CountersignExtended.NAME,
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Folds the batch per (document, unit), then one batched upsert."""
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        due_set: dict[tuple[str, str], dict[str, Any]] = {}  # D7: due times counted later
        for e in events:
            if e.state.get("late"):
                continue  # D7: a late opinion does not undo the deemed answer the board shows
            key = (e.originator_id, e.state.get("unit_id", ""))
            if e.type in DUE_MOVES and key not in rows:
                due, year = e.state["due"], e.state.get("due_pending_year")
                due_set[key] = {"document_id": key[0], "unit_id": key[1], "due": due, "year": year}
                continue
            _fold(rows, e)
        requested = [r for r in rows.values() if r["requested"]]
        answered = [r for r in rows.values() if not r["requested"] and "status" in r]
        insert_rows(
            cur,
            t["requests"],
            ("document_id", "unit_id", "requested_at", "due", "due_pending_year", "status",
             "opinion", "answered_at", "position"),
            requested,
            "ON CONFLICT (document_id, unit_id) DO UPDATE SET requested_at = "
            "EXCLUDED.requested_at, due = EXCLUDED.due, due_pending_year = "
            "EXCLUDED.due_pending_year, status = EXCLUDED.status, opinion = "
            "EXCLUDED.opinion, answered_at = EXCLUDED.answered_at, position = EXCLUDED.position",
        )  # fmt: skip
        if answered:
            cur.executemany(
                SQL(
                    "UPDATE {} SET status = %(status)s, opinion = %(opinion)s, answered_at = "
                    "%(answered_at)s, position = %(position)s WHERE document_id = %(document_id)s "
                    "AND unit_id = %(unit_id)s"
                ).format(t["requests"]),
                answered,
            )
        if due_set:
            cur.executemany(
                SQL(
                    "UPDATE {} SET due = %(due)s, due_pending_year = %(year)s "
                    "WHERE document_id = %(document_id)s AND unit_id = %(unit_id)s"
                ).format(t["requests"]),
                list(due_set.values()),
            )


# ----- queries (the API reads these) -------------------------------------------------------


def open_requests(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> list[dict[str, Any]]:
    """D7: the open requests, by due time, each saying whether it is overdue at ``now``."""
    rows = conn.execute(
        SQL(
            "SELECT document_id, unit_id, requested_at, due, due_pending_year, "
            "COALESCE(due <= %s, false) AS overdue FROM {} WHERE status = 'pending' "
            "ORDER BY due NULLS LAST, document_id, unit_id"
        ).format(t["requests"]),
        (now,),
    ).fetchall()
    return [{**r, "document_id": str(r["document_id"])} for r in rows]


def open_counts(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, int]:
    """D7: how many requests are open, how many are past their due time, and how many wait
    for their year's calendar."""
    row = conn.execute(
        SQL(
            "SELECT count(*) AS open, count(*) FILTER (WHERE due <= %s) AS overdue, "
            "count(*) FILTER (WHERE due IS NULL) AS due_pending FROM {} "
            "WHERE status = 'pending'"
        ).format(t["requests"]),
        (now,),
    ).fetchone()
    names = ("open", "overdue", "due_pending")
    return {name: row[name] if row else 0 for name in names}


def _fold(rows: dict[tuple[str, str], dict[str, Any]], e: Event) -> None:
    """One event into the batch's rows: a request opens a row per unit; an answer (or D7's
    deemed no-objection when no answer came by the limit) updates the unit's row."""
    s = e.state
    if e.type == OfficialDocument.CountersignRequested.NAME:
        for unit_id in s["unit_ids"]:
            rows[(e.originator_id, unit_id)] = {
                "document_id": e.originator_id, "unit_id": unit_id,
                "requested_at": s["timestamp"], "due": s["due"],
                "due_pending_year": s.get("due_pending_year"), "status": "pending",
                "opinion": None, "answered_at": None, "position": e.position, "requested": True,
            }  # fmt: skip
        return
    key = (e.originator_id, s["unit_id"])
    row = rows.setdefault(
        key,
        {"document_id": key[0], "unit_id": key[1], "requested_at": None, "due": None,
         "requested": False},
    )  # fmt: skip
    if e.type in DUE_MOVES:  # its request is in this batch
        row.update(due=s["due"], due_pending_year=s.get("due_pending_year"))
        return
    if e.type == OfficialDocument.CountersignDeemedNoObjection.NAME:
        row.update(status="deemed", opinion="no_objection", answered_at=s["due"])
    else:
        row.update(status="answered", opinion=s["opinion"], answered_at=s["timestamp"])
    row["position"] = e.position
