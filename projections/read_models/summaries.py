"""Summaries for GET /{collection}?status= (api.md "Every resource"): meetings, decisions,
supervision items, leaves and regulations in one table (documents have their own model).

Statuses follow the aggregates' own: a meeting is convened/open/closed; a decision's stage is
preparing → ready (its four M10 procedures recorded; a decision that is not major starts
ready) → decided (M9) → published or withheld (M13); a supervision item moves as S1 says; a leave
is reported, or approved at once when it needs no approval (L3, L5), then returned or
cancelled (L6); a regulation is drafting/adopted/in_force/superseded/abolished (G4–G7).
"""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from domain.decisions import PROCEDURES
from projections.engine import Event, ReadModel, Tables, insert_rows, rows_of

# The creation event of each collection, and every later event of its aggregates (each moves
# the row's version; the system events of api.md too, whenever they are recorded).
EVENTS: dict[str, tuple[str, ...]] = {
    "meetings": ("MeetingConvened", "TopicProposed", "TopicSet", "PapersDistributed",
                 "AbsenceRecorded", "MeetingOpened", "TopicDecided", "MeetingClosed",
                 "MinutesDrafted", "MinutesSigned"),
    "decisions": ("DecisionInitiated", "DecisionProcedureRecorded", "DecisionTaken",
                  "DecisionPublished", "DecisionDocumentLinked", "DecisionTopicLinked",
                  "DecisionSupervisionLinked", "DecisionRegulationLinked"),
    "supervision-items": ("SupervisionItemRegistered", "ProgressReported", "ItemVerified",
                          "RectificationOrdered", "ItemClosed", "ResultsCirculated",
                          "ReportOverdue", "ItemOverdue"),
    "leaves": ("LeaveReported", "LeaveApproved", "LeaveFiled", "ReturnReported",
               "LeaveCancelled", "ReturnOverdue"),
    "regulations": ("RegulationDrafted", "LegalityReviewed", "PublicCommentOpened",
                    "CommentReceived", "RegulationAdopted", "RegulationPublished",
                    "RegulationFiled", "CleanupReviewed", "RegulationRevised",
                    "RegulationSuperseded", "RegulationAbolished", "RegulationEvaluated",
                    "FilingOverdue", "RegulationExpired"),
}  # fmt: skip
COLLECTION_OF = {t: collection for collection, types in EVENTS.items() for t in types}
CREATED = {types[0]: collection for collection, types in EVENTS.items()}

FIRST_STATUS = {
    "MeetingConvened": "convened",
    "SupervisionItemRegistered": "registered",
    "RegulationDrafted": "drafting",
}
STATUS_AFTER = {
    "MeetingOpened": "open",
    "MeetingClosed": "closed",
    "DecisionTaken": "decided",
    "ProgressReported": "in_progress",
    "RectificationOrdered": "rectifying",
    "ItemClosed": "closed",
    "LeaveApproved": "approved",
    "ReturnReported": "returned",
    "LeaveCancelled": "cancelled",
    "RegulationAdopted": "adopted",
    "RegulationPublished": "in_force",
    "RegulationSuperseded": "superseded",
    "RegulationAbolished": "abolished",
    "RegulationExpired": "expired",  # G6, recorded by the deadline ticker
}
# A status an event sets only from these (S1: a report moves a registered item in progress).
ONLY_FROM = {"ProgressReported": ["registered"]}


def first_status(event_type: str, s: dict[str, Any]) -> str:
    """The status a creation event starts its aggregate in."""
    if event_type == "DecisionInitiated":
        return "preparing" if s["major"] else "ready"  # M10 binds major decisions only
    if event_type == "LeaveReported":
        return "reported" if s.get("approval_by") else "approved"  # L3, L5
    return FIRST_STATUS[event_type]


