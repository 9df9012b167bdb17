"""The deadline index (design.md "Deadlines"): every obligation with a due time, open until it
is met or its passing is recorded. The ticker (projections/ticker.py) reads the rows whose
moment has come and asks the aggregates to record it; the aggregates decide (a second ask
records nothing).

Moments: a countersign's limit (D7), a document's handling limit (D10), each report date,
the deadline and every rectification's due time of a supervision item (S3), the planned
return of a leave (L6) and the moment a city leader's absence begins, by which it is filed
(L4), are datetimes in the events; a filing is overdue from the day after its due date (G5),
an implementing document from the day after its 6 months (D10), and a regulation expires at
the start of its ``valid_until`` day (G6: in force while the day is before it), all at 00:00
Asia/Shanghai — the domain's own functions, so the index and the aggregates agree on the
moment.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.documents import OfficialDocument, implementation_overdue_at
from domain.holidays import HolidayCalendar
from domain.leaves import LeaveRecord
from domain.regulations import Regulation, expiry_at, filing_overdue_at
from domain.supervision import SupervisionItem
from projections.engine import Event, ReadModel, Tables, insert_rows

Row = dict[str, Any]
COLUMNS = ("kind", "aggregate_id", "key", "due", "due_at", "done", "position")

# Events that meet (or record the passing of) obligations: kind → how to find the rows.
MET_BY_UNIT = {
    OfficialDocument.Countersigned.NAME,
    OfficialDocument.CountersignDeemedNoObjection.NAME,
}
MET_BY_DUE = {
    OfficialDocument.HandlingOverdue.NAME: "handling",
    OfficialDocument.ImplementationOverdue.NAME: "implementation",
    SupervisionItem.ReportOverdue.NAME: "report",
    SupervisionItem.ItemOverdue.NAME: "item",
    LeaveRecord.ReturnOverdue.NAME: "return",
    LeaveRecord.Unfiled.NAME: "unfiled",
}
MET_ALL = {
    SupervisionItem.Closed.NAME: ("report", "item"),
    LeaveRecord.ReturnReported.NAME: ("return",),
    LeaveRecord.Cancelled.NAME: ("return", "unfiled"),
    LeaveRecord.Refused.NAME: ("return", "unfiled"),
    Regulation.Expired.NAME: ("expiry",),
    Regulation.Superseded.NAME: ("expiry",),
    Regulation.Abolished.NAME: ("expiry",),
}
MET_BY_BODY = {Regulation.Filed.NAME, Regulation.FilingOverdue.NAME}


class Deadlines(ReadModel):
    """Open obligations with their due moments, for the ticker."""

    name: ClassVar[str] = "deadlines"
    # 2: D10's limits (handling, implementation) and L4's filing moments are indexed, from the
    # whole history.
    version: ClassVar[int] = 2
    tables: ClassVar[dict[str, str]] = {
        "open": "kind text NOT NULL, aggregate_id uuid NOT NULL, key text NOT NULL, "
        "due text NOT NULL, due_at timestamptz NOT NULL, done boolean NOT NULL, "
        "position bigint NOT NULL, PRIMARY KEY (kind, aggregate_id, key, due)",
        # D7: countersigns whose due time waits for a year's calendar; once the year is
        # recorded each becomes an open "countersign-due" obligation, due at that moment.
        "waiting": "kind text NOT NULL, aggregate_id uuid NOT NULL, key text NOT NULL, "
        "year int NOT NULL, position bigint NOT NULL, PRIMARY KEY (kind, aggregate_id, key)",
    }
    # The ticker asks every second for open rows whose moment has come: only those are indexed.
    indexes: ClassVar[tuple[tuple[str, str], ...]] = (("open", "(due_at) WHERE NOT done"),)
    types: ClassVar[tuple[str, ...]] = (
        OfficialDocument.CountersignRequested.NAME,
        OfficialDocument.CountersignDueSet.NAME,
        OfficialDocument.CountersignExtended.NAME,
        OfficialDocument.Drafted.NAME,
        OfficialDocument.Routed.NAME,
        HolidayCalendar.YearRecorded.NAME,
        SupervisionItem.Registered.NAME,
        SupervisionItem.RectificationOrdered.NAME,
        LeaveRecord.Reported.NAME,
        LeaveRecord.Approved.NAME,
        LeaveRecord.Filed.NAME,
        Regulation.Published.NAME,
        *MET_BY_UNIT,
        *MET_BY_DUE,
        *MET_ALL,
        *MET_BY_BODY,
    )

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """New obligations are folded per batch and inserted at once; an obligation met in
        the same batch is inserted as done."""
        batch = _Batch()
        for e in events:
            batch.fold(e)
        insert_rows(cur, t["open"], COLUMNS, list(batch.new.values()))
        _mark_met(cur, t, batch.met)
        _wait(cur, t, batch)


class _Batch:
    """A batch's new obligations, by key and by aggregate, and the ones met that reach back
    into earlier batches."""

    def __init__(self) -> None:
        self.new: dict[tuple[str, str, str, str], Row] = {}
        self.by_aggregate: dict[tuple[str, str], list[Row]] = {}  # (kind, id) → its new rows
        self.met: list[tuple[str, str, str | None, str | None]] = []  # kind, id, key?, due?
        # D7 pending due times: the batch's last word on each (document, unit) — a row that
        # waits, or None (answered: no longer waits) — and the years recorded in the batch.
        self.waiting: dict[tuple[str, str], Row | None] = {}
        self.recorded: list[tuple[int, str]] = []

    def fold(self, e: Event) -> None:
        s = e.state
        if e.type == OfficialDocument.CountersignRequested.NAME:
            for unit_id in s["unit_ids"]:
                self.countersign_due(e, unit_id, s["due"], s.get("due_pending_year"))
        elif e.type == OfficialDocument.CountersignDueSet.NAME:
            self.meet("countersign-due", e.originator_id, s["unit_id"], None)
            self.countersign_due(e, s["unit_id"], s["due"], s["due_pending_year"])
        elif e.type == OfficialDocument.CountersignExtended.NAME:
            # D7: the agreed limit is a new obligation; the old one, when its moment comes,
            # is found no longer due by the aggregate (another due on record).
            self.waiting[(e.originator_id, s["unit_id"])] = None
            self.add(e, "countersign", s["unit_id"], s["due"], datetime.fromisoformat(s["due"]))
        elif e.type == OfficialDocument.Drafted.NAME and s.get("implementation_due"):
            due = s["implementation_due"]
            self.add(
                e, "implementation", "", due, implementation_overdue_at(date.fromisoformat(due))
            )
        elif e.type == OfficialDocument.Routed.NAME and s.get("handling_due"):
            self.add(
                e, "handling", "", s["handling_due"], datetime.fromisoformat(s["handling_due"])
            )
        elif e.type == HolidayCalendar.YearRecorded.NAME:
            self.year_recorded(e, s["year"], s["timestamp"])
        elif e.type == SupervisionItem.Registered.NAME:
            self.add(e, "item", "", s["deadline"], datetime.fromisoformat(s["deadline"]))
            for due in s["report_dates"]:
                self.add(e, "report", "", due, datetime.fromisoformat(due))
        elif e.type == SupervisionItem.RectificationOrdered.NAME and s.get("due"):
            self.add(e, "item", "", s["due"], datetime.fromisoformat(s["due"]))
        elif e.type == LeaveRecord.Reported.NAME:
            self.add(e, "return", "", s["return_due"], datetime.fromisoformat(s["return_due"]))
            self.unfiled(e, s.get("filing_due"))
        elif e.type == LeaveRecord.Approved.NAME:
            self.unfiled(e, s.get("begins_at"))  # L3: an approved request begins then
        elif e.type == LeaveRecord.Filed.NAME and not s.get("late"):
            self.meet("unfiled", e.originator_id, None, None)  # L4: filed in time
        elif e.type == Regulation.Published.NAME:
            for body, due in s["filings_due"].items():
                self.add(e, "filing", body, due, filing_overdue_at(date.fromisoformat(due)))
            if (until := s["valid_until"]) is not None:  # a government rule never expires (G6)
                self.add(e, "expiry", "", until, expiry_at(date.fromisoformat(until)))
        elif e.type in MET_BY_UNIT and s.get("late"):
            pass  # D7: a late opinion meets nothing; the deemed answer is still recorded
        elif e.type in MET_BY_UNIT:
            self.meet("countersign", e.originator_id, s["unit_id"], None)
            self.meet("countersign-due", e.originator_id, s["unit_id"], None)
            self.waiting[(e.originator_id, s["unit_id"])] = None
        elif e.type in MET_BY_DUE:
            self.meet(MET_BY_DUE[e.type], e.originator_id, "", s["due"])
        elif e.type in MET_BY_BODY:
            self.meet("filing", e.originator_id, s["body"], None)
        for kind in MET_ALL.get(e.type, ()):
            self.meet(kind, e.originator_id, None, None)

    def countersign_due(self, e: Event, unit_id: str, due: str | None, year: int | None) -> None:
        """D7: a known due time is an obligation; an unknown one waits for its year."""
        if due is not None:
            self.add(e, "countersign", unit_id, due, datetime.fromisoformat(due))
        elif year is not None:
            row = {"kind": "countersign-due", "aggregate_id": e.originator_id, "key": unit_id,
                   "year": year, "position": e.position}  # fmt: skip
            self.waiting[(e.originator_id, unit_id)] = row

    def unfiled(self, e: Event, due: str | None) -> None:
        """L4: a city leader's absence is filed before it begins (``due``); older events, and
        absences of anyone else, carry no due."""
        if due is not None:
            self.add(e, "unfiled", "", due, datetime.fromisoformat(due))

    def year_recorded(self, e: Event, year: int, moment: str) -> None:
        """D7: the batch's own waits for ``year`` become obligations due now; the earlier
        batches' are moved by SQL (``_wait``)."""
        at = datetime.fromisoformat(moment)
        for (aggregate_id, key), row in list(self.waiting.items()):
            if row is not None and row["year"] == year:
                self.waiting[(aggregate_id, key)] = None
                self.add(e._replace(originator_id=aggregate_id, position=row["position"]),
                         "countersign-due", key, moment, at)  # fmt: skip
        self.recorded.append((year, moment))

    def add(self, e: Event, kind: str, key: str, due: str, due_at: datetime) -> None:
        row = {
            "kind": kind, "aggregate_id": e.originator_id, "key": key, "due": due,
            "due_at": due_at, "done": False, "position": e.position,
        }  # fmt: skip
        if (kind, e.originator_id, key, due) not in self.new:
            self.by_aggregate.setdefault((kind, e.originator_id), []).append(row)
        else:  # the same obligation again: the later row replaces it
            rows = self.by_aggregate[(kind, e.originator_id)]
            rows[:] = [r for r in rows if (r["key"], r["due"]) != (key, due)] + [row]
        self.new[(kind, e.originator_id, key, due)] = row

    def meet(self, kind: str, aggregate_id: str, key: str | None, due: str | None) -> None:
        hit = False
        for row in self.by_aggregate.get((kind, aggregate_id), ()):
            if key in (None, row["key"]) and due in (None, row["due"]):
                row["done"] = True
                hit = True
        # Met in this batch: an older open row for the same key cannot exist (a unit is not
        # asked again while its request is open; a body files once) — except for "all of the
        # aggregate's rows", which may reach back into earlier batches.
        if not hit or key is None:
            self.met.append((kind, aggregate_id, key, due))


