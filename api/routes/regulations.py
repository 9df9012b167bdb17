"""/regulations: government rules and normative documents — drafting, legality review, public
comment, adoption, publication, filings, cleanup, revision, abolition, evaluation (G1–G9) —
and the catalog of those in force on a date (G9)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api.auth import current_actor
from api.reading import MinPosition, reading
from api.resources import add_reads
from api.writes import add_command, json_response
from domain.base import Actor
from domain.clock import local_date
from domain.commands import regulations as c
from domain.fields import Day
from domain.regulations import KINDS, Regulation
from projections.read_models import regulations_board

router = APIRouter(tags=["regulations"])
Kind = Literal[KINDS]  # type: ignore[valid-type]


@router.get("/regulations/catalog", summary="G9: normative documents in force on a date")
def catalog(
    request: Request,
    on: Day | None = Query(default=None, description="default: today (Asia/Shanghai)"),
    kind: Kind | None = None,
    unit_id: str | None = None,
    min_position: int | None = MinPosition,
    actor: Actor = Depends(current_actor),
) -> Response:
    services = request.app.state.services
    day = on or local_date(services.clock.now())
    # The catalog is published: it answers for the whole log (the head, unless asked for
    # another position), as it did when it was read from the log itself.
    head = min_position if min_position is not None else services.store.max_notification_id()
    with reading(request, "regulations_board", head) as (conn, t, position):
        docs = [
            d
            for d in regulations_board.catalog(conn, t, day, ended=True)
            if (kind is None or d["kind"] == kind)
            and (unit_id is None or d["drafting_unit_id"] == unit_id)
        ]
    return json_response({"on": day, "documents": docs, "count": len(docs), "position": position})


add_reads(router, Regulation)
R = "/regulations/{reg_id}"
add_command(router, "/regulations", c.DraftRegulation, "RegulationDrafted (G1)")
add_command(router, f"{R}/legality-review", c.ReviewLegality, "LegalityReviewed (G2)")
add_command(router, f"{R}/public-comment", c.OpenPublicComment, "PublicCommentOpened (G3)")
add_command(router, f"{R}/comments", c.ReceiveComment, "CommentReceived (G3)")
add_command(router, f"{R}/adopt", c.AdoptRegulation, "RegulationAdopted (G4)")
add_command(router, f"{R}/publish", c.PublishRegulation, "RegulationPublished (G5, G6)")
add_command(router, f"{R}/filings", c.FileRegulation, "RegulationFiled (G5)")
add_command(
    router,
    f"{R}/filing-review",
    c.ReviewOnFiling,
    "RegulationFilingReviewed (G2): the justice bureau's review on filing (备案审查)",
)
add_command(router, f"{R}/cleanup", c.ReviewCleanup, "CleanupReviewed (G7)")
add_command(
    router,
    f"{R}/revise",
    c.ReviseRegulation,
    "RegulationRevised (G7): a new regulation linked both ways; answers the new one",
)
add_command(router, f"{R}/abolish", c.AbolishRegulation, "RegulationAbolished (G7)")
add_command(router, f"{R}/evaluation", c.EvaluateRegulation, "RegulationEvaluated (G8)")
