"""Regulations and normative documents (政府规章、规范性文件, Ch. 4): drafting, legality review
(合法性审查), public comment (公开征求意见), adoption at a meeting, publication with a validity
period (有效期), filing (备案) with each required body, cleanup (清理), revision with lineage,
abolition and post-implementation evaluation (实施后评估). G1–G9.

Due times — each body's filing (G5) and the expiry (G6) — are stored in the publication event,
computed once, so a replay years later gives the same answer whatever the policy is then.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING

from domain.base import OFFICE_STAFF, Act, GovAggregate, Post, Records, StatusRule
from domain.calendar import add_months
from domain.clock import SHANGHAI, local_date
from domain.roster import InvalidReference, Roster
from domain.rules import forbid, refuse

if TYPE_CHECKING:
    from domain.meetings import Meeting

KINDS = ("government_rule", "city_normative", "department_normative")  # G1
ADOPTED_AT_MEETINGS = ("government_rule", "city_normative")  # G4
ADOPTING_MEETINGS = ("plenary", "executive")
# G5: who each kind is filed with.
FILING_BODIES: dict[str, tuple[str, ...]] = {
    "government_rule": (
        "state_council",
        "provincial_npc_sc",
        "provincial_government",
        "city_npc_sc",
    ),
    "city_normative": ("provincial_government", "city_npc_sc"),
    "department_normative": ("city_government", "superior_department"),
}
ALL_BODIES = tuple(dict.fromkeys(b for bodies in FILING_BODIES.values() for b in bodies))
VERDICTS = ("continue", "revise", "abolish")  # G7
TEMPORARY_MARKS = ("暂行", "试行")


@dataclass(frozen=True)
class RegulationPolicy:
    """Configurable limits (G5, G6): validity years, for 暂行/试行 too, and days to file."""

    validity_years: int = 5
    temporary_validity_years: int = 2
    filing_days: int = 30


def start_of(day: date) -> datetime:
    """00:00 Asia/Shanghai of ``day``."""
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def filing_overdue_at(due: date) -> datetime:
    """G5: a filing due on ``due`` may be made all that day; it is overdue from 00:00
    Asia/Shanghai of the next day."""
    return start_of(due + timedelta(days=1))


def expiry_at(valid_until: date) -> datetime:
    """G6: a regulation is in force while the day is before ``valid_until`` (``in_force_on``,
    ``catalog``); it expires at 00:00 Asia/Shanghai of that day."""
    return start_of(valid_until)


@dataclass(frozen=True, slots=True)
class LegalityReview:
    """G2: the legality review (合法性审查): passed or not, with its opinion."""

    passed: bool
    opinion: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class FilingReview:
    """G2 (art. 24): the justice bureau's review of a department normative document on its
    filing with the city government (备案审查): passed or not, with its opinion."""

    passed: bool
    opinion: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CommentPeriod:
    """G3: the public comment period (征求意见) from one day to another — the rules set no
    length — or waived because the draft is secret by law (依法需要保密的), with the basis.
    ``short_reason`` is only in history written before issue 12 (a 30-day minimum it invented);
    ``secret_by_law`` is False on waivers recorded before then, whatever their reason."""

    opens_on: date | None
    closes_on: date | None
    short_reason: str | None
    waived_reason: str | None
    secret_by_law: bool = False


@dataclass(frozen=True, slots=True)
class Comment:
    """G3: one comment received during the period."""

    text: str
    source: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Adoption:
    """G4: adopted at a meeting (or, for a department's own, by the department)."""

    meeting_id: str | None
    decision_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    """G6: published under a number, valid from one day until another."""

    number: str
    published_on: date
    valid_until: date | None  # None: a government rule (政府规章) has no validity period


@dataclass(frozen=True, slots=True)
class Filing:
    """G5: a filing (备案) owed to one body, due on a day, filed or not."""

    body: str
    due: date
    filed_on: date | None = None


@dataclass(frozen=True, slots=True)
class Cleanup:
    """G7: a cleanup review's verdict (continue, revise, abolish) and its reason."""

    verdict: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Evaluation:
    """G8: a post-implementation evaluation's findings."""

    findings: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Ending:
    """G6, G7: how and when a regulation stopped being in force (expired)."""

    how: str
    on: date


@dataclass(frozen=True, slots=True)
class Supersession(Ending):
    """G7: replaced by a revision."""

    by: str


@dataclass(frozen=True, slots=True)
class Abolition(Ending):
    """G7: abolished, with the reason."""

    reason: str | None


class Regulation(GovAggregate):
    """One government rule or normative document, from draft to abolition, with lineage."""

    TOPIC = "govrules:Regulation"
    COLLECTION = "regulations"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:RegulationDrafted"
        kind: str
        title: str
        drafting_unit_id: str
        revises: str | None

        def apply(self, reg: Regulation) -> None:
            reg.kind = self.kind
            reg.title = self.title
            reg.drafting_unit_id = self.drafting_unit_id
            reg.revises = self.revises
            reg.revised_by = []
            reg.status = REGULATION_STATUS.of(self)
            reg.legality_reviews = []
            reg.public_comment = None
            reg.comments = []
            reg.adoption = None
            reg.publication = None
            reg.filings = Records()
            reg.filings_overdue = {}
            reg.filing_review = None
            reg.cleanups = []
            reg.evaluations = []
            reg.ended = None

    Drafted = Created

    class LegalityReviewed(Event):
        TOPIC = "govrules:LegalityReviewed"
        passed: bool
        opinion: str

        def apply(self, reg: Regulation) -> None:
            reg.legality_reviews.append(
                LegalityReview(self.passed, self.opinion, self.meta["actor_id"], self.timestamp)
            )

    class PublicCommentOpened(Event):
        TOPIC = "govrules:PublicCommentOpened"
        opens_on: date | None
        closes_on: date | None
        short_reason: str | None
        waived_reason: str | None
        secret_by_law: bool = False  # G3: the only ground for a waiver (False before issue 12)

        def apply(self, reg: Regulation) -> None:
            reg.public_comment = CommentPeriod(
                self.opens_on,
                self.closes_on,
                self.short_reason,
                self.waived_reason,
                self.secret_by_law,
            )

    class CommentReceived(Event):
        TOPIC = "govrules:CommentReceived"
        text: str
        source: str

        def apply(self, reg: Regulation) -> None:
            reg.comments.append(Comment(self.text, self.source, self.timestamp))

    class Adopted(Event):
        TOPIC = "govrules:RegulationAdopted"
        meeting_id: str | None
        decision_id: str | None

        def apply(self, reg: Regulation) -> None:
            reg.status = REGULATION_STATUS.of(self, reg.status)
            reg.adoption = Adoption(self.meeting_id, self.decision_id, self.timestamp)

    class Published(Event):
        TOPIC = "govrules:RegulationPublished"
        kind: str
        title: str
        drafting_unit_id: str
        number: str
        published_on: date
        valid_until: date | None
        filings_due: dict[str, date]
        revises: str | None

        def apply(self, reg: Regulation) -> None:
            reg.status = REGULATION_STATUS.of(self, reg.status)
            reg.publication = Publication(self.number, self.published_on, self.valid_until)
            reg.filings = Records((b, Filing(b, due)) for b, due in self.filings_due.items())

    class Filed(Event):
        TOPIC = "govrules:RegulationFiled"
        body: str
        filed_on: date

        def apply(self, reg: Regulation) -> None:
            reg.filings[self.body] = replace(reg.filings[self.body], filed_on=self.filed_on)

    class FilingReviewed(Event):
        """G2 (art. 24): the justice bureau's 备案审查 of a department normative document."""

        TOPIC = "govrules:RegulationFilingReviewed"
        passed: bool
        opinion: str

        def apply(self, reg: Regulation) -> None:
            reg.filing_review = FilingReview(
                self.passed, self.opinion, self.meta["actor_id"], self.timestamp
            )

    class FilingOverdue(Event):
        """G5 (timer): the filing with ``body`` due on ``due`` was not made by then."""

        TOPIC = "govrules:FilingOverdue"
        body: str
        due: date

        def apply(self, reg: Regulation) -> None:
            reg.filings_overdue[self.body] = self.due

    class Expired(Event):
        """G6 (timer): the validity period ended; the regulation is no longer in force."""

        TOPIC = "govrules:RegulationExpired"
        valid_until: date

        def apply(self, reg: Regulation) -> None:
            reg.status = REGULATION_STATUS.of(self, reg.status)
            reg.ended = Ending("expired", self.valid_until)

    class CleanupReviewed(Event):
        TOPIC = "govrules:CleanupReviewed"
        verdict: str
        reason: str

        def apply(self, reg: Regulation) -> None:
            reg.cleanups.append(
                Cleanup(self.verdict, self.reason, self.meta["actor_id"], self.timestamp)
            )

    class Revised(Event):
        TOPIC = "govrules:RegulationRevised"
        new_regulation_id: str

        def apply(self, reg: Regulation) -> None:
            reg.revised_by.append(self.new_regulation_id)

    class Superseded(Event):
        TOPIC = "govrules:RegulationSuperseded"
        by_regulation_id: str
        on: date

        def apply(self, reg: Regulation) -> None:
            reg.status = REGULATION_STATUS.of(self, reg.status)
            reg.ended = Supersession("superseded", self.on, self.by_regulation_id)

    class Abolished(Event):
        TOPIC = "govrules:RegulationAbolished"
        on: date
        reason: str | None

        def apply(self, reg: Regulation) -> None:
            reg.status = REGULATION_STATUS.of(self, reg.status)
            reg.ended = Abolition("abolished", self.on, self.reason)

    class Evaluated(Event):
        TOPIC = "govrules:RegulationEvaluated"
        findings: str

        def apply(self, reg: Regulation) -> None:
            reg.evaluations.append(Evaluation(self.findings, self.timestamp))

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        kind: str
        title: str
        drafting_unit_id: str
        revises: str | None
        revised_by: list[str]
        status: str
        legality_reviews: list[LegalityReview]
        public_comment: CommentPeriod | None
        comments: list[Comment]
        adoption: Adoption | None
        publication: Publication | None
        filings: Records[Filing]
        filings_overdue: dict[str, date]
        filing_review: FilingReview | None
        cleanups: list[Cleanup]
        evaluations: list[Evaluation]
        ended: Ending | None

    # ----- queries -------------------------------------------------------------------------

    @property
    def temporary(self) -> bool:
        return any(mark in self.title for mark in TEMPORARY_MARKS)

    def legality_passed(self) -> bool:
        return bool(self.legality_reviews) and self.legality_reviews[-1].passed

    def in_force_on(self, day: date) -> bool:
        if self.publication is None:
            return False
        until = self.publication.valid_until
        if day < self.publication.published_on or (until is not None and day >= until):
            return False
        return self.ended is None or day < self.ended.on

    # ----- drafting and review --------------------------------------------------------------

    @classmethod
    def draft(
        cls,
        act: Act,
        roster: Roster,
        *,
        kind: str,
        title: str,
        drafting_unit_id: str,
        revises: Regulation | None = None,
    ) -> Regulation:
        """G1: one of three kinds, drafted by a unit (a government rule by the justice bureau
        or a unit it organises, G2)."""
        if kind not in KINDS:
            raise refuse("G1", f"kind is one of {KINDS}")
        roster.unit(drafting_unit_id)
        post = _unit_or_office(act, drafting_unit_id, "G1")
        reg: Regulation = cls.start(
            cls.Drafted,
            act,
            id=uuid.uuid4(),
            rules=("G1", "G7") if revises else ("G1",),
            post=post,
            kind=kind,
            title=title,
            drafting_unit_id=drafting_unit_id,
            revises=str(revises.id) if revises else None,
        )
        return reg

    def _drafting(self, rule: str) -> None:
        if self.status != "drafting":
            raise refuse(rule, f"the regulation is {self.status}; this comes before adoption")

    def review_legality(self, act: Act, roster: Roster, passed: bool, opinion: str) -> None:
        """G2: legality review (合法性审查) before adoption — of a government rule or a city
        normative document by the justice bureau (司法局), of a department normative document
        by the issuing department's own legal reviewer (the justice bureau reviews that one
        later, on filing: ``review_on_filing``)."""
        post = self._legality_reviewer(act, roster)
        self._drafting("G2")
        if not opinion.strip():
            raise refuse("G2", "a legality review gives its opinion")
        self.record(
            self.LegalityReviewed, act, rules=("G2",), post=post, passed=passed, opinion=opinion
        )

    def _legality_reviewer(self, act: Act, roster: Roster) -> Post:
        if self.kind != "department_normative":
            post = _justice_post(act, roster)
            if post is None:
                raise forbid("G2", f"a {self.kind}'s legality review is the justice bureau's")
            return post
        for post in act.actor.posts:
            if post.office == "legal_reviewer" and post.unit_id == self.drafting_unit_id:
                return post
        raise forbid(
            "G2",
            f"a department's normative document is reviewed by {self.drafting_unit_id}'s own "
            "legal reviewer; the justice bureau reviews it on filing (备案审查)",
        )

    def review_on_filing(self, act: Act, roster: Roster, passed: bool, opinion: str) -> None:
        """G2 (art. 24: 司法局应当对市政府各部门制定的规范性文件进行备案审查): once a department
        normative document is filed with the city government, the justice bureau reviews it
        and records its opinion, once."""
        post = _justice_post(act, roster)
        if post is None:
            raise forbid("G2", "the review on filing (备案审查) is the justice bureau's")
        if self.kind != "department_normative":
            raise refuse("G2", "the review on filing is of a department's normative document")
        filing = self.filings.get("city_government")
        if filing is None or filing.filed_on is None:
            raise refuse("G2", "the review on filing follows the filing with the city government")
        if self.filing_review is not None:
            raise refuse("G2", "the review on filing is already recorded")
        if not opinion.strip():
            raise refuse("G2", "a review on filing gives its opinion")
        self.record(
            self.FilingReviewed, act, rules=("G2",), post=post, passed=passed, opinion=opinion
        )

    def open_public_comment(
        self,
        act: Act,
        opens_on: date | None,
        closes_on: date | None,
        waived_reason: str | None = None,
        secret_by_law: bool = False,
    ) -> None:
        """G3 (art. 22: 除依法需要保密的外，政府规章的草案要公开征求意见): a government rule's
        draft goes out for comment from one day to another — the rules set no length — or not
        at all when it is secret by law, citing the basis; no other ground waives it."""
        post = _unit_or_office(act, self.drafting_unit_id, "G3")
        self._drafting("G3")
        if self.kind != "government_rule":
            raise refuse("G3", "public comment periods are for government rules")
        if self.public_comment is not None:
            raise refuse("G3", "the public comment is already recorded")
        waived = bool(waived_reason and waived_reason.strip())
        if waived or secret_by_law:
            _check_waiver(waived_reason, secret_by_law, opens_on or closes_on)
        elif opens_on is None or closes_on is None or closes_on < opens_on:
            raise refuse("G3", "a comment period opens on a day and closes on it or later")
        self.record(
            self.PublicCommentOpened,
            act,
            rules=("G3",),
            post=post,
            opens_on=opens_on,
            closes_on=closes_on,
            short_reason=None,
            waived_reason=waived_reason if secret_by_law else None,
            secret_by_law=secret_by_law,
        )

    def receive_comment(self, act: Act, text: str, source: str) -> None:
        """G3: comments received during the period are recorded (by the drafting unit or the
        office)."""
        post = _unit_or_office(act, self.drafting_unit_id, "G3")
        period = self.public_comment
        day = local_date(act.at)
        if period is None or period.opens_on is None or period.closes_on is None:
            raise refuse("G3", "no public comment period is open")
        if not period.opens_on <= day <= period.closes_on:
            raise refuse("G3", f"the comment period runs {period.opens_on} – {period.closes_on}")
        if not text.strip():
            raise refuse("G3", "a comment has a text")
        self.record(self.CommentReceived, act, rules=("G3",), post=post, text=text, source=source)

    # ----- adoption and publication --------------------------------------------------------

    def adopt(self, act: Act, meeting: Meeting | None, decision_id: str | None) -> None:
        """G4: government rules and city normative documents are adopted as a topic decided at
        a plenary or executive meeting; G2 and G3 first."""
        post = act.actor.holds(*OFFICE_STAFF)
        if post is None:
            raise forbid("G4", "the government office records the adoption")
        self._drafting("G4")
        if not self.legality_passed():
            raise refuse("G2", "adoption follows a passed legality review (合法性审查)")
        if self.kind == "government_rule":
            period = self.public_comment
            if period is None:
                raise refuse("G3", "a government rule's draft goes out for public comment first")
            if period.closes_on is not None and period.closes_on >= local_date(act.at):
                raise refuse("G3", f"the comment period runs until {period.closes_on}")
        rules = ["G2", "G3"] if self.kind == "government_rule" else ["G2"]
        if self.kind in ADOPTED_AT_MEETINGS:
            self._check_decided_at(meeting)
            rules.append("G4")
        self.record(
            self.Adopted,
            act,
            rules=tuple(rules),
            post=post,
            meeting_id=str(meeting.id) if meeting else None,
            decision_id=decision_id,
        )

    def _check_decided_at(self, meeting: Meeting | None) -> None:
        """G4 (arts. 28, 42): adopted at a plenary or executive meeting that took it up as a
        topic and decided that topic — not merely at a meeting that was held."""
        if meeting is None:
            raise refuse("G4", "it is adopted at a plenary or executive meeting")
        if meeting.kind not in ADOPTING_MEETINGS:
            raise refuse("G4", f"a {meeting.kind} meeting does not adopt {self.kind}")
        if meeting.status not in ("open", "closed"):
            raise refuse("G4", "the meeting has not been held")
        if not meeting.decided_topics_on(str(self.id)):
            raised = any(t.regulation_id == str(self.id) for t in meeting.topics.values())
            raise refuse(
                "G4",
                "the meeting did not decide its topic on this regulation"
                if raised
                else "the regulation was not a topic of that meeting",
            )

    def publish(
        self,
        act: Act,
        policy: RegulationPolicy,
        published_on: date,
        valid_until: date | None,
        number: str,
    ) -> None:
        """G6: a normative document is published with a validity period (at most 5 years, 2
        for 暂行/试行); a government rule (政府规章) has none. G5: each required body's filing
        falls due 30 days after publication."""
        post = act.actor.holds(*OFFICE_STAFF) or (
            act.actor.heads(self.drafting_unit_id) if self.kind == "department_normative" else None
        )
        if post is None:
            raise forbid("G6", "the office publishes (a department its own normative documents)")
        if self.kind in ADOPTED_AT_MEETINGS and self.status != "adopted":
            raise refuse("G4", "it is published after its adoption at a meeting")
        if self.kind == "department_normative":
            if self.status not in ("drafting", "adopted"):
                raise refuse("G6", f"the regulation is {self.status}; it was published already")
            if not self.legality_passed():
                raise refuse("G2", "publication follows a passed legality review")
        if self.adoption is not None:  # a publication never precedes its adoption (G4)
            adopted_on = local_date(self.adoption.at)
            if published_on < adopted_on:
                raise refuse("G4", f"published on or after its adoption on {adopted_on}")
        _check_validity(self.kind, self.temporary, policy, published_on, valid_until)
        if not number.strip():
            raise refuse("G6", "publication carries the document number")
        due = published_on + timedelta(days=policy.filing_days)
        self.record(
            self.Published,
            act,
            rules=("G5", "G6"),
            post=post,
            kind=self.kind,
            title=self.title,
            drafting_unit_id=self.drafting_unit_id,
            number=number,
            published_on=published_on,
            valid_until=valid_until,
            filings_due={body: due for body in FILING_BODIES[self.kind]},
            revises=self.revises,
        )

    def file(self, act: Act, body: str, filed_on: date) -> None:
        """G5: filed with one required body; each is tracked on its own."""
        post = act.actor.holds(*OFFICE_STAFF) or act.actor.heads(self.drafting_unit_id)
        if post is None:
            raise forbid("G5", "the office or the drafting unit files it")
        if body not in ALL_BODIES:
            raise InvalidReference(f"body is one of {ALL_BODIES}")
        if self.publication is None:
            raise refuse("G5", "filing follows publication")
        if body not in self.filings:
            raise refuse("G5", f"a {self.kind} is not filed with {body}")
        if self.filings[body].filed_on is not None:
            raise refuse("G5", f"already filed with {body}")
        if filed_on < self.publication.published_on or filed_on > local_date(act.at):
            raise refuse("G5", "filed on a day between publication and today")
        self.record(self.Filed, act, rules=("G5",), post=post, body=body, filed_on=filed_on)

    def record_filing_overdue(self, act: Act, body: str, due: date) -> bool:
        """G5 (timer): the system records that the filing with ``body`` due on ``due`` was
        not made. Idempotent: False when there is nothing to record (filed, another due,
        already recorded, or before the end of the due day)."""
        filing = self.filings.get(body)
        if filing is None or filing.filed_on is not None or filing.due != due:
            return False
        if body in self.filings_overdue or act.at < filing_overdue_at(due):
            return False
        self.record(self.FilingOverdue, act, rules=("G5",), post=None, body=body, due=due)
        return True

    def record_expiry(self, act: Act, valid_until: date) -> bool:
        """G6 (timer): the system records the end of the validity period. Idempotent: False
        when not in force (superseded, abolished, already expired), another end date, or
        before it."""
        if self.status != "in_force" or self.publication is None:
            return False  # a government rule (no valid_until) never expires: never equal below
        if self.publication.valid_until != valid_until or act.at < expiry_at(valid_until):
            return False
        self.record(self.Expired, act, rules=("G6",), post=None, valid_until=valid_until)
        return True

    # ----- life in force -------------------------------------------------------------------

    def _in_force(self, rule: str, act: Act | None = None) -> None:
        """In force by status and — given the act — by date: a regulation past its validity
        period is expired (G6) whether or not the system has recorded it yet."""
        until = self.publication.valid_until if self.publication else None
        past = until is not None and act is not None and act.at >= expiry_at(until)
        if self.status == "expired" or (self.status == "in_force" and past):
            raise refuse("G6", f"the regulation expired: it was valid until {until}")
        if self.status != "in_force":
            raise refuse(rule, f"the regulation is {self.status}, not in force")

    def review_cleanup(self, act: Act, roster: Roster, verdict: str, reason: str) -> None:
        """G7: 清理 — continue, revise or abolish — by the drafting unit or the justice bureau."""
        post = act.actor.heads(self.drafting_unit_id) or _justice_post(act, roster)
        if post is None:
            raise forbid("G7", "cleanup is reviewed by the drafting unit or the justice bureau")
        if verdict not in VERDICTS:
            raise InvalidReference(f"verdict is one of {VERDICTS}")
        self._in_force("G7", act)
        if not reason.strip():
            raise refuse("G7", "a cleanup verdict gives its reason")
        self.record(
            self.CleanupReviewed, act, rules=("G7",), post=post, verdict=verdict, reason=reason
        )

    def start_revision(self, act: Act, roster: Roster, title: str) -> Regulation:
        """G7: a revision is a new regulation linked both ways to this one; returns it. One
        revision at a time: two would both replace this version (G9)."""
        self._in_force("G7", act)
        if self.revised_by:
            raise refuse("G7", f"a revision of this version is under way ({self.revised_by[-1]})")
        new = Regulation.draft(
            act,
            roster,
            kind=self.kind,
            title=title,
            drafting_unit_id=self.drafting_unit_id,
            revises=self,
        )
        self.record(
            self.Revised, act, rules=("G7",), post=_any_post(act), new_regulation_id=str(new.id)
        )
        return new

    def supersede(self, act: Act, by: Regulation, on: date) -> None:
        """The revision published replaces this version in the catalog (G7, G9)."""
        self._in_force("G7")
        self.record(
            self.Superseded,
            act,
            rules=("G7", "G9"),
            post=_any_post(act),
            by_regulation_id=str(by.id),
            on=on,
        )

    def abolish(self, act: Act, roster: Roster, reason: str | None) -> None:
        post = act.actor.holds(*OFFICE_STAFF) or _justice_post(act, roster)
        if post is None and self.kind == "department_normative":
            post = act.actor.heads(self.drafting_unit_id)  # the enacting body (制定机关), art. 25
        if post is None:
            raise forbid("G7", "the office, the justice bureau or the enacting unit abolishes")
        self._in_force("G7", act)
        self.record(
            self.Abolished, act, rules=("G7",), post=post, on=local_date(act.at), reason=reason
        )

    def evaluate(self, act: Act, roster: Roster, findings: str) -> None:
        """G8: a government rule's post-implementation evaluation (实施后评估)."""
        post = (
            act.actor.heads(self.drafting_unit_id)
            or _justice_post(act, roster)
            or act.actor.holds(*OFFICE_STAFF)
        )
        if post is None:
            raise forbid("G8", "the drafting unit, the justice bureau or the office evaluates")
        if self.kind != "government_rule":
            raise refuse("G8", "post-implementation evaluation is for government rules")
        if self.publication is None:
            raise refuse("G8", "evaluation follows implementation")
        if not findings.strip():
            raise refuse("G8", "an evaluation records its findings")
        self.record(self.Evaluated, act, rules=("G8",), post=post, findings=findings)


def _check_waiver(waived_reason: str | None, secret_by_law: bool, period: date | None) -> None:
    """G3: public comment is waived only for a draft secret by law (依法需要保密的), and the
    waiver cites its basis; such a draft has no comment period."""
    if not secret_by_law:
        raise refuse(
            "G3",
            "public comment is waived only for a draft secret by law (依法需要保密的): "
            "set secret_by_law and cite the basis",
        )
    if not (waived_reason and waived_reason.strip()):
        raise refuse("G3", "a waiver for secrecy by law cites its basis (waived_reason)")
    if period is not None:
        raise refuse("G3", "a draft secret by law has no comment period; omit its days")


def _any_post(act: Act) -> Post | None:
    return act.actor.posts[0] if act.actor.posts else None


def _unit_or_office(act: Act, unit_id: str, rule: str) -> Post:
    post = act.actor.heads(unit_id) or act.actor.holds(*OFFICE_STAFF)
    if post is None:
        raise forbid(rule, f"the head of {unit_id} or the office acts on this draft")
    return post


def _justice_post(act: Act, roster: Roster) -> Post | None:
    """The justice bureau acting: its head or its legal reviewer (G2)."""
    for post in act.actor.posts:
        unit = roster.units.get(post.unit_id or "")
        if unit and unit.get("function") == "justice_bureau":
            if post.office in ("unit_head", "legal_reviewer"):
                return post
    return None


# G4–G7: drafting, adopted, in force once published; then superseded, abolished or expired.
REGULATION_STATUS = StatusRule(
    {
        Regulation.Drafted: "drafting",
        Regulation.Adopted: "adopted",
        Regulation.Published: "in_force",
        Regulation.Superseded: "superseded",
        Regulation.Abolished: "abolished",
        Regulation.Expired: "expired",
    }
)


def _check_validity(
    kind: str, temporary: bool, policy: RegulationPolicy, published_on: date, until: date | None
) -> None:
    """G6: every normative document (规范性文件, city or department) states its validity period,
    at most ``validity_years`` (``temporary_validity_years`` for 暂行/试行); a government rule
    (政府规章) has none (art. 25 asks it of normative documents only)."""
    if kind == "government_rule":
        if until is not None:
            raise refuse(
                "G6", "a government rule (政府规章) has no validity period; omit valid_until"
            )
        return
    if until is None:
        raise refuse("G6", "a normative document states its validity period (有效期)")
    years = policy.temporary_validity_years if temporary else policy.validity_years
    limit = add_months(published_on, 12 * years)
    if not published_on < until <= limit:
        which = " for 暂行/试行" if temporary else ""
        raise refuse("G6", f"valid until at most {limit} ({years} years{which})")
