"""Every use case of the city government's ledger, one small typed command each (its fields
are the request) with its handler (``handle``), by area. ``domain.service.execute`` runs one;
the API, the synthetic city, the ticker and the tests all come in through them."""

from __future__ import annotations

from domain.commands.calendar import RecordCalendarYear
from domain.commands.decisions import (
    ConfirmWaiver,
    InitiateDecision,
    PublishDecision,
    RecordProcedure,
)
from domain.commands.documents import (
    Countersign,
    DraftDocument,
    ExtendCountersign,
    Instruct,
    IssueDocument,
    PublishDocument,
    RegisterDocument,
    RequestCountersign,
    ReviewDocument,
    SignOff,
    SummariseDisagreement,
)
from domain.commands.leaves import (
    ApproveLeave,
    CancelLeave,
    FileLeave,
    RefuseLeave,
    ReportLeave,
    ReportReturn,
)
from domain.commands.meetings import (
    ApproveCitywideMeeting,
    CloseMeeting,
    ConveneMeeting,
    CorrectMinutes,
    DecideTopic,
    DistributePapers,
    DraftMinutes,
    OpenMeeting,
    ProposeTopic,
    RecordAbsence,
    SetTopic,
    SignMinutes,
)
from domain.commands.regulations import (
    AbolishRegulation,
    AdoptRegulation,
    DraftRegulation,
    EvaluateRegulation,
    FileRegulation,
    OpenPublicComment,
    PublishRegulation,
    ReceiveComment,
    ReviewCleanup,
    ReviewLegality,
    ReviewOnFiling,
    ReviseRegulation,
)
from domain.commands.roster import (
    AddUnit,
    Appoint,
    AssignDivision,
    BootstrapRoster,
    FormABPair,
    GrantClearance,
    Relieve,
)
from domain.commands.supervision import (
    ApprovePerformanceResults,
    CirculateResults,
    CloseItem,
    InterviewBottomRanked,
    OrderRectification,
    RecordPerformanceResults,
    RegisterItem,
    ReportProgress,
    VerifyItem,
)
from domain.commands.timers import RecordDeadline, record_deadline

__all__ = [
    "AbolishRegulation", "AddUnit", "AdoptRegulation", "Appoint", "ApproveCitywideMeeting",
    "ApproveLeave", "ApprovePerformanceResults", "AssignDivision", "BootstrapRoster",
    "CancelLeave", "CirculateResults", "CloseItem", "CloseMeeting", "ConfirmWaiver",
    "ConveneMeeting", "CorrectMinutes", "Countersign", "DecideTopic", "DistributePapers",
    "DraftDocument", "DraftMinutes", "DraftRegulation", "EvaluateRegulation",
    "ExtendCountersign", "FileLeave", "FileRegulation", "FormABPair", "GrantClearance",
    "InitiateDecision",
    "Instruct", "InterviewBottomRanked", "IssueDocument", "OpenMeeting", "OpenPublicComment",
    "OrderRectification", "ProposeTopic", "PublishDecision", "PublishDocument",
    "PublishRegulation", "ReceiveComment", "RecordAbsence", "RecordCalendarYear",
    "RecordDeadline", "RecordPerformanceResults", "RecordProcedure", "RefuseLeave",
    "RegisterDocument", "RegisterItem", "Relieve", "ReportLeave", "ReportProgress",
    "ReportReturn", "RequestCountersign", "ReviewCleanup", "ReviewDocument", "ReviewLegality",
    "ReviewOnFiling", "ReviseRegulation", "SetTopic",
    "SignMinutes", "SignOff", "SummariseDisagreement", "VerifyItem", "record_deadline",
]  # fmt: skip
