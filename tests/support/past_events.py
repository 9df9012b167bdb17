"""Past events for the aggregate specs (``tests/domain/spec.py``: given past events, when a
command, then events): a meeting's, shared by the Meeting and Decision specs, and a reported
leave, shared by the leave and deadline specs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.leaves import LeaveRecord
from domain.meetings import Meeting
from tests.domain.spec import AT, PAST_META, Past

SCHEDULED = AT + timedelta(days=2)
EXECUTIVE = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
TOPIC = "t-budget"


def meta(actor_id: str, **more: Any) -> dict[str, Any]:
    return {**PAST_META, "actor_id": actor_id, **more}


# ----- past events of a meeting ------------------------------------------------------------


def convened(
    kind: str = "executive",
    convener_id: str = "p-mayor",
    entrusted_by: str | None = None,
    unit_id: str | None = None,
) -> Past:
    return (
        Meeting.Created,
        {
            "kind": kind,
            "title": f"{kind} meeting",
            "convener_id": convener_id,
            "entrusted_by": entrusted_by,
            "scheduled_at": SCHEDULED,
            "unit_id": unit_id,
            "meta": meta(convener_id),
        },
    )


def topic_proposed(
    topic_id: str = TOPIC, proposed_by: str = "p-vm-a", decision_id: str | None = None
) -> Past:
    return (
        Meeting.TopicProposed,
        {
            "topic_id": topic_id,
            "title": "关于2027年预算草案的议题",
            "decision_id": decision_id,
            "proposed_by": proposed_by,
            "meta": meta(proposed_by),
        },
    )


def topic_set(topic_id: str = TOPIC, by: str = "p-mayor") -> Past:
    return (Meeting.TopicSet, {"topic_id": topic_id, "meta": meta(by)})


def papers_distributed() -> Past:
    return (
        Meeting.PapersDistributed,
        {"distributed_at": AT - timedelta(days=1), "meta": meta("p-office-dir")},
    )


def absence(person_id: str, approved_by: str = "p-mayor", stand_in_id: str | None = None) -> Past:
    return (
        Meeting.AbsenceRecorded,
        {
            "person_id": person_id,
            "reason": "出差",
            "stand_in_id": stand_in_id,
            "approved_by": approved_by,
            "meta": meta("p-office-dir"),
        },
    )


def opened(members: list[str], present: list[str]) -> Past:
    return (
        Meeting.Opened,
        {
            "members": members,
            "present": present,
            "absent_with_leave": [],
            "absent_without_leave": [m for m in members if m not in present],
            "stand_ins": {},
            "meta": meta("p-mayor"),
        },
    )


def topic_decided(topic_id: str = TOPIC, present: list[str] = EXECUTIVE) -> Past:
    return (
        Meeting.TopicDecided,
        {
            "topic_id": topic_id,
            "text": "原则通过",
            "positions": dict.fromkeys(present, "agree"),
            "dissent_notes": {},
            "decision_id": None,
            "meta": meta("p-mayor"),
        },
    )


def closed() -> Past:
    return (Meeting.Closed, {"meta": meta("p-mayor")})


def minutes_drafted(corrects: int | None = None, reason: str | None = None) -> Past:
    return (
        Meeting.MinutesDrafted,
        {
            "text": "会议纪要",
            "drafted_by": "p-office-dir",
            "corrects": corrects,
            "reason": reason,
            "meta": meta("p-office-dir"),
        },
    )


def minutes_signed(version: int = 1, by: str = "p-mayor") -> Past:
    return (Meeting.MinutesSigned, {"minutes_version": version, "meta": meta(by)})


# ----- past events of a leave ---------------------------------------------------------------

# The absence a leave reports by default: Wednesday 2026-09-30 09:00 to Saturday 10-03 09:00
# (Shanghai), two days after AT, so a report at AT is comfortably more than a day ahead (L2).
START = AT + timedelta(days=2)
END = START + timedelta(days=3)
OFFICES = {
    "p-mayor": "mayor",
    "p-exec-vm": "executive_vice_mayor",
    "p-vm-a": "vice_mayor",
    "p-vm-b": "vice_mayor",
    "p-vm-c": "vice_mayor",
    "p-sg": "secretary_general",
    "p-finance-head": "unit_head",
    "p-ecology-head": "unit_head",
    "p-housing-head": "unit_head",
}


def leave_reported(person_id: str, **overrides: Any) -> Past:
    payload: dict[str, Any] = {
        "person_id": person_id,
        "office": OFFICES.get(person_id),
        "kind": "out_of_city",
        "starts_at": START,
        "ends_at": END,
        "destination": "成都",
        "acting_id": None,
        "acting_named_by_office": False,
        "urgent": False,
        "reported_to_id": None,
        "override_reason": None,
        "approval_by": None,
        "return_due": overrides.get("ends_at", END),
        "meta": meta(person_id),
    }
    payload.update(overrides)
    return (LeaveRecord.Reported, payload)
