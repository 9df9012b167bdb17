"""The leave board: who is away now, until when, who acts for them (P2, P3), whose return is
overdue (L6), which absences began unfiled (L4), whether the mayor and the executive
vice-mayor are both away (L1), and the private-leave requests awaiting the mayor (L3) — never
counted as absences until approved."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.leaves import LEAVE_STATUS, LeaveRecord
from projections.engine import Event, PipelinedModel, Tables

Row = dict[str, Any]


class LeavesBoard(PipelinedModel):
    """/dashboard/leaves: one row per absence (LeaveRecord), with the office its person held
    when it was reported (L1) and who acts meanwhile (P2, P3). ``begins_at`` is when it is an
    absence: its start, or for a request (L3) none until approved, then its start or the
    approval if later; ``unfiled_at`` the moment it began unfiled (L4)."""

    name: ClassVar[str] = "leaves_board"
    tables: ClassVar[dict[str, str]] = {
        "absences": "id uuid PRIMARY KEY, person_id text NOT NULL, office text, kind text NOT "
        "NULL, starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, acting_id text, "
        "status text NOT NULL, filed_at timestamptz, returned_at timestamptz, "
        "version int NOT NULL, position bigint NOT NULL, begins_at timestamptz, "
        "approval_by text, unfiled_at timestamptz"
    }
    types: ClassVar[tuple[str, ...]] = (
        LeaveRecord.Reported.NAME,
        LeaveRecord.Approved.NAME,
        LeaveRecord.Filed.NAME,
        LeaveRecord.ReturnReported.NAME,
        LeaveRecord.Cancelled.NAME,
        LeaveRecord.Refused.NAME,
        LeaveRecord.Unfiled.NAME,
    )

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == LeaveRecord.Reported.NAME:
                cur.execute(
                    SQL(
                        "INSERT INTO {} (id, person_id, office, kind, starts_at, ends_at, "
                        "acting_id, status, version, position, begins_at, approval_by) "
                        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    ).format(t["absences"]),
                    (e.originator_id, s["person_id"], s["office"], s["kind"], s["starts_at"],
                     s["ends_at"], s["acting_id"],
                     LEAVE_STATUS(e.type, s), e.version, e.position,
                     None if s.get("request") else s["starts_at"], s["approval_by"]),
                )  # fmt: skip
                continue
            cur.execute(
                SQL(
                    "UPDATE {} SET status = COALESCE(%(status)s, status), filed_at = CASE WHEN "
                    "%(filed)s THEN %(at)s ELSE filed_at END, returned_at = COALESCE("
                    "%(returned_at)s, returned_at), begins_at = COALESCE(%(begins_at)s, "
                    "begins_at), unfiled_at = COALESCE(%(unfiled_at)s, unfiled_at), version = "
                    "%(version)s, position = %(position)s WHERE id = %(id)s"
                ).format(t["absences"]),
                {"status": LEAVE_STATUS(e.type, s), "filed": e.type == LeaveRecord.Filed.NAME,
                 "at": s["timestamp"], "returned_at": s.get("returned_at"),
                 "begins_at": s.get("begins_at"),
                 "unfiled_at": s["due"] if e.type == LeaveRecord.Unfiled.NAME else None,
                 "version": e.version, "position": e.position, "id": e.originator_id},
            )  # fmt: skip


def away_at(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> list[Row]:
    """Who is away at ``now``: from the start until the return is reported, cancelled ones
    aside; past the planned end without a return, ``return_overdue`` (L6) — still away, so
    whoever acts goes on acting (P2, P3). A request (L3) counts once approved, from then on;
    a refused one never. ``unfiled``: it began without having been filed (L4)."""
    return conn.execute(
        SQL(
            "SELECT id AS leave_id, person_id, office, kind, begins_at AS starts_at, "
            "ends_at AS until, acting_id, status, ends_at <= %(now)s AS return_overdue, "
            "filed_at IS NOT NULL AS filed, unfiled_at IS NOT NULL AS unfiled, unfiled_at "
            "AS unfiled_since FROM {} WHERE begins_at <= %(now)s AND status NOT IN "
            "('cancelled', 'refused') AND (returned_at IS NULL OR returned_at > %(now)s) "
            "ORDER BY begins_at, person_id, id"
        ).format(t["absences"]),
        {"now": now},
    ).fetchall()


def requests(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> list[Row]:
    """L3: private leave awaiting the mayor, for a period not over by ``now`` — requests, not
    absences: nobody acts for them yet and L1 does not count them."""
    return conn.execute(
        SQL(
            "SELECT id AS leave_id, person_id, office, kind, starts_at, ends_at AS until, "
            "acting_id, approval_by, status FROM {} WHERE status = 'requested' AND "
            "ends_at > %(now)s ORDER BY starts_at, person_id, id"
        ).format(t["absences"]),
        {"now": now},
    ).fetchall()


def l1_state(away: list[Row]) -> dict[str, bool]:
    """L1: the mayor and the executive vice-mayor are not away at the same time."""
    offices = {row["office"] for row in away}
    mayor, executive = "mayor" in offices, "executive_vice_mayor" in offices
    return {
        "mayor_away": mayor,
        "executive_vice_mayor_away": executive,
        "both_away": mayor and executive,
    }
