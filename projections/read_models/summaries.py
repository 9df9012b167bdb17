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
from projections.engine import Event, ReadModel, Tables

# The creation event of each collection, and every later event of its aggregates (each moves
# the row's version; the system events of api.md too, whenever they are recorded).
EVENTS: dict[str, tuple[str, ...]] = {
    "meetings": ("MeetingConvened", "TopicProposed", "TopicSet", "PapersDistributed",
                 "AbsenceRecorded", "MeetingOpened", "TopicDecided", "MeetingClosed",
                 "MinutesDrafted", "MinutesSigned"),
    "decisions": ("DecisionInitiated", "DecisionProcedureRecorded", "DecisionTaken",
                  "DecisionPublished", "DecisionDocumentLinked"),
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
        for e in events:
            s = e.state
            collection = COLLECTION_OF[e.type]
            if e.type in CREATED:
                cur.execute(
                    SQL(
                        "INSERT INTO {} (collection, id, status, title, version, position, "
                        "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s)"
                    ).format(t["summaries"]),
                    (collection, e.originator_id, first_status(e.type, s), title_of(e.type, s),
                     e.version, e.position, s["timestamp"]),
                )  # fmt: skip
                continue
            cur.execute(
                SQL(
                    "UPDATE {} SET status = CASE WHEN %(only)s::text[] IS NULL "
                    "OR status = ANY(%(only)s::text[]) THEN COALESCE(%(status)s, status) "
                    "ELSE status END, "
                    "version = %(version)s, position = %(position)s, updated_at = %(at)s "
                    "WHERE collection = %(collection)s AND id = %(id)s"
                ).format(t["summaries"]),
                {"status": status_after(e.type, s), "only": ONLY_FROM.get(e.type),
                 "version": e.version, "position": e.position, "at": s["timestamp"],
                 "collection": collection, "id": e.originator_id},
            )  # fmt: skip
            if e.type == "DecisionProcedureRecorded":
                self._procedure(cur, t, e.originator_id, s["procedure"])

    @staticmethod
    def _procedure(cur: psycopg.Cursor[Any], t: Tables, decision_id: str, procedure: str) -> None:
        """M10: once all four procedures are recorded, a preparing decision is ready."""
        cur.execute(
            SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(t["procedures"]),
            (decision_id, procedure),
        )
        cur.execute(
            SQL(
                "UPDATE {} SET status = 'ready' WHERE collection = 'decisions' AND id = %(id)s "
                "AND status = 'preparing' AND (SELECT count(*) FROM {} WHERE decision_id = "
                "%(id)s AND procedure = ANY(%(all)s::text[])) = %(n)s"
            ).format(t["summaries"], t["procedures"]),
            {"id": decision_id, "all": list(PROCEDURES), "n": len(PROCEDURES)},
        )
