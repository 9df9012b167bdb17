"""/supervision-items: registration, progress reports, verification, rectification, closing
and the circular of results (S1–S5); /performance-assessments: performance results, their
approval at an executive meeting, the ranking they give and the reminder interviews of the
bottom-ranked (S6)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.contract import also
from api.reading import MinPosition, reading
from api.resources import add_reads
from api.writes import add_command, json_response
from domain.base import Actor
from domain.commands import supervision as c
from domain.performance import SCOPES, PerformanceAssessment
from domain.supervision import SupervisionItem
from projections.read_models import supervision_board

router = APIRouter(tags=["supervision"])
Scope = Literal[tuple(SCOPES)]  # type: ignore[valid-type]

add_reads(router, SupervisionItem)
S = "/supervision-items/{item_id}"
add_command(router, "/supervision-items", c.RegisterItem, "SupervisionItemRegistered (S1, S2)")
add_command(router, f"{S}/reports", c.ReportProgress, "ProgressReported (S1)")
add_command(router, f"{S}/verification", c.VerifyItem, "ItemVerified (S1)")
add_command(router, f"{S}/rectification", c.OrderRectification, "RectificationOrdered (S1)")
add_command(router, f"{S}/close", c.CloseItem, "ItemClosed (S1, S5)")
add_command(router, f"{S}/circular", c.CirculateResults, "ResultsCirculated (S1)")


@router.get(
    "/performance-assessments/ranking",
    summary="S6: the ranking from the performance results approved at an executive meeting",
    responses=also(404),
)
def performance_ranking(
    request: Request,
    period: str = Query(description="the assessment period, e.g. 2026"),
    scope: Scope = Query(description="departments or counties"),  # type: ignore[valid-type]
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    with reading(request, "supervision_board", min_position) as (conn, t, position):
        found = supervision_board.performance_ranking(conn, t, period, scope)
    if found is None:
        raise HTTPException(404, f"no {scope} results for {period} approved at a meeting")
    return json_response({"period": period, "scope": scope, **found, "position": position})


add_reads(router, PerformanceAssessment)
P = "/performance-assessments/{assessment_id}"
add_command(
    router,
    "/performance-assessments",
    c.RecordPerformanceResults,
    "PerformanceResultsRecorded (S6)",
)
add_command(
    router,
    f"{P}/approval",
    c.ApprovePerformanceResults,
    "PerformanceResultsApproved (S6): at the executive meeting that decided a topic on them",
)
add_command(
    router,
    f"{P}/interviews",
    c.InterviewBottomRanked,
    "ReminderInterviewed (S6): 约谈提醒 of a bottom-ranked unit",
)
