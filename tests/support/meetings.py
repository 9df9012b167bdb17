"""Meetings over HTTP: convening, topics, papers, opening with a quorum (M3), deciding, and
the minutes of a closed meeting."""

from __future__ import annotations

from typing import Any

from tests.support.decisions import ready_decision
from tests.support.http import ok, post

EXECUTIVE_MEMBERS = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
QUORUM = ["p-mayor", "p-exec-vm", "p-vm-a", "p-sg"]  # 4 of 6: at least half (M3)
ALL_AGREE = {person: "agree" for person in QUORUM}
MEETING_DAY = "2026-09-30T09:00:00+08:00"


def convene_body(kind: str = "executive", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": kind,
        "title": f"市政府第1次{kind}会议",
        "convener_id": "p-mayor",
        "scheduled_at": MEETING_DAY,
    }
    body.update(overrides)
    return body


def convene(
    client: Any, kind: str = "executive", by: str = "p-office-dir", **overrides: Any
) -> dict[str, Any]:
    return ok(post(client, "/meetings", by, convene_body(kind, **overrides)), 201)


def propose(
    client: Any,
    meeting_id: str,
    decision_id: str | None = None,
    proposed_by: str = "p-exec-vm",
    by: str | None = None,
    title: str = "审议2027年市级财政预算草案",
    regulation_id: str | None = None,
) -> dict[str, Any]:
    body = {"title": title, "decision_id": decision_id, "proposed_by": proposed_by}
    if regulation_id is not None:  # G4: the regulation the topic adopts
        body["regulation_id"] = regulation_id
    return ok(post(client, f"/meetings/{meeting_id}/topics", by or proposed_by, body))


def set_topic(client: Any, meeting_id: str, topic_id: str, by: str = "p-mayor") -> Any:
    return post(client, f"/meetings/{meeting_id}/topics/{topic_id}/set", by)


def distribute_papers(client: Any, meeting_id: str) -> dict[str, Any]:
    body = {"distributed_at": "2026-09-28T09:00:00+08:00"}
    return ok(post(client, f"/meetings/{meeting_id}/papers", "p-office-dir", body))


def open_meeting(client: Any, meeting_id: str, present: list[str], by: str = "p-mayor") -> Any:
    return post(client, f"/meetings/{meeting_id}/open", by, {"present": present})


def decide(
    client: Any,
    meeting_id: str,
    topic_id: str,
    positions: dict[str, str] | None = None,
    dissent_notes: dict[str, str] | None = None,
    by: str = "p-mayor",
    text: str = "原则通过",
) -> Any:
    body: dict[str, Any] = {
        "topic_id": topic_id,
        "text": text,
        "positions": ALL_AGREE if positions is None else positions,
    }
    if dissent_notes is not None:
        body["dissent_notes"] = dissent_notes
    return post(client, f"/meetings/{meeting_id}/decisions", by, body)


def open_executive_with_topic(
    client: Any, decision_id: str | None, present: list[str] | None = None
) -> tuple[dict[str, Any], str]:
    """An executive meeting with one topic (linked to ``decision_id``) proposed, set, papers
    out and opened with a quorum: ready to decide."""
    meeting = convene(client)
    topic_id = propose(client, meeting["id"], decision_id)["topic_id"]
    ok(set_topic(client, meeting["id"], topic_id))
    distribute_papers(client, meeting["id"])
    ok(open_meeting(client, meeting["id"], QUORUM if present is None else present))
    return meeting, topic_id


def decided_at_executive(
    client: Any, **overrides: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A ready decision decided at an executive meeting: (decision, meeting, topic_id)."""
    decision = ready_decision(client, **overrides)
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    ok(decide(client, meeting["id"], topic_id))
    return decision, meeting, topic_id


def closed_executive(client: Any) -> dict[str, Any]:
    """An executive meeting that decided its (decision-less) topic and closed."""
    meeting, topic_id = open_executive_with_topic(client, None)
    ok(decide(client, meeting["id"], topic_id))
    return ok(post(client, f"/meetings/{meeting['id']}/close", "p-mayor"))


def draft_minutes(
    client: Any, meeting_id: str, by: str = "p-office-dir", text: str = "纪要"
) -> Any:
    return post(client, f"/meetings/{meeting_id}/minutes", by, {"text": text, "drafted_by": by})


def sign(client: Any, meeting_id: str, by: str = "p-mayor", version: int = 1) -> Any:
    """M8: the signer names the version of the draft they read."""
    body = {"minutes_version": version}
    return post(client, f"/meetings/{meeting_id}/minutes/sign", by, body)
