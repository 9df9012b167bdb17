"""Accountability (A1: 重大决策终身责任追究, 责任倒查): who took part in an act, and in which part.

Every event names its actor in its metadata (and whom they acted for, P2/P3). Many also name
other people in their payload: the members whose positions a decision records, the person
responsible for a decision, a topic's proposer, the first responsible person of a supervision
item. ``people_named`` reads them out, with the part each played, so a decision's trace and a
person's trace show everyone, for life, with the office they held at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

# Single fields that name a person, by event type: (field, role).
NAMED: dict[str, tuple[tuple[str, str], ...]] = {
    "DecisionInitiated": (("responsible_person", "responsible"),),
    "DecisionProcedureRecorded": (("performed_by", "performed"),),
    "MeetingConvened": (("convener_id", "convener"), ("entrusted_by", "entrusted")),
    "TopicProposed": (("proposed_by", "proposed"),),
    "AbsenceRecorded": (("person_id", "absent_with_leave"), ("stand_in_id", "stand_in"),
                        ("approved_by", "approved_absence")),
    "MinutesDrafted": (("drafted_by", "drafted"),),
    "DocumentRouted": (("routed_to", "routed_to"),),
    "SupervisionItemRegistered": (("first_responsible_id", "first_responsible"),
                                  ("led_by", "leads")),
    "LeaveReported": (("person_id", "on_leave"), ("acting_id", "acting"),
                      ("reported_to_id", "reported_to"), ("approval_by", "approver")),
    "OfficeHolderAppointed": (("person_id", "appointed"),),
    "OfficeHolderRelieved": (("person_id", "relieved"),),
    "DivisionAssigned": (("vice_mayor_id", "in_charge"),),
    "ABPairFormed": (("a", "ab_partner"), ("b", "ab_partner")),
}  # fmt: skip
# Lists of people, by event type: (field, role).
LISTED: dict[str, tuple[tuple[str, str], ...]] = {
    "MeetingOpened": (("present", "present"), ("absent_without_leave", "absent_without_leave")),
}
# Positions recorded with a decision (M11): {person: agree|dissent|abstain}.
POSITIONS = ("TopicDecided", "DecisionTaken")


def people_named(
    event_type: str, payload: Mapping[str, Any], known: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """(person, role) for everyone an act names besides its actor; ``known`` tells a person
    from a unit where a field may hold either (a procedure ``performed_by``)."""
    named: list[tuple[str, str]] = []
    for field, role in NAMED.get(event_type, ()):
        value = payload.get(field)
        if isinstance(value, str) and value and known(value):
            named.append((value, role))
    for field, role in LISTED.get(event_type, ()):
        named.extend((p, role) for p in payload.get(field) or () if isinstance(p, str))
    if event_type in POSITIONS:
        notes = payload.get("dissent_notes") or {}
        for person, position in (payload.get("positions") or {}).items():
            named.append((person, f"voted_{position}"))
            if person in notes:
                named.append((person, "dissent_note"))
    return named


def roles_of(actor_id: str | None, named: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Each person's roles in one act, the actor's first."""
    roles: dict[str, list[str]] = {}
    if actor_id and actor_id != "system":
        roles[actor_id] = ["actor"]
    for person, role in named:
        held = roles.setdefault(person, [])
        if role not in held:
            held.append(role)
    return roles


def offices_on(tenures: list[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """P1: the offices a person held on ``day`` (a tenure runs from ``since`` to the day before
    ``until``), from their tenures for life."""
    return [
        {"office": t["office"], "unit_id": t["unit_id"]}
        for t in tenures
        if t["since"] <= day and (t["until"] is None or day < t["until"])
    ]
