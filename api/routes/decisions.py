"""/decisions: major administrative decisions (重大行政决策), M9–M13, A1."""

from __future__ import annotations

from fastapi import APIRouter

from api.resources import add_reads
from api.writes import add_command
from domain.commands import decisions as c
from domain.decisions import Decision

router = APIRouter(tags=["decisions"])

add_reads(router, Decision)
add_command(router, "/decisions", c.InitiateDecision, "DecisionInitiated (A1, M9)")
add_command(
    router,
    "/decisions/{decision_id}/procedures",
    c.RecordProcedure,
    "DecisionProcedureRecorded (M10)",
)
add_command(
    router,
    "/decisions/{decision_id}/waiver-confirmations",
    c.ConfirmWaiver,
    "DecisionWaiverConfirmed (M10)",
)
add_command(
    router, "/decisions/{decision_id}/publication", c.PublishDecision, "DecisionPublished (M13)"
)
