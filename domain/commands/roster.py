"""Roster commands (P1, P3): units, office holders over time, divisions of work, AB pairs;
recorded by the system administrator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from domain.fields import Day, Name, Slug, Text, described
from domain.roster import CLEARANCES, OFFICES, ROSTER_ID, UNIT_FUNCTIONS, UNIT_KINDS, Roster
from domain.service import Command, UnitOfWork

Office = Literal[OFFICES]  # type: ignore[valid-type]
Clearance = Literal[CLEARANCES]  # type: ignore[valid-type]
CREATABLE_KINDS = tuple(k for k in UNIT_KINDS if k != "government")  # the government exists
UnitKind = Literal[CREATABLE_KINDS]  # type: ignore[valid-type]
UnitFunction = Literal[UNIT_FUNCTIONS]  # type: ignore[valid-type]


class RosterCommand(Command):
    collection: ClassVar[str] = "roster"

    def roster(self, uow: UnitOfWork) -> Roster:
        return uow.target(Roster, ROSTER_ID)


@dataclass(frozen=True)
class Appoint(RosterCommand):
    """OfficeHolderAppointed (P1): a person takes an office from ``since``."""

    person_id: Slug
    name: Name
    office: Office
    since: Day
    unit_id: str | None = None
    decided_by: str | None = None
    clearance: Clearance | None = None

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.appoint(uow.act, self.person_id, self.name, self.office, self.since,
                       self.unit_id, self.decided_by, self.clearance)  # fmt: skip
        return roster


@dataclass(frozen=True)
class GrantClearance(RosterCommand):
    """ClearanceGranted (D12): a person's clearance, set by the secretary-general (never their
    own), with the reason; the appointment itself clears nobody."""

    person_id: Slug
    clearance: Clearance
    reason: Annotated[Text, described("why the person needs (or no longer needs) it")]

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.grant_clearance(uow.act, self.person_id, self.clearance, self.reason)
        return roster


@dataclass(frozen=True)
class Relieve(RosterCommand):
    """OfficeHolderRelieved (P1): the tenure closes on ``on``; kept for life."""

    person_id: Slug
    office: Office
    on: Day

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.relieve(uow.act, self.person_id, self.office, self.on)
        return roster


@dataclass(frozen=True)
class AddUnit(RosterCommand):
    """UnitAdded."""

    unit_id: Slug
    name: Name
    kind: UnitKind
    function: UnitFunction | None = None
    superior_unit_id: str | None = None

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.add_unit(uow.act, self.unit_id, self.name, self.kind, self.function,
                        self.superior_unit_id)  # fmt: skip
        return roster


@dataclass(frozen=True)
class AssignDivision(RosterCommand):
    """DivisionAssigned (分管): the units a vice-mayor is in charge of."""

    vice_mayor_id: str
    unit_ids: list[str]

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.assign_division(uow.act, self.vice_mayor_id, self.unit_ids)
        return roster


@dataclass(frozen=True)
class FormABPair(RosterCommand):
    """ABPairFormed (P3): two vice-mayors act for each other."""

    a: str
    b: str

    def handle(self, uow: UnitOfWork) -> Roster:
        roster = self.roster(uow)
        roster.pair(uow.act, self.a, self.b)
        return roster


@dataclass(frozen=True)
class BootstrapRoster(RosterCommand):
    """First start (api.md): an empty roster is seeded once from the bootstrap file, through
    the same commands an administrator sends; a roster that exists is left as it is."""

    creates: ClassVar[bool] = True
    units: list[dict[str, Any]] = field(default_factory=list)
    appointments: list[dict[str, Any]] = field(default_factory=list)
    divisions: list[dict[str, Any]] = field(default_factory=list)
    ab_pairs: list[dict[str, Any]] = field(default_factory=list)

    def handle(self, uow: UnitOfWork) -> Roster:
        existing = uow.find(Roster, ROSTER_ID)
        if existing is not None:
            return existing
        government = next((u["unit_id"] for u in self.units if u.get("kind") == "government"),
                          "government")  # fmt: skip
        roster = uow.add(Roster.begin(uow.act, government))
        for unit in self.units:
            roster.add_unit(uow.act, unit["unit_id"], unit["name"], unit["kind"],
                            unit.get("function"), unit.get("superior_unit_id"))  # fmt: skip
        steps: list[RosterCommand] = [
            *(Appoint(**{**a, "since": date.fromisoformat(str(a["since"]))})
              for a in self.appointments),
            *(AssignDivision(**d) for d in self.divisions),
            *(FormABPair(**pair) for pair in self.ab_pairs),
        ]  # fmt: skip
        for step in steps:
            step.handle(uow)
        return roster
