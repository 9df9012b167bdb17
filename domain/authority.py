"""The authority matrix (R8): for every command, the offices that may issue it and the rule a
refusal cites. One table, data, read by the service layer before a command's handler runs
(``domain.service``): an actor who holds none of the command's offices is refused there with
403 and the rule id, and nothing is stored. The aggregates' finer guards (which unit's head,
which leader the document was routed to, the convener, clearance, …) still judge what the
offices below may do; this table only closes the door to an office that does nothing of the
kind. The reliability test ``tests/reliability/test_r08_authority_matrix.py`` reads the same
table, both ways.

Derived from the rules (``shared/domain/rules.md``) and the offices of P1:
- the investigator's office writes nothing (A1: it traces acts, 责任倒查): every command is
  refused to an actor holding only that office, citing A1;
- the system administrator records the roster and the working-day calendar (P1, P3, D7) and
  nothing else — no clearance (D12: the secretary-general grants those), no document, no
  meeting, no leave;
- ``system`` (the server's own actor) records the deadlines that pass and seeds the roster;
- the government office (secretary-general, deputy secretaries-general, office director)
  does what the office does; leaders what leaders do; unit heads what units do; a unit's
  legal reviewer its legality reviews (G2, M10 for the justice bureau).

Commands are named by class name, so this module imports no command (no import cycle); a test
checks that every command class has its row.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.base import Actor
from domain.rules import NotAuthorised

MAYOR = ("mayor", "executive_vice_mayor")  # the executive vice-mayor acts as mayor (P2)
VICE_MAYORS = ("executive_vice_mayor", "vice_mayor")
CITY_LEADERS = ("mayor", "executive_vice_mayor", "vice_mayor", "secretary_general")
LEADERS = (*CITY_LEADERS, "deputy_secretary_general")
OFFICE = ("secretary_general", "deputy_secretary_general", "office_director")
UNIT = ("unit_head",)
LEGAL = ("legal_reviewer",)
ADMIN = ("system_admin",)
SYSTEM = ("system",)
# A unit's head, or the office for the government (heads() counts the office director as the
# head of the government office's unit).
UNIT_OR_OFFICE = (*UNIT, *OFFICE)
CONVENERS = (*LEADERS, *UNIT)  # M2: leaders, a department's head for its citywide meeting
CHAIR_OR_OFFICE = (*CONVENERS, *OFFICE)
WHO_TAKES_LEAVE = (*CITY_LEADERS, *UNIT)  # L1–L5: city leaders, department heads


@dataclass(frozen=True)
class Authority:
    """Who may issue one command, and the rule a refusal cites."""

    offices: frozenset[str]
    rule: str


def _may(rule: str, *groups: tuple[str, ...]) -> Authority:
    return Authority(frozenset(office for group in groups for office in group), rule)


MATRIX: dict[str, Authority] = {
    # ----- roster and calendar (P1, P3, D7, D12) ------------------------------------------
    "AddUnit": _may("P1", ADMIN),
    "Appoint": _may("P1", ADMIN),
    "Relieve": _may("P1", ADMIN),
    "AssignDivision": _may("P1", ADMIN),
    "FormABPair": _may("P3", ADMIN),
    "GrantClearance": _may("D12", ("secretary_general",)),
    "BootstrapRoster": _may("P1", SYSTEM),
    "RecordCalendarYear": _may("D7", ADMIN),
    # ----- deadlines: the system's own acts (D7, D10, S3, L4, L6, G5, G6) -----------------
    "RecordDeadline": _may("P1", SYSTEM),
    # ----- official documents (D1–D12) ----------------------------------------------------
    "DraftDocument": _may("P1", UNIT_OR_OFFICE),
    "RequestCountersign": _may("D6", UNIT_OR_OFFICE),
    "ExtendCountersign": _may("D7", UNIT_OR_OFFICE),
    "Countersign": _may("D6", UNIT, ("office_director",)),
    "SummariseDisagreement": _may("D6", UNIT_OR_OFFICE),
    "ReviewDocument": _may("D8", OFFICE),
    "Instruct": _may("D8", LEADERS),
    "SignOff": _may("D9", CITY_LEADERS),
    "RegisterDocument": _may("D11", OFFICE),
    "IssueDocument": _may("D11", OFFICE),
    "PublishDocument": _may("D11", OFFICE),
    # ----- meetings (M1–M13) --------------------------------------------------------------
    "ApproveCitywideMeeting": _may("M12", MAYOR, OFFICE),
    "ConveneMeeting": _may("M2", CHAIR_OR_OFFICE),
    "ProposeTopic": _may("M6", CHAIR_OR_OFFICE),
    "SetTopic": _may("M6", CONVENERS),
    "DistributePapers": _may("M6", OFFICE),
    "RecordAbsence": _may("M7", OFFICE),
    "OpenMeeting": _may("M2", CHAIR_OR_OFFICE),
    "DecideTopic": _may("M2", CHAIR_OR_OFFICE),
    "CloseMeeting": _may("M2", CHAIR_OR_OFFICE),
    "DraftMinutes": _may("M8", UNIT_OR_OFFICE),
    "CorrectMinutes": _may("M8", UNIT_OR_OFFICE),
    "SignMinutes": _may("M8", CONVENERS),
    # ----- major decisions (M9–M13, A1) ---------------------------------------------------
    "InitiateDecision": _may("A1", LEADERS, UNIT, ("office_director",)),
    "RecordProcedure": _may("M10", UNIT_OR_OFFICE),
    "ConfirmWaiver": _may("M10", OFFICE),
    "PublishDecision": _may("M13", OFFICE),
    # ----- regulations and normative documents (G1–G9) ------------------------------------
    "DraftRegulation": _may("G1", UNIT_OR_OFFICE),
    "ReviewLegality": _may("G2", UNIT, LEGAL),
    "ReviewOnFiling": _may("G2", UNIT, LEGAL),
    "OpenPublicComment": _may("G3", UNIT_OR_OFFICE),
    "ReceiveComment": _may("G3", UNIT_OR_OFFICE),
    "AdoptRegulation": _may("G4", OFFICE),
    "PublishRegulation": _may("G6", UNIT_OR_OFFICE),
    "FileRegulation": _may("G5", UNIT_OR_OFFICE),
    "ReviewCleanup": _may("G7", UNIT, LEGAL, ("office_director",)),
    "ReviseRegulation": _may("G7", UNIT_OR_OFFICE),
    "AbolishRegulation": _may("G7", UNIT_OR_OFFICE, LEGAL),
    "EvaluateRegulation": _may("G8", UNIT_OR_OFFICE, LEGAL),
    # ----- supervision and performance (S1–S6) --------------------------------------------
    "RegisterItem": _may("S1", CITY_LEADERS, OFFICE),
    "ReportProgress": _may("S1", UNIT, ("office_director",)),
    "VerifyItem": _may("S1", OFFICE),
    "OrderRectification": _may("S1", OFFICE),
    "CloseItem": _may("S1", OFFICE),
    "CirculateResults": _may("S1", OFFICE),
    "RecordPerformanceResults": _may("S6", OFFICE),
    "ApprovePerformanceResults": _may("S6", OFFICE),
    "InterviewBottomRanked": _may("S6", LEADERS, OFFICE),
    # ----- leave (L1–L6): the person's own, or the office records it (L4) -----------------
    "ReportLeave": _may("L4", WHO_TAKES_LEAVE, OFFICE),
    "ReportReturn": _may("L6", WHO_TAKES_LEAVE, OFFICE),
    "CancelLeave": _may("L4", WHO_TAKES_LEAVE, OFFICE),
    "ApproveLeave": _may("L3", CITY_LEADERS),
    "RefuseLeave": _may("L3", CITY_LEADERS),
    "FileLeave": _may("L4", OFFICE),
}


class OutsideAuthority(NotAuthorised):
    """Refused by the matrix: the actor holds none of the offices that issue the command."""


def authority_of(command_name: str) -> Authority:
    """The command's row; a command without one is a programming error, never allowed."""
    try:
        return MATRIX[command_name]
    except KeyError:
        raise LookupError(f"{command_name} has no row in the authority matrix") from None


def may_issue(actor: Actor, command_name: str) -> bool:
    offices = authority_of(command_name).offices
    return any(post.office in offices for post in actor.posts)


def check_authority(actor: Actor, command_name: str) -> None:
    """403 with the rule id unless the actor holds an office the matrix names for the
    command; the investigator's office (reads only) is refused under A1."""
    if may_issue(actor, command_name):
        return
    if actor.reads_only:
        raise OutsideAuthority(
            "A1", f"{actor.person_id} is an investigator: reads only, never writes"
        )
    authority = authority_of(command_name)
    offices = ", ".join(sorted(authority.offices))
    raise OutsideAuthority(
        authority.rule, f"{command_name} is issued by: {offices}; {actor.person_id} holds none"
    )
