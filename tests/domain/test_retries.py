"""R1 in the service layer: a command sent without If-Match that loses the race for the next
version is judged again on the reloaded state, a bounded number of times; with If-Match it is
never run again (the writer named the version it saw: 412 / 409)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain import service
from domain.commands.roster import AddUnit
from domain.rules import Conflict
from domain.service import Command, Context, execute
from tests.domain.spec import AT, in_memory

NEW_UNIT = AddUnit(unit_id="u-new", name="新局", kind="department")


def losing(monkeypatch: pytest.MonkeyPatch, races_lost: int) -> tuple[Any, list[int]]:
    """An application whose first ``races_lost`` saves lose to a concurrent writer."""
    app = in_memory()
    saves: list[int] = []
    save_all = app.save_all

    def racing(aggregates: list[Any], claim: Any = None) -> int | None:
        saves.append(len(saves) + 1)
        if len(saves) <= races_lost:
            raise Conflict("the resource was changed by another writer at the same time")
        return save_all(aggregates, claim)

    monkeypatch.setattr(app, "save_all", racing)
    monkeypatch.setattr(service, "backoff", lambda attempt: 0.0)
    return app, saves


def context(app: Any, expected_version: int | None = None) -> Context:
    actor = app.actor("p-admin", AT)
    return Context(actor, AT, f"spec-{uuid.uuid4()}", expected_version=expected_version)


def test_R1_without_if_match_a_lost_race_is_run_again_on_the_reloaded_state(monkeypatch):
    app, saves = losing(monkeypatch, races_lost=3)
    written = execute(app, NEW_UNIT, context(app))
    assert saves == [1, 2, 3, 4]
    assert written.position is not None
    assert "u-new" in app.roster().units


def test_R1_retries_are_bounded_then_the_conflict_answers(monkeypatch):
    app, saves = losing(monkeypatch, races_lost=100)
    with pytest.raises(Conflict) as lost:
        execute(app, NEW_UNIT, context(app))
    assert len(saves) == Command.attempts == 10
    assert not lost.value.precondition  # 409 /concurrency


def test_R1_with_if_match_a_lost_race_is_never_run_again(monkeypatch):
    app, saves = losing(monkeypatch, races_lost=1)
    version = app.roster().version
    with pytest.raises(Conflict):
        execute(app, NEW_UNIT, context(app, expected_version=version))
    assert saves == [1]
    assert "u-new" not in app.roster().units


def test_backoff_grows_with_each_lost_race_and_stays_bounded():
    assert all(0 <= service.backoff(0) <= 0.005 for _ in range(50))
    assert all(0 <= service.backoff(20) <= 0.5 for _ in range(50))
