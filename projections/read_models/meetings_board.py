"""The meetings dashboard: each meeting's kind, status, opening and closing times, and whether
its latest minutes await signing — for the M4 plenary count, the M5 executive gaps and the M8
minutes to sign."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.meetings import Meeting
from projections.engine import Event, PipelinedModel, Tables

# The columns each later event sets (with its timestamp, under the %(at)s parameter).
SETS = {
    Meeting.Opened.NAME: "status = 'open', opened_at = %(at)s",
    Meeting.Closed.NAME: "status = 'closed', closed_at = %(at)s",
    Meeting.MinutesDrafted.NAME: "minutes_pending = true, minutes_drafted_at = %(at)s, "
    "minutes_version = minutes_version + 1",
    Meeting.MinutesSigned.NAME: "minutes_pending = false",
}


class MeetingsBoard(PipelinedModel):
    """/dashboard/meetings: plenaries this year (M4), executive gaps (M5), minutes to sign
    (M8)."""

    name: ClassVar[str] = "meetings_board"
    tables: ClassVar[dict[str, str]] = {
        "meetings": "id uuid PRIMARY KEY, kind text NOT NULL, title text NOT NULL, "
        "convener_id text NOT NULL, status text NOT NULL, opened_at timestamptz, "
        "closed_at timestamptz, minutes_pending boolean NOT NULL DEFAULT false, "
        "minutes_drafted_at timestamptz, minutes_version int NOT NULL DEFAULT 0, "
        "position bigint NOT NULL"
    }
    types: ClassVar[tuple[str, ...]] = (Meeting.Convened.NAME, *SETS)

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == Meeting.Convened.NAME:
                cur.execute(
                    SQL(
                        "INSERT INTO {} (id, kind, title, convener_id, status, position) "
                        "VALUES (%s, %s, %s, %s, 'convened', %s)"
                    ).format(t["meetings"]),
                    (e.originator_id, s["kind"], s["title"], s["convener_id"], e.position),
                )
                continue
            cur.execute(
                SQL("UPDATE {} SET " + SETS[e.type] + ", position = %(position)s "
                    "WHERE id = %(id)s").format(t["meetings"]),
                {"at": s["timestamp"], "position": e.position, "id": e.originator_id},
            )  # fmt: skip


# ----- queries (the API reads these) -------------------------------------------------------


def openings(conn: psycopg.Connection[Any], t: Tables) -> list[tuple[str, datetime]]:
    """M4, M5: (kind, opened at) of every plenary and executive meeting opened, in order."""
    rows = conn.execute(
        SQL(
            "SELECT kind, opened_at FROM {} WHERE opened_at IS NOT NULL "
            "AND kind IN ('plenary', 'executive') ORDER BY opened_at"
        ).format(t["meetings"])
    ).fetchall()
    return [(r["kind"], r["opened_at"]) for r in rows]


def minutes_to_sign(conn: psycopg.Connection[Any], t: Tables) -> list[dict[str, Any]]:
    """M8: meetings whose latest minutes are drafted and await signing."""
    rows = conn.execute(
        SQL(
            "SELECT id, kind, title, convener_id, closed_at, minutes_version, "
            "minutes_drafted_at AS drafted_at FROM {} WHERE minutes_pending "
            "ORDER BY minutes_drafted_at, id"
        ).format(t["meetings"])
    ).fetchall()
    return [{**r, "id": str(r["id"])} for r in rows]
