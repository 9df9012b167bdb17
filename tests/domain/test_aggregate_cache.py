"""The aggregate cache (issue 14): the application keeps the aggregates it read, brings a
cached one up to the log with one query before anything is judged on it, hands commands their
own copy to change, and shares the current state with readers that only look.

Two applications on one schema stand for two processes (an API worker and another one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import psycopg
import pytest

from api.services import Services
from domain import authority
from domain.application import GovRules
from domain.base import SYSTEM, Act
from domain.commands.documents import DraftDocument
from domain.commands.roster import AddUnit, Appoint
from domain.documents import OfficialDocument
from domain.leaves import LEDGER_ID, AbsenceLedger
from domain.roster import ROSTER_ID, Roster
from domain.rules import Conflict, NotFound, RuleViolation, refuse
from domain.service import Command, Context, UnitOfWork, execute
from projections.store import application_env, check_if_readable, conninfo, parse_database_url
from tests.domain.spec import AT, in_memory, run


@pytest.fixture
def two(services: Services) -> Iterator[tuple[GovRules, GovRules, datetime]]:
    """Application A (the services') and B, another process's, on the same schema."""
    settings = services.settings
    assert settings.database_url is not None
    env = application_env(parse_database_url(settings.database_url), settings.schema_name)
    other = GovRules(env=env)
    try:
        yield services.app, other, services.clock.now()
    finally:
        other.close()


def draft_from(unit_id: str) -> DraftDocument:
    return DraftDocument(
        doc_type="request",
        title="关于申请专项资金的请示",
        from_unit_id=unit_id,
        to="government",
        matters=["专项资金"],
    )


def test_a_cached_roster_is_brought_up_to_another_process_write_before_it_judges(two):
    a, b, now = two
    cached = b.roster()  # B caches the roster
    assert "u-new" not in cached.units
    assert b.actor("p-new", now) is None

    run(a, "p-admin", AddUnit(unit_id="u-new", name="新局", kind="department"), now)
    appoint = Appoint(
        person_id="p-new", name="新局长", office="unit_head", unit_id="u-new", since=now.date()
    )
    run(a, "p-admin", appoint, now)

    # B's next command judges on A's roster: the new head of the new unit drafts from it.
    written = run(b, "p-new", draft_from("u-new"), now)
    assert isinstance(written.aggregate, OfficialDocument)
    assert b.load(OfficialDocument, written.aggregate.id).from_unit_id == "u-new"
    # And B changes the roster on top of A's version, no conflict.
    version = a.roster().version
    run(b, "p-admin", AddUnit(unit_id="u-newer", name="更新局", kind="department"), now)
    assert a.roster().version == b.roster().version == version + 1
    assert {"u-new", "u-newer"} <= set(a.roster().units)


def test_a_command_on_a_cached_aggregate_another_process_changed_meanwhile_conflicts(two):
    a, b, now = two
    b.roster()
    admin = b.actor("p-admin", now)
    assert admin is not None
    uow = UnitOfWork(b)
    uow.run(AddUnit(unit_id="u-b", name="乙局", kind="department"), Context(admin, now, "b"))
    run(a, "p-admin", AddUnit(unit_id="u-a", name="甲局", kind="department"), now)

    with pytest.raises(Conflict):
        uow.commit()
    roster = b.roster()
    assert "u-a" in roster.units
    assert "u-b" not in roster.units
    assert not roster.pending_events
    # Sent again (as ``execute`` does after a lost race) it lands on A's version.
    execute(b, AddUnit(unit_id="u-b", name="乙局", kind="department"), Context(admin, now, "b2"))
    assert {"u-a", "u-b"} <= set(a.roster().units)


@dataclass(frozen=True)
class AddUnitThenRefuse(Command):
    """Changes the roster (an event is applied) and then refuses: nothing may remain."""

    collection: ClassVar[str] = "roster"
    unit_id: str

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = uow.target(Roster, ROSTER_ID)
        roster.add_unit(uow.act, self.unit_id, "拒绝局", "department", None, None)
        raise refuse("D1", "refused after the change")


@dataclass(frozen=True)
class ChangeSharedRoster(Command):
    """A bug: changes the roster it was given to read."""

    collection: ClassVar[str] = "roster"

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = uow.roster
        roster.add_unit(uow.act, "u-bug", "错误局", "department", None, None)
        return roster


@pytest.fixture
def test_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test's commands are issued by whoever may add a unit."""
    for command in (AddUnitThenRefuse, ChangeSharedRoster):
        monkeypatch.setitem(authority.MATRIX, command.__name__, authority.MATRIX["AddUnit"])


def test_a_refused_command_leaves_nothing_in_the_cache_for_the_next_command(test_commands):
    app = in_memory()
    before = app.roster()
    version = before.version

    with pytest.raises(RuleViolation) as refused:
        run(app, "p-admin", AddUnitThenRefuse(unit_id="u-refused"))
    assert refused.value.rule.id == "D1"

    after = app.roster()
    assert after is before  # the shared state was never touched
    assert "u-refused" not in after.units
    assert not after.pending_events
    written = run(app, "p-admin", AddUnit(unit_id="u-next", name="下一局", kind="department"))
    assert written.aggregate.version == version + 1
    stored = [e for e in app.events.get(ROSTER_ID, gt=version)]
    assert [getattr(e, "unit_id", None) for e in stored] == ["u-next"]


def test_a_command_that_changes_shared_state_fails_and_the_cache_forgets_it(test_commands):
    app = in_memory()
    version = app.roster().version
    with pytest.raises(AssertionError, match="shared state"):
        run(app, "p-admin", ChangeSharedRoster())
    roster = app.roster()
    assert "u-bug" not in roster.units
    assert roster.version == version
    assert not roster.pending_events


def test_readers_share_the_current_state_and_commands_get_their_own_copy():
    app = in_memory()
    shared = app.roster()
    assert app.roster() is shared  # unchanged: the same object, no copy, no replay
    own = app.load(Roster, ROSTER_ID)
    assert own is not shared
    assert own.version == shared.version
    run(app, "p-admin", AddUnit(unit_id="u-x", name="某局", kind="department"))
    assert "u-x" not in shared.units  # a write makes a new current state, never changes one
    assert "u-x" in app.roster().units


def test_time_travel_and_not_found_are_not_cached():
    app = in_memory()
    run(app, "p-admin", AddUnit(unit_id="u-x", name="某局", kind="department"))
    current = app.roster().version
    first = app.load(Roster, ROSTER_ID, version=1)
    assert first.version == 1
    assert "u-x" not in first.units
    assert app.roster().version == current
    with pytest.raises(NotFound):
        app.load(OfficialDocument, ROSTER_ID)  # another kind of aggregate
    with pytest.raises(NotFound):
        app.view(OfficialDocument, ROSTER_ID)
    missing = uuid.uuid4()
    with pytest.raises(NotFound):
        app.load(Roster, missing)
    with pytest.raises(NotFound):
        app.view(Roster, missing)
    with pytest.raises(NotFound):
        app.view(Roster, missing)  # remembered as not there yet: still not found


def test_a_roster_the_caller_read_already_is_not_read_again(monkeypatch):
    app = in_memory()
    roster = app.roster()
    actor = roster.actor("p-finance-head", AT.date())
    assert actor is not None
    read: list[object] = []
    view = app.view

    def counting(cls, aggregate_id):  # type: ignore[no-untyped-def]
        read.append(aggregate_id)
        return view(cls, aggregate_id)

    monkeypatch.setattr(app, "view", counting)
    ctx = Context(actor, AT, "known", known=(roster,))
    written = execute(app, draft_from("u-finance"), ctx)
    assert isinstance(written.aggregate, OfficialDocument)
    assert ROSTER_ID not in read


def test_the_pool_check_asks_the_server_only_when_the_socket_speaks(services, monkeypatch):
    settings = services.settings
    assert settings.database_url is not None
    info = conninfo(parse_database_url(settings.database_url))
    asked: list[object] = []
    monkeypatch.setattr("psycopg_pool.ConnectionPool.check_connection", staticmethod(asked.append))
    with psycopg.connect(info, autocommit=True) as idle, psycopg.connect(info) as admin:
        check_if_readable(idle)  # an idle, healthy connection: no round trip
        assert asked == []
        pid = idle.info.backend_pid
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        monkeypatch.undo()  # the real check now: the server has closed the connection
        with pytest.raises(psycopg.OperationalError):
            for _ in range(50):  # the termination reaches the socket within moments
                check_if_readable(idle)
                admin.execute("SELECT pg_sleep(0.02)")


def test_an_aggregate_not_found_yet_is_found_once_another_process_makes_it(two):
    a, b, now = two
    with pytest.raises(NotFound):
        b.view(AbsenceLedger, LEDGER_ID)  # no leave yet: B remembers it as not there
    assert b.ledger() is None
    a.save_all([AbsenceLedger.open(Act(SYSTEM, now, "test"))])
    ledger = b.view(AbsenceLedger, LEDGER_ID)
    assert ledger.version == 1
    assert b.ledger() is ledger
