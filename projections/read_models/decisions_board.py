"""The decisions dashboard: each decision's stage, the M10 procedures it has recorded and the
meeting that decided it (M9); /dashboard/decisions shows the major ones with what they miss."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.decisions import PROCEDURES
from projections.engine import Event, PipelinedModel, Tables
from projections.read_models.summaries import first_status, status_after

STAGES = ("preparing", "ready", "decided", "published", "withheld")


class DecisionsBoard(PipelinedModel):
    """/dashboard/decisions: major decisions by stage, with missing procedures (M9, M10)."""

    name: ClassVar[str] = "decisions_board"
    tables: ClassVar[dict[str, str]] = {
        "decisions": "id uuid PRIMARY KEY, title text NOT NULL, major boolean NOT NULL, "
        "stage text NOT NULL, procedures text[] NOT NULL DEFAULT ARRAY[]::text[], "
        "meeting_id text, position bigint NOT NULL, updated_at timestamptz NOT NULL"
    }
    types: ClassVar[tuple[str, ...]] = (
        "DecisionInitiated",
        "DecisionProcedureRecorded",
        "DecisionTaken",
        "DecisionPublished",
    )

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == "DecisionInitiated":
                cur.execute(
                    SQL(
                        "INSERT INTO {} (id, title, major, stage, position, updated_at) "
                        "VALUES (%s, %s, %s, %s, %s, %s)"
                    ).format(t["decisions"]),
                    (e.originator_id, s["title"], s["major"], first_status(e.type, s),
                     e.position, s["timestamp"]),
                )  # fmt: skip
            elif e.type == "DecisionProcedureRecorded":
                self._procedure(cur, t, e, s["procedure"])
            else:
                cur.execute(
                    SQL(
                        "UPDATE {} SET stage = %s, meeting_id = COALESCE(%s, meeting_id), "
                        "position = %s, updated_at = %s WHERE id = %s"
                    ).format(t["decisions"]),
                    (status_after(e.type, s), s.get("meeting_id"), e.position, s["timestamp"],
                     e.originator_id),
                )  # fmt: skip

    @staticmethod
    def _procedure(cur: psycopg.Cursor[Any], t: Tables, e: Event, procedure: str) -> None:
        """M10: the procedure joins the recorded ones; with all four, a major decision that
        was preparing is ready for the collective decision."""
        cur.execute(
            SQL(
                "UPDATE {} SET procedures = CASE WHEN %(p)s = ANY(procedures) THEN procedures "
                "ELSE array_append(procedures, %(p)s::text) END, position = %(position)s, "
                "updated_at = %(at)s WHERE id = %(id)s"
            ).format(t["decisions"]),
            {"p": procedure, "position": e.position, "at": e.state["timestamp"],
             "id": e.originator_id},
        )  # fmt: skip
        cur.execute(
            SQL(
                "UPDATE {} SET stage = 'ready' WHERE id = %s AND stage = 'preparing' "
                "AND procedures @> %s::text[]"
            ).format(t["decisions"]),
            (e.originator_id, list(PROCEDURES)),
        )


def missing_procedures(major: bool, recorded: list[str]) -> list[str]:
    """M10 binds major decisions; one that is not major misses nothing."""
    return [p for p in PROCEDURES if p not in recorded] if major else []
