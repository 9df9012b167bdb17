"""/supervision-items: registration, progress reports, verification, rectification, closing
and the circular of results (S1–S6)."""

from __future__ import annotations

from fastapi import APIRouter

from api.resources import add_reads
from api.writes import add_command
from domain.commands import supervision as c
from domain.supervision import SupervisionItem

router = APIRouter(tags=["supervision"])

add_reads(router, SupervisionItem)
S = "/supervision-items/{item_id}"
add_command(router, "/supervision-items", c.RegisterItem, "SupervisionItemRegistered (S1, S2)")
add_command(router, f"{S}/reports", c.ReportProgress, "ProgressReported (S1)")
add_command(router, f"{S}/verification", c.VerifyItem, "ItemVerified (S1)")
add_command(router, f"{S}/rectification", c.OrderRectification, "RectificationOrdered (S1)")
add_command(router, f"{S}/close", c.CloseItem, "ItemClosed (S1, S5)")
add_command(router, f"{S}/circular", c.CirculateResults, "ResultsCirculated (S1)")
