"""A command that names its aggregate's method (``Command.method``) is called by the generic
handler with its fields by name: every field must be a parameter of that method and every
required parameter a field (or something the unit of work provides), so a renamed parameter
fails here, not at a user's request."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import pytest

import domain.commands
from domain.service import PROVIDED, Command


def method_commands() -> list[type[Command]]:
    found = []
    for info in pkgutil.iter_modules(domain.commands.__path__):
        module = importlib.import_module(f"domain.commands.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Command) and value.method:
                found.append(value)
    return sorted(set(found), key=lambda c: c.__name__)


def test_most_commands_call_one_aggregate_method() -> None:
    assert len(method_commands()) >= 30


@pytest.mark.parametrize("command", method_commands(), ids=lambda c: c.__name__)
def test_the_fields_of_a_command_are_the_parameters_of_its_method(command: type[Command]) -> None:
    assert command.aggregate is not None
    params = inspect.signature(getattr(command.aggregate, command.method)).parameters
    fields = [f.name for f in dataclasses.fields(command) if f.name != command.id_field]  # type: ignore[arg-type]
    assert command.id_field in {f.name for f in dataclasses.fields(command)}  # type: ignore[arg-type]
    assert [f for f in fields if f not in params] == []
    given = {"self", "act", *PROVIDED, *fields}
    required = [
        name
        for name, p in params.items()
        if p.default is inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
    ]
    assert [name for name in required if name not in given] == []
