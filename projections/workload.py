"""A deterministic synthetic city (seeded RNG), written through the application layer: the one
generator the bench, demo data and reliability tests share (docs/bench.md).

Each simulated working day brings incoming requests with countersigns and review, outgoing
notices signed off, numbered and issued, and every other week an executive meeting. Commands
run through the domain aggregates (every guard applies) and are saved many aggregates per
transaction, so a large log is written quickly and every event is real.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from domain.application import GovRules
from domain.base import Act, GovAggregate
from domain.clock import SHANGHAI
from domain.documents import DocumentNumberSequence, OfficialDocument, number_sequence_id
from domain.meetings import Meeting
from domain.roster import Roster
from domain.rules import NotFound

START = datetime.fromisoformat("2026-01-05T01:00:00+00:00")  # Mon 09:00 Shanghai
UNITS = ("u-finance", "u-ecology", "u-housing")
HEADS = {
    "u-finance": "p-finance-head",
    "u-ecology": "p-ecology-head",
    "u-housing": "p-housing-head",
}
SIGNERS = {"u-finance": "p-exec-vm", "u-ecology": "p-vm-a", "u-housing": "p-vm-b"}
EXECUTIVE = ["p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-vm-c", "p-sg"]


def generate(
    app: GovRules,
    events: int,
    seed: int = 2019,
    batch: int = 200,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Writes at least ``events`` events; returns how many were written."""
    rng = random.Random(seed)
    roster = app.roster()
    written = 0
    pending: list[GovAggregate] = []
    sequence: DocumentNumberSequence | None = _sequence(app, START.year)
    day = 0
    at = START

    def act(person_id: str) -> Act:
        actor = roster.actor(person_id, at.date())
        assert actor is not None, person_id
        return Act(actor, at, correlation_id=f"workload-{seed}-{written}")

    def flush() -> None:
        nonlocal written, pending
        if pending:
            recordings = app.save(*pending)
            written += len(recordings)
            pending = []
            if progress is not None:
                progress(written)

    while written + sum(len(a.pending_events) for a in pending) < events:
        at = START + timedelta(days=day)
        if at.astimezone(SHANGHAI).weekday() < 5:
            for _ in range(rng.randint(3, 6)):
                pending.append(_incoming(act, roster, app, rng))
            for _ in range(rng.randint(1, 3)):
                year = at.astimezone(SHANGHAI).year
                if sequence is None or sequence.year != year:
                    sequence = _sequence(app, year)  # an earlier run may have opened it
                doc, sequence = _outgoing(act, roster, rng, sequence, at)
                pending.append(doc)
            if day % 14 == 1:
                pending.append(_executive_meeting(act, roster, at, rng))
        if sequence is not None and sequence.pending_events:
            pending.append(sequence)
            flush()
            sequence = app.load(DocumentNumberSequence, sequence.id)
        if sum(len(a.pending_events) for a in pending) >= batch:
            flush()
        day += 1
    flush()
    return written


def _sequence(app: GovRules, year: int) -> DocumentNumberSequence | None:
    """The register of 攀府发 numbers for the year, if an earlier run opened it."""
    try:
        return app.load(DocumentNumberSequence, number_sequence_id("攀府发", year))
    except NotFound:
        return None


def _incoming(act: Callable[[str], Act], roster: Roster, app: GovRules, rng: random.Random) -> Any:
    unit = rng.choice(UNITS)
    head = HEADS[unit]
    doc = OfficialDocument.draft(
        act(head),
        roster,
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
    due = act(head).at + timedelta(days=10)
    doc.request_countersign(act(head), roster, app.calendar, asked, due)
    for other in asked:
        doc.countersign(act(HEADS[other]), other, "agree", None)
    doc.review_incoming(act("p-office-dir"), roster, True, proposed_handling="拟请分管副市长阅示")
    return doc


def _outgoing(
    act: Callable[[str], Act],
    roster: Roster,
    rng: random.Random,
    sequence: DocumentNumberSequence | None,
    at: datetime,
) -> tuple[OfficialDocument, DocumentNumberSequence]:
    unit = rng.choice(UNITS)
    doc = OfficialDocument.draft(
        act("p-office-dir"),
        roster,
        doc_type="notice",
        title=f"关于做好第{rng.randint(1, 999)}项工作的通知",
        from_unit_id="u-gov",
        to=unit,
        matters=["工作"],
        drafting_unit_id=unit,
    )
    doc.sign_off(act(SIGNERS[unit]), roster, "同意")
    if sequence is not None and sequence.year != at.astimezone(SHANGHAI).year:
        sequence = None
    sequence = doc.register(act("p-office-dir"), sequence, "攀府发")
    doc.issue(act("p-office-dir"))
    return doc, sequence


def _executive_meeting(
    act: Callable[[str], Act], roster: Roster, at: datetime, rng: random.Random
) -> Meeting:
    meeting = Meeting.convene(
        act("p-office-dir"),
        roster,
        kind="executive",
        title="市政府常务会议",
        convener_id="p-mayor",
        scheduled_at=at,
    )
    topic = meeting.propose_topic(act("p-exec-vm"), roster, "工作汇报", "p-exec-vm")
    meeting.set_topic(act("p-mayor"), roster, topic)
    meeting.distribute_papers(act("p-office-dir"), at)
    present = rng.sample(EXECUTIVE, 5)
    if "p-mayor" not in present:
        present[0] = "p-mayor"
    meeting.open(act("p-mayor"), roster, present)
    meeting.decide(act("p-mayor"), roster, topic, "原则同意", dict.fromkeys(present, "agree"), {})
    meeting.close(act("p-mayor"), roster)
    return meeting
