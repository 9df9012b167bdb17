"""Summaries for GET /{collection}?status= (api.md "Every resource"): meetings, decisions,
supervision items, leaves and regulations in one table (documents have their own model).

Statuses are the aggregates' own: each folds its events through the domain's status rule
(``MEETING_STATUS``, ``DECISION_STAGE``, ``ITEM_STATUS``, ``LEAVE_STATUS``,
``REGULATION_STATUS``), the rule the aggregate applies to itself.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.base import GovAggregate, StatusRule
from domain.decisions import DECISION_STAGE, Decision, counting_after, ready_when_complete
from domain.leaves import LEAVE_STATUS, LeaveRecord
from domain.meetings import MEETING_STATUS, Meeting
from domain.regulations import REGULATION_STATUS, Regulation
from domain.supervision import ITEM_STATUS, SupervisionItem
from projections.engine import Event, ReadModel, Tables, insert_rows, rows_of

# M10: the events that change which procedures of a decision count.
PROCEDURE_EVENTS = (Decision.ProcedureRecorded.NAME, Decision.WaiverConfirmed.NAME)
# Each collection: its aggregate (every event of which moves the row's version, the system
# events of api.md too, whenever they are recorded) and the domain's own status rule.
KINDS: dict[str, tuple[type[GovAggregate], StatusRule]] = {
    "meetings": (Meeting, MEETING_STATUS),
    "decisions": (Decision, DECISION_STAGE),
    "supervision-items": (SupervisionItem, ITEM_STATUS),
    "leaves": (LeaveRecord, LEAVE_STATUS),
    "regulations": (Regulation, REGULATION_STATUS),
}
COLLECTION_OF = {t: c for c, (cls, _) in KINDS.items() for t in cls.event_names()}
CREATED = {cls.event_names()[0]: c for c, (cls, _) in KINDS.items()}


def title_of(event_type: str, s: dict[str, Any]) -> str:
    if event_type == LeaveRecord.Reported.NAME:
        return f"{s['person_id']} {s['kind']}"
    return str(s["title"])


class Summaries(ReadModel):
    """GET /meetings, /decisions, /supervision-items, /leaves/list, /regulations."""

    name: ClassVar[str] = "summaries"
    tables: ClassVar[dict[str, str]] = {
        "summaries": "collection text NOT NULL, id uuid NOT NULL, status text NOT NULL, "
        "title text NOT NULL, version int NOT NULL, position bigint NOT NULL, "
        "updated_at timestamptz NOT NULL, PRIMARY KEY (collection, id)",
        # M10: a row per major decision: the procedures that count, to tell when it is ready
        # (and preparing again: a failed legality review, a waiver not yet confirmed).
        "procedures": "decision_id uuid PRIMARY KEY, counting text[] NOT NULL",
    }
    types: ClassVar[tuple[str, ...]] = tuple(COLLECTION_OF)

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Folds the batch per aggregate in memory (the rows it touches that exist already are
        read once), then writes each row once: new ones in one batched insert, changed ones in
        one batched update."""
        created = {e.originator_id for e in events if e.type in CREATED}
        touched = list({e.originator_id for e in events} - created)
        decisions = list({e.originator_id for e in events if e.type in PROCEDURE_EVENTS})
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows_of(cur, t["summaries"], "collection, status", "id", touched):
            rows[(r["collection"], r["id"])] = {**r, "new": False}
        counting: dict[str, list[str]] = {
            r["decision_id"]: r["counting"]
            for r in rows_of(cur, t["procedures"], "counting", "decision_id", decisions)
        }
        changed: set[str] = set()
        for e in events:
            s = e.state
            key = (COLLECTION_OF[e.type], e.originator_id)
            if e.type in CREATED:
                rows[key] = {"collection": key[0], "id": key[1], "new": True, "status": None}
                rows[key]["title"] = title_of(e.type, s)
            elif key not in rows:
                continue  # an aggregate this model never saw created: nothing to update
            row = rows[key]
            row.update(version=e.version, position=e.position, updated_at=s["timestamp"])
            row["status"] = KINDS[key[0]][1](e.type, s, row["status"])
            if e.type == Decision.Initiated.NAME and s["major"]:
                counting[e.originator_id] = []  # M10: a major decision prepares them
                changed.add(e.originator_id)
            if e.type in PROCEDURE_EVENTS and e.originator_id in counting:
                counting[e.originator_id] = counting_after(counting[e.originator_id], e.type, s)
                changed.add(e.originator_id)
                row["status"] = ready_when_complete(row["status"], True, counting[e.originator_id])
        inserts = [r for r in rows.values() if r["new"]]
        updates = [r for r in rows.values() if not r["new"] and "version" in r]
        insert_rows(
            cur,
            t["summaries"],
            ("collection", "id", "status", "title", "version", "position", "updated_at"),
            inserts,
        )
        if updates:
            cur.executemany(
                SQL(
                    "UPDATE {} SET status = %(status)s, version = %(version)s, position = "
                    "%(position)s, updated_at = %(updated_at)s WHERE collection = "
                    "%(collection)s AND id = %(id)s"
                ).format(t["summaries"]),
                updates,
            )
        insert_rows(
            cur,
            t["procedures"],
            ("decision_id", "counting"),
            [{"decision_id": d, "counting": counting[d]} for d in sorted(changed)],
            "ON CONFLICT (decision_id) DO UPDATE SET counting = EXCLUDED.counting",
        )


# ----- queries (the API reads these) -------------------------------------------------------


def page(
    conn: psycopg.Connection[Any],
    t: Tables,
    collection: str,
    status: str | None,
    cursor: uuid.UUID | None,
    limit: int,
) -> tuple[list[dict[str, Any]], bool]:
    """A page of a collection's summaries in id order after ``cursor``, and whether more
    follow."""
    rows = conn.execute(
        SQL(
            "SELECT id, status, title, version, updated_at FROM {} "
            "WHERE collection = %(collection)s "
            "AND (%(status)s::text IS NULL OR status = %(status)s) "
            "AND (%(cursor)s::uuid IS NULL OR id > %(cursor)s) ORDER BY id LIMIT %(limit)s"
        ).format(t["summaries"]),
        {"collection": collection, "status": status, "cursor": cursor, "limit": limit + 1},
    ).fetchall()
    return [{**r, "id": str(r["id"])} for r in rows[:limit]], len(rows) > limit
