"""The supervision board: items by status and lead unit, overdue items (S3) and report dates
coming due (S1), the ledger of instructions until each is closed (S5), what each city leader
led this year (S4), and the performance results with the ranking they give once approved at
an executive meeting, and the reminder interviews of the bottom-ranked (S6)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL, Identifier

from domain.performance import PerformanceAssessment, ranking
from domain.supervision import ITEM_STATUS, SupervisionItem
from projections.engine import Event, ReadModel, Tables, insert_rows, rows_of

Row = dict[str, Any]


PERFORMANCE = (
    PerformanceAssessment.Recorded.NAME,
    PerformanceAssessment.Approved.NAME,
    PerformanceAssessment.Interviewed.NAME,
)


class SupervisionBoard(ReadModel):
    """/dashboard/supervision. ``overdue_from`` is the earliest of the deadline and every
    rectification's due time: an item still open then is overdue (S3). A progress report
    answers the first report date at or after it, as the domain counts them (S1, S3)."""

    name: ClassVar[str] = "supervision_board"
    tables: ClassVar[dict[str, str]] = {
        "items": "id uuid PRIMARY KEY, title text NOT NULL, source_kind text NOT NULL, "
        "source_ref text NOT NULL, led_by text, lead_unit_id text NOT NULL, "
        "status text NOT NULL, deadline timestamptz NOT NULL, "
        "rectification_due timestamptz, overdue_from timestamptz NOT NULL, "
        "registered_at timestamptz NOT NULL, closed_at timestamptz, circulated_at timestamptz, "
        "version int NOT NULL, position bigint NOT NULL",
        "reports": "item_id uuid NOT NULL, due timestamptz NOT NULL, reported_at timestamptz, "
        "PRIMARY KEY (item_id, due)",
        # S6: one row per unit of each period's results; ranked once approved.
        "performance": "assessment_id uuid NOT NULL, period text NOT NULL, scope text NOT NULL, "
        "unit_id text NOT NULL, score double precision NOT NULL, bottom_places int NOT NULL, "
        "approved_at timestamptz, meeting_id text, interviewed_at timestamptz, "
        "PRIMARY KEY (assessment_id, unit_id)",
    }
    types: ClassVar[tuple[str, ...]] = (
        SupervisionItem.Registered.NAME,
        SupervisionItem.ProgressReported.NAME,
        SupervisionItem.Verified.NAME,
        SupervisionItem.RectificationOrdered.NAME,
        SupervisionItem.Closed.NAME,
        SupervisionItem.ResultsCirculated.NAME,
        *PERFORMANCE,
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """S6 rows as they come; items folded in memory, each changed row written once."""
        events = _performance(cur, t, events)
        registered = {e.originator_id for e in events if e.type == SupervisionItem.Registered.NAME}
        touched = list({e.originator_id for e in events} - registered)
        reporting = list(
            {e.originator_id for e in events if e.type == SupervisionItem.ProgressReported.NAME}
            - registered
        )
        items: dict[str, Row] = {}
        columns = "status, rectification_due, overdue_from, closed_at, circulated_at"
        for r in rows_of(cur, t["items"], columns, "id", touched):
            items[r["id"]] = {**r, "new": False}
        reports: dict[str, dict[datetime, Row]] = {}
        for r in rows_of(cur, t["reports"], "due, reported_at", "item_id", reporting):
            reports.setdefault(r["item_id"], {})[r["due"]] = {**r, "new": False}
        for e in events:
            at = _time(e.state["timestamp"])
            if e.type == SupervisionItem.Registered.NAME:
                items[e.originator_id], reports[e.originator_id] = _registered(e, at)
                continue
            item = items.get(e.originator_id)
            if item is None:
                continue  # an item this model never saw registered: nothing to update
            if e.type == SupervisionItem.ProgressReported.NAME:
                _answer(reports.get(e.originator_id, {}), at)
            _fold(item, e, at)
        new = [r for r in items.values() if r["new"]]
        changed = [r for r in items.values() if not r["new"] and "version" in r]
        dates = [r for rs in reports.values() for r in rs.values()]
        insert_rows(
            cur,
            t["items"],
            ("id", "title", "source_kind", "source_ref", "led_by", "lead_unit_id", "status",
             "deadline",
             "rectification_due", "overdue_from", "registered_at", "closed_at", "circulated_at",
             "version", "position"),
            new,
        )  # fmt: skip
        if changed:
            cur.executemany(
                SQL(
                    "UPDATE {} SET status = %(status)s, rectification_due = "
                    "%(rectification_due)s, overdue_from = %(overdue_from)s, closed_at = "
                    "%(closed_at)s, circulated_at = %(circulated_at)s, version = %(version)s, "
                    "position = %(position)s WHERE id = %(id)s"
                ).format(t["items"]),
                changed,
            )
        insert_rows(
            cur, t["reports"], ("item_id", "due", "reported_at"), [r for r in dates if r["new"]]
        )
        if answered := [r for r in dates if not r["new"] and r.get("answered")]:
            cur.executemany(
                SQL(
                    "UPDATE {} SET reported_at = %(reported_at)s WHERE item_id = %(item_id)s "
                    "AND due = %(due)s"
                ).format(t["reports"]),
                answered,
            )


def _performance(cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> list[Event]:
    """S6: results recorded (a row per unit), approved (the meeting), interviews. Answers the
    batch's other events (the items')."""
    for e in events:
        if e.type not in PERFORMANCE:
            continue
        s = e.state
        if e.type == PerformanceAssessment.Recorded.NAME:
            cur.executemany(
                SQL(
                    "INSERT INTO {} (assessment_id, period, scope, unit_id, score, bottom_places) "
                    "VALUES (%s, %s, %s, %s, %s, %s)"
                ).format(t["performance"]),
                [(e.originator_id, s["period"], s["scope"], unit_id, score, s["bottom_places"])
                 for unit_id, score in s["scores"].items()],
            )  # fmt: skip
        elif e.type == PerformanceAssessment.Approved.NAME:
            cur.execute(
                SQL(
                    "UPDATE {} SET approved_at = %s, meeting_id = %s WHERE assessment_id = %s"
                ).format(t["performance"]),
                (s["timestamp"], s["meeting_id"], e.originator_id),
            )
        else:
            cur.execute(
                SQL(
                    "UPDATE {} SET interviewed_at = %s WHERE assessment_id = %s AND unit_id = %s"
                ).format(t["performance"]),
                (s["timestamp"], e.originator_id, s["unit_id"]),
            )
    return [e for e in events if e.type not in PERFORMANCE]


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _registered(e: Event, at: datetime) -> tuple[Row, dict[datetime, Row]]:
    """A new item's row and its report dates' rows."""
    s = e.state
    deadline = _time(s["deadline"])
    item = {
        "id": e.originator_id, "new": True, "title": s["title"],
        "source_kind": s["source"]["kind"], "source_ref": s["source"]["ref"],
        "led_by": s.get("led_by"), "lead_unit_id": s["lead_unit_id"],
        "status": ITEM_STATUS(e.type, s), "deadline": deadline, "rectification_due": None,
        "overdue_from": deadline, "registered_at": at, "closed_at": None,
        "circulated_at": None, "version": e.version, "position": e.position,
    }  # fmt: skip
    reports = {
        (due := _time(d)): {"item_id": e.originator_id, "due": due, "reported_at": None,
                            "new": True}
        for d in s["report_dates"]
    }  # fmt: skip
    return item, reports


def _answer(dates: dict[datetime, Row], at: datetime) -> None:
    """S3: a report answers the first report date at or after it (if not answered yet)."""
    due = min((d for d in dates if d >= at), default=None)
    if due is not None and dates[due]["reported_at"] is None:
        dates[due].update(reported_at=at, answered=True)


def _fold(item: Row, e: Event, at: datetime) -> None:
    """One later event on an item: its status, rectification due time, overdue_from (the
    earliest of the deadline and every rectification's due time), closing and circulation."""
    s = e.state
    item["status"] = ITEM_STATUS(e.type, s, item["status"])
    if e.type == SupervisionItem.RectificationOrdered.NAME and s.get("due"):
        due = _time(s["due"])
        item["rectification_due"] = due
        item["overdue_from"] = min(item["overdue_from"], due)
    if e.type == SupervisionItem.Closed.NAME:
        item["closed_at"] = at
    if e.type == SupervisionItem.ResultsCirculated.NAME:
        item["circulated_at"] = at
    item.update(version=e.version, position=e.position)


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


def instruction_ledger(conn: psycopg.Connection[Any], t: Tables) -> list[Row]:
    """S5: every instruction has a ledger line until it is closed (事事有着落、件件有回音)."""
    return conn.execute(
        SQL(
            "SELECT id, title, source_ref AS ref, lead_unit_id, status, deadline FROM {} "
            "WHERE source_kind = 'instruction' AND status <> 'closed' ORDER BY registered_at, id"
        ).format(t["items"])
    ).fetchall()


def led_by_leaders(
    conn: psycopg.Connection[Any], t: Tables, kinds: Sequence[str], since: datetime
) -> list[tuple[str | None, str, datetime]]:
    """S4: (led_by, source kind, registered at) of the items of ``kinds`` a leader led,
    registered from ``since``."""
    rows = conn.execute(
        SQL(
            "SELECT led_by, source_kind, registered_at FROM {} WHERE led_by IS NOT NULL "
            "AND source_kind = ANY(%s) AND registered_at >= %s"
        ).format(t["items"]),
        (list(kinds), since),
    ).fetchall()
    return [(r["led_by"], r["source_kind"], r["registered_at"]) for r in rows]


def performance_ranking(
    conn: psycopg.Connection[Any], t: Tables, period: str, scope: str
) -> dict[str, Any] | None:
    """S6: the ranking of ``scope`` for ``period`` from the results approved at an executive
    meeting (the latest approved, should a period's results be recorded again); None when none
    is approved. Each unit: score, rank, whether bottom-ranked and when it was interviewed."""
    rows = conn.execute(
        SQL(
            "SELECT assessment_id, unit_id, score, bottom_places, approved_at, meeting_id, "
            "interviewed_at FROM {} WHERE period = %s AND scope = %s AND assessment_id = ("
            "SELECT assessment_id FROM {} WHERE period = %s AND scope = %s AND approved_at "
            "IS NOT NULL ORDER BY approved_at DESC, assessment_id LIMIT 1)"
        ).format(t["performance"], t["performance"]),
        (period, scope, period, scope),
    ).fetchall()
    if not rows:
        return None
    first = rows[0]
    interviewed = {r["unit_id"]: r["interviewed_at"] for r in rows}
    ranked = ranking({r["unit_id"]: r["score"] for r in rows}, first["bottom_places"])
    return {
        "assessment_id": first["assessment_id"],
        "approved_at": first["approved_at"],
        "meeting_id": first["meeting_id"],
        "ranking": [{**row, "interviewed_at": interviewed[row["unit_id"]]} for row in ranked],
    }
