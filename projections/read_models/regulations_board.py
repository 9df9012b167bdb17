"""The regulations board: what expires soon (G6), filings overdue by body (G5), what is due for
cleanup (G7) and the catalog of what is in force (G9)."""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.regulations import REGULATION_STATUS, Regulation
from projections.engine import Event, PipelinedModel, Tables

Row = dict[str, Any]
# G6, G7: the acts that end a regulation (the ticker records expiry; in force is by date).
ENDED = (Regulation.Superseded.NAME, Regulation.Abolished.NAME, Regulation.Expired.NAME)
# A government rule has no valid_until (G6): in force until it is abolished or superseded.
IN_FORCE = "published_on <= %(today)s AND (valid_until IS NULL OR %(today)s < valid_until) " \
    "AND (ended_on IS NULL OR %(today)s < ended_on)"  # fmt: skip


class RegulationsBoard(PipelinedModel):
    """/dashboard/regulations: one row per regulation and one per required filing (G5)."""

    name: ClassVar[str] = "regulations_board"
    tables: ClassVar[dict[str, str]] = {
        "regulations": "id uuid PRIMARY KEY, kind text NOT NULL, title text NOT NULL, "
        "drafting_unit_id text NOT NULL, status text NOT NULL, number text, published_on date, "
        "valid_until date, ended_on date, last_cleanup_at timestamptz, last_cleanup_verdict "
        "text, version int NOT NULL, position bigint NOT NULL",
        "filings": "regulation_id uuid NOT NULL, body text NOT NULL, due date NOT NULL, "
        "filed_on date, PRIMARY KEY (regulation_id, body)",
    }
    types: ClassVar[tuple[str, ...]] = (
        Regulation.Drafted.NAME,
        Regulation.Adopted.NAME,
        Regulation.Published.NAME,
        Regulation.Filed.NAME,
        Regulation.CleanupReviewed.NAME,
        *ENDED,
    )

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == Regulation.Drafted.NAME:
                cur.execute(
                    SQL(
                        "INSERT INTO {} (id, kind, title, drafting_unit_id, status, version, "
                        "position) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    ).format(t["regulations"]),
                    (e.originator_id, s["kind"], s["title"], s["drafting_unit_id"],
                     REGULATION_STATUS(e.type, s), e.version, e.position),
                )  # fmt: skip
                continue
            if e.type == Regulation.Published.NAME:
                self._published(cur, t, e)
            elif e.type == Regulation.Filed.NAME:
                cur.execute(
                    SQL(
                        "UPDATE {} SET filed_on = %s WHERE regulation_id = %s AND body = %s"
                    ).format(t["filings"]),
                    (s["filed_on"], e.originator_id, s["body"]),
                )
            cur.execute(
                SQL(
                    "UPDATE {} SET status = COALESCE(%(status)s, status), ended_on = COALESCE("
                    "%(on)s, ended_on), last_cleanup_at = CASE WHEN %(cleanup)s THEN %(at)s ELSE "
                    "last_cleanup_at END, last_cleanup_verdict = COALESCE(%(verdict)s, "
                    "last_cleanup_verdict), version = %(version)s, position = %(position)s "
                    "WHERE id = %(id)s"
                ).format(t["regulations"]),
                {"status": REGULATION_STATUS(e.type, s),
                 "on": s.get("on") if e.type in ENDED else None,
                 "cleanup": e.type == Regulation.CleanupReviewed.NAME, "at": s["timestamp"],
                 "verdict": s.get("verdict"), "version": e.version, "position": e.position,
                 "id": e.originator_id},
            )  # fmt: skip

    @staticmethod
    def _published(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
        """G6: the validity period; G5: one filing per required body, due as published."""
        s = e.state
        cur.execute(
            SQL(
                "UPDATE {} SET status = %s, kind = %s, title = %s, drafting_unit_id = %s, "
                "number = %s, published_on = %s, valid_until = %s WHERE id = %s"
            ).format(t["regulations"]),
            (REGULATION_STATUS(e.type, s), s["kind"], s["title"], s["drafting_unit_id"],
             s["number"], s["published_on"], s["valid_until"], e.originator_id),
        )  # fmt: skip
        cur.executemany(
            SQL("INSERT INTO {} (regulation_id, body, due) VALUES (%s, %s, %s)").format(
                t["filings"]
            ),
            [(e.originator_id, body, due) for body, due in s["filings_due"].items()],
        )


# ----- queries (the board reads these) ------------------------------------------------------

COLUMNS = "id, kind, title, drafting_unit_id, number, published_on, valid_until"


def catalog(
    conn: psycopg.Connection[Any], t: Tables, today: date, ended: bool = False
) -> list[Row]:
    """G9: the normative documents in force on ``today``, in the order of the published
    catalog (``ended``: with the day each stops being in force, where it is known)."""
    columns = f"{COLUMNS}, ended_on" if ended else COLUMNS
    return conn.execute(
        SQL(
            f"SELECT {columns} FROM {{}} WHERE {IN_FORCE} ORDER BY kind, published_on, title, id"
        )
        .format(t["regulations"]),
        {"today": today},
    ).fetchall()  # fmt: skip


def expiring(conn: psycopg.Connection[Any], t: Tables, today: date, within: int) -> list[Row]:
    """G6: in force today and no longer in force within ``within`` days (valid_until is the
    first day it is not)."""
    return conn.execute(
        SQL(
            f"SELECT {COLUMNS}, valid_until - %(today)s AS days_left FROM {{}} WHERE {IN_FORCE} "
            "AND valid_until <= %(today)s + %(within)s ORDER BY valid_until, id"
        ).format(t["regulations"]),
        {"today": today, "within": within},
    ).fetchall()


def filings_overdue(conn: psycopg.Connection[Any], t: Tables, today: date) -> list[Row]:
    """G5: each required body's filing past its due day and not filed."""
    return conn.execute(
        SQL(
            "SELECT f.body, f.regulation_id, r.kind, r.title, r.number, f.due FROM {} f JOIN {} "
            "r ON r.id = f.regulation_id WHERE f.filed_on IS NULL AND f.due < %s "
            "ORDER BY f.body, f.due, f.regulation_id"
        ).format(t["filings"], t["regulations"]),
        (today,),
    ).fetchall()


def cleanup_due(conn: psycopg.Connection[Any], t: Tables, today: date, since: date) -> list[Row]:
    """G7: in force, and never reviewed for cleanup or last reviewed on or before ``since``
    (a day in Asia/Shanghai)."""
    return conn.execute(
        SQL(
            f"SELECT {COLUMNS}, last_cleanup_at, last_cleanup_verdict FROM {{}} WHERE {IN_FORCE} "
            "AND (last_cleanup_at IS NULL OR "
            "(last_cleanup_at AT TIME ZONE 'Asia/Shanghai')::date <= %(since)s) "
            "ORDER BY last_cleanup_at NULLS FIRST, published_on, id"
        ).format(t["regulations"]),
        {"today": today, "since": since},
    ).fetchall()
