"""A deterministic synthetic city (seeded RNG), written through the same command handlers every
caller uses (``domain.commands``): the one generator the bench, the demo data and the tests
share (docs/bench.md, "Workload"). Every guard applies, so every event is real; the commands of
a simulated stretch share one unit of work and one transaction (``domain.service.Batch``), so
a large log is written quickly.

Time moves one simulated day per step from Mon 2026-01-05 09:00 Shanghai; work is done Monday
to Friday (public holidays are not kept). In a simulated year (≈ 50k events) the city produces:

- documents, most of the log (≈ 95 %): each working day 23–35 incoming requests (drafted,
  countersigned by one or two other units, routed by the office with a 5-day handling limit
  (D10) and instructed on (批示) by the leader, most the same day, the rest on a later day, some
  after the limit, which the system then records overdue) and 8–12 notices
  (drafted by the office, one in twenty carrying out a provincial document (D10), signed off by
  the vice-mayor in charge — by the mayor while that vice-mayor is away: an AB partner does not
  sign off (P3) — numbered 攀府发 and issued);
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
  where L3/L5 ask it (for an approver who is away: the acting mayor for the mayor, the mayor for
  a vice-mayor), filed, and returned (one in
  ten late, one in twenty cancelled). Each is entered on the absence ledger, saved with it in
  the same transaction as ``GovRules.report_leave`` does; at most two city leaders are away at
  once, and unit heads are not away on plenary days;
- performance results (S6): each January the office records the departments' scores of the
  year before; the next executive meeting approves them as a decided topic, and the mayor
  interviews the bottom-ranked department's head (约谈提醒);
- regulations (≈ 36 new ones, three a month): department normative documents (published by
  the unit), city normative documents (adopted at an executive meeting) and government rules
  (20 or 30 days' public comment with comments received, then a regulation-draft decision adopted
  with them);
  legality reviewed by the justice bureau — a department's by its own legal reviewer, then by
  the justice bureau on filing (备案审查) — (one in ten passes only at the second review),
  published with their validity period and filed with every required body (one filing in
  twenty late); a government rule is evaluated a year on. The first Monday of November brings
  the yearly cleanup: continue, revise (a revision drafted, which supersedes the old version
  when published) or abolish.

Due times are always given explicitly (countersigns, report dates, rectifications), so nothing
depends on the holiday calendar, which only knows the years the State Council has announced.
Leaves still open when the run ends are returned (or cancelled, if not begun), so a later run
on the same log finds no one away for ever: the bench and the tests run the city again and
again on one log. ``in_flight=True`` (``scripts/demo``) ends the run instead the way a city is
at any moment, with work in flight (``_City.leave_in_flight``): the leaves still open stay
open; over two more working days a vice-mayor leaves for a fortnight's study with the AB
partner (or a leader the office names) acting and a unit head goes on an official trip (after
the plenary, if one falls then); four
requests wait for countersignatures, two of them past the same-day limit their lead unit set,
two with ten days to go; and a supervision item is registered with its first report due within
the week. Nothing is returned or cancelled after, so the dashboards' "now" panels (who is away
and who acts, open countersign requests, reports due) have something to show.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, TypeVar

from domain import commands as c
from domain.application import GovRules
from domain.base import Actor, GovAggregate
from domain.calendar import add_months
from domain.clock import local_date
from domain.decisions import PROCEDURES, Decision
from domain.documents import Implements, OfficialDocument
from domain.leaves import LEAVING_THE_CITY, AbsenceLedger, LeaveRecord, overlaps
from domain.meetings import Meeting, members_of
from domain.performance import PerformanceAssessment
from domain.regulations import Regulation
from domain.roster import Roster
from domain.service import Batch, Command, Context

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
# G2: each department's own legal reviewer (法制机构) reviews its normative documents.
LEGAL = {"u-finance": "p-finance-legal", "u-ecology": "p-ecology-legal",
         "u-housing": "p-housing-legal"}  # fmt: skip
UNIT_HEADS = tuple(HEADS[u] for u in LINE_UNITS)
VICE_MAYORS = ("p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c")  # the leaders who take leave
ACTING = (*VICE_MAYORS, "p-sg")  # who may act for one of them

# Volumes per working day (Monday to Friday, ≈ 260 a year): about 50k events a year in all.
INCOMING = (23, 35)
OUTGOING = (8, 12)
SECRET_EVERY = 50  # one outgoing notice in fifty is classified secret (D12)
INSTRUCTED = 0.9  # incoming requests the leader instructs on the day they are routed (D8)
IMPLEMENTING = 0.05  # notices carrying out a provincial document (D10)
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
Id = uuid.UUID
Topic = tuple[str, Id | None, Id | None]  # a topic id, its decision, its regulation
A = TypeVar("A", bound=GovAggregate)
# Told of each command the city ran, with its context and the resource it answered.
Mirror = Callable[[Command, Context, GovAggregate], None]


def generate(
    app: GovRules,
    events: int,
    seed: int = 2019,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
    in_flight: bool = False,
    mirror: Mirror | None = None,
) -> int:
    """Writes at least ``events`` events; returns how many were written. ``in_flight``: end
    with work in flight (open leaves, countersigns unanswered, reports due) instead of
    returning every leave (see the module's docstring). ``mirror`` is told of every command
    once ``app`` has accepted it (scripts/demo --url sends it on)."""
    city = _City(app, seed, batch, progress)
    city.mirror = mirror
    return city.run(events, in_flight)


def _moment(day: int, hour: int = 9) -> datetime:
    """``hour`` o'clock Shanghai on the simulated ``day`` (day 0: Mon 2026-01-05)."""
    return START + timedelta(days=day, hours=hour - 9)


def _local(day: int) -> date:
    return local_date(_moment(day))


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


class _Clerk:
    """Sends the city's commands: each by a person, at the simulated moment, in one shared
    unit of work that is committed every ``batch`` events."""

    def __init__(self, app: GovRules, seed: int, batch: int) -> None:
        self.app = app
        self.seed = seed
        self.size = batch
        self.batch = Batch(app)
        self.written = 0
        self.at = START
        self.today = _local(0)
        self.actors: dict[str, Actor] = {}
        self.mirror: Mirror | None = None

    @property
    def roster(self) -> Roster:
        return self.batch.uow.roster

    @property
    def ledger(self) -> AbsenceLedger | None:
        return self.batch.uow.ledger()

    def get(self, cls: type[A], aggregate_id: Id) -> A:
        return self.batch.uow.get(cls, aggregate_id)

    def do(self, person_id: str, command: Command) -> Any:
        """``command`` by ``person_id`` now; answers the resource it acted on."""
        actor = self.actors.get(person_id)
        if actor is None:
            actor = self.roster.actor(person_id, self.today)
            assert actor is not None, person_id
            self.actors[person_id] = actor
        ctx = Context(actor, self.at, correlation_id=f"workload-{self.seed}-{self.written}")
        answer = self.batch.run(command, ctx)
        if self.mirror is not None:
            self.mirror(command, ctx, answer)
        return answer

    def unsaved(self) -> int:
        return self.batch.pending()

    def flush(self) -> None:
        self.written += self.batch.commit()


class _City(_Clerk):
    """The state of one run: what is in flight, what is due on which day."""

    def __init__(
        self, app: GovRules, seed: int, batch: int, progress: Callable[[int], None] | None
    ) -> None:
        super().__init__(app, seed, batch)
        self.rng = random.Random(seed)
        self.progress = progress
        self.day = 0
        self.away: dict[str, dict[str, Any]] = {}
        # What falls due on which day: leave returns first thing, the rest during the day.
        self.dawn: dict[int, list[Step]] = {}
        self.agenda: dict[int, list[Step]] = {}
        # Leaves in flight: who is away (or acting) from when until the return is reported.
        self.leaves: dict[Id, tuple[datetime, datetime]] = {}  # start, planned end
        self.windows: dict[Id, tuple[str, datetime, datetime, str | None]] = {}
        self.ready: list[Id] = []  # decisions for the next executive meeting
        self.ready_plenary: list[Id] = []  # development plans, for the next plenary
        self.rule_of: dict[Id, Id] = {}  # a regulation-draft decision's government rule
        self.for_adoption: list[Id] = []  # city normative documents
        self.regulations: dict[Id, None] = {}  # published, in order (G7 lineage)
        self.numbers: dict[str, int] = {}
        self.leading = 0  # whose turn it is to lead an NPC suggestion or CPPCC proposal (S4)
        self.notices: list[str] = []  # recent notices: the documents supervision items follow
        self.assessed: set[int] = set()  # years whose performance results are recorded (S6)
        self.assessment: Id | None = None  # recorded, for the next executive meeting
        self.results_of: dict[Id, Id] = {}  # meeting → the assessment a topic of it approves

    # ----- the day loop --------------------------------------------------------------------

    def run(self, events: int, in_flight: bool = False) -> int:
        while self.written + self.unsaved() < events:
            self.at = _moment(self.day)
            self.today = _local(self.day)
            self.actors = {}
            self.run_steps(self.dawn.pop(self.day, []))
            self.see_who_is_away()
            workday = self.day % 7 < 5
            if workday and self.rng.random() < LEAVE_RATE:
                self.report_leave()
                self.see_who_is_away()
            self.run_steps(self.agenda.pop(self.day, []))
            self.plan_meetings()
            if workday:
                self.new_work()
            if self.unsaved() >= self.size:
                self.flush()
            self.day += 1
        if in_flight:
            self.leave_in_flight()
        else:
            self.wrap_up()
        self.flush()
        return self.written

    def flush(self) -> None:
        super().flush()
        if self.progress is not None:
            self.progress(self.written)

    def plan_meetings(self) -> None:
        if self.day % 14 == 0:
            self.assess()
            self.prepare_meeting("executive")
        if _plenary_day(self.day + 1):
            self.prepare_meeting("plenary")

    def new_work(self) -> None:
        rng = self.rng
        for _ in range(rng.randint(*INCOMING)):
            self.incoming()
        for _ in range(rng.randint(*OUTGOING)):
            self.outgoing(rng.choice(UNITS))
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
        """Who is away now (P2, P3): whoever acts for them signs and approves."""
        ledger = self.ledger
        self.away = ledger.away_at(self.at) if ledger is not None else {}

    def count(self, key: str) -> int:
        self.numbers[key] = self.numbers.get(key, 0) + 1
        return self.numbers[key]

    # ----- documents -----------------------------------------------------------------------

    def incoming(self) -> None:
        rng = self.rng
        unit = rng.choice(UNITS)
        head = HEADS[unit]
        draft = c.DraftDocument(doc_type="request", title=f"关于{rng.randint(1, 999)}号事项的请示",
                                from_unit_id=unit, to="government", matters=["专项"])  # fmt: skip
        doc = self.do(head, draft).id
        others = [u for u in UNITS if u != unit]
        asked = rng.sample(others, rng.randint(1, 2))
        # An explicit limit (the lead unit may set one, D7): the holiday calendar only knows the
        # years the State Council has announced, and a synthetic city runs for decades.
        due = self.at + timedelta(days=10)
        self.do(head, c.RequestCountersign(doc, asked, due))
        for other in asked:
            self.do(HEADS[other], c.Countersign(doc, other, "agree"))
        limit = self.at + timedelta(days=5)  # 限时办结 (D10)
        review = c.ReviewDocument(doc, True, proposed_handling="拟请分管副市长阅示",
                                  handling_due=limit)  # fmt: skip
        routed = self.do(OFFICE, review)
        leader = routed.review.routed_to if routed.review else None
        if leader is None:
            return
        if leader not in self.away and rng.random() < INSTRUCTED:
            self.do(leader, c.Instruct(doc, "阅。请按程序办理"))
        else:  # handled later: most within the 5-day limit, some after it (D10 records those)
            self.schedule(self.day + rng.randint(1, 8), partial(self.instruct_late, doc, leader))

    def instruct_late(self, doc: Id, leader: str) -> None:
        """The leader instructs on a request left from an earlier day (D8); one still away
        does it on the first working day back."""
        if leader in self.away:
            self.schedule(self.day + 1, partial(self.instruct_late, doc, leader))
            return
        self.do(leader, c.Instruct(doc, "阅。请按程序办理"))

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
        implements: Implements | None = None
        if decision is None and self.rng.random() < IMPLEMENTING:
            issued_on = add_months(self.today, -2)
            ref = f"川府发〔{issued_on.year}〕{self.count('province')}号"
            implements = Implements(ref=ref, issued_on=issued_on)
        draft = c.DraftDocument(
            doc_type="notice", title=title, from_unit_id="u-gov", to=unit, matters=["工作"],
            drafting_unit_id=unit, decision_id=str(decision.id) if decision else None,
            classification="secret" if secret else "none", implements=implements,
        )  # fmt: skip
        doc: OfficialDocument = self.do(office, draft)
        self.do(self.signer(unit, doc), c.SignOff(doc.id, "同意"))
        self.do(office, c.RegisterDocument(doc.id, "攀府发"))
        self.do(office, c.IssueDocument(doc.id))
        self.notices = [*self.notices[-49:], str(doc.id)]
        return doc

    def signer(self, unit: str, doc: OfficialDocument) -> str:
        """D9: the mayor for what the mayor signs (a notice carrying out a personnel decision);
        else the vice-mayor in charge — while away, the mayor (an AB partner does not sign
        off, P3)."""
        if doc.required_authority(self.roster) == "mayor":
            return MAYOR
        in_charge = SIGNERS.get(unit) or self.roster.vice_mayor_in_charge(unit) or MAYOR
        return MAYOR if in_charge in self.away else in_charge

    # ----- meetings (M1–M8, M11) -----------------------------------------------------------

    def prepare_meeting(self, kind: str) -> None:
        """The day before: convened, topics proposed (by the leader, or the office for one
        who is away) and set by the mayor, papers sent (M6)."""
        n = self.count(f"{kind}-{self.today.year}")
        name = "常务会议" if kind == "executive" else "全体会议"
        title = f"市政府{self.today.year}年第{n}次{name}"
        convene = c.ConveneMeeting(kind, title, MAYOR, _moment(self.day + 1))
        meeting = self.do(OFFICE, convene).id
        topics: list[Topic] = []
        for title, proposer, decision, adopting in self.proposals(kind):
            who = OFFICE if proposer in self.away else proposer
            linked = str(decision) if decision else None
            rule = adopting or (self.rule_of.get(decision) if decision else None)
            names = str(rule) if rule else None  # G4: the topic names the regulation it adopts
            answer = self.do(who, c.ProposeTopic(meeting, title, proposer, linked, names))
            topics.append((list(answer.topics)[-1], decision, adopting))
        if kind == "executive" and self.assessment is not None:  # S6: approved at this meeting
            title = "审定市级部门目标绩效考核结果"
            who = OFFICE if MAYOR in self.away else MAYOR
            propose = c.ProposeTopic(meeting, title, MAYOR, assessment_id=str(self.assessment))
            topics.append((list(self.do(who, propose).topics)[-1], None, None))
            self.results_of[meeting], self.assessment = self.assessment, None
        for topic, _, _ in topics:
            self.do(MAYOR, c.SetTopic(meeting, topic))
        self.do(OFFICE, c.DistributePapers(meeting, self.at))
        self.schedule(self.day + 1, partial(self.hold_meeting, meeting, topics))

    def proposals(self, kind: str) -> list[tuple[str, str, Id | None, Id | None]]:
        """What goes on the agenda: reports, the decisions ready for it, the regulations to
        adopt (executive), or the year's plenary business and the development plans."""
        found: list[tuple[str, str, Id | None, Id | None]] = []
        if kind == "executive":
            found.append(("工作汇报", "p-exec-vm", None, None))
            decisions, self.ready = self.ready[:4], self.ready[4:]
            for decision_id in decisions:
                decision = self.get(Decision, decision_id)
                rule_id = self.rule_of.get(decision_id)
                rule = self.get(Regulation, rule_id) if rule_id else None
                title = f"审议《{rule.title}》（草案）" if rule else f"研究{decision.title}"
                found.append((title, self.in_charge(decision.initiated_by_unit), decision_id,
                              None))  # fmt: skip
            regulations, self.for_adoption = self.for_adoption[:3], self.for_adoption[3:]
            for regulation_id in regulations:
                regulation = self.get(Regulation, regulation_id)
                proposer = self.in_charge(regulation.drafting_unit_id)
                found.append((f"审议《{regulation.title}》", proposer, None, regulation_id))
            return found
        month = _local(self.day + 1).month
        found.append((PLENARY_MONTHS[month], MAYOR, None, None))
        found.append(("通报经济运行情况", "p-exec-vm", None, None))
        for decision_id in self.ready_plenary:
            decision = self.get(Decision, decision_id)
            proposer = self.in_charge(decision.initiated_by_unit)
            found.append((f"审议{decision.title}", proposer, decision_id, None))
        self.ready_plenary = []
        return found

    def in_charge(self, unit: str) -> str:
        return self.roster.vice_mayor_in_charge(unit) or MAYOR

    def hold_meeting(self, meeting_id: Id, topics: list[Topic]) -> None:
        """Absences with leave (M7), opening (M3, M6), each topic decided with every present
        member's position (M11, with M9/M10 on a linked decision), closing; minutes after."""
        rng = self.rng
        meeting = self.get(Meeting, meeting_id)
        members = members_of(meeting.kind, self.roster, self.today)
        present = [m for m in members if m not in self.away]
        excused = [(m, "请假外出") for m in members if m in self.away and m in EXECUTIVE]
        others = [m for m in present if m in EXECUTIVE and m != MAYOR]
        if others and rng.random() < 0.15 and 2 * (len(present) - 1) > len(members):
            busy = rng.choice(others)
            present.remove(busy)
            excused.append((busy, "另有公务"))
        for person_id, reason in excused:  # unit heads would name a stand-in; they stay away
            self.do(OFFICE, c.RecordAbsence(meeting_id, person_id, reason, MAYOR))
        self.do(MAYOR, c.OpenMeeting(meeting_id, present))
        for topic, _, _ in topics:
            positions, notes = self.positions(present)
            self.do(MAYOR, c.DecideTopic(meeting_id, topic, "原则同意", positions, notes))
        self.do(MAYOR, c.CloseMeeting(meeting_id))
        for _, decision, regulation in topics:
            if decision is not None:
                self.decided(decision, meeting_id)
            if regulation is not None:
                self.do(OFFICE, c.AdoptRegulation(regulation, str(meeting_id)))  # G4
                self.schedule(self.day + rng.randint(1, 5), partial(self.publish, regulation))
        if (assessment := self.results_of.pop(meeting_id, None)) is not None:
            self.approve_results(assessment, meeting_id)
        self.schedule(self.day + 1, partial(self.draft_minutes, meeting_id))

    # ----- performance results (S6) --------------------------------------------------------

    def assess(self) -> None:
        """S6: in January the office records the departments' results of the year before, for
        the next executive meeting to approve."""
        year = self.today.year - 1
        if self.today.month != 1 or year in self.assessed:
            return
        self.assessed.add(year)
        scores = {unit: round(self.rng.uniform(80, 98), 1) for unit in DEPARTMENTS}
        record = c.RecordPerformanceResults(f"{year}年度", "departments", scores, 1)
        self.assessment = self.do(OFFICE, record).id

    def approve_results(self, assessment_id: Id, meeting_id: Id) -> None:
        """S6: approved by the meeting's decided topic; the bottom-ranked department's head is
        interviewed (约谈提醒) by the mayor."""
        self.do(OFFICE, c.ApprovePerformanceResults(assessment_id, str(meeting_id)))
        scores = self.get(PerformanceAssessment, assessment_id).scores
        lowest = min(scores.values())
        for unit in sorted(u for u, score in scores.items() if score == lowest):
            self.do(MAYOR, c.InterviewBottomRanked(assessment_id, unit, "约谈提醒，限期整改"))

    def positions(self, present: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
        """Every present member agrees; now and then one dissents (with a note) or abstains."""
        rng = self.rng
        positions: dict[str, Any] = dict.fromkeys(present, "agree")
        notes: dict[str, str] = {}
        voice = rng.random()
        voters = [m for m in present if m != MAYOR]
        if voters and voice < 0.05:
            dissenter = rng.choice(voters)
            positions[dissenter] = "dissent"
            notes[dissenter] = "建议进一步论证后再议"
        elif voters and voice < 0.1:
            positions[rng.choice(voters)] = "abstain"
        return positions, notes

    def draft_minutes(self, meeting_id: Id) -> None:
        title = self.get(Meeting, meeting_id).title
        self.do(OFFICE, c.DraftMinutes(meeting_id, f"{title}纪要", OFFICE))
        self.schedule(self.day + 1, partial(self.sign_minutes, meeting_id))

    def sign_minutes(self, meeting_id: Id) -> None:
        latest = self.get(Meeting, meeting_id).minutes[-1].version  # the draft the mayor read
        self.do(MAYOR, c.SignMinutes(meeting_id, latest))

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
        initiate = c.InitiateDecision(title=title, matter_kind=matter, initiated_by_unit=unit,
                                      responsible_person=head)  # fmt: skip
        decision: Decision = self.do(head, initiate)
        if regulation is not None:
            self.rule_of[decision.id] = regulation.id
        if not decision.major:
            self.ready.append(decision.id)
            return
        offsets = sorted(rng.sample(range(1, 13), len(PROCEDURES)))
        for procedure, offset in zip(PROCEDURES, offsets, strict=True):
            step = partial(self.record_procedure, decision.id, procedure)
            self.schedule(self.day + offset, step)

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

    def record_procedure(self, decision_id: Id, procedure: str) -> None:
        """M10: with performer, conclusion and evidence; public participation is waived for
        personnel matters, the office confirming the waiver; the justice bureau performs and
        records the legality review, which passes."""
        decision = self.get(Decision, decision_id)
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
        rule_id = self.rule_of.get(decision_id)
        if procedure == "legality_review":
            who, performer = JUSTICE, "u-justice"
        if procedure == "public_participation" and rule_id is not None:
            comments = len(self.get(Regulation, rule_id).comments)
            conclusion = f"草案公开征求意见，收到意见{comments}条"
            evidence = [f"regulation:{rule_id}"]
        if procedure == "public_participation" and decision.matter_kind == "personnel":
            conclusion, evidence, waived = None, [], "人事任免事项，不适用公众参与程序"
        passed = True if procedure == "legality_review" else None
        record = c.RecordProcedure(
            decision_id, procedure, performer, conclusion, evidence, waived, passed
        )
        decision = self.do(who, record)
        if waived is not None:
            decision = self.do(OFFICE, c.ConfirmWaiver(decision_id, procedure))
        if not decision.missing_procedures():
            plenary = decision.matter_kind == "development_plan"
            (self.ready_plenary if plenary else self.ready).append(decision_id)

    def decided(self, decision_id: Id, meeting_id: Id) -> None:
        """After the collective decision: its government rule adopted (G4), published (M13),
        some carried out by a linked notice (A1) and supervised (S1)."""
        rng = self.rng
        rule = self.rule_of.pop(decision_id, None)
        if rule is not None:
            self.do(OFFICE, c.AdoptRegulation(rule, str(meeting_id), str(decision_id)))
            self.schedule(self.day + rng.randint(2, 7), partial(self.publish, rule))
        self.schedule(self.day + rng.randint(1, 4), partial(self.publish_decision, decision_id))
        if rule is None and rng.random() < 0.4:
            self.schedule(self.day + rng.randint(1, 5), partial(self.carry_out, decision_id))
        if rule is None and rng.random() < 0.4:
            step = partial(self.register_item, decision=decision_id)
            self.schedule(self.day + rng.randint(1, 3), step)

    def publish_decision(self, decision_id: Id) -> None:
        decision = self.get(Decision, decision_id)
        if decision.matter_kind == "personnel" and self.rng.random() < 0.5:
            publish = c.PublishDecision(decision_id, None, "涉及个人信息，依法不予公开")
        else:
            n = self.count(f"interpretation-{self.today.year}")
            publish = c.PublishDecision(decision_id, f"攀府解读〔{self.today.year}〕{n}号")
        self.do(OFFICE, publish)

    def carry_out(self, decision_id: Id) -> None:
        """A notice drafted to carry the decision out, linked on it in the same transaction."""
        decision = self.get(Decision, decision_id)
        self.outgoing(decision.initiated_by_unit, decision)

    # ----- supervision (S1–S5) -------------------------------------------------------------

    def register_item(self, decision: Id | None = None) -> None:
        """Registered by the office with report dates every two weeks and a deadline a week
        after the last one; NPC suggestions and CPPCC proposals are led by the city leaders in
        turn (S4)."""
        rng = self.rng
        if decision is not None:
            lead = self.get(Decision, decision).initiated_by_unit
            title: str | None = f"督办落实{self.get(Decision, decision).title}"
            source = ("decision", str(decision))
        else:
            lead, title, source = rng.choice(LINE_UNITS), None, self.source()
        led_by = None
        if source[0] in ("npc_suggestion", "cppcc_proposal"):
            led_by = EXECUTIVE[self.leading % len(EXECUTIVE)]
            self.leading += 1
        others = [u for u in LINE_UNITS if u != lead]
        co_units = rng.sample(others, rng.choice((0, 0, 1, 1, 2)))
        reports = [self.day + 14 * k for k in range(1, rng.randint(1, 4) + 1)]
        register = c.RegisterItem(
            title=title or f"落实{rng.choice(SUBJECTS[lead])}工作",
            source={"kind": source[0], "ref": source[1]}, lead_unit_id=lead,
            co_unit_ids=co_units, deadline=_moment(reports[-1] + 7, 18),
            report_dates=[_moment(d, 18) for d in reports], led_by=led_by,
        )  # fmt: skip
        item = self.do(OFFICE, register).id
        for due in reports[:-1]:
            late = rng.random() < 0.1  # S3: reported a day or two after the date
            day = due + (rng.randint(1, 2) if late else 0)
            self.schedule(day, partial(self.report_progress, item, lead, "阶段性进展情况"))
        for unit in (lead, *co_units):
            self.schedule(reports[-1], partial(self.report_progress, item, unit, "办理情况报告"))
        self.schedule(reports[-1] + 2, partial(self.verify, item, lead, True))

    def source(self) -> tuple[str, str]:
        """Where an item comes from: an instruction, a suggestion, a proposal, an annual task,
        or one of our recent notices by its id."""
        year = self.today.year
        kind = self.rng.choices(SUPERVISION_SOURCES, (35, 20, 20, 15, 10))[0]
        if kind == "document" and not self.notices:
            kind = "annual_task"
        n = self.count(f"{kind}-{year}")
        ref = {
            "instruction": f"市领导批示〔{year}〕{n}号",
            "npc_suggestion": f"市人大{year}年第{n}号建议",
            "cppcc_proposal": f"市政协{year}年第{n}号提案",
            "annual_task": f"{year}年政府工作报告重点任务第{n}项",
        }.get(kind) or self.notices[-n % len(self.notices)]
        return kind, ref

    def report_progress(self, item: Id, unit: str, text: str) -> None:
        self.do(HEADS[unit], c.ReportProgress(item, unit, text))

    def verify(self, item: Id, lead: str, first: bool) -> None:
        """Verified by the office; a failed first verification is put right first."""
        rng = self.rng
        if first and rng.random() < 0.15:
            self.do(OFFICE, c.VerifyItem(item, "failed", "办理进度滞后，未达到预期目标"))
            order = c.OrderRectification(item, "限期整改并报送整改情况", _moment(self.day + 14, 18))
            self.do(OFFICE, order)
            self.schedule(self.day + 10, partial(self.report_progress, item, lead, "整改情况报告"))
            self.schedule(self.day + 11, partial(self.verify, item, lead, False))
        else:
            self.do(OFFICE, c.VerifyItem(item, "passed", "经核查，已按要求办结"))
            self.schedule(self.day + 1, partial(self.close_item, item))

    def close_item(self, item: Id) -> None:
        self.do(OFFICE, c.CloseItem(item, "事项已办结，予以销号"))
        if self.rng.random() < 0.5:
            self.schedule(self.day + self.rng.randint(1, 5), partial(self.circulate, item))

    def circulate(self, item: Id) -> None:
        self.do(OFFICE, c.CirculateResults(item, "督查情况通报"))

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
        found = self.who_acts(person, leader, starts_at, ends_at, back, pick)
        if found is None:
            return
        acting, reporter = found
        if not leader and any(_plenary_day(d) for d in range(start, back_day + 1)):
            return
        report = c.ReportLeave(
            person_id=person, kind=kind, starts_at=starts_at, ends_at=ends_at,
            destination=DESTINATIONS[int(pick * len(DESTINATIONS))] if kind != "private" else None,
            acting_id=acting, urgent=urgent,
            reported_to_id=MAYOR if leader and kind in LEAVING_THE_CITY else None,
        )  # fmt: skip
        leave: LeaveRecord = self.do(reporter, report)
        if leave.approval_by is not None:
            self.do(self.approving(leave.approval_by), c.ApproveLeave(leave.id))
        self.do(OFFICE, c.FileLeave(leave.id))
        self.leaves[leave.id] = (starts_at, ends_at)
        self.windows[leave.id] = (person, starts_at, back, acting)
        if cancel:
            step = partial(self.cancel_leave, leave.id, person)
            self.dawn.setdefault(self.day + 1, []).append(step)
        else:
            step = partial(self.return_from_leave, leave.id, person, returned_at)
            self.dawn.setdefault(back_day, []).append(step)

    def who_acts(
        self,
        person: str,
        leader: bool,
        starts_at: datetime,
        ends_at: datetime,
        back: datetime,
        pick: float,
    ) -> tuple[str | None, str] | None:
        """A leader's absence names who acts: the AB partner (P3), or another free leader the
        office names when the partner is away too; None when nobody can (skip the leave)."""
        if not leader:
            return None, person
        others = [p for p in VICE_MAYORS if p != person and self.busy(p, starts_at, back, True)]
        if len(others) > 1:
            return None  # at most two city leaders away at once: the executive meeting sits
        partner = self.roster.ab_partner(person)
        if partner is not None and not self.busy(partner, starts_at, back):
            return partner, person  # P3
        if partner is not None and not self.ledger_away(partner, starts_at, ends_at):
            return None  # the partner would have to act, but is busy then
        free = [p for p in ACTING if p not in (person, partner)]
        free = [p for p in free if not self.busy(p, starts_at, back)]
        if not free:
            return None
        # P3: with both AB partners away, the office names one.
        return free[int(pick * len(free))], (OFFICE if partner is not None else person)

    def approving(self, approver: str) -> str:
        """L3/L5: the approver; while away, for the mayor whoever was named to act (P2), for a
        vice-mayor the mayor (an AB partner does not approve leave, P3) — or the acting mayor
        while the mayor is away too."""
        if approver not in self.away:
            return approver
        if approver == MAYOR:
            acting = self.away[approver].get("acting_id")
            return acting if acting is not None and acting not in self.away else "p-exec-vm"
        return MAYOR if MAYOR not in self.away else "p-exec-vm"

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
        ledger = self.ledger
        if not away_only and ledger is not None:
            for entry in ledger.entries.values():  # named to act (an earlier run's too)
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

    def return_from_leave(self, leave: Id, person: str, returned_at: datetime) -> None:
        self.do(person, c.ReportReturn(leave, returned_at))
        self.leaves.pop(leave, None)
        self.windows.pop(leave, None)

    def cancel_leave(self, leave: Id, person: str) -> None:
        self.do(person, c.CancelLeave(leave))
        self.leaves.pop(leave, None)
        self.windows.pop(leave, None)

    def wrap_up(self) -> None:
        """The run ends: absences not begun are cancelled, the others returned from now (or
        from their planned end), so a later run on the same log finds no one away for ever."""
        for leave, (starts_at, ends_at) in list(self.leaves.items()):
            person = self.windows[leave][0]
            if self.at < starts_at:
                self.cancel_leave(leave, person)
            else:
                self.return_from_leave(leave, person, min(ends_at, self.at))

    # ----- the demo's end: work in flight ------------------------------------------------------

    def leave_in_flight(self) -> None:
        """Two more working days whose work is left open, as a city is at any moment: on the
        first a vice-mayor reports a fortnight's study from the next day and a unit head an
        official trip of three days (both filed, approved where L5 asks it), two requests ask for
        countersignatures by the end of that day, and a supervision item is registered; on the
        second two more requests ask for them within ten days. The leaves the run has open stay
        open too; nobody answers, returns or reports after."""
        first = _workday(self.day)
        second = _workday(first + 1)
        self.begin_day(first)
        self.leader_away(second, second + 13)
        self.head_away(second, 3)
        for _ in range(2):
            self.awaiting_countersign(_moment(first, 18))
        self.item_due(second + 4)
        self.begin_day(second)
        for _ in range(2):
            self.awaiting_countersign(self.at + timedelta(days=10))

    def begin_day(self, day: int) -> None:
        self.day = day
        self.at = _moment(day)
        self.today = _local(day)
        self.actors = {}
        self.see_who_is_away()

    def leader_away(self, start: int, end: int) -> None:
        """A vice-mayor away at a study [start 09:00, end 18:00], reported to the mayor a day
        ahead (L2) and filed (L4), with the AB partner acting (P3) — or a leader the office
        names. The
        first vice-mayor in order who is free then, and whom someone can act for, goes."""
        starts_at, ends_at, back = _moment(start), _moment(end, 18), _moment(end + 1)
        for person in VICE_MAYORS:
            if self.busy(person, starts_at, back):
                continue
            found = self.who_acts(person, True, starts_at, ends_at, back, 0.0)
            if found is None:
                continue
            acting, reporter = found
            report = c.ReportLeave(
                person_id=person, kind="study", starts_at=starts_at, ends_at=ends_at,
                destination=DESTINATIONS[0], acting_id=acting, reported_to_id=MAYOR,
            )  # fmt: skip
            self.filed(person, reporter, report, back)
            return

    def head_away(self, start: int, days: int) -> None:
        """A unit head on an official trip out of the city for ``days`` days from ``start``
        (or from the first working day after a plenary it would miss, like every unit
        head's), approved by the vice-mayor in charge (L5) and filed."""
        while any(_plenary_day(d) for d in range(start, start + days + 1)):
            start = _workday(start + 1)
        end = start + days - 1
        starts_at, ends_at, back = _moment(start), _moment(end, 18), _moment(end + 1)
        for person in UNIT_HEADS:
            if self.busy(person, starts_at, back):
                continue
            report = c.ReportLeave(
                person_id=person, kind="official_trip", starts_at=starts_at, ends_at=ends_at,
                destination=DESTINATIONS[1],
            )  # fmt: skip
            self.filed(person, person, report, back)
            return

    def filed(self, person: str, reporter: str, report: c.ReportLeave, back: datetime) -> None:
        leave: LeaveRecord = self.do(reporter, report)
        if leave.approval_by is not None:
            self.do(self.approving(leave.approval_by), c.ApproveLeave(leave.id))
        self.do(OFFICE, c.FileLeave(leave.id))
        self.leaves[leave.id] = (report.starts_at, report.ends_at)
        self.windows[leave.id] = (person, report.starts_at, back, report.acting_id)

    def awaiting_countersign(self, due: datetime) -> None:
        """An incoming request whose countersignatures (D6) are not in yet: the lead unit set
        ``due`` (D7); nobody has answered, so the office has not reviewed it."""
        rng = self.rng
        unit = rng.choice(UNITS)
        draft = c.DraftDocument(doc_type="request", title=f"关于{rng.randint(1, 999)}号事项的请示",
                                from_unit_id=unit, to="government", matters=["专项"])  # fmt: skip
        doc = self.do(HEADS[unit], draft).id
        others = [u for u in UNITS if u != unit]
        self.do(HEADS[unit], c.RequestCountersign(doc, rng.sample(others, rng.randint(1, 2)), due))

    def item_due(self, report_day: int) -> None:
        """A supervision item registered from a leader's instruction, its first progress report
        due on ``report_day`` and its deadline two weeks after (S1, S3)."""
        rng = self.rng
        lead = rng.choice(LINE_UNITS)
        n = self.count(f"instruction-{self.today.year}")
        register = c.RegisterItem(
            title=f"落实{rng.choice(SUBJECTS[lead])}工作",
            source={"kind": "instruction", "ref": f"市领导批示〔{self.today.year}〕{n}号"},
            lead_unit_id=lead, co_unit_ids=[], deadline=_moment(report_day + 14, 18),
            report_dates=[_moment(report_day, 18), _moment(report_day + 7, 18)],
        )  # fmt: skip
        self.do(OFFICE, register)

    # ----- regulations (G1–G9) -------------------------------------------------------------

    def draft_regulation(self, kind: str) -> None:
        rng = self.rng
        if kind == "government_rule" and rng.random() < 0.6:
            unit = "u-justice"
        else:  # a department normative document by a unit with its own legal reviewer (G2)
            unit = rng.choice(tuple(LEGAL) if kind == "department_normative" else DEPARTMENTS)
        subject = rng.choice(SUBJECTS[unit])
        trial = kind != "government_rule" and rng.random() < 0.2
        title = f"攀枝花市{subject}管理办法{'（试行）' if trial else ''}"
        regulation = self.do(HEADS[unit], c.DraftRegulation(kind, title, unit))
        self.drafted(regulation)

    def drafted(self, regulation: Regulation) -> None:
        """A government rule goes out for public comment first (G3); the others straight to
        legality review (G2)."""
        if regulation.kind == "government_rule":
            step = partial(self.open_comment, regulation.id)
            self.schedule(self.day + self.rng.randint(3, 7), step)
        else:
            step = partial(self.review_legality, regulation.id)
            self.schedule(self.day + self.rng.randint(5, 12), step)

    def open_comment(self, regulation_id: Id) -> None:
        rng = self.rng
        short = rng.random() < 0.1
        days = 20 if short else 30
        head = HEADS[self.get(Regulation, regulation_id).drafting_unit_id]
        period = c.OpenPublicComment(regulation_id, self.today, self.today + timedelta(days=days))
        self.do(head, period)
        for offset in sorted(rng.sample(range(1, days - 3), rng.randint(1, 5))):
            self.schedule(self.day + offset, partial(self.receive_comment, regulation_id))
        step = partial(self.review_legality, regulation_id)
        self.schedule(self.day + days + rng.randint(1, 5), step)

    def receive_comment(self, regulation_id: Id) -> None:
        source = self.rng.choice(("网站留言", "信函", "座谈会", "电子邮件"))
        head = HEADS[self.get(Regulation, regulation_id).drafting_unit_id]
        self.do(head, c.ReceiveComment(regulation_id, "建议细化相关条款", source))

    def review_legality(self, regulation_id: Id, again: bool = False) -> None:
        """G2 by the justice bureau (a department's document by its own legal reviewer); then
        published by the unit, put on an executive meeting, or (a government rule) taken up by
        a regulation-draft decision (M9)."""
        rng = self.rng
        drafted = self.get(Regulation, regulation_id)
        department = drafted.kind == "department_normative"
        reviewer = LEGAL[drafted.drafting_unit_id] if department else JUSTICE
        if not again and rng.random() < 0.1:
            fail = c.ReviewLegality(regulation_id, False, "部分条款缺乏上位法依据，请修改")
            self.do(reviewer, fail)
            step = partial(self.review_legality, regulation_id, True)
            self.schedule(self.day + rng.randint(5, 10), step)
            return
        passed = c.ReviewLegality(regulation_id, True, "经审查，同意提请审议")
        regulation = self.do(reviewer, passed)
        if regulation.kind == "department_normative":
            self.schedule(self.day + rng.randint(2, 8), partial(self.publish, regulation_id))
        elif regulation.kind == "city_normative":
            self.for_adoption.append(regulation_id)
        else:
            self.initiate_decision(regulation)

    def publish(self, regulation_id: Id) -> None:
        """G6: a normative document with its validity period, a government rule without one;
        a published revision supersedes the version it revises in the same transaction (G7,
        G9); then G5 filings."""
        rng = self.rng
        policy = self.app.regulation_policy
        regulation = self.get(Regulation, regulation_id)
        unit = regulation.drafting_unit_id
        department = regulation.kind == "department_normative"
        years = policy.temporary_validity_years if regulation.temporary else policy.validity_years
        number = self.regulation_number(regulation.kind, unit)
        rule = regulation.kind == "government_rule"
        until = None if rule else add_months(self.today, 12 * years)
        publish = c.PublishRegulation(regulation_id, self.today, number, until)
        regulation = self.do(HEADS[unit] if department else OFFICE, publish)
        if regulation.revises:
            self.regulations.pop(uuid.UUID(regulation.revises), None)
        self.regulations[regulation_id] = None
        for body in regulation.filings:
            late = rng.random() < 0.05  # G5: filed after its due day
            offset = rng.randint(32, 45) if late else rng.randint(3, 25)
            self.schedule(self.day + offset, partial(self.file, regulation_id, body))
        if regulation.kind == "government_rule":
            step = partial(self.evaluate, regulation_id)
            self.schedule(self.day + rng.randint(365, 400), step)

    def regulation_number(self, kind: str, unit: str) -> str:
        year = self.today.year
        if kind == "government_rule":
            return f"攀枝花市人民政府令第{self.count('rule')}号"
        if kind == "department_normative":
            return f"{REGULATION_CODES[unit]}规〔{year}〕{self.count(f'{unit}-{year}')}号"
        return f"攀府规〔{year}〕{self.count(f'city-{year}')}号"

    def file(self, regulation_id: Id, body: str) -> None:
        regulation = self.get(Regulation, regulation_id)
        department = regulation.kind == "department_normative"
        who = HEADS[regulation.drafting_unit_id] if department else OFFICE
        self.do(who, c.FileRegulation(regulation_id, body, self.today))
        if body == "city_government":  # G2: the justice bureau reviews it on filing (备案审查)
            step = partial(self.review_on_filing, regulation_id)
            self.schedule(self.day + self.rng.randint(3, 15), step)

    def review_on_filing(self, regulation_id: Id) -> None:
        review = c.ReviewOnFiling(regulation_id, True, "经备案审查，未发现与上位法相抵触")
        self.do(JUSTICE, review)

    def evaluate(self, regulation_id: Id) -> None:
        if self.get(Regulation, regulation_id).status == "in_force":
            findings = "实施情况良好，达到预期目的"
            self.do(JUSTICE, c.EvaluateRegulation(regulation_id, findings))

    def cleanup(self) -> None:
        """G7, once a year: every regulation in force for half a year or more is reviewed by
        the justice bureau — continued, revised (more often near the end of its validity) or
        abolished."""
        for regulation_id in list(self.regulations):
            regulation = self.get(Regulation, regulation_id)
            publication = regulation.publication
            if regulation.status != "in_force" or publication is None:
                self.regulations.pop(regulation_id)
                continue
            until = publication.valid_until or date.max  # a government rule never expires (G6)
            if until <= self.today:
                self.regulations.pop(regulation_id)  # expired (G6)
                continue
            if regulation.revised_by or publication.published_on > self.today - timedelta(days=180):
                continue
            self.review_cleanup(regulation_id, (until - self.today).days)

    def review_cleanup(self, regulation_id: Id, days_left: int) -> None:
        rng = self.rng
        draw = rng.random()
        if days_left < 400:
            verdict = "revise" if draw < 0.5 else "continue"  # or it lapses (G6)
        else:
            verdict = "continue" if draw < 0.92 else "revise" if draw < 0.97 else "abolish"
        reason = {
            "continue": "符合上位法和实际，继续有效",
            "revise": "部分内容与新情况不相适应，需要修订",
            "abolish": "调整对象已消失，予以废止",
        }[verdict]
        self.do(JUSTICE, c.ReviewCleanup(regulation_id, verdict, reason))
        if verdict == "revise":
            self.schedule(self.day + rng.randint(5, 30), partial(self.revise, regulation_id))
        elif verdict == "abolish":
            self.schedule(self.day + rng.randint(10, 30), partial(self.abolish, regulation_id))

    def lapsed(self, regulation: Regulation) -> bool:
        """G6: past its validity period (in force while the day is before ``valid_until``),
        a regulation can no longer be revised or abolished: it lapses."""
        publication = regulation.publication
        until = publication.valid_until if publication else None
        return until is not None and until <= self.today

    def revise(self, regulation_id: Id) -> None:
        """G7: a revision: the new draft and the link on the old version in one transaction."""
        regulation = self.get(Regulation, regulation_id)
        if self.lapsed(regulation):
            return  # the cleanup's revision came too late: it lapsed (G6)
        base = REVISED.sub("", regulation.title)
        revise = c.ReviseRegulation(regulation_id, f"{base}（{self.today.year}年修订）")
        self.drafted(self.do(HEADS[regulation.drafting_unit_id], revise))

    def abolish(self, regulation_id: Id) -> None:
        if self.lapsed(self.get(Regulation, regulation_id)):
            return  # it lapsed first (G6)
        self.do(OFFICE, c.AbolishRegulation(regulation_id, "经清理，决定废止"))
        self.regulations.pop(regulation_id, None)