def _wait(cur: psycopg.Cursor[Any], t: Tables, batch: _Batch) -> None:
    """D7: countersigns stop waiting (answered, or their due time set), start waiting for a
    year's calendar, or — their year recorded — become open "countersign-due" obligations due
    at the moment it was recorded. One statement each, whatever the batch's size."""
    gone = [key for key, row in batch.waiting.items() if row is None]
    if gone:
        cur.execute(
            SQL(
                "DELETE FROM {} w USING unnest(%s::uuid[], %s::text[]) AS g(aggregate_id, key) "
                "WHERE w.aggregate_id = g.aggregate_id AND w.key = g.key"
            ).format(t["waiting"]),
            ([a for a, _ in gone], [k for _, k in gone]),
        )
    if rows := [row for row in batch.waiting.values() if row is not None]:
        cur.executemany(
            SQL(
                "INSERT INTO {} (kind, aggregate_id, key, year, position) VALUES (%(kind)s, "
                "%(aggregate_id)s, %(key)s, %(year)s, %(position)s) ON CONFLICT (kind, "
                "aggregate_id, key) DO UPDATE SET year = EXCLUDED.year"
            ).format(t["waiting"]),
            rows,
        )
    for year, moment in batch.recorded:
        cur.execute(
            SQL(
                "WITH due AS (DELETE FROM {} WHERE year = %(year)s RETURNING *) "
                "INSERT INTO {} (kind, aggregate_id, key, due, due_at, done, position) "
                "SELECT kind, aggregate_id, key, %(due)s, %(at)s, false, position FROM due "
                "ON CONFLICT DO NOTHING"
            ).format(t["waiting"], t["open"]),
            {"year": year, "due": moment, "at": datetime.fromisoformat(moment)},
        )


