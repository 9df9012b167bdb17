"""Read models and the accountability rules name events by the domain's names: a name that
no aggregate records (a typo, a renamed event) fails here, not silently in production."""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

import domain.application  # noqa: F401  # imports every aggregate module
from domain.accountability import LISTED, NAMED, POSITIONS
from domain.base import GovAggregate
from projections.models import MODELS

ROOT = Path(__file__).resolve().parents[2]


def _aggregates(cls: type[GovAggregate]) -> list[type[GovAggregate]]:
    return [c for sub in cls.__subclasses__() for c in (sub, *_aggregates(sub))]


EVENTS: dict[str, type[GovAggregate.Event]] = {
    event.NAME: event
    for aggregate in _aggregates(GovAggregate)
    for event in vars(aggregate).values()
    if isinstance(event, type) and issubclass(event, GovAggregate.Event) and event.NAME
}


def test_the_domain_names_every_event_once() -> None:
    assert len(EVENTS) > 60
    topics = [e.TOPIC for e in EVENTS.values()]  # type: ignore[attr-defined]
    assert len(topics) == len(set(topics))


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.name)
def test_a_read_model_subscribes_to_events_that_exist(model: object) -> None:
    types = model.types  # type: ignore[attr-defined]
    assert set(types) <= set(EVENTS), sorted(set(types) - set(EVENTS))
    # No types: the model reads every event (only the accountability model does).
    assert (not types) == (model.name == "accountability"), types  # type: ignore[attr-defined]


def test_the_accountability_rules_name_real_events_and_their_fields() -> None:
    for table in (NAMED, LISTED):
        for name, fields in table.items():
            assert name in EVENTS, name
            declared = typing.get_type_hints(EVENTS[name])
            for field, _role in fields:
                assert field in declared, f"{name} has no field {field}"
    for name in POSITIONS:
        assert {"positions", "dissent_notes"} <= set(typing.get_type_hints(EVENTS[name]))


def test_no_bare_event_names_in_the_read_side() -> None:
    """projections/ and api/ take names from the domain classes (``Agg.Event.NAME``)."""
    bare = []
    for package in ("projections", "api"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Constant) and node.value in EVENTS:
                    bare.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    assert bare == []
