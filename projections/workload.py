"""A deterministic synthetic city (seeded RNG), written through the domain aggregates exactly as
the application layer drives them: the one generator the bench, demo data and reliability tests
share (docs/bench.md, "Workload"). Every guard applies, so every event is real; many aggregates
are saved per transaction (whole simulated days at a time), so a large log is written quickly.

Time moves one simulated day per step from Mon 2026-01-05 09:00 Shanghai; work is done Monday
to Friday (public holidays are not kept). In a simulated year (≈ 50k events) the city produces:

- documents, most of the log (≈ 95 %): each working day 23–35 incoming requests (drafted,
  countersigned by one or two other units, reviewed by the office) and 8–12 notices (drafted by
  the office, signed off by the vice-mayor in charge — by the AB partner (P3) or the mayor while
  that vice-mayor is away — numbered 攀府发 and issued);
- meetings: an executive meeting every other Tuesday (≈ 26) and a plenary on the first Thursday
  of February, July and December (3): convened with topics proposed and set and papers sent the
  day before; members on leave recorded absent; every present member's position on every topic
  (now and then a dissent or an abstention); closed; minutes drafted and signed after;
- major decisions (≈ 60): initiated by a unit, the four M10 procedures recorded over the next
  days (public participation waived for personnel), put on the next executive meeting (a
  development plan on the next plenary) and decided there with the meeting's TopicDecided,
  then published (M13) — some carried out by a notice linked on the decision (A1) and followed
  up by a supervision item;
- supervision (≈ 175 items, 3–4 a week): registered from instructions, NPC suggestions and
  CPPCC proposals led by the city leaders in turn (S4), annual tasks, documents and decisions,
  with report dates every two weeks; progress reported by the lead unit on its report dates
  (one in ten a few days late) and by the co-units; verified, closed and often circulated; one
  in seven fails verification and is put right (rectification) first;
- leaves (≈ 75, 1–2 a week) of unit heads and vice-mayors: reported with the AB partner or
  another free leader acting (the office names one when the partner is away too, P3), approved
  where L3/L5 ask it (by whoever acts for an approver who is away), filed, and returned (one in
  ten late, one in twenty cancelled). Each is entered on the absence ledger, saved with it in
  the same transaction as ``GovRules.report_leave`` does; at most two city leaders are away at
  once, and unit heads are not away on plenary days;
- regulations (≈ 36 new ones, three a month): department normative documents (published by
  the unit), city normative documents (adopted at an executive meeting) and government rules
  (30 days' public comment with comments received, then a regulation-draft decision adopted
  with them);
  legality reviewed by the justice bureau (one in ten passes only at the second review),
  published with their validity period and filed with every required body (one filing in
  twenty late); a government rule is evaluated a year on. The first Monday of November brings
  the yearly cleanup: continue, revise (a revision drafted, which supersedes the old version
  when published) or abolish.

Due times are always given explicitly (countersigns, report dates, rectifications), so nothing
depends on the holiday calendar, which only knows the years the State Council has announced.
Leaves still open when the run ends are returned (or cancelled, if not begun), so a later run
on the same log finds no one away for ever.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from domain.application import GovRules
from domain.base import Act, Actor, GovAggregate
from domain.calendar import add_months
from domain.clock import SHANGHAI
from domain.decisions import PROCEDURES, Decision
from domain.documents import DocumentNumberSequence, OfficialDocument, number_sequence_id
from domain.leaves import LEAVING_THE_CITY, AbsenceLedger, LeaveRecord, overlaps
from domain.meetings import Meeting, members_of
from domain.regulations import Regulation
from domain.rules import NotFound
from domain.supervision import SupervisionItem

START = datetime.fromisoformat("2026-01-05T01:00:00+00:00")  # Mon 09:00 Shanghai
UNITS = ("u-finance", "u-ecology", "u-housing")  # write requests, receive notices
DEPARTMENTS = (*UNITS, "u-justice")  # draft regulations
LINE_UNITS = (*DEPARTMENTS, "u-east-district")  # lead supervision, initiate decisions
HEADS = {
    "u-finance": "p-finance-head",
    "u-ecology": "p-ecology-head",
    "u-housing": "p-housing-head",
    "u-justice": "p-justice-head",
    "u-east-district": "p-east-head",
}
SIGNERS = {"u-finance": "p-exec-vm", "u-ecology": "p-vm-a", "u-housing": "p-vm-b"}
EXECUTIVE = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]
MAYOR = "p-mayor"
OFFICE = "p-office-dir"
SECRETARY_GENERAL = "p-sg"  # office staff cleared for secret documents (D12)
JUSTICE = "p-justice-head"
UNIT_HEADS = tuple(HEADS[u] for u in LINE_UNITS)
VICE_MAYORS = ("p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c")  # the leaders who take leave
ACTING = (*VICE_MAYORS, "p-sg")  # who may act for one of them

# Volumes per working day (Monday to Friday, ≈ 260 a year): about 50k events a year in all.
INCOMING = (23, 35)
OUTGOING = (8, 12)
SECRET_EVERY = 50  # one outgoing notice in fifty is classified secret (D12)
SUPERVISION_RATE = 0.6
LEAVE_RATE = 0.3
DECISION_RATE = 0.2
REGULATION_RATES = {
    "government_rule": 4 / 260,
    "city_normative": 12 / 260,
    "department_normative": 20 / 260,
}
MATTERS = ("budget", "major_policy", "major_funds", "development_plan", "personnel", "other")
MATTER_WEIGHTS = (3, 4, 3, 1, 2, 5)
LEAVE_KINDS = ("official_trip", "out_of_city", "study", "private")
SUPERVISION_SOURCES = ("instruction", "npc_suggestion", "cppcc_proposal", "annual_task", "document")
SUBJECTS = {
    "u-finance": ("政府债务管理", "财政专项资金", "政府采购", "预算绩效管理"),
    "u-ecology": ("大气污染防治", "河湖长制", "固体废物污染防治", "生态保护补偿"),
    "u-housing": ("城镇老旧小区改造", "物业管理", "保障性住房", "建筑工地扬尘治理"),
    "u-justice": ("行政执法监督", "行政复议", "法律援助", "公共法律服务"),
    "u-east-district": ("老工业区更新改造", "社区治理", "背街小巷整治", "学位供给"),
}
REGULATION_CODES = {
    "u-finance": "攀财",
    "u-ecology": "攀环",
    "u-housing": "攀住建",
    "u-justice": "攀司",
}
DESTINATIONS = ("成都", "北京", "昆明", "重庆", "西昌")
PLENARY_MONTHS = {2: "全年工作部署", 7: "上半年经济运行情况和下半年工作安排", 12: "全年工作总结"}
REVISED = re.compile(r"（\d{4}年修订）$")

Step = Callable[[], None]
Topic = tuple[str, Decision | None, Regulation | None]  # a topic id, its decision, its regulation


def generate(
    app: GovRules,
    events: int,
    seed: int = 2019,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Writes at least ``events`` events; returns how many were written."""
    return _City(app, seed, batch, progress).run(events)


