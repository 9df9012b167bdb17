"""One major decision's whole life over HTTP, for the accountability tests (A1) and the bench:

市财政局 initiates the 2027 budget (the responsible person: its head) → the four M10
procedures, public participation waived with its reason and the waiver confirmed by 市政府办公室,
legality reviewed (passed) and recorded by 市司法局 →
an executive meeting: the topic proposed by the executive vice-mayor and set by the mayor,
papers out, 陈副市长 absent with leave, opened with a quorum (M3), decided with every present
member's position and 张副市长's dissent with a note (M11) → a decision (决定) that carries it
out: countersigned by 市生态环境局, 市住房和城乡建设局's limit passes unanswered (deemed no
objection, D7), signed off by the executive vice-mayor as acting mayor while the mayor is on
a trip (D9, P2), numbered and issued (D11) → a supervision item with the decision as its
source: a report, a failed verification, a rectification whose due time passes (ItemOverdue,
S3), a second report, a passed verification, closing (S1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.support.http import create, move_clock, write

WAIVER = "方案涉及依法不公开的财政安排，不宜公开征求意见"
DISSENT = "民生支出增幅偏低，建议调整后再议"

# The whole story above, in log order (a meeting's own events belong to every decision it took
# up; other topics' events would not).
STORY = [
    "DecisionInitiated",
    "DecisionProcedureRecorded", "DecisionWaiverConfirmed",
    *["DecisionProcedureRecorded"] * 3,
    "MeetingConvened", "TopicProposed", "DecisionTopicLinked", "TopicSet", "PapersDistributed",
    "AbsenceRecorded", "MeetingOpened", "TopicDecided", "DecisionTaken", "MeetingClosed",
    "MinutesDrafted", "MinutesSigned",
    "DocumentDrafted", "DecisionDocumentLinked", "CountersignRequested", "DocumentCountersigned",
    "CountersignDeemedNoObjection", "DocumentSignedOff", "DocumentNumbered", "DocumentIssued",
    "SupervisionItemRegistered", "DecisionSupervisionLinked", "ProgressReported", "ItemVerified",
    "RectificationOrdered", "ItemOverdue", "ProgressReported", "ItemVerified", "ItemClosed",
]  # fmt: skip


@dataclass
class Lifecycle:
    decision_id: str
    meeting_id: str
    topic_id: str
    document_id: str
    item_id: str
    last_position: int


def decision_lifecycle(client: Any) -> Lifecycle:
    """The whole story above, from 2026-09-28 to 2026-10-27 on the drill clock."""
    decision = create(client, "/decisions", "p-finance-head", {
        "title": "2027年市级财政预算草案", "matter_kind": "budget",
        "initiated_by_unit": "u-finance", "responsible_person": "p-finance-head",
    })  # fmt: skip
    d = decision["id"]
    _procedures(client, d)
    meeting_id, topic_id = _executive_meeting(client, d)
    document_id = _carried_out(client, d)
    item_id, last = _supervised(client, d)
    return Lifecycle(d, meeting_id, topic_id, document_id, item_id, last)


def _procedures(client: Any, d: str) -> None:
    path = f"/decisions/{d}/procedures"
    write(client, path, "p-finance-head", {
        "procedure": "public_participation", "performed_by": "u-finance", "waived_reason": WAIVER,
    })  # fmt: skip
    write(client, f"/decisions/{d}/waiver-confirmations", "p-office-dir",
          {"procedure": "public_participation"})  # fmt: skip
    for procedure in ("expert_review", "risk_assessment"):
        write(client, path, "p-finance-head", {
            "procedure": procedure, "performed_by": "u-finance", "conclusion": "同意",
            "evidence_refs": [f"{procedure}-报告"],
        })  # fmt: skip
    write(client, path, "p-justice-head", {
        "procedure": "legality_review", "performed_by": "u-justice", "conclusion": "合法",
        "evidence_refs": ["合法性审查意见书"], "passed": True,
    })  # fmt: skip


def _executive_meeting(client: Any, d: str) -> tuple[str, str]:
    meeting = create(client, "/meetings", "p-office-dir", {
        "kind": "executive", "title": "市政府第30次常务会议", "convener_id": "p-mayor",
        "scheduled_at": "2026-09-30T09:00:00+08:00",
    })  # fmt: skip
    m = meeting["id"]
    topic = write(client, f"/meetings/{m}/topics", "p-exec-vm", {
        "title": "审议2027年市级财政预算草案", "decision_id": d, "proposed_by": "p-exec-vm",
    })["topic_id"]  # fmt: skip
    write(client, f"/meetings/{m}/topics/{topic}/set", "p-mayor")
    write(client, f"/meetings/{m}/papers", "p-office-dir",
         {"distributed_at": "2026-09-28T09:00:00+08:00"})  # fmt: skip
    write(client, f"/meetings/{m}/absences", "p-office-dir",
         {"person_id": "p-vm-c", "reason": "赴省参加会议", "approved_by": "p-mayor"})  # fmt: skip
    present = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-sg"]
    write(client, f"/meetings/{m}/open", "p-mayor", {"present": present})
    positions = {"p-mayor": "agree", "p-exec-vm": "agree", "p-vm-a": "dissent",
                 "p-vm-b": "agree", "p-sg": "abstain"}  # fmt: skip
    write(client, f"/meetings/{m}/decisions", "p-mayor", {
        "topic_id": topic, "text": "原则通过", "positions": positions,
        "dissent_notes": {"p-vm-a": DISSENT},
    })  # fmt: skip
    write(client, f"/meetings/{m}/close", "p-mayor")
    write(client, f"/meetings/{m}/minutes", "p-office-dir",
         {"text": "会议原则通过2027年预算草案", "drafted_by": "p-office-dir"})  # fmt: skip
    write(client, f"/meetings/{m}/minutes/sign", "p-mayor", {"minutes_version": 1})
    return m, topic


def _carried_out(client: Any, d: str) -> str:
    doc = create(client, "/documents", "p-office-dir", {
        "doc_type": "decision", "title": "关于批准2027年市级财政预算的决定",
        "body": "正文：批准2027年预算", "from_unit_id": "u-gov", "drafting_unit_id": "u-finance",
        "to": "u-finance", "matters": ["2027年预算"], "decision_id": d,
    })  # fmt: skip
    doc_id = doc["id"]
    write(client, f"/documents/{doc_id}/countersign-requests", "p-finance-head",
         {"unit_ids": ["u-ecology", "u-housing"]})  # fmt: skip
    write(client, f"/documents/{doc_id}/countersignatures", "p-ecology-head",
         {"unit_id": "u-ecology", "opinion": "agree"})  # fmt: skip
    move_clock(client, "2026-10-14T09:00:00+08:00")  # D7: due 10-14 00:00, deemed
    create(client, "/leaves", "p-mayor", {
        "person_id": "p-mayor", "kind": "official_trip", "destination": "成都",
        "starts_at": "2026-10-14T10:00:00+08:00", "ends_at": "2026-10-16T18:00:00+08:00",
        "acting_id": "p-exec-vm",
    })  # fmt: skip
    move_clock(client, "2026-10-14T11:00:00+08:00")
    write(client, f"/documents/{doc_id}/sign-off", "p-exec-vm", {"opinion": "同意印发"})
    write(client, f"/documents/{doc_id}/register", "p-office-dir", {"issuer_code": "攀府发"})
    write(client, f"/documents/{doc_id}/issue", "p-office-dir")
    return doc_id


def _supervised(client: Any, d: str) -> tuple[str, int]:
    item = create(client, "/supervision-items", "p-office-dir", {
        "title": "督办落实2027年预算决定", "source": {"kind": "decision", "ref": d},
        "lead_unit_id": "u-finance", "co_unit_ids": ["u-ecology"],
        "deadline": "2026-11-30T18:00:00+08:00", "report_dates": ["2026-10-20T18:00:00+08:00"],
    })  # fmt: skip
    i = item["id"]
    report = {"unit_id": "u-finance", "text": "已下达预算指标"}
    write(client, f"/supervision-items/{i}/reports", "p-finance-head", report)
    write(client, f"/supervision-items/{i}/verification", "p-office-dir",
         {"result": "failed", "findings": "部分指标未下达"})  # fmt: skip
    write(client, f"/supervision-items/{i}/rectification", "p-office-dir",
         {"order": "十日内全部下达", "due": "2026-10-25T18:00:00+08:00"})  # fmt: skip
    move_clock(client, "2026-10-26T09:00:00+08:00")  # S3: the rectification is overdue
    write(client, f"/supervision-items/{i}/reports", "p-finance-head",
         {"unit_id": "u-finance", "text": "指标已全部下达"})  # fmt: skip
    write(client, f"/supervision-items/{i}/verification", "p-office-dir",
         {"result": "passed", "findings": "已整改到位"})  # fmt: skip
    closed = write(client, f"/supervision-items/{i}/close", "p-office-dir",
                  {"summary": "预算指标全部下达，办结"})  # fmt: skip
    return i, int(closed["position"])
