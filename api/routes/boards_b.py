"""Dashboards over the supervision, leave and regulation read models, and the summary of every
panel. Read-your-writes as elsewhere: ``?min_position=N`` waits (5 s in all) until each model
read has processed N, then 503 with Retry-After; ``position`` is the lowest any of them
reflects. One REPEATABLE READ transaction per answer, so its panels agree with each other."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from psycopg.sql import SQL

from api.auth import current_actor
from api.routes.boards_a import decisions_panel, meetings_panel
from api.routes.readmodels import MinPosition, reading_models
from api.writes import json_response
from domain.base import Actor
from domain.calendar import add_months
from domain.clock import SHANGHAI
from projections.engine import Tables
from projections.read_models import leaves_board, regulations_board, supervision_board

router = APIRouter(tags=["dashboards"])
WEEK = timedelta(days=7)  # S1: report dates coming due
EXPIRING_DAYS = 90  # G6
CLEANUP_MONTHS = 12  # G7
SUPERVISION, LEAVES, REGULATIONS = "supervision_board", "leaves_board", "regulations_board"
COUNTERSIGNS = "countersigns"
Panel = Callable[[psycopg.Connection[Any], Tables, datetime], dict[str, Any]]


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.services.clock.now()
    return now


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


# ----- panels: each endpoint and the summary read the same functions ------------------------


def supervision_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """S1, S3, S5: items by status and lead unit, overdue items, reports due within a week."""
    return {
        "by_status": supervision_board.counts(conn, t, "status"),
        "by_unit": supervision_board.counts(conn, t, "lead_unit_id"),
        "overdue": supervision_board.overdue(conn, t, now),
        "reports_due_this_week": supervision_board.reports_due(conn, t, now, WEEK),
    }


def leaves_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """P2, P3: who is away and who acts; L6: returns overdue; L1: mayor and executive."""
    away = leaves_board.away_at(conn, t, now)
    return {
        "away_now": away,
        "return_overdue": [row for row in away if row["return_overdue"]],
        "l1": leaves_board.l1_state(away),
    }


def regulations_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """G6 expiring, G5 filings overdue by body, G7 cleanup due, G9 catalog — as of today."""
    today = _today(now)
    by_body: dict[str, list[dict[str, Any]]] = {}
    for row in regulations_board.filings_overdue(conn, t, today):
        by_body.setdefault(row.pop("body"), []).append(row)
    since = add_months(today, -CLEANUP_MONTHS)
    return {
        "today": today,
        "expiring_within_90_days": regulations_board.expiring(conn, t, today, EXPIRING_DAYS),
        "filings_overdue": by_body,
        "cleanup_due": regulations_board.cleanup_due(conn, t, today, since),
        "catalog": regulations_board.catalog(conn, t, today),
    }


def countersign_counts(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, int]:
    """D7: open countersign requests and those past their due time (the countersigns model)."""
    row = conn.execute(
        SQL(
            "SELECT count(*) AS open, count(*) FILTER (WHERE due <= %s) AS overdue "
            "FROM {} WHERE status = 'pending'"
        ).format(t["requests"]),
        (now,),
    ).fetchone()
    return {"open": row["open"] if row else 0, "overdue": row["overdue"] if row else 0}


# ----- endpoints ----------------------------------------------------------------------------


def _board(request: Request, name: str, panel: Panel, min_position: int | None) -> Response:
    now = _now(request)
    with reading_models(request, (name,), min_position) as (conn, tables, position):
        body = panel(conn, tables[name], now)
    return json_response({**body, "now": now, "position": position})


@router.get("/dashboard/supervision", summary="Items by status and unit, overdue, reports due")
def supervision(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, SUPERVISION, supervision_panel, min_position)


@router.get("/dashboard/leaves", summary="Who is away now and who acts (P2, P3, L1, L6)")
def leaves(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, LEAVES, leaves_panel, min_position)


@router.get("/dashboard/regulations", summary="Expiring, filings overdue, cleanup, catalog (G5-G9)")
def regulations(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, REGULATIONS, regulations_panel, min_position)


@router.get("/dashboard/summary", summary="Counts of each dashboard panel")
def summary(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    now = _now(request)
    names = (COUNTERSIGNS, SUPERVISION, LEAVES, REGULATIONS, "decisions_board", "meetings_board")
    with reading_models(request, names, min_position) as (conn, t, position):
        decisions = decisions_panel(conn, t["decisions_board"]["decisions"])
        meetings = meetings_panel(conn, t["meetings_board"]["meetings"], now)
        countersigns = countersign_counts(conn, t[COUNTERSIGNS], now)
        overdue_items = supervision_board.overdue(conn, t[SUPERVISION], now)
        leave = leaves_panel(conn, t[LEAVES], now)
        today = _today(now)
        expiring = regulations_board.expiring(conn, t[REGULATIONS], today, EXPIRING_DAYS)
        filings = regulations_board.filings_overdue(conn, t[REGULATIONS], today)
    return json_response(
        {
            "countersigns": countersigns,
            "supervision": {"overdue": len(overdue_items)},
            "leaves": {
                "away_now": len(leave["away_now"]),
                "return_overdue": len(leave["return_overdue"]),
                "both_leaders_away": leave["l1"]["both_away"],
            },
            "regulations": {
                "expiring_within_90_days": len(expiring),
                "filings_overdue": len(filings),
            },
            "decisions": {"by_stage": decisions["by_stage"]},
            "meetings": {
                "plenaries_this_year": meetings["plenaries_this_year"]["held"],
                "executive_gaps": len(meetings["executive_gaps"]),
                "pending_minutes": len(meetings["pending_minutes"]),
            },
            "now": now,
            "position": position,
        }
    )