def _moment(day: int, hour: int = 9) -> datetime:
    """``hour`` o'clock Shanghai on the simulated ``day`` (day 0: Mon 2026-01-05)."""
    return START + timedelta(days=day, hours=hour - 9)


def _local(day: int) -> date:
    return _moment(day).astimezone(SHANGHAI).date()


def _workday(day: int) -> int:
    """The day itself, or the Monday after a weekend (day 0 is a Monday)."""
    return day if day % 7 < 5 else day + 7 - day % 7


def _plenary_day(day: int) -> bool:
    """The first Thursday of February, July and December (M4: about three a year)."""
    d = _local(day)
    return d.month in PLENARY_MONTHS and d.weekday() == 3 and d.day <= 7


def _cleanup_day(day: int) -> bool:
    """The yearly cleanup (G7): the first Monday of November."""
    d = _local(day)
    return d.month == 11 and d.weekday() == 0 and d.day <= 7


def _sequence(app: GovRules, year: int) -> DocumentNumberSequence | None:
    """The register of 攀府发 numbers for the year, if an earlier run opened it."""
    try:
        return app.load(DocumentNumberSequence, number_sequence_id("攀府发", year))
    except NotFound:
        return None


class _City:
    """The state of one run: what is in flight, what is due on which day, and what is unsaved."""

    def __init__(
        self,
        app: GovRules,
        seed: int,
        batch: int,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.app = app
        self.seed = seed
        self.rng = random.Random(seed)
        self.batch = batch
        self.progress = progress
        self.roster = app.roster()
        self.written = 0
        self.pending: dict[Any, GovAggregate] = {}
        self.day = 0
        self.at = START
        self.today = _local(0)
        self.sequence = _sequence(app, self.today.year)
        self.ledger: AbsenceLedger | None = app.ledger()  # an earlier run may have opened it
        self.away: dict[str, dict[str, Any]] = {}
        self.absent: frozenset[str] = frozenset()
        self.actors: dict[str, Actor] = {}
        # What falls due on which day: leave returns first thing, the rest during the day.
        self.dawn: dict[int, list[Step]] = {}
        self.agenda: dict[int, list[Step]] = {}
        # Leaves in flight: who is away (or acting) from when until the return is reported.
        self.leaves: dict[Any, LeaveRecord] = {}
        self.windows: dict[Any, tuple[str, datetime, datetime, str | None]] = {}
        self.ready: list[Decision] = []  # for the next executive meeting
        self.ready_plenary: list[Decision] = []  # development plans, for the next plenary
        self.rule_of: dict[Any, Regulation] = {}  # a regulation-draft decision's government rule
        self.for_adoption: list[Regulation] = []  # city normative documents
        self.regulations: dict[str, Regulation] = {}  # published, by id (G7 lineage)
        self.numbers: dict[str, int] = {}
        self.leading = 0  # whose turn it is to lead an NPC suggestion or CPPCC proposal (S4)
        self.notices: list[str] = []  # recent notices: the documents supervision items follow

    # ----- the day loop --------------------------------------------------------------------

    def run(self, events: int) -> int:
        while self.written + self.unsaved() < events:
            self.at = _moment(self.day)
            self.today = _local(self.day)
            self.actors = {}
            self.current_sequence()
            self.run_steps(self.dawn.pop(self.day, []))
            self.see_who_is_away()
            workday = self.day % 7 < 5
            if workday and self.rng.random() < LEAVE_RATE:
                self.report_leave()
                self.see_who_is_away()
            self.run_steps(self.agenda.pop(self.day, []))
            if self.day % 14 == 0:
                self.prepare_meeting("executive")
            if _plenary_day(self.day + 1):
                self.prepare_meeting("plenary")
            if workday:
                self.new_work()
            if self.unsaved() >= self.batch:
                self.flush()
            self.day += 1
        self.wrap_up()
        self.flush()
        return self.written

    def new_work(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(*INCOMING)):
            self.touch(self.incoming())
        for _ in range(rng.randint(*OUTGOING)):
            self.touch(self.outgoing(rng.choice(UNITS)))
        if rng.random() < SUPERVISION_RATE:
            self.register_item()
        for kind, rate in REGULATION_RATES.items():
            if rng.random() < rate:
                self.draft_regulation(kind)
        if rng.random() < DECISION_RATE:
            self.initiate_decision()
        if _cleanup_day(self.day):
            self.cleanup()

    def run_steps(self, steps: Iterable[Step]) -> None:
        for step in steps:
            step()

    def schedule(self, day: int, step: Step) -> None:
        """A step on a working day (a weekend moves it to the Monday after)."""
        self.agenda.setdefault(_workday(max(day, self.day + 1)), []).append(step)

    def see_who_is_away(self) -> None:
        """Who is away now: every act carries it, as the application's acts do (P2, P3)."""
        self.away = self.ledger.away_at(self.at) if self.ledger is not None else {}
        self.absent = frozenset(self.away)

    def act(self, person_id: str) -> Act:
        actor = self.actors.get(person_id)
        if actor is None:
            actor = self.roster.actor(person_id, self.today)
            assert actor is not None, person_id
            self.actors[person_id] = actor
        return Act(
            actor,
            self.at,
            correlation_id=f"workload-{self.seed}-{self.written}",
            absent=self.absent,
        )

    def count(self, key: str) -> int:
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    # ----- saving --------------------------------------------------------------------------

    def touch(self, *aggregates: GovAggregate | None) -> None:
        """To be saved with the next transaction (each aggregate once, in order of first use)."""
        for aggregate in aggregates:
            if aggregate is not None and aggregate.id not in self.pending:
                self.pending[aggregate.id] = aggregate

    def unsaved(self) -> int:
        shared = [a for a in (self.sequence, self.ledger) if a and a.id not in self.pending]
        return sum(len(a.pending_events) for a in (*self.pending.values(), *shared))

    def flush(self) -> None:
        # The number register and the absence ledger go last, as the application saves them
        # after the document (D11) or the leave (L1) they serve, in the same transaction.
        for shared in (self.sequence, self.ledger):
            if shared is not None and shared.pending_events:
                self.touch(shared)
        if self.pending:
            recordings = self.app.save(*self.pending.values())
            self.written += len(recordings)
            self.pending = {}
            if self.progress is not None:
                self.progress(self.written)

    # ----- documents -----------------------------------------------------------------------

    def current_sequence(self) -> DocumentNumberSequence | None:
        year = self.today.year
        if self.sequence is None or self.sequence.year != year:
            if self.sequence is not None and self.sequence.pending_events:
                self.touch(self.sequence)  # last year's numbers are saved all the same
            self.sequence = _sequence(self.app, year)  # an earlier run may have opened it
        return self.sequence

    def incoming(self) -> OfficialDocument:
        rng = self.rng
        unit = rng.choice(UNITS)
        head = HEADS[unit]
        doc = OfficialDocument.draft(
            self.act(head),
            self.roster,
            doc_type="request",
            title=f"关于{rng.randint(1, 999)}号事项的请示",
            from_unit_id=unit,
            to="government",
            matters=["专项"],
        )
        others = [u for u in UNITS if u != unit]
        asked = rng.sample(others, rng.randint(1, 2))
        # An explicit limit (the lead unit may set one, D7): the holiday calendar only knows the
        # years the State Council has announced, and a synthetic city runs for decades.
        due = self.at + timedelta(days=10)
        doc.request_countersign(self.act(head), self.roster, self.app.calendar, asked, due)
        for other in asked:
            doc.countersign(self.act(HEADS[other]), other, "agree", None)
        doc.review_incoming(
            self.act(OFFICE), self.roster, True, proposed_handling="拟请分管副市长阅示"
        )
        return doc

    def outgoing(self, unit: str, decision: Decision | None = None) -> OfficialDocument:
        title = (
            f"关于贯彻落实《{decision.title}》的通知"
            if decision is not None
            else f"关于做好第{self.rng.randint(1, 999)}项工作的通知"
        )
        # One notice in SECRET_EVERY is classified (D12): the secretary-general, cleared, does
        # the office's part.
        secret = decision is None and self.count("outgoing") % SECRET_EVERY == 0
        office = SECRETARY_GENERAL if secret else OFFICE
        doc = OfficialDocument.draft(
            self.act(office),
            self.roster,
            doc_type="notice",
            title=title,
            from_unit_id="u-gov",
            to=unit,
            matters=["工作"],
            drafting_unit_id=unit,
            decision_id=str(decision.id) if decision is not None else None,
            classification="secret" if secret else "none",
        )
        doc.sign_off(self.act(self.signer(unit)), self.roster, "同意")
        self.sequence = doc.register(self.act(office), self.current_sequence(), "攀府发")
        doc.issue(self.act(office))
        self.notices = [*self.notices[-49:], str(doc.id)]
        return doc

    def signer(self, unit: str) -> str:
        """D9: the vice-mayor in charge; while away, the AB partner (P3) or else the mayor."""
        in_charge = SIGNERS.get(unit) or self.roster.vice_mayor_in_charge(unit) or MAYOR
        if in_charge not in self.away:
            return in_charge
        partner = self.roster.ab_partner(in_charge)
        return partner if partner is not None and partner not in self.away else MAYOR

    # ----- meetings (M1–M8, M11) -----------------------------------------------------------

    def prepare_meeting(self, kind: str) -> None:
        """The day before: convened, topics proposed (by the leader, or the office for one
        who is away) and set by the mayor, papers sent (M6)."""
        n = self.count(f"{kind}-{self.today.year}")
        name = "常务会议" if kind == "executive" else "全体会议"
        meeting = Meeting.convene(
            self.act(OFFICE),
            self.roster,
            kind=kind,
            title=f"市政府{self.today.year}年第{n}次{name}",
            convener_id=MAYOR,
            scheduled_at=_moment(self.day + 1),
        )
        proposals: list[tuple[str, str, Decision | None, Regulation | None]] = []
        if kind == "executive":
            proposals.append(("工作汇报", "p-exec-vm", None, None))
            decisions, self.ready = self.ready[:4], self.ready[4:]
            for decision in decisions:
                rule = self.rule_of.get(decision.id)
                title = f"审议《{rule.title}》（草案）" if rule else f"研究{decision.title}"
                proposals.append(
                    (title, self.in_charge(decision.initiated_by_unit), decision, None)
                )
            regulations, self.for_adoption = self.for_adoption[:3], self.for_adoption[3:]
            for regulation in regulations:
                proposer = self.in_charge(regulation.drafting_unit_id)
                proposals.append((f"审议《{regulation.title}》", proposer, None, regulation))
        else:
            month = _local(self.day + 1).month
            proposals.append((PLENARY_MONTHS[month], MAYOR, None, None))
            proposals.append(("通报经济运行情况", "p-exec-vm", None, None))
            for decision in self.ready_plenary:
                proposer = self.in_charge(decision.initiated_by_unit)
                proposals.append((f"审议{decision.title}", proposer, decision, None))
            self.ready_plenary = []
        topics: list[Topic] = []
        for title, proposer, linked, adopting in proposals:
            who = OFFICE if proposer in self.away else proposer
            topic = meeting.propose_topic(self.act(who), self.roster, title, proposer, linked)
            if linked is not None:  # as GovRules.propose_topic links them (A1)
                linked.link_topic(self.act(who), str(meeting.id), meeting.kind, topic)
                self.touch(linked)
            topics.append((topic, linked, adopting))
        for topic, _, _ in topics:
            meeting.set_topic(self.act(MAYOR), self.roster, topic)
        meeting.distribute_papers(self.act(OFFICE), self.at)
        self.touch(meeting)
        self.schedule(self.day + 1, partial(self.hold_meeting, meeting, topics))

    def in_charge(self, unit: str) -> str:
        return self.roster.vice_mayor_in_charge(unit) or MAYOR

    def hold_meeting(self, meeting: Meeting, topics: list[Topic]) -> None:
        """Absences with leave (M7), opening (M3, M6), each topic decided with every present
        member's position (M11, with M9/M10 on a linked decision), closing; minutes after."""
        rng = self.rng
        members = members_of(meeting.kind, self.roster, self.today)
        present = [m for m in members if m not in self.away]
        excused = [(m, "请假外出") for m in members if m in self.away and m in EXECUTIVE]
        others = [m for m in present if m in EXECUTIVE and m != MAYOR]
        if others and rng.random() < 0.15 and 2 * (len(present) - 1) > len(members):
            busy = rng.choice(others)
            present.remove(busy)
            excused.append((busy, "另有公务"))
        for person_id, reason in excused:  # unit heads would name a stand-in; they stay away
            meeting.record_absence(self.act(OFFICE), self.roster, person_id, reason, MAYOR)
        meeting.open(self.act(MAYOR), self.roster, present)
        for topic, decision, _ in topics:
            positions = dict.fromkeys(present, "agree")
            notes: dict[str, str] = {}
            voice = rng.random()
            voters = [m for m in present if m != MAYOR]
            if voters and voice < 0.05:
                dissenter = rng.choice(voters)
                positions[dissenter] = "dissent"
                notes[dissenter] = "建议进一步论证后再议"
            elif voters and voice < 0.1:
                positions[rng.choice(voters)] = "abstain"
            meeting.decide(
                self.act(MAYOR), self.roster, topic, "原则同意", positions, notes, decision
            )
        meeting.close(self.act(MAYOR), self.roster)
        for _, decision, regulation in topics:
            if decision is not None:
                self.touch(decision)
                self.decided(decision, meeting)
            if regulation is not None:
                regulation.adopt(self.act(OFFICE), meeting, None)  # G4
                self.touch(regulation)
                self.schedule(self.day + rng.randint(1, 5), partial(self.publish, regulation))
        self.schedule(self.day + 1, partial(self.draft_minutes, meeting))

    def draft_minutes(self, meeting: Meeting) -> None:
        meeting.draft_minutes(self.act(OFFICE), f"{meeting.title}纪要", OFFICE)
        self.touch(meeting)
        self.schedule(self.day + 1, partial(self.sign_minutes, meeting))

    def sign_minutes(self, meeting: Meeting) -> None:
        meeting.sign_minutes(self.act(MAYOR), self.roster)
        self.touch(meeting)

    # ----- major decisions (M9–M13, A1) ----------------------------------------------------

    def initiate_decision(self, regulation: Regulation | None = None) -> None:
        rng = self.rng
        if regulation is not None:
            matter, unit = "regulation_draft", regulation.drafting_unit_id
            title = f"《{regulation.title}》（草案）"
        else:
            matter = rng.choices(MATTERS, MATTER_WEIGHTS)[0]
            unit = rng.choice(LINE_UNITS)
            title = self.decision_title(matter, unit)
        head = HEADS[unit]
        decision = Decision.initiate(
            self.act(head),
            self.roster,
            title=title,
            matter_kind=matter,
            initiated_by_unit=unit,
            responsible_person=head,
        )
        self.touch(decision)
        if regulation is not None:
            self.rule_of[decision.id] = regulation
        if not decision.major:
            self.ready.append(decision)
            return
        offsets = sorted(rng.sample(range(1, 13), len(PROCEDURES)))
        for procedure, offset in zip(PROCEDURES, offsets, strict=True):
            self.schedule(self.day + offset, partial(self.record_procedure, decision, procedure))

    def decision_title(self, matter: str, unit: str) -> str:
        subject = self.rng.choice(SUBJECTS[unit])
        year = self.today.year
        return {
            "budget": f"{year}年{subject}预算调整方案",
            "major_policy": f"关于加强{subject}的若干措施",
            "major_funds": f"{subject}专项资金安排方案",
            "development_plan": f"攀枝花市{subject}专项规划（{year + 1}—{year + 5}年）",
            "personnel": f"{self.roster.units[unit]['name']}人事任免事项",
            "other": f"{subject}工作方案",
        }[matter]

    def record_procedure(self, decision: Decision, procedure: str) -> None:
        """M10: with performer, conclusion and evidence; public participation is waived for
        personnel matters; the justice bureau performs the legality review."""
        unit = decision.initiated_by_unit
        n = self.count(f"evidence-{self.today.year}")
        who, performer, waived = HEADS[unit], unit, None
        conclusion: str | None = {
            "public_participation": "公开征求意见，意见已研究吸收",
            "expert_review": "专家论证认为方案可行",
            "risk_assessment": "社会稳定风险评估为低风险",
            "legality_review": "经合法性审查，未发现违法内容",
        }[procedure]
        evidence = [f"{procedure}-{self.today.year}-{n}"]
        rule = self.rule_of.get(decision.id)
        if procedure == "legality_review":
            who, performer = JUSTICE, "u-justice"
        if procedure == "public_participation" and rule is not None:
            conclusion = f"草案公开征求意见，收到意见{len(rule.comments)}条"
            evidence = [f"regulation:{rule.id}"]
        if procedure == "public_participation" and decision.matter_kind == "personnel":
            conclusion, evidence, waived = None, [], "人事任免事项，不适用公众参与程序"
        decision.record_procedure(
            self.act(who),
            self.roster,
            procedure=procedure,
            performed_by=performer,
            conclusion=conclusion,
            evidence_refs=evidence,
            waived_reason=waived,
        )
        self.touch(decision)
        if not decision.missing_procedures():
            plenary = decision.matter_kind == "development_plan"
            (self.ready_plenary if plenary else self.ready).append(decision)

    def decided(self, decision: Decision, meeting: Meeting) -> None:
        """After the collective decision: its government rule adopted (G4), published (M13),
        some carried out by a linked notice (A1) and supervised (S1)."""
        rng = self.rng
        rule = self.rule_of.pop(decision.id, None)
        if rule is not None:
            rule.adopt(self.act(OFFICE), meeting, str(decision.id))
            decision.link_regulation(self.act(OFFICE), str(rule.id))  # A1, as adopt_regulation
            self.touch(rule, decision)
            self.schedule(self.day + rng.randint(2, 7), partial(self.publish, rule))
        self.schedule(self.day + rng.randint(1, 4), partial(self.publish_decision, decision))
        if rule is None and rng.random() < 0.4:
            self.schedule(self.day + rng.randint(1, 5), partial(self.carry_out, decision))
        if rule is None and rng.random() < 0.4:
            step = partial(
                self.register_item,
                decision=decision,
                lead=decision.initiated_by_unit,
                title=f"督办落实{decision.title}",
            )
            self.schedule(self.day + rng.randint(1, 3), step)

    def publish_decision(self, decision: Decision) -> None:
        if decision.matter_kind == "personnel" and self.rng.random() < 0.5:
            decision.publish(self.act(OFFICE), None, "涉及个人信息，依法不予公开")
        else:
            n = self.count(f"interpretation-{self.today.year}")
            decision.publish(self.act(OFFICE), f"攀府解读〔{self.today.year}〕{n}号", None)
        self.touch(decision)

    def carry_out(self, decision: Decision) -> None:
        """A notice drafted to carry the decision out, linked on it in the same transaction
        (as ``GovRules.draft_document`` does)."""
        doc = self.outgoing(decision.initiated_by_unit, decision)
        decision.link_document(self.act(OFFICE), str(doc.id), doc.doc_type)
        self.touch(doc, decision)

    # ----- supervision (S1–S5) -------------------------------------------------------------

    def register_item(
        self,
        decision: Decision | None = None,
        lead: str | None = None,
        title: str | None = None,
    ) -> None:
        """Registered by the office with report dates every two weeks and a deadline a week
        after the last one; NPC suggestions and CPPCC proposals are led by the city leaders in
        turn (S4)."""
        rng = self.rng
        year = self.today.year
        lead = lead or rng.choice(LINE_UNITS)
        source = ("decision", str(decision.id)) if decision is not None else None
        if source is None:
            kind = rng.choices(SUPERVISION_SOURCES, (35, 20, 20, 15, 10))[0]
            if kind == "document" and not self.notices:
                kind = "annual_task"
            n = self.count(f"{kind}-{year}")
            ref = {
                "instruction": f"市领导批示〔{year}〕{n}号",
                "npc_suggestion": f"市人大{year}年第{n}号建议",
                "cppcc_proposal": f"市政协{year}年第{n}号提案",
                "annual_task": f"{year}年政府工作报告重点任务第{n}项",
            }.get(kind) or self.notices[-n % len(self.notices)]  # a document: one of ours
            source = (kind, ref)
        led_by = None
        if source[0] in ("npc_suggestion", "cppcc_proposal"):
            led_by = EXECUTIVE[self.leading % len(EXECUTIVE)]
            self.leading += 1
        others = [u for u in LINE_UNITS if u != lead]
        co_units = rng.sample(others, rng.choice((0, 0, 1, 1, 2)))
        reports = [self.day + 14 * k for k in range(1, rng.randint(1, 4) + 1)]
        item = SupervisionItem.register(
            self.act(OFFICE),
            self.roster,
            title=title or f"落实{rng.choice(SUBJECTS[lead])}工作",
            source={"kind": source[0], "ref": source[1]},
            lead_unit_id=lead,
            co_unit_ids=co_units,
            deadline=_moment(reports[-1] + 7, 18),
            report_dates=[_moment(d, 18) for d in reports],
            led_by=led_by,
        )
        if decision is not None:  # as GovRules.register_item links them (A1)
            decision.link_supervision(self.act(OFFICE), str(item.id))
        self.touch(item, decision)
        for due in reports[:-1]:
            late = rng.random() < 0.1  # S3: reported a day or two after the date
            day = due + (rng.randint(1, 2) if late else 0)
            self.schedule(day, partial(self.report_progress, item, lead, "阶段性进展情况"))
        for unit in (lead, *co_units):
            self.schedule(reports[-1], partial(self.report_progress, item, unit, "办理情况报告"))
        self.schedule(reports[-1] + 2, partial(self.verify, item, lead, True))

    def report_progress(self, item: SupervisionItem, unit: str, text: str) -> None:
        item.report_progress(self.act(HEADS[unit]), unit, text)
        self.touch(item)

    def verify(self, item: SupervisionItem, lead: str, first: bool) -> None:
        """Verified by the office; a failed first verification is put right first."""
        rng = self.rng
        if first and rng.random() < 0.15:
            item.verify(self.act(OFFICE), "failed", "办理进度滞后，未达到预期目标")
            item.order_rectification(
                self.act(OFFICE), "限期整改并报送整改情况", _moment(self.day + 14, 18)
            )
            self.schedule(self.day + 10, partial(self.report_progress, item, lead, "整改情况报告"))
            self.schedule(self.day + 11, partial(self.verify, item, lead, False))
        else:
            item.verify(self.act(OFFICE), "passed", "经核查，已按要求办结")
            self.schedule(self.day + 1, partial(self.close_item, item))
        self.touch(item)

    def close_item(self, item: SupervisionItem) -> None:
        item.close(self.act(OFFICE), "事项已办结，予以销号")
        self.touch(item)
        if self.rng.random() < 0.5:
            self.schedule(self.day + self.rng.randint(1, 5), partial(self.circulate, item))

    def circulate(self, item: SupervisionItem) -> None:
        item.circulate(self.act(OFFICE), "督查情况通报")
        self.touch(item)

    # ----- leaves (L1–L6, P2, P3) ----------------------------------------------------------

    def report_leave(self) -> None:
        """A unit head or a vice-mayor reports an absence a few days ahead (now and then an
        urgent one the same day). Skipped when it would clash: the person or whoever must act
        is away then, two city leaders would be away at once, or a unit head would miss a
        plenary."""
        rng = self.rng
        leader = rng.random() < 0.4
        person = rng.choice(VICE_MAYORS if leader else UNIT_HEADS)
        kind = rng.choices(LEAVE_KINDS, (5, 2, 1, 2) if leader else (4, 2, 1.5, 2.5))[0]
        urgent = kind != "private" and rng.random() < 0.05
        start = self.day if urgent else _workday(self.day + rng.randint(1, 6))
        starts_at = self.at + timedelta(hours=5) if urgent else _moment(start)
        end = start + rng.randint(1, 5) - 1
        ends_at = _moment(end, 18)
        late = rng.randint(1, 2) if rng.random() < 0.1 else 0
        back_day = end + 1 + late  # the return is reported that morning (L6)
        returned_at = _moment(back_day - 1, 18) if late else ends_at
        back = _moment(back_day)
        cancel = not urgent and start >= self.day + 2 and rng.random() < 0.05
        pick = rng.random()
        if self.busy(person, starts_at, back):
            return
        acting, reporter = None, person
        if leader:
            others = [p for p in VICE_MAYORS if p != person and self.busy(p, starts_at, back, True)]
            if len(others) > 1:
                return  # at most two city leaders away at once: the executive meeting sits
            partner = self.roster.ab_partner(person)
            if partner is not None and not self.busy(partner, starts_at, back):
                acting = partner  # P3
            elif partner is not None and not self.ledger_away(partner, starts_at, ends_at):
                return  # the partner would have to act, but is busy then
            else:
                free = [p for p in ACTING if p not in (person, partner)]
                free = [p for p in free if not self.busy(p, starts_at, back)]
                if not free:
                    return
                acting = free[int(pick * len(free))]
                if partner is not None:
                    reporter = OFFICE  # P3: with both AB partners away, the office names one
        elif any(_plenary_day(d) for d in range(start, back_day + 1)):
            return
        act = self.act(reporter)
        if self.ledger is None:
            self.ledger = AbsenceLedger.open(act)
        leave = LeaveRecord.report(
            act,
            self.roster,
            self.ledger,
            person_id=person,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            acting_id=acting,
            destination=DESTINATIONS[int(pick * len(DESTINATIONS))] if kind != "private" else None,
            urgent=urgent,
            reported_to_id=MAYOR if leader and kind in LEAVING_THE_CITY else None,
        )
        if leave.approval_by is not None:
            leave.approve(self.act(self.approving(leave.approval_by)), self.roster, self.ledger)
        leave.file(self.act(OFFICE))
        self.touch(leave)
        self.leaves[leave.id] = leave
        self.windows[leave.id] = (person, starts_at, back, acting)
        if cancel:
            self.dawn.setdefault(self.day + 1, []).append(partial(self.cancel_leave, leave))
        else:
            step = partial(self.return_from_leave, leave, returned_at)
            self.dawn.setdefault(back_day, []).append(step)

    def approving(self, approver: str) -> str:
        """L3/L5: the approver; while away, whoever was named to act for them, else the mayor."""
        if approver not in self.away:
            return approver
        acting = self.away[approver].get("acting_id")
        return acting if acting is not None and acting not in self.away else MAYOR

    def ledger_away(self, person_id: str, starts_at: datetime, until: datetime) -> bool:
        """Away then by the ledger, as the guards judge it (L1, L4)."""
        ledger = self.ledger
        return ledger is not None and bool(ledger.absences_of(person_id, starts_at, until, self.at))

    def busy(
        self, person_id: str, starts_at: datetime, until: datetime, away_only: bool = False
    ) -> bool:
        """Away (by the ledger, or until the return this run will report), or acting for
        someone who is, at some time in [starts_at, until)."""
        if self.ledger_away(person_id, starts_at, until):
            return True
        if not away_only and self.ledger is not None:
            for entry in self.ledger.entries.values():  # named to act (an earlier run's too)
                if entry["acting_id"] == person_id and overlaps(
                    entry["starts_at"], AbsenceLedger.end_of(entry), starts_at, until
                ):
                    return True
        return any(
            (who == person_id or (acting == person_id and not away_only))
            and since < until
            and starts_at < back
            for who, since, back, acting in self.windows.values()
        )

    def return_from_leave(self, leave: LeaveRecord, returned_at: datetime) -> None:
        assert self.ledger is not None
        leave.report_return(self.act(leave.person_id), self.ledger, returned_at)
        self.touch(leave)
        self.leaves.pop(leave.id, None)
        self.windows.pop(leave.id, None)

    def cancel_leave(self, leave: LeaveRecord) -> None:
        assert self.ledger is not None
        leave.cancel(self.act(leave.person_id), self.ledger)
        self.touch(leave)
        self.leaves.pop(leave.id, None)
        self.windows.pop(leave.id, None)

    def wrap_up(self) -> None:
        """The run ends: absences not begun are cancelled, the others returned from now (or
        from their planned end), so a later run on the same log finds no one away for ever."""
        for leave in list(self.leaves.values()):
            if self.at < leave.starts_at:
                self.cancel_leave(leave)
            else:
                self.return_from_leave(leave, min(leave.ends_at, self.at))

    # ----- regulations (G1–G9) -------------------------------------------------------------

    def draft_regulation(self, kind: str) -> None:
        rng = self.rng
        if kind == "government_rule" and rng.random() < 0.6:
            unit = "u-justice"
        else:
            unit = rng.choice(DEPARTMENTS)
        subject = rng.choice(SUBJECTS[unit])
        trial = kind != "government_rule" and rng.random() < 0.2
        title = f"攀枝花市{subject}管理办法{'（试行）' if trial else ''}"
        regulation = Regulation.draft(
            self.act(HEADS[unit]), self.roster, kind=kind, title=title, drafting_unit_id=unit
        )
        self.touch(regulation)
        self.drafted(regulation)

    def drafted(self, regulation: Regulation) -> None:
        """A government rule goes out for public comment first (G3); the others straight to
        legality review (G2)."""
        if regulation.kind == "government_rule":
            step = partial(self.open_comment, regulation)
            self.schedule(self.day + self.rng.randint(3, 7), step)
        else:
            step = partial(self.review_legality, regulation)
            self.schedule(self.day + self.rng.randint(5, 12), step)

    def open_comment(self, regulation: Regulation) -> None:
        rng = self.rng
        short = rng.random() < 0.1
        days = 20 if short else 30
        regulation.open_public_comment(
            self.act(HEADS[regulation.drafting_unit_id]),
            self.today,
            self.today + timedelta(days=days),
            short_reason="上级部署时间紧迫" if short else None,
        )
        self.touch(regulation)
        for offset in sorted(rng.sample(range(1, days - 3), rng.randint(1, 5))):
            self.schedule(self.day + offset, partial(self.receive_comment, regulation))
        self.schedule(
            self.day + days + rng.randint(1, 5), partial(self.review_legality, regulation)
        )

    def receive_comment(self, regulation: Regulation) -> None:
        source = self.rng.choice(("网站留言", "信函", "座谈会", "电子邮件"))
        regulation.receive_comment(
            self.act(HEADS[regulation.drafting_unit_id]), "建议细化相关条款", source
        )
        self.touch(regulation)

    def review_legality(self, regulation: Regulation, again: bool = False) -> None:
        """G2 by the justice bureau; then published by the unit, put on an executive meeting,
        or (a government rule) taken up by a regulation-draft decision (M9)."""
        rng = self.rng
        if not again and rng.random() < 0.1:
            regulation.review_legality(
                self.act(JUSTICE), self.roster, False, "部分条款缺乏上位法依据，请修改"
            )
            self.touch(regulation)
            step = partial(self.review_legality, regulation, True)
            self.schedule(self.day + rng.randint(5, 10), step)
            return
        regulation.review_legality(self.act(JUSTICE), self.roster, True, "经审查，同意提请审议")
        self.touch(regulation)
        if regulation.kind == "department_normative":
            self.schedule(self.day + rng.randint(2, 8), partial(self.publish, regulation))
        elif regulation.kind == "city_normative":
            self.for_adoption.append(regulation)
        else:
            self.initiate_decision(regulation)

    def publish(self, regulation: Regulation) -> None:
        """G6 with its validity period, as ``GovRules.publish_regulation`` does: a revision
        supersedes the version it revises in the same transaction (G7, G9); then G5 filings."""
        rng = self.rng
        policy = self.app.regulation_policy
        unit = regulation.drafting_unit_id
        department = regulation.kind == "department_normative"
        who = HEADS[unit] if department else OFFICE
        years = policy.temporary_validity_years if regulation.temporary else policy.validity_years
        year = self.today.year
        if regulation.kind == "government_rule":
            number = f"攀枝花市人民政府令第{self.count('rule')}号"
        elif department:
            number = f"{REGULATION_CODES[unit]}规〔{year}〕{self.count(f'{unit}-{year}')}号"
        else:
            number = f"攀府规〔{year}〕{self.count(f'city-{year}')}号"
        act = self.act(who)
        regulation.publish(act, policy, self.today, add_months(self.today, 12 * years), number)
        self.touch(regulation)
        previous = self.regulations.pop(regulation.revises or "", None)
        if previous is not None and previous.status == "in_force":
            previous.supersede(act, regulation, self.today)
            self.touch(previous)
        self.regulations[str(regulation.id)] = regulation
        for body in regulation.filings:
            late = rng.random() < 0.05  # G5: filed after its due day
            offset = rng.randint(32, 45) if late else rng.randint(3, 25)
            self.schedule(self.day + offset, partial(self.file, regulation, body))
        if regulation.kind == "government_rule":
            self.schedule(self.day + rng.randint(365, 400), partial(self.evaluate, regulation))

    def file(self, regulation: Regulation, body: str) -> None:
        department = regulation.kind == "department_normative"
        who = HEADS[regulation.drafting_unit_id] if department else OFFICE
        regulation.file(self.act(who), body, self.today)
        self.touch(regulation)

    def evaluate(self, regulation: Regulation) -> None:
        if regulation.status == "in_force":
            regulation.evaluate(self.act(JUSTICE), self.roster, "实施情况良好，达到预期目的")
            self.touch(regulation)

    def cleanup(self) -> None:
        """G7, once a year: every regulation in force for half a year or more is reviewed by
        the justice bureau — continued, revised (more often near the end of its validity) or
        abolished."""
        rng = self.rng
        for key, regulation in list(self.regulations.items()):
            publication = regulation.publication
            if regulation.status != "in_force" or publication is None:
                self.regulations.pop(key)
                continue
            if publication["valid_until"] <= self.today:
                self.regulations.pop(key)  # expired (G6)
                continue
            if regulation.revised_by or publication["published_on"] > self.today - timedelta(
                days=180
            ):
                continue
            expiring = (publication["valid_until"] - self.today).days < 400
            draw = rng.random()
            if expiring:
                verdict = "revise" if draw < 0.5 else "continue"  # or it lapses (G6)
            else:
                verdict = "continue" if draw < 0.92 else "revise" if draw < 0.97 else "abolish"
            reason = {
                "continue": "符合上位法和实际，继续有效",
                "revise": "部分内容与新情况不相适应，需要修订",
                "abolish": "调整对象已消失，予以废止",
            }[verdict]
            regulation.review_cleanup(self.act(JUSTICE), self.roster, verdict, reason)
            self.touch(regulation)
            if verdict == "revise":
                self.schedule(self.day + rng.randint(5, 30), partial(self.revise, regulation))
            elif verdict == "abolish":
                self.schedule(self.day + rng.randint(10, 30), partial(self.abolish, regulation))

    def lapsed(self, regulation: Regulation) -> bool:
        """G6: past its validity period (in force while the day is before ``valid_until``),
        a regulation can no longer be revised or abolished: it lapses."""
        publication = regulation.publication
        return publication is not None and publication["valid_until"] <= self.today

    def revise(self, regulation: Regulation) -> None:
        """G7: a revision, as ``GovRules.revise_regulation`` does: the new draft and the link
        on the old version in one transaction."""
        if self.lapsed(regulation):
            return  # the cleanup's revision came too late: it lapsed (G6)
        base = REVISED.sub("", regulation.title)
        new = regulation.start_revision(
            self.act(HEADS[regulation.drafting_unit_id]),
            self.roster,
            f"{base}（{self.today.year}年修订）",
        )
        self.touch(new, regulation)
        self.drafted(new)

    def abolish(self, regulation: Regulation) -> None:
        if self.lapsed(regulation):
            return  # it lapsed first (G6)
        regulation.abolish(self.act(OFFICE), self.roster, "经清理，决定废止")
        self.touch(regulation)
        self.regulations.pop(str(regulation.id), None)