def _mark_met(
    cur: psycopg.Cursor[Any], t: Tables, met: list[tuple[str, str, str | None, str | None]]
) -> None:
    """One statement shape per way an obligation is met, each on a prefix of the key."""
    shapes = {
        (True, True): "AND key = %s AND due = %s",
        (True, False): "AND key = %s",
        (False, True): "AND due = %s",
        (False, False): "",
    }
    for (has_key, has_due), where in shapes.items():
        params = [
            (kind, a) + ((key,) if has_key else ()) + ((due,) if has_due else ())
            for kind, a, key, due in met
            if (key is not None, due is not None) == (has_key, has_due)
        ]
        if params:
            cur.executemany(
                SQL(
                    "UPDATE {} SET done = true WHERE NOT done AND kind = %s AND "
                    "aggregate_id = %s " + where
                ).format(t["open"]),
                params,
            )


# ----- queries (the ticker reads these) -----------------------------------------------------


def due_now(conn: psycopg.Connection[Any], t: Tables, now: datetime, limit: int) -> list[Row]:
    """Open obligations whose moment has come, oldest first, locked for this ticker: another
    ticker skips them meanwhile (both would record each once anyway)."""
    return conn.execute(
        SQL(
            "SELECT kind, aggregate_id::text AS aggregate_id, key, due, due_at FROM {} "
            "WHERE NOT done AND due_at <= %s ORDER BY due_at, kind, aggregate_id, key "
            "LIMIT %s FOR UPDATE SKIP LOCKED"
        ).format(t["open"]),
        (now, limit),
    ).fetchall()


def mark_done(conn: psycopg.Connection[Any], t: Tables, rows: list[Row]) -> None:
    """The ticker asked the aggregates about these: nothing more to do for them."""
    with conn.cursor() as cur:
        cur.executemany(
            SQL(
                "UPDATE {} SET done = true WHERE kind = %(kind)s AND aggregate_id = "
                "%(aggregate_id)s::uuid AND key = %(key)s AND due = %(due)s"
            ).format(t["open"]),
            rows,
        )
