"""What the API answers for each resource: its state as JSON (api.md "Every resource"). One
render per aggregate class, found by the class of what a command answered."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.base import GovAggregate
from domain.clock import local_date
from domain.decisions import PROCEDURES, Decision
from domain.documents import OfficialDocument
from domain.leaves import LeaveRecord
from domain.meetings import Meeting
from domain.regulations import Regulation
from domain.roster import Roster
from domain.supervision import SupervisionItem

Render = Callable[[Any], dict[str, Any]]


def render_document(doc: OfficialDocument) -> dict[str, Any]:
    return {
        "id": str(doc.id),
        "status": doc.status,
        "doc_type": doc.doc_type,
        "title": doc.title,
        "body": doc.body,
        "from_unit_id": doc.from_unit_id,
        "to": doc.to,
        "direction": doc.direction,
        "matters": doc.matters,
        "urgency": doc.urgency,
        "classification": doc.classification,
        "emergency": doc.emergency,
        "bypassed_unit_id": doc.bypassed_unit_id,
        "cc_unit_ids": doc.cc_unit_ids,
        "direct_to_leader_reason": doc.direct_to_leader_reason,
        "includes_request": doc.includes_request,
        "drafting_unit_id": doc.drafting_unit_id,
        "routine": doc.routine,
        "personnel": doc.personnel,
        "decision_id": doc.decision_id,
        "implements": doc.implements,
        "implementation_due": doc.implementation_due,
        "replies_to": doc.replies_to,
        "replies": doc.replies,
        "drafted_by": doc.drafted_by,
        "countersigns": list(doc.countersigns.values()),
        "disagreement_summary": doc.disagreement_summary,
        "review": doc.review,
        "sign_off": doc.signature,
        "number": doc.number,
        "issued_at": doc.issued_at,
        "published": doc.published,
        "created_on": doc.created_on,
        "modified_on": doc.modified_on,
    }


def render_decision(decision: Decision) -> dict[str, Any]:
    return {
        "id": str(decision.id),
        "title": decision.title,
        "matter_kind": decision.matter_kind,
        "major": decision.major,
        "stage": decision.stage,
        "status": decision.stage,  # api.md says status, the issue says stage: both
        "initiated_by_unit": decision.initiated_by_unit,
        "initiated_by": decision.initiated_by,
        "responsible_person": decision.responsible_person,
        "procedures": [decision.procedures[p] for p in PROCEDURES if p in decision.procedures],
        "missing_procedures": decision.missing_procedures(),
        "meeting": decision.taken,
        "positions": decision.taken["positions"] if decision.taken else None,
        "publication": decision.publication,
        "documents": decision.documents,
        "topics": decision.topics,
        "supervision_items": decision.supervision_items,
        "regulations": decision.regulations,
        "created_on": decision.created_on,
        "modified_on": decision.modified_on,
    }


def render_meeting(meeting: Meeting) -> dict[str, Any]:
    return {
        "id": str(meeting.id),
        "kind": meeting.kind,
        "title": meeting.title,
        "status": meeting.status,
        "convener_id": meeting.convener_id,
        "entrusted_by": meeting.entrusted_by,
        "scheduled_at": meeting.scheduled_at,
        "unit_id": meeting.unit_id,
        "topics": list(meeting.topics.values()),
        "papers_distributed_at": meeting.papers_distributed_at,
        "absences": list(meeting.absences.values()),
        "opening": meeting.opening,
        "closed_at": meeting.closed_at,
        "minutes": meeting.minutes,
        "created_on": meeting.created_on,
        "modified_on": meeting.modified_on,
    }


def render_item(item: SupervisionItem) -> dict[str, Any]:
    return {
        "id": str(item.id),
        "title": item.title,
        "status": item.status,
        "source": item.source,
        "lead_unit_id": item.lead_unit_id,
        "co_unit_ids": item.co_unit_ids,
        "first_responsible_id": item.first_responsible_id,
        "led_by": item.led_by,
        "deadline": item.deadline,
        "report_dates": item.report_dates,
        "reports_overdue": item.reports_overdue,  # S3: recorded by the deadline ticker
        "dues_overdue": item.dues_overdue,
        "reports": item.reports,
        "verifications": item.verifications,
        "rectifications": item.rectifications,
        "closed": item.closed,
        "circulars": item.circulars,
        "created_on": item.created_on,
        "modified_on": item.modified_on,
    }


def render_leave(leave: LeaveRecord) -> dict[str, Any]:
    return {
        "id": str(leave.id),
        "person_id": leave.person_id,
        "office": leave.office,
        "kind": leave.kind,
        "status": leave.status,
        "starts_at": leave.starts_at,
        "ends_at": leave.ends_at,
        "destination": leave.destination,
        "acting_id": leave.acting_id,
        "acting_named_by_office": leave.acting_named_by_office,
        "urgent": leave.urgent,
        "reported_to_id": leave.reported_to_id,
        "override_reason": leave.override_reason,
        "approval_by": leave.approval_by,
        "approved": leave.approved,
        "filed": leave.filed,
        "return_due": leave.return_due,
        "return_overdue": leave.return_overdue,  # L6: recorded by the deadline ticker
        "returned_at": leave.returned_at,
        "created_on": leave.created_on,
        "modified_on": leave.modified_on,
    }


def render_regulation(reg: Regulation) -> dict[str, Any]:
    return {
        "id": str(reg.id),
        "kind": reg.kind,
        "title": reg.title,
        "status": reg.status,
        "drafting_unit_id": reg.drafting_unit_id,
        "temporary": reg.temporary,
        "revises": reg.revises,
        "revised_by": reg.revised_by,
        "legality_reviews": reg.legality_reviews,
        "public_comment": reg.public_comment,
        "comments": reg.comments,
        "adoption": reg.adoption,
        "publication": reg.publication,
        "filings": list(reg.filings.values()),
        "filings_overdue": reg.filings_overdue,  # G5: recorded by the deadline ticker
        "cleanups": reg.cleanups,
        "evaluations": reg.evaluations,
        "ended": reg.ended,
        "created_on": reg.created_on,
        "modified_on": reg.modified_on,
    }


def render_roster_on(roster: Roster, now: datetime) -> dict[str, Any]:
    """The roster as it stands on the day of ``now``, with every tenure for life (P1)."""
    return {"id": str(roster.id), **roster.snapshot(local_date(now)),
            "tenures": roster.tenure_history()}  # fmt: skip


RENDERS: dict[type[GovAggregate], Render] = {
    OfficialDocument: render_document,
    Decision: render_decision,
    Meeting: render_meeting,
    SupervisionItem: render_item,
    LeaveRecord: render_leave,
    Regulation: render_regulation,
}
RESOURCES: tuple[type[GovAggregate], ...] = (*RENDERS, Roster)
COLLECTIONS = {cls.COLLECTION: cls for cls in RESOURCES}


def render(aggregate: GovAggregate, now: datetime) -> dict[str, Any]:
    """The resource's state (the roster's as of the day of ``now``)."""
    if isinstance(aggregate, Roster):
        return render_roster_on(aggregate, now)
    return RENDERS[type(aggregate)](aggregate)
