"""The supervision board: items by status and lead unit, overdue items (S3) and report dates
coming due (S1), one ledger line per item until it is closed (S5)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL, Identifier

from projections.engine import Event, ReadModel, Tables

Row = dict[str, Any]


class SupervisionBoard(ReadModel):
    """/dashboard/supervision. ``overdue_from`` is the earliest of the deadline and every
    rectification's due time: an item still open then is overdue (S3). A progress report
    answers the first report date at or after it, as the domain counts them (S1, S3)."""

    name: ClassVar[str] = "supervision_board"
    tables: ClassVar[dict[str, str]] = {
        "items": "id uuid PRIMARY KEY, title text NOT NULL, source_kind text NOT NULL, "
        "lead_unit_id text NOT NULL, status text NOT NULL, deadline timestamptz NOT NULL, "
        "rectification_due timestamptz, overdue_from timestamptz NOT NULL, "
        "registered_at timestamptz NOT NULL, closed_at timestamptz, circulated_at timestamptz, "
        "version int NOT NULL, position bigint NOT NULL",
        "reports": "item_id uuid NOT NULL, due timestamptz NOT NULL, reported_at timestamptz, "
        "PRIMARY KEY (item_id, due)",
    }
    types: ClassVar[tuple[str, ...]] = (
        "SupervisionItemRegistered",
        "ProgressReported",
        "ItemVerified",
        "RectificationOrdered",
        "ItemClosed",
        "ResultsCirculated",
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            if e.type == "SupervisionItemRegistered":
                self._registered(cur, t, e)
                continue
            if e.type == "ProgressReported":
                self._reported(cur, t, e)
            self._update(cur, t, e)

    @staticmethod
    def _registered(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
        s = e.state
        cur.execute(
            SQL(
                "INSERT INTO {} (id, title, source_kind, lead_unit_id, status, deadline, "
                "overdue_from, registered_at, version, position) "
                "VALUES (%s, %s, %s, %s, 'registered', %s, %s, %s, %s, %s)"
            ).format(t["items"]),
            (e.originator_id, s["title"], s["source"]["kind"], s["lead_unit_id"], s["deadline"],
             s["deadline"], s["timestamp"], e.version, e.position),
        )  # fmt: skip
        cur.executemany(
            SQL("INSERT INTO {} (item_id, due) VALUES (%s, %s)").format(t["reports"]),
            [(e.originator_id, due) for due in s["report_dates"]],
        )

    @staticmethod
    def _reported(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
        """S3: a report answers the first report date at or after it."""
        cur.execute(
            SQL(
                "UPDATE {r} SET reported_at = %(at)s WHERE item_id = %(id)s AND reported_at IS "
                "NULL AND due = (SELECT min(due) FROM {r} WHERE item_id = %(id)s AND due >= %(at)s)"
            ).format(r=t["reports"]),
            {"id": e.originator_id, "at": e.state["timestamp"]},
        )

    @staticmethod
    def _update(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
        s = e.state
        status = {
            "ProgressReported": None,
            "ItemVerified": "verified" if s.get("result") == "passed" else "failed_verification",
            "RectificationOrdered": "rectifying",
            "ItemClosed": "closed",
            "ResultsCirculated": None,
        }[e.type]
        due = s.get("due") if e.type == "RectificationOrdered" else None
        cur.execute(
            SQL(
                "UPDATE {} SET status = COALESCE(%(status)s, CASE WHEN status = 'registered' "
                "THEN 'in_progress' ELSE status END), rectification_due = COALESCE(%(due)s, "
                "rectification_due), overdue_from = LEAST(overdue_from, %(due)s), closed_at = "
                "CASE WHEN %(closed)s THEN %(at)s ELSE closed_at END, circulated_at = CASE WHEN "
                "%(circulated)s THEN %(at)s ELSE circulated_at END, version = %(version)s, "
                "position = %(position)s WHERE id = %(id)s"
            ).format(t["items"]),
            {"status": status, "due": due, "at": s["timestamp"], "id": e.originator_id,
             "closed": e.type == "ItemClosed", "circulated": e.type == "ResultsCirculated",
             "version": e.version, "position": e.position},
        )  # fmt: skip


# ----- queries (the board reads these) ------------------------------------------------------


def counts(conn: psycopg.Connection[Any], t: Tables, column: str) -> dict[str, int]:
    """Items counted by ``status`` or ``lead_unit_id``."""
    if column not in ("status", "lead_unit_id"):
        raise ValueError(column)
    rows = conn.execute(
        SQL("SELECT {c} AS key, count(*) AS n FROM {} GROUP BY {c} ORDER BY {c}").format(
            t["items"], c=Identifier(column)
        )
    ).fetchall()
    return {r["key"]: r["n"] for r in rows}


def overdue(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> list[Row]:
    """S3: open items past their deadline or a rectification's due time."""
    return conn.execute(
        SQL(
            "SELECT id, title, lead_unit_id, status, deadline, rectification_due, overdue_from "
            "AS overdue_since FROM {} WHERE status <> 'closed' AND overdue_from <= %s "
            "ORDER BY overdue_from, id"
        ).format(t["items"]),
        (now,),
    ).fetchall()


def reports_due(
    conn: psycopg.Connection[Any], t: Tables, now: datetime, within: timedelta
) -> list[Row]:
    """S1: report dates of open items falling within ``within`` from now, not yet answered."""
    return conn.execute(
        SQL(
            "SELECT r.item_id, i.title, i.lead_unit_id, r.due FROM {} r JOIN {} i ON i.id = "
            "r.item_id WHERE i.status <> 'closed' AND r.reported_at IS NULL AND r.due >= %s "
            "AND r.due <= %s ORDER BY r.due, r.item_id"
        ).format(t["reports"], t["items"]),
        (now, now + within),
    ).fetchall()
