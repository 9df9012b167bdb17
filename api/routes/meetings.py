"""/meetings: convening, topics, papers, absences, opening (quorum), decisions per topic,
closing and minutes — M1–M13."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter

from api.renders import state_of
from api.resources import add_reads
from api.writes import add_command
from domain.commands import meetings as c
from domain.meetings import CitywideMeetingApproval, Meeting

router = APIRouter(tags=["meetings"])


def with_new_topic(meeting: Any, now: datetime) -> dict[str, Any]:
    """The answer to a proposal carries the new topic_id (the latest proposed)."""
    return {**state_of(meeting), "topic_id": list(meeting.topics)[-1]}


add_reads(router, Meeting)
M = "/meetings/{meeting_id}"
add_command(router, "/meetings", c.ConveneMeeting, "MeetingConvened (M1, M2, M12: approval_id?)")
add_command(
    router, f"{M}/topics", c.ProposeTopic, "TopicProposed (M6); answers topic_id", with_new_topic
)
add_command(router, f"{M}/topics/{{topic_id}}/set", c.SetTopic, "TopicSet (M6): the mayor")
add_command(router, f"{M}/papers", c.DistributePapers, "PapersDistributed (M6)")
add_command(router, f"{M}/absences", c.RecordAbsence, "AbsenceRecorded (M7)")
add_command(router, f"{M}/open", c.OpenMeeting, "MeetingOpened (M3 quorum, M6, M7)")
add_command(
    router,
    f"{M}/decisions",
    c.DecideTopic,
    "TopicDecided (M6, M11) + DecisionTaken on the Decision (M9, M10), atomically",
)
add_command(router, f"{M}/close", c.CloseMeeting, Meeting.Closed.NAME)
add_command(
    router, f"{M}/minutes", c.DraftMinutes, "MinutesDrafted (M8): the government office, any kind"
)
add_command(
    router,
    f"{M}/minutes/corrections",
    c.CorrectMinutes,
    "MinutesDrafted as a correction linked to signed minutes (M8, A2): the government office",
)
add_command(
    router,
    f"{M}/minutes/sign",
    c.SignMinutes,
    "MinutesSigned (M8): names the draft signed (minutes_version), the latest",
)

# M12: the government's approval of a department's further citywide meeting in a year.
add_reads(router, CitywideMeetingApproval)
add_command(
    router,
    "/citywide-meeting-approvals",
    c.ApproveCitywideMeeting,
    "CitywideMeetingApproved (M12): the mayor (P2) or the office for the government",
)
