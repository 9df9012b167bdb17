"""The dashboards, each a panel over one read model, and the summary of every panel.
Read-your-writes as elsewhere: ``?min_position=N`` waits (5 s in all) until each model read has
processed N, then 503 with Retry-After; ``position`` is the lowest any of them reflects. One
REPEATABLE READ transaction per answer, so a summary's panels agree with each other. The SQL
lives with each read model; a panel only puts its queries' answers together."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

import psycopg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.reading import MinPosition, reading_models
from api.writes import json_response
from domain.base import Actor
from domain.calendar import add_months
from domain.clock import SHANGHAI, local_date
from domain.decisions import still_missing
from domain.meetings import executive_gaps, plenaries_in_year
from domain.supervision import S4_KINDS, leaders_leading
from projections.engine import Tables
from projections.read_models import (
    countersigns,
    decisions_board,
    document_limits,
    leaves_board,
    meetings_board,
    regulations_board,
    supervision_board,
)

router = APIRouter(tags=["dashboards"])
WEEK = timedelta(days=7)  # S1: report dates coming due
EXPIRING_DAYS = 90  # G6
CLEANUP_MONTHS = 12  # G7
COUNTERSIGNS, SUPERVISION, LEAVES = "countersigns", "supervision_board", "leaves_board"
REGULATIONS, DECISIONS, MEETINGS = "regulations_board", "decisions_board", "meetings_board"
LIMITS = "document_limits"
Panel = Callable[[psycopg.Connection[Any], Tables, datetime], dict[str, Any]]


# ----- panels: each endpoint and the summary read the same functions ------------------------


def countersigns_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """D7: open countersign requests, overdue first by due time."""
    items = countersigns.open_requests(conn, t, now)
    return {"open": items, "overdue": sum(1 for r in items if r["overdue"])}


def documents_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """D10: documents' open time limits (限时办结, 6 months for a provincial document), by due
    time; ``overdue`` counts those whose passing the system recorded."""
    items = document_limits.open_limits(conn, t, now)
    return {
        "open": items,
        "overdue": sum(1 for r in items if r["overdue"]),
        "met_late": document_limits.overdue_met(conn, t),
    }


def decisions_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """M9, M10: the major decisions, preparing first, each with the procedures it misses."""
    rows = decisions_board.major(conn, t)
    by_stage = dict.fromkeys(decisions_board.STAGES, 0)
    for row in rows:
        by_stage[row["stage"]] += 1
    decisions = [
        {
            "id": row["id"],
            "title": row["title"],
            "stage": row["stage"],
            "missing_procedures": still_missing(row["stage"], True, row["procedures"]),
            "meeting_id": row["meeting_id"],
        }
        for row in rows
    ]
    return {"by_stage": by_stage, "decisions": decisions}


def meetings_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """M4: plenaries opened in ``now``'s year (Shanghai) against 3; M5: gaps over 14 days
    between executive meetings' openings and since the last one until ``now``; M8: minutes
    drafted and awaiting signature. ``held_this_year``: every plenary and executive meeting
    opened in that year, by time, with its kind (the page draws the intervals from it)."""
    held = meetings_board.openings(conn, t)
    executive = [at for kind, at in held if kind == "executive"]
    year = now.astimezone(SHANGHAI).year
    return {
        "plenaries_this_year": plenaries_in_year(held, year),
        "held_this_year": sorted(
            ({"kind": kind, "at": at} for kind, at in held if local_date(at).year == year),
            key=lambda row: row["at"],
        ),
        "executive_gaps": executive_gaps(executive, now) if executive else [],
        "last_executive_at": executive[-1] if executive else None,
        "pending_minutes": meetings_board.minutes_to_sign(conn, t),
    }


def supervision_panel(
    conn: psycopg.Connection[Any], t: Tables, now: datetime, leaders: Sequence[str] = ()
) -> dict[str, Any]:
    """S1, S3: items by status and lead unit, overdue items, reports due within a week; S5:
    the ledger of open instructions; S4: whether each city leader led an NPC suggestion and a
    CPPCC proposal this year (Shanghai)."""
    year = now.astimezone(SHANGHAI).year
    since = datetime(year, 1, 1, tzinfo=SHANGHAI)
    led = supervision_board.led_by_leaders(conn, t, S4_KINDS, since)
    return {
        "by_status": supervision_board.counts(conn, t, "status"),
        "by_unit": supervision_board.counts(conn, t, "lead_unit_id"),
        "overdue": supervision_board.overdue(conn, t, now),
        "reports_due_this_week": supervision_board.reports_due(conn, t, now, WEEK),
        "instruction_ledger": supervision_board.instruction_ledger(conn, t),
        "leaders_leading": {"year": year, "leaders": leaders_leading(led, leaders, year)},
    }


def leaves_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """P2, P3: who is away and who acts; L6: returns overdue; L4: absences begun unfiled; L1:
    mayor and executive; L3: private-leave requests awaiting the mayor (not absences)."""
    away = leaves_board.away_at(conn, t, now)
    return {
        "away_now": away,
        "return_overdue": [row for row in away if row["return_overdue"]],
        "unfiled": [row for row in away if row["unfiled"]],
        "requests": leaves_board.requests(conn, t, now),
        "l1": leaves_board.l1_state(away),
    }


def regulations_panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
    """G6 expiring, G5 filings overdue by body, G7 cleanup due, G9 catalog — as of today."""
    today = local_date(now)
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


# ----- endpoints ----------------------------------------------------------------------------


def _now(request: Request) -> datetime:
    now: datetime = request.app.state.services.clock.now()
    return now


def _board(request: Request, name: str, panel: Panel, min_position: int | None) -> Response:
    now = _now(request)
    with reading_models(request, (name,), min_position) as (conn, tables, position):
        body = panel(conn, tables[name], now)
    return json_response({**body, "now": now, "position": position})


def _leaders(request: Request, today: date) -> list[str]:
    leaders: list[str] = request.app.state.services.app.roster().leaders(today)
    return leaders


@router.get("/dashboard/countersigns", summary="Open countersign requests, overdue first (D7)")
def countersigns_board(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, COUNTERSIGNS, countersigns_panel, min_position)


@router.get("/dashboard/documents", summary="Documents' open time limits, overdue marked (D10)")
def documents_board(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, LIMITS, documents_panel, min_position)


@router.get("/dashboard/decisions", summary="Major decisions by stage, with missing procedures")
def decisions(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, DECISIONS, decisions_panel, min_position)


@router.get("/dashboard/meetings", summary="Plenaries this year (M4), executive gaps (M5), minutes")
def meetings(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    return _board(request, MEETINGS, meetings_panel, min_position)


@router.get(
    "/dashboard/supervision",
    summary="Items by status and unit, overdue, reports due, instructions (S5), leaders (S4)",
)
def supervision(
    request: Request,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    leaders = _leaders(request, local_date(_now(request)))

    def panel(conn: psycopg.Connection[Any], t: Tables, now: datetime) -> dict[str, Any]:
        return supervision_panel(conn, t, now, leaders)

    return _board(request, SUPERVISION, panel, min_position)


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
    today = local_date(now)
    names = (COUNTERSIGNS, SUPERVISION, LEAVES, REGULATIONS, DECISIONS, MEETINGS, LIMITS)
    with reading_models(request, names, min_position) as (conn, t, position):
        # Everyone's summary is the same: within one second (of the clock: a drill clock moved
        # is a new second) and at the same generation and position of every model it reads,
        # the answer computed last is the answer. Dashboards poll it; a write moves a position
        # and the next request computes it afresh.
        key = (now.replace(microsecond=0), tuple((t[n].generation, t[n].position) for n in names))
        cached: tuple[Any, dict[str, Any]] | None = getattr(request.app.state, "summary", None)
        if cached is not None and cached[0] == key:
            return json_response(cached[1])
        decided = decisions_panel(conn, t[DECISIONS], now)
        met = meetings_panel(conn, t[MEETINGS], now)
        countersigned = countersigns.open_counts(conn, t[COUNTERSIGNS], now)
        limits = document_limits.open_counts(conn, t[LIMITS])
        overdue_items = supervision_board.overdue(conn, t[SUPERVISION], now)
        away = leaves_panel(conn, t[LEAVES], now)
        expiring = regulations_board.expiring(conn, t[REGULATIONS], today, EXPIRING_DAYS)
        filings = regulations_board.filings_overdue(conn, t[REGULATIONS], today)
    body = {
        "countersigns": countersigned,
        "documents": {"open_limits": limits["open"], "overdue": limits["overdue"]},
        "supervision": {"overdue": len(overdue_items)},
        "leaves": {
            "away_now": len(away["away_now"]),
            "return_overdue": len(away["return_overdue"]),
            "both_leaders_away": away["l1"]["both_away"],
            "unfiled": len(away["unfiled"]),
            "requests": len(away["requests"]),
        },
        "regulations": {
            "expiring_within_90_days": len(expiring),
            "filings_overdue": len(filings),
        },
        "decisions": {"by_stage": decided["by_stage"]},
        "meetings": {
            "plenaries_this_year": met["plenaries_this_year"]["held"],
            "executive_gaps": len(met["executive_gaps"]),
            "pending_minutes": len(met["pending_minutes"]),
        },
        "now": now,
        "position": position,
    }
    request.app.state.summary = (key, body)
    return json_response(body)
