"""Specs of the PerformanceAssessment aggregate (目标绩效管理, art. 65): rule S6.

The ranking of departments and counties comes from performance-assessment results approved
(审定) at an executive meeting — a topic on them decided there — never from supervision
counts; the bottom-ranked units' responsible people get a reminder interview (约谈提醒),
recorded. Given past events, when a command, then events or a refusal naming S6
(``tests/domain/spec.py``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.meetings import Meeting
from domain.performance import PerformanceAssessment, ranking
from domain.roster import InvalidReference, Roster
from tests.domain.spec import AT, PAST_META, act, given, refused_on_creation, roster, when

Past = tuple[type, dict[str, Any]]
EXECUTIVE = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
SCORES = {"u-finance": 92.5, "u-ecology": 88.0, "u-housing": 85.0, "u-justice": 79.5}


def meta(actor_id: str) -> dict[str, Any]:
    return {**PAST_META, "actor_id": actor_id}


def with_counties() -> Roster:
    """The example roster and two more county governments (it has only 东区)."""
    r = roster()
    for unit_id, name in (("u-west-district", "西区人民政府"), ("u-renhe", "仁和区人民政府")):
        r.units[unit_id] = {"unit_id": unit_id, "name": name, "kind": "county"}
    return r


def recorded(scores: dict[str, float] | None = None, bottom_places: int = 1) -> Past:
    return (
        PerformanceAssessment.Recorded,
        {"period": "2026", "scope": "departments", "scores": scores or SCORES,
         "bottom_places": bottom_places, "meta": meta("p-office-dir")},
    )  # fmt: skip


def approved(meeting_id: str = "m-1") -> Past:
    return (
        PerformanceAssessment.Approved,
        {"meeting_id": meeting_id, "topic_id": "t-1", "meta": meta("p-office-dir")},
    )


def assessment(*more: Past, scores: dict[str, float] | None = None, bottom: int = 1) -> Any:
    return given(PerformanceAssessment, recorded(scores, bottom), *more)


def meeting(
    kind: str = "executive", about: Any = None, decided: bool = True, status: str = "closed"
) -> Meeting:
    """A meeting held (opened, then closed); with ``about``, a topic on those results set
    before and — ``decided`` — decided there."""
    convener = "p-mayor" if kind != "special_topic" else "p-vm-a"
    past: list[Past] = [
        (Meeting.Convened, {"kind": kind, "title": "常务会议", "convener_id": convener,
                            "entrusted_by": None, "scheduled_at": AT - timedelta(hours=1),
                            "unit_id": None, "meta": meta(convener)}),
    ]  # fmt: skip
    if about is not None:
        past += [
            (Meeting.TopicProposed, {"topic_id": "t-1", "title": "审定2026年度绩效考核结果",
                                     "decision_id": None, "proposed_by": "p-sg",
                                     "assessment_id": str(about.id), "meta": meta("p-sg")}),
            (Meeting.TopicSet, {"topic_id": "t-1", "meta": meta("p-mayor")}),
        ]  # fmt: skip
    if status in ("open", "closed"):
        past.append(
            (Meeting.Opened, {"members": EXECUTIVE, "present": EXECUTIVE, "absent_with_leave": [],
                              "absent_without_leave": [], "stand_ins": {},
                              "meta": meta(convener)})
        )  # fmt: skip
        if about is not None and decided:
            past.append(
                (Meeting.TopicDecided, {"topic_id": "t-1", "text": "审定通过",
                                        "positions": dict.fromkeys(EXECUTIVE, "agree"),
                                        "dissent_notes": {}, "decision_id": None,
                                        "meta": meta(convener)})
            )  # fmt: skip
    if status == "closed":
        past.append((Meeting.Closed, {"meta": meta(convener)}))
    m: Meeting = given(Meeting, *past)
    return m


def record(by: str = "p-office-dir", r: Roster | None = None, **fields: Any) -> Any:
    values: dict[str, Any] = {"period": "2026", "scope": "departments", "scores": SCORES,
                              "bottom_places": 1}  # fmt: skip
    values.update(fields)
    return PerformanceAssessment.record_results(act(by), r or roster(), **values)


def interview(a: Any, unit_id: str, by: str = "p-mayor", notes: str = "指出差距，限期整改"):
    return when(a, lambda x: x.interview(act(by), roster(), unit_id, notes))


# ----- the ranking ---------------------------------------------------------------------------


def test_S6_the_ranking_orders_by_score_and_ties_share_a_rank() -> None:
    rows = ranking({"a": 90.0, "b": 95.0, "c": 90.0, "d": 80.0}, bottom_places=1)

    assert [(r["unit_id"], r["rank"], r["bottom"]) for r in rows] == [
        ("b", 1, False),
        ("a", 2, False),
        ("c", 2, False),
        ("d", 4, True),
    ]


def test_S6_a_tie_at_the_bottom_boundary_is_bottom_ranked_together() -> None:
    rows = ranking({"a": 95.0, "b": 90.0, "c": 80.0, "d": 80.0}, bottom_places=1)

    assert [r["unit_id"] for r in rows if r["bottom"]] == ["c", "d"]


@pytest.mark.parametrize(("bottom", "expected"), [(1, ["u-justice"]),
                                                  (2, ["u-housing", "u-justice"])])  # fmt: skip
def test_S6_the_bottom_places_are_the_assessments_own_number(
    bottom: int, expected: list[str]
) -> None:
    a = assessment(approved(), bottom=bottom)

    assert a.bottom_ranked() == expected


def test_S6_there_is_no_ranking_before_the_results_are_approved() -> None:
    a = assessment()

    assert a.ranking() == [] and a.bottom_ranked() == []


# ----- recording the results -----------------------------------------------------------------


def test_S6_the_office_records_a_periods_results() -> None:
    then = when(None, lambda _: record())

    (event,) = then.events("Created")
    assert (event.period, event.scope, event.scores, event.bottom_places) == (
        "2026", "departments", SCORES, 1,
    )  # fmt: skip
    assert event.meta["rules"] == ["S6"]
    assert event.meta["actor_id"] == "p-office-dir"
    assert then.aggregate.status == "recorded"


def test_S6_county_governments_are_ranked_among_themselves() -> None:
    scores = {"u-east-district": 90.0, "u-west-district": 85.0, "u-renhe": 80.0}

    then = when(None, lambda _: record(r=with_counties(), scope="counties", scores=scores))

    (event,) = then.events("Created")
    assert event.scope == "counties"
    refused_on_creation(
        lambda: record(r=with_counties(), scope="counties", scores={**scores, "u-finance": 1.0}),
        "S6",
    )
    refused_on_creation(lambda: record(scores={**SCORES, "u-east-district": 70.0}), "S6")


@pytest.mark.parametrize("by", ["p-finance-head", "p-justice-head", "p-vm-a"])
def test_S6_results_recorded_by_anyone_but_the_office_are_refused(by: str) -> None:
    refused_on_creation(lambda: record(by), "S6", status=403)


@pytest.mark.parametrize("bottom", [0, 4])
def test_S6_the_bottom_places_lie_between_one_and_all_but_one(bottom: int) -> None:
    refused_on_creation(lambda: record(bottom_places=bottom), "S6")
    when(None, lambda _: record(bottom_places=3)).events("Created")


def test_S6_a_single_unit_is_no_ranking_and_an_unknown_unit_is_invalid() -> None:
    refused_on_creation(lambda: record(scores={"u-finance": 90.0}), "S6")
    with pytest.raises(InvalidReference):
        record(scores={**SCORES, "u-nowhere": 60.0})


# ----- approval at an executive meeting ------------------------------------------------------


@pytest.mark.parametrize("status", ["open", "closed"])
def test_S6_results_approved_as_a_topic_decided_at_an_executive_meeting(status: str) -> None:
    a = assessment()
    m = meeting(about=a, status=status)

    then = when(a, lambda x: x.approve(act("p-office-dir"), m))

    (event,) = then.events("Approved")
    assert (event.meeting_id, event.topic_id) == (str(m.id), "t-1")
    assert event.meta["rules"] == ["S6"]
    assert a.status == "approved"
    assert [r["unit_id"] for r in a.ranking()] == ["u-finance", "u-ecology", "u-housing",
                                                   "u-justice"]  # fmt: skip


def test_S6_an_executive_meeting_that_did_not_decide_them_does_not_approve_them() -> None:
    a = assessment()
    other = assessment()

    for m in (meeting(), meeting(about=other), meeting(about=a, decided=False)):
        when(a, lambda x, m=m: x.approve(act("p-office-dir"), m)).refused("S6")
    assert a.approval is None and a.ranking() == []


@pytest.mark.parametrize("kind", ["plenary", "special_topic", "mayor_office"])
def test_S6_results_are_approved_at_an_executive_meeting_only(kind: str) -> None:
    a = assessment()

    when(a, lambda x: x.approve(act("p-office-dir"), meeting(kind, about=a))).refused("S6")


def test_S6_approval_is_recorded_by_the_office_once() -> None:
    a = assessment()
    m = meeting(about=a)
    when(a, lambda x: x.approve(act("p-mayor"), m)).refused("S6", status=403)
    when(a, lambda x: x.approve(act("p-office-dir"), m)).events("Approved")

    when(a, lambda x: x.approve(act("p-office-dir"), m)).refused("S6")


# ----- reminder interviews -------------------------------------------------------------------


@pytest.mark.parametrize("by", ["p-mayor", "p-exec-vm", "p-office-dir"])
def test_S6_a_bottom_ranked_units_head_gets_a_reminder_interview(by: str) -> None:
    a = assessment(approved())

    then = interview(a, "u-justice", by=by)

    (event,) = then.events("Interviewed")
    assert (event.unit_id, event.person_id) == ("u-justice", "p-justice-head")
    assert event.notes == "指出差距，限期整改"
    assert event.meta["rules"] == ["S6"]
    assert a.interviews["u-justice"].by == by


def test_S6_a_unit_not_bottom_ranked_gets_no_reminder_interview() -> None:
    a = assessment(approved())

    interview(a, "u-housing").refused("S6")
    interview(assessment(approved(), bottom=2), "u-housing").events("Interviewed")


def test_S6_no_interview_before_the_results_are_approved() -> None:
    interview(assessment(), "u-justice").refused("S6")


def test_S6_a_reminder_interview_is_recorded_once_with_its_notes() -> None:
    a = assessment(approved())
    interview(a, "u-justice", notes=" ").refused("S6")
    interview(a, "u-justice").events("Interviewed")

    interview(a, "u-justice").refused("S6")


def test_S6_an_interview_by_a_unit_head_is_refused_and_an_unassessed_unit_is_invalid() -> None:
    a = assessment(approved())
    interview(a, "u-justice", by="p-finance-head").refused("S6", status=403)

    with pytest.raises(InvalidReference):
        a.interview(act("p-mayor"), roster(), "u-east-district", "x")
