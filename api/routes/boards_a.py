"""Dashboards over the decisions_board and meetings_board read models: /dashboard/decisions
(M9, M10) and /dashboard/meetings (M4, M5, M8). Each answer carries its ``position``. The panels
are plain functions of a connection and a table, for /dashboard/summary to reuse."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from psycopg.sql import SQL, Composable

from api.auth import current_actor
from api.routes.readmodels import MinPosition, reading
from api.writes import json_response
from domain.base import Actor
from domain.clock import SHANGHAI
from domain.decisions import missing_procedures
from domain.meetings import executive_gaps, plenaries_in_year
from projections.read_models.decisions_board import STAGES

router = APIRouter(tags=["dashboards"])


def decisions_panel(conn: psycopg.Connection[Any], table: Composable) -> dict[str, Any]:
    """M9, M10: the major decisions, preparing first, each with the procedures it misses."""
    rows = conn.execute(
        SQL(
            "SELECT id, title, stage, procedures, meeting_id FROM {} WHERE major "
            "ORDER BY array_position(%s::text[], stage), updated_at, id"
        ).format(table),
        (list(STAGES),),
    ).fetchall()
    by_stage = dict.fromkeys(STAGES, 0)
    for row in rows:
        by_stage[row["stage"]] += 1
    decisions = [
        {
            "id": str(row["id"]),
            "title": row["title"],
            "stage": row["stage"],
            "missing_procedures": missing_procedures(True, row["procedures"]),
            "meeting_id": row["meeting_id"],
        }
        for row in rows
    ]
    return {"by_stage": by_stage, "decisions": decisions}


def meetings_panel(
    conn: psycopg.Connection[Any], table: Composable, now: datetime
) -> dict[str, Any]:
    """M4: plenaries opened in ``now``'s year (Shanghai) against 3; M5: gaps over 14 days
    between executive meetings' openings and since the last one until ``now``; M8: minutes
    drafted and awaiting signature."""
    held = conn.execute(
        SQL(
            "SELECT kind, opened_at FROM {} WHERE opened_at IS NOT NULL "
            "AND kind IN ('plenary', 'executive') ORDER BY opened_at"
        ).format(table)
    ).fetchall()
    pending = conn.execute(
        SQL(
            "SELECT id, kind, title, convener_id, closed_at, minutes_version, "
            "minutes_drafted_at AS drafted_at FROM {} WHERE minutes_pending "
            "ORDER BY minutes_drafted_at, id"
        ).format(table)
    ).fetchall()
    executive = [r["opened_at"] for r in held if r["kind"] == "executive"]
    return {
        "plenaries_this_year": plenaries_in_year(
            [(r["kind"], r["opened_at"]) for r in held], now.astimezone(SHANGHAI).year
        ),
        "executive_gaps": executive_gaps(executive, now) if executive else [],
        "last_executive_at": executive[-1] if executive else None,
        "pending_minutes": [{**r, "id": str(r["id"])} for r in pending],
    }


@router.get("/dashboard/decisions", summary="Major decisions by stage, with missing procedures")
def decisions(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    with reading(request, "decisions_board", min_position) as (conn, t, position):
        panel = decisions_panel(conn, t["decisions"])
    return json_response({**panel, "position": position})


@router.get("/dashboard/meetings", summary="Plenaries this year (M4), executive gaps (M5), minutes")
def meetings(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    now = request.app.state.services.clock.now()
    with reading(request, "meetings_board", min_position) as (conn, t, position):
        panel = meetings_panel(conn, t["meetings"], now)
    return json_response({**panel, "now": now, "position": position})