def status_after(event_type: str, s: dict[str, Any]) -> str | None:
    """The status a later event moves its aggregate to; None: unchanged."""
    if event_type == "ItemVerified":
        return "verified" if s["result"] == "passed" else "failed_verification"
    if event_type == "DecisionPublished":
        return "withheld" if s.get("withheld_reason") else "published"  # M13
    return STATUS_AFTER.get(event_type)


def title_of(event_type: str, s: dict[str, Any]) -> str:
    if event_type == "LeaveReported":
        return f"{s['person_id']} {s['kind']}"
    return str(s["title"])


class Summaries(ReadModel):
    """GET /meetings, /decisions, /supervision-items, /leaves/list, /regulations."""

    name: ClassVar[str] = "summaries"
    tables: ClassVar[dict[str, str]] = {
        "summaries": "collection text NOT NULL, id uuid NOT NULL, status text NOT NULL, "
        "title text NOT NULL, version int NOT NULL, position bigint NOT NULL, "
        "updated_at timestamptz NOT NULL, PRIMARY KEY (collection, id)",
        # M10: which procedures each decision has recorded, to tell when it is ready.
        "procedures": "decision_id uuid NOT NULL, procedure text NOT NULL, "
        "PRIMARY KEY (decision_id, procedure)",
    }
    types: ClassVar[tuple[str, ...]] = tuple(COLLECTION_OF)

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Folds the batch per aggregate in memory (the rows it touches that exist already are
        read once), then writes each row once: new ones in one batched insert, changed ones in
        one batched update."""
        created = {e.originator_id for e in events if e.type in CREATED}
        touched = list({e.originator_id for e in events} - created)
        decisions = list({e.originator_id for e in events if e.type == "DecisionProcedureRecorded"})
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for r in rows_of(cur, t["summaries"], "collection, status", "id", touched):
            rows[(r["collection"], r["id"])] = {**r, "new": False}
        recorded: dict[str, set[str]] = {d: set() for d in decisions}
        for r in rows_of(cur, t["procedures"], "procedure", "decision_id", decisions):
            recorded[r["decision_id"]].add(r["procedure"])
        new_procedures: list[tuple[str, str]] = []
        for e in events:
            s = e.state
            key = (COLLECTION_OF[e.type], e.originator_id)
            if e.type in CREATED:
                first = first_status(e.type, s)
                rows[key] = {"collection": key[0], "id": key[1], "new": True, "status": first}
                rows[key]["title"] = title_of(e.type, s)
            elif key not in rows:
                continue  # an aggregate this model never saw created: nothing to update
            row = rows[key]
            row.update(version=e.version, position=e.position, updated_at=s["timestamp"])
            after = status_after(e.type, s)
            only = ONLY_FROM.get(e.type)
            if after is not None and (only is None or row["status"] in only):
                row["status"] = after
            if e.type == "DecisionProcedureRecorded":
                procedures = recorded[e.originator_id]
                if s["procedure"] not in procedures:
                    procedures.add(s["procedure"])
                    new_procedures.append((e.originator_id, s["procedure"]))
                # M10: once all four procedures are recorded, a preparing decision is ready.
                if row["status"] == "preparing" and procedures >= set(PROCEDURES):
                    row["status"] = "ready"
        inserts = [r for r in rows.values() if r["new"]]
        updates = [r for r in rows.values() if not r["new"] and "version" in r]
        insert_rows(
            cur,
            t["summaries"],
            ("collection", "id", "status", "title", "version", "position", "updated_at"),
            inserts,
        )
        if updates:
            cur.executemany(
                SQL(
                    "UPDATE {} SET status = %(status)s, version = %(version)s, position = "
                    "%(position)s, updated_at = %(updated_at)s WHERE collection = "
                    "%(collection)s AND id = %(id)s"
                ).format(t["summaries"]),
                updates,
            )
        insert_rows(
            cur,
            t["procedures"],
            ("decision_id", "procedure"),
            [{"decision_id": d, "procedure": p} for d, p in new_procedures],
            "ON CONFLICT DO NOTHING",
        )
