"""/documents: drafting, countersigning (会签), review (退文/拟办), sign-off (签发), numbering,
issue and publication — D1–D12."""

from __future__ import annotations

from fastapi import APIRouter

from api.resources import add_reads
from api.writes import add_command
from domain.base import Actor
from domain.commands import documents as c
from domain.documents import OfficialDocument
from domain.rules import forbid

router = APIRouter(tags=["documents"])


def readable(actor: Actor, doc: OfficialDocument) -> None:
    """D12: a secret document is refused to a reader without the clearance."""
    if not doc.readable_by(actor.clearance):
        raise forbid("D12", f"this document is classified; {actor.person_id} is not cleared")


add_reads(router, OfficialDocument, readable)
D = "/documents/{doc_id}"
add_command(router, "/documents", c.DraftDocument, "DocumentDrafted (D1–D5, D10, D12)")
add_command(
    router, f"{D}/countersign-requests", c.RequestCountersign, "CountersignRequested (D6, D7)"
)
add_command(router, f"{D}/countersignatures", c.Countersign, "DocumentCountersigned (D6)")
add_command(
    router,
    f"{D}/countersign-extensions",
    c.ExtendCountersign,
    "CountersignExtended (D7): the limit agreed with a unit; the due time moves",
)
add_command(
    router,
    f"{D}/disagreement-summary",
    c.SummariseDisagreement,
    "CountersignDisagreementSummarised (D6): each side's reasons and a proposal",
)
add_command(router, f"{D}/review", c.ReviewDocument, "DocumentReturned | DocumentRouted (D8)")
add_command(router, f"{D}/instruction", c.Instruct, "LeaderInstructed (D8): the leader's 批示")
add_command(router, f"{D}/sign-off", c.SignOff, "DocumentSignedOff (D9)")
add_command(router, f"{D}/register", c.RegisterDocument, "DocumentNumbered (D11)")
add_command(router, f"{D}/issue", c.IssueDocument, OfficialDocument.Issued.NAME)
add_command(router, f"{D}/publish", c.PublishDocument, "DocumentPublished (M13, D12)")
