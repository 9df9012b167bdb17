"""Performance assessment (目标绩效管理, art. 65): the results of one period's assessment of the
city's departments or of the county governments, recorded by the government office, approved
(审定) at an executive meeting as a topic decided there, and then the ranking they give; the
bottom-ranked units' responsible people get a reminder interview (约谈提醒), recorded. S6.

The ranking comes from these approved results only — never from supervision counts (overdue
items are S3's, a different fact).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from domain.base import LEADER_OFFICES, OFFICE_STAFF, Act, GovAggregate, Post, Records
from domain.clock import local_date
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

if TYPE_CHECKING:
    from domain.meetings import Meeting

# Art. 66 assesses the city government's departments, art. 67 the county governments: each
# scope is ranked on its own.
SCOPES = {"departments": "department", "counties": "county"}
APPROVING_MEETING = "executive"  # art. 65: 考核结果报市政府常务会议审定


@dataclass(frozen=True, slots=True)
class Approval:
    """S6: approved at an executive meeting, by the topic decided there."""

    meeting_id: str
    topic_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Interview:
    """S6: a reminder interview (约谈提醒) of a bottom-ranked unit's responsible person."""

    unit_id: str
    person_id: str | None
    notes: str
    by: str
    at: datetime


def ranking(scores: dict[str, float], bottom_places: int) -> list[dict[str, Any]]:
    """S6: units by score, highest first; equal scores share a rank (1, 2, 2, 4). The bottom
    ``bottom_places`` places are 排名靠后: every unit scoring at most the score in the last of
    them (a tie at that boundary is bottom-ranked too)."""
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    threshold = sorted(scores.values())[bottom_places - 1] if ordered else math.inf
    rows = []
    for place, (unit_id, score) in enumerate(ordered, start=1):
        rank = next(i for i, (_, s) in enumerate(ordered, start=1) if s == score)
        rows.append(
            {"unit_id": unit_id, "score": score, "rank": rank, "place": place,
             "bottom": score <= threshold}
        )  # fmt: skip
    return rows


class PerformanceAssessment(GovAggregate):
    """One period's performance results for one scope (departments or counties)."""

    TOPIC = "govrules:PerformanceAssessment"
    COLLECTION = "performance-assessments"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:PerformanceResultsRecorded"
        period: str
        scope: str
        scores: dict[str, float]
        bottom_places: int

        def apply(self, assessment: PerformanceAssessment) -> None:
            assessment.period = self.period
            assessment.scope = self.scope
            assessment.scores = dict(self.scores)
            assessment.bottom_places = self.bottom_places
            assessment.status = "recorded"
            assessment.approval = None
            assessment.interviews = Records()

    Recorded = Created

    class Approved(Event):
        TOPIC = "govrules:PerformanceResultsApproved"
        meeting_id: str
        topic_id: str

        def apply(self, assessment: PerformanceAssessment) -> None:
            assessment.status = "approved"
            assessment.approval = Approval(self.meeting_id, self.topic_id, self.timestamp)

    class Interviewed(Event):
        TOPIC = "govrules:ReminderInterviewed"
        unit_id: str
        person_id: str | None
        notes: str

        def apply(self, assessment: PerformanceAssessment) -> None:
            assessment.interviews[self.unit_id] = Interview(
                self.unit_id, self.person_id, self.notes, self.meta["actor_id"], self.timestamp
            )

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        period: str
        scope: str
        scores: dict[str, float]
        bottom_places: int
        status: str
        approval: Approval | None
        interviews: Records[Interview]

    # ----- queries -------------------------------------------------------------------------

    def ranking(self) -> list[dict[str, Any]]:
        """S6: the ranking — only once the results are approved (empty before)."""
        if self.approval is None:
            return []
        return ranking(self.scores, self.bottom_places)

    def bottom_ranked(self) -> list[str]:
        return [row["unit_id"] for row in self.ranking() if row["bottom"]]

    # ----- commands ------------------------------------------------------------------------

    @classmethod
    def record_results(
        cls,
        act: Act,
        roster: Roster,
        *,
        period: str,
        scope: str,
        scores: dict[str, float],
        bottom_places: int,
    ) -> PerformanceAssessment:
        """S6: the government office records one period's results for one scope: a score for
        each unit, and how many of the last places the assessment counts as 排名靠后 (the
        rules set no number; the assessment scheme does)."""
        post = _office(act)
        if scope not in SCOPES:
            raise InvalidReference(f"scope is one of {tuple(SCOPES)}")
        if not period.strip():
            raise refuse("S6", "the results name their period")
        for unit_id in scores:
            if roster.unit(unit_id).get("kind") != SCOPES[scope]:
                raise refuse("S6", f"{unit_id} is not one of the {scope} assessed together")
        if any(not math.isfinite(s) for s in scores.values()):
            raise refuse("S6", "every score is a number")
        if len(scores) < 2:
            raise refuse("S6", "a ranking compares two units or more")
        if not 1 <= bottom_places < len(scores):
            raise refuse("S6", f"bottom_places is from 1 to {len(scores) - 1}")
        assessment: PerformanceAssessment = cls.start(
            cls.Recorded,
            act,
            id=uuid.uuid4(),
            rules=("S6",),
            post=post,
            period=period.strip(),
            scope=scope,
            scores={u: float(s) for u, s in scores.items()},
            bottom_places=bottom_places,
        )
        return assessment

    def approve(self, act: Act, meeting: Meeting) -> None:
        """S6 (art. 65: 考核结果报市政府常务会议审定): approved at an executive meeting that took
        the results up as a topic and decided it; recorded by the office, once."""
        post = _office(act)
        if self.approval is not None:
            raise refuse("S6", f"the results were approved at meeting {self.approval.meeting_id}")
        if meeting.kind != APPROVING_MEETING:
            raise refuse(
                "S6", f"the results are approved at an executive meeting, not {meeting.kind}"
            )
        decided = [
            t
            for t in meeting.topics.values()
            if t.assessment_id == str(self.id) and t.decided is not None
        ]
        if not decided:
            raise refuse("S6", "the meeting did not decide a topic on these results")
        self.record(
            self.Approved,
            act,
            rules=("S6",),
            post=post,
            meeting_id=str(meeting.id),
            topic_id=decided[0].topic_id,
        )

    def interview(self, act: Act, roster: Roster, unit_id: str, notes: str) -> None:
        """S6: a bottom-ranked unit's responsible person (its head, as the roster stands that
        day) gets a reminder interview (约谈提醒), by a city leader or the office; once per
        unit."""
        post = act.actor.holds(*LEADER_OFFICES, *OFFICE_STAFF)
        if post is None:
            raise forbid("S6", "a city leader or the government office holds the interview")
        if unit_id not in self.scores:
            raise InvalidReference(f"{unit_id} was not assessed in these results")
        if self.approval is None:
            raise refuse("S6", "the interview follows the results approved at a meeting")
        if unit_id not in self.bottom_ranked():
            raise refuse("S6", f"{unit_id} is not among the bottom-ranked")
        if unit_id in self.interviews:
            raise refuse("S6", f"{unit_id}'s reminder interview is already recorded")
        if not notes.strip():
            raise refuse("S6", "the interview records what was said")
        person = roster.holder("unit_head", local_date(act.at), unit_id)
        self.record(
            self.Interviewed,
            act,
            rules=("S6",),
            post=post,
            unit_id=unit_id,
            person_id=person,
            notes=notes,
        )


def _office(act: Act) -> Post:
    post = act.actor.holds(*OFFICE_STAFF)
    if post is None:
        raise forbid("S6", "the government office records and submits the performance results")
    return post
