"""The decisions dashboard: each decision's stage, the M10 procedures that count (done, a
legality review passed, a waiver the office confirmed) and the meeting that decided it (M9);
/dashboard/decisions shows the major ones with what they miss."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.decisions import (
    DECISION_STAGE,
    Decision,
    counting_after,
    ready_when_complete,
)
from projections.engine import Event, ReadModel, Tables, insert_rows, rows_of

STAGES = ("preparing", "ready", "decided", "published", "withheld")
COLUMNS = ("id", "title", "major", "stage", "procedures", "meeting_id", "position", "updated_at")


class DecisionsBoard(ReadModel):
    """/dashboard/decisions: major decisions by stage, with missing procedures (M9, M10). The
    stage folds through the domain's own rule (DECISION_STAGE, ready_when_complete)."""

    name: ClassVar[str] = "decisions_board"
    # 2: ``procedures`` lists those that count (M10), no longer every one recorded.
    version: ClassVar[int] = 2
    tables: ClassVar[dict[str, str]] = {
        "decisions": "id uuid PRIMARY KEY, title text NOT NULL, major boolean NOT NULL, "
        "stage text NOT NULL, procedures text[] NOT NULL DEFAULT ARRAY[]::text[], "
        "meeting_id text, position bigint NOT NULL, updated_at timestamptz NOT NULL"
    }
    types: ClassVar[tuple[str, ...]] = (
        Decision.Initiated.NAME,
        Decision.ProcedureRecorded.NAME,
        Decision.WaiverConfirmed.NAME,
        Decision.Taken.NAME,
        Decision.Published.NAME,
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Folds the batch per decision (the rows it touches that exist already are read
        once), then writes new rows in one insert and changed ones in one batched update."""
        initiated = {e.originator_id for e in events if e.type == Decision.Initiated.NAME}
        touched = list({e.originator_id for e in events} - initiated)
        rows: dict[str, dict[str, Any]] = {}
        columns = "major, stage, procedures, meeting_id"
        for r in rows_of(cur, t["decisions"], columns, "id", touched):
            rows[r["id"]] = {**r, "new": False}
        for e in events:
            s = e.state
            if e.type == Decision.Initiated.NAME:
                rows[e.originator_id] = {
                    "id": e.originator_id, "new": True, "title": s["title"],
                    "major": s["major"], "stage": None, "procedures": [], "meeting_id": None,
                }  # fmt: skip
            row = rows.get(e.originator_id)
            if row is None:
                continue  # a decision this model never saw initiated: nothing to update
            row["stage"] = DECISION_STAGE(e.type, s, row["stage"])
            if e.type in (Decision.ProcedureRecorded.NAME, Decision.WaiverConfirmed.NAME):
                row["procedures"] = counting_after(row["procedures"], e.type, s)
                row["stage"] = ready_when_complete(row["stage"], row["major"], row["procedures"])
            row["meeting_id"] = s.get("meeting_id", row["meeting_id"])
            row.update(position=e.position, updated_at=s["timestamp"], changed=True)
        insert_rows(cur, t["decisions"], COLUMNS, [r for r in rows.values() if r["new"]])
        if changed := [r for r in rows.values() if not r["new"] and r.get("changed")]:
            cur.executemany(
                SQL(
                    "UPDATE {} SET stage = %(stage)s, procedures = %(procedures)s, "
                    "meeting_id = %(meeting_id)s, position = %(position)s, "
                    "updated_at = %(updated_at)s WHERE id = %(id)s"
                ).format(t["decisions"]),
                changed,
            )


# ----- queries (the API reads these) -------------------------------------------------------


def major(conn: psycopg.Connection[Any], t: Tables) -> list[dict[str, Any]]:
    """M9, M10: the major decisions, preparing first, then by when they last moved."""
    rows = conn.execute(
        SQL(
            "SELECT id, title, stage, procedures, meeting_id FROM {} WHERE major "
            "ORDER BY array_position(%s::text[], stage), updated_at, id"
        ).format(t["decisions"]),
        (list(STAGES),),
    ).fetchall()
    return [{**r, "id": str(r["id"])} for r in rows]
