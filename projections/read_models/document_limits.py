"""Documents' time limits (D10): the handling limit (限时办结) the office set when it routed a
document, and the 6 months within which a document carrying out a provincial one is issued;
open until met, and marked overdue when the system recorded their passing."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.documents import OfficialDocument, implementation_overdue_at
from projections.engine import Event, ReadModel, Tables, insert_rows

COLUMNS = ("document_id", "kind", "due", "due_at", "met_at", "overdue", "position")
OVERDUE = {
    OfficialDocument.HandlingOverdue.NAME: "handling",
    OfficialDocument.ImplementationOverdue.NAME: "implementation",
}


class DocumentLimits(ReadModel):
    """/dashboard/documents: documents' open time limits, the overdue first (D10)."""

    name: ClassVar[str] = "document_limits"
    tables: ClassVar[dict[str, str]] = {
        "limits": "document_id uuid NOT NULL, kind text NOT NULL, "
        "due text NOT NULL, due_at timestamptz NOT NULL, met_at timestamptz, "
        "overdue boolean NOT NULL, position bigint NOT NULL, PRIMARY KEY (document_id, kind)"
    }
    indexes: ClassVar[tuple[tuple[str, str], ...]] = (("limits", "(due_at) WHERE met_at IS NULL"),)
    types: ClassVar[tuple[str, ...]] = (
        OfficialDocument.Drafted.NAME,
        OfficialDocument.Routed.NAME,
        OfficialDocument.Instructed.NAME,
        OfficialDocument.Issued.NAME,
        *OVERDUE,
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """New limits are inserted at once; the rest updated with one statement per column
        (a limit met or found overdue in the same batch as it was set is updated too)."""
        new: dict[tuple[str, str], dict[str, Any]] = {}
        updates: list[tuple[str, str, str, Any]] = []  # (column, id, kind, value)
        for e in events:
            s = e.state
            if e.type == OfficialDocument.Drafted.NAME:
                if due := s.get("implementation_due"):
                    at = implementation_overdue_at(date.fromisoformat(due))
                    new[(e.originator_id, "implementation")] = _row(e, "implementation", due, at)
            elif e.type == OfficialDocument.Routed.NAME and (due := s.get("handling_due")):
                new[(e.originator_id, "handling")] = _row(
                    e, "handling", due, datetime.fromisoformat(due)
                )
            elif e.type == OfficialDocument.Instructed.NAME and not s.get("forwarded_to"):
                updates.append(("met_at", e.originator_id, "handling", s["timestamp"]))
            elif e.type == OfficialDocument.Issued.NAME:
                updates.append(("met_at", e.originator_id, "implementation", s["timestamp"]))
            elif e.type in OVERDUE:
                updates.append(("overdue", e.originator_id, OVERDUE[e.type], True))
        insert_rows(cur, t["limits"], COLUMNS, list(new.values()))
        met = [(v, d, k) for c, d, k, v in updates if c == "met_at"]
        if met:  # the first act that meets it
            cur.executemany(
                SQL("UPDATE {} SET met_at = COALESCE(met_at, %s) WHERE document_id = %s AND "
                    "kind = %s").format(t["limits"]),
                met,
            )  # fmt: skip
        overdue = [(d, k) for c, d, k, _ in updates if c == "overdue"]
        if overdue:
            cur.executemany(
                SQL("UPDATE {} SET overdue = true WHERE document_id = %s AND kind = %s").format(
                    t["limits"]
                ),
                overdue,
            )


def _row(e: Event, kind: str, due: str, due_at: datetime) -> dict[str, Any]:
    return {"document_id": e.originator_id, "kind": kind, "due": due,
            "due_at": due_at, "met_at": None, "overdue": False, "position": e.position}  # fmt: skip


# ----- queries (the API reads these) -------------------------------------------------------


def open_limits(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> list[dict[str, Any]]:
    """D10: the limits not met yet, by due time, each saying whether it has passed at ``now``
    and whether the system recorded it overdue."""
    rows = conn.execute(
        SQL(
            "SELECT document_id, kind, due, due_at, overdue, due_at <= %s AS passed FROM {} "
            "WHERE met_at IS NULL ORDER BY due_at, document_id, kind"
        ).format(t["limits"]),
        (now,),
    ).fetchall()
    return [{**r, "document_id": str(r["document_id"])} for r in rows]


def open_counts(conn: psycopg.Connection[Any], t: Tables) -> dict[str, int]:
    """D10 in numbers, as the summary shows them: the limits not met yet, and how many of
    those the system recorded overdue (the rows themselves are the panel's)."""
    row = conn.execute(
        SQL(
            "SELECT count(*) AS open, count(*) FILTER (WHERE overdue) AS overdue FROM {} "
            "WHERE met_at IS NULL"
        ).format(t["limits"])
    ).fetchone()
    return {"open": int(row["open"]), "overdue": int(row["overdue"])} if row else {}


def overdue_met(conn: psycopg.Connection[Any], t: Tables) -> int:
    """D10: limits the system recorded overdue and that were met late since."""
    row = conn.execute(
        SQL("SELECT count(*) AS n FROM {} WHERE overdue AND met_at IS NOT NULL").format(t["limits"])
    ).fetchone()
    return int(row["n"]) if row else 0
