"""Roster: offices and who holds them over time (P1), units, divisions (分管), AB pairs (P3).

One Roster per government. Guards that depend on who holds which office read it as of the
act's time; tenure is kept for life (a relieval closes a tenure, it never deletes it).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from domain.base import (
    CLEARANCE_ORDER,
    LEADER_OFFICES,
    Act,
    Actor,
    GovAggregate,
    Post,
    clearance_covers,
)
from domain.rules import forbid, refuse

ROSTER_ID = uuid.uuid5(uuid.NAMESPACE_URL, "govrules:roster")

OFFICES = (
    "mayor",
    "executive_vice_mayor",
    "vice_mayor",
    "secretary_general",
    "deputy_secretary_general",
    "office_director",
    "unit_head",
    "legal_reviewer",  # a unit's legal office (法制机构): legality review of its documents (G2)
    "investigator",
    "system_admin",
)
UNIT_KINDS = (
    "government",
    "department",
    "county",
    "county_department",
    "coordination_body",
    "department_managed_body",
    "external",
)
UNIT_FUNCTIONS = ("government_office", "justice_bureau")
CLEARANCES = CLEARANCE_ORDER
# Offices one person at a time holds (per unit where the office belongs to a unit).
SINGLE_HOLDER = ("mayor", "executive_vice_mayor", "secretary_general", "unit_head")
VICE_MAYORS = ("vice_mayor", "executive_vice_mayor")
# D12: who grants clearances (ClearanceGranted): the secretary-general, head of the office.
CLEARANCE_GRANTORS = ("secretary_general",)


class InvalidReference(ValueError):
    """A command names a unit or person the roster does not know (422)."""


@dataclass
class Tenure:
    person_id: str
    office: str
    unit_id: str | None
    since: date
    until: date | None = None

    def active_on(self, day: date) -> bool:
        return self.since <= day and (self.until is None or day < self.until)


class Roster(GovAggregate):
    """市政府组成人员名册: the government's offices, units and who holds what when."""

    TOPIC = "govrules:Roster"
    COLLECTION = "roster"

    class Event(GovAggregate.Event):
        pass

    class Created(Event, GovAggregate.Created):
        TOPIC = "govrules:RosterStarted"
        government: str

        def apply(self, roster: Roster) -> None:
            roster.government = self.government
            roster.units = {}
            roster.people = {}
            roster.tenures = []
            roster.divisions = {}
            roster.ab_pairs = []

    class UnitAdded(Event):
        TOPIC = "govrules:UnitAdded"
        unit_id: str
        name: str
        kind: str
        function: str | None
        superior_unit_id: str | None

        def apply(self, roster: Roster) -> None:
            roster.units[self.unit_id] = {
                "unit_id": self.unit_id,
                "name": self.name,
                "kind": self.kind,
                "function": self.function,
                "superior_unit_id": self.superior_unit_id,
            }

    class OfficeHolderAppointed(Event):
        TOPIC = "govrules:OfficeHolderAppointed"
        person_id: str
        name: str
        office: str
        unit_id: str | None
        since: date
        decided_by: str | None
        clearance: str

        def apply(self, roster: Roster) -> None:
            roster.people[self.person_id] = {"name": self.name, "clearance": self.clearance}
            roster.tenures.append(Tenure(self.person_id, self.office, self.unit_id, self.since))

    class ClearanceGranted(Event):
        """D12: a person's clearance set by its own recorded act (raised or lowered)."""

        TOPIC = "govrules:ClearanceGranted"
        person_id: str
        clearance: str
        reason: str

        def apply(self, roster: Roster) -> None:
            roster.people[self.person_id] = {**roster.people[self.person_id],
                                             "clearance": self.clearance}  # fmt: skip

    class OfficeHolderRelieved(Event):
        TOPIC = "govrules:OfficeHolderRelieved"
        person_id: str
        office: str
        on: date

        def apply(self, roster: Roster) -> None:
            for tenure in roster.tenures:
                if (
                    tenure.person_id == self.person_id
                    and tenure.office == self.office
                    and tenure.until is None
                ):
                    tenure.until = self.on

    class DivisionAssigned(Event):
        TOPIC = "govrules:DivisionAssigned"
        vice_mayor_id: str
        unit_ids: list[str]

        def apply(self, roster: Roster) -> None:
            # A unit is in one vice-mayor's division at a time: moving it takes it from the other.
            for other, units in roster.divisions.items():
                if other != self.vice_mayor_id:
                    roster.divisions[other] = [u for u in units if u not in self.unit_ids]
            roster.divisions[self.vice_mayor_id] = list(self.unit_ids)

    class ABPairFormed(Event):
        TOPIC = "govrules:ABPairFormed"
        a: str
        b: str

        def apply(self, roster: Roster) -> None:
            roster.ab_pairs.append((self.a, self.b))

    if TYPE_CHECKING:  # state set by the events; annotated for mypy only
        government: str
        units: dict[str, dict[str, Any]]
        people: dict[str, dict[str, str]]
        tenures: list[Tenure]
        divisions: dict[str, list[str]]
        ab_pairs: list[tuple[str, str]]

    # ----- queries -------------------------------------------------------------------------

    def posts_of(self, person_id: str, on: date) -> tuple[Post, ...]:
        return tuple(
            Post(t.office, t.unit_id)
            for t in self.tenures
            if t.person_id == person_id and t.active_on(on)
        )

    def actor(self, person_id: str, on: date) -> Actor | None:
        """The person with the offices they hold on ``on``; None if they hold none (P1)."""
        person = self.people.get(person_id)
        posts = self.posts_of(person_id, on)
        if person is None or not posts:
            return None
        return Actor(person_id, person["name"], posts, person["clearance"])

    def holders(self, office: str, on: date, unit_id: str | None = None) -> list[str]:
        return [
            t.person_id
            for t in self.tenures
            if t.office == office and t.active_on(on) and (unit_id is None or t.unit_id == unit_id)
        ]

    def holder(self, office: str, on: date, unit_id: str | None = None) -> str | None:
        found = self.holders(office, on, unit_id)
        return found[0] if found else None

    def unit(self, unit_id: str) -> dict[str, Any]:
        try:
            return self.units[unit_id]
        except KeyError:
            raise InvalidReference(f"unknown unit {unit_id!r}") from None

    def government_unit_id(self) -> str | None:
        for unit in self.units.values():
            if unit["kind"] == "government":
                return str(unit["unit_id"])
        return None

    def vice_mayor_in_charge(self, unit_id: str) -> str | None:
        """分管副市长: whose division of work holds the unit."""
        for vice_mayor_id, units in self.divisions.items():
            if unit_id in units:
                return vice_mayor_id
        return None

    def ab_partner(self, person_id: str) -> str | None:
        for a, b in self.ab_pairs:
            if person_id == a:
                return b
            if person_id == b:
                return a
        return None

    def leaders(self, on: date) -> list[str]:
        """The city leaders in office on ``on`` (S4), by person id."""
        return sorted(
            {t.person_id for t in self.tenures if t.office in LEADER_OFFICES and t.active_on(on)}
        )

    def is_leader(self, person_id: str, on: date) -> bool:
        return any(p.office in LEADER_OFFICES for p in self.posts_of(person_id, on))

    def snapshot(self, on: date) -> dict[str, Any]:
        """The roster as it stands on ``on``: units, current holders, divisions, AB pairs."""
        return {
            "government": self.government,
            "on": on.isoformat(),
            "units": sorted(self.units.values(), key=lambda u: u["unit_id"]),
            "office_holders": [
                {
                    "person_id": t.person_id,
                    "name": self.people[t.person_id]["name"],
                    "office": t.office,
                    "unit_id": t.unit_id,
                    "since": t.since.isoformat(),
                    "clearance": self.people[t.person_id]["clearance"],
                }
                for t in self.tenures
                if t.active_on(on)
            ],
            "divisions": [
                {"vice_mayor_id": vm, "unit_ids": units}
                for vm, units in sorted(self.divisions.items())
                if units
            ],
            "ab_pairs": [{"a": a, "b": b} for a, b in self.ab_pairs],
        }

    def tenure_history(self) -> list[dict[str, Any]]:
        """P1: who held what when, for life."""
        return [
            {
                "person_id": t.person_id,
                "office": t.office,
                "unit_id": t.unit_id,
                "since": t.since.isoformat(),
                "until": t.until.isoformat() if t.until else None,
            }
            for t in self.tenures
        ]

    # ----- commands ------------------------------------------------------------------------

    @classmethod
    def begin(cls, act: Act, government: str) -> Roster:
        roster: Roster = cls.start(
            cls.Created, act, id=ROSTER_ID, rules=("P1",), post=None, government=government
        )
        return roster

    def _admin(self, act: Act) -> Post | None:
        """Only the system administrator records roster changes (api.md: roster only)."""
        if act.actor.person_id == "system":
            return None
        post = act.actor.holds("system_admin")
        if post is None:
            raise forbid("P1", "only the system administrator records changes to the roster")
        return post

    def add_unit(
        self,
        act: Act,
        unit_id: str,
        name: str,
        kind: str,
        function: str | None = None,
        superior_unit_id: str | None = None,
    ) -> None:
        post = self._admin(act)
        if unit_id in self.units:
            raise refuse("P1", f"unit {unit_id!r} already exists")
        if kind not in UNIT_KINDS:
            raise InvalidReference(f"unknown unit kind {kind!r}")
        if function is not None and function not in UNIT_FUNCTIONS:
            raise InvalidReference(f"unknown unit function {function!r}")
        if superior_unit_id is not None:
            self.unit(superior_unit_id)
        self.record(
            self.UnitAdded,
            act,
            rules=("P1",),
            post=post,
            unit_id=unit_id,
            name=name,
            kind=kind,
            function=function,
            superior_unit_id=superior_unit_id,
        )

    def appoint(
        self,
        act: Act,
        person_id: str,
        name: str,
        office: str,
        since: date,
        unit_id: str | None = None,
        decided_by: str | None = None,
        clearance: str | None = None,
    ) -> None:
        """P1: a person takes an office from ``since``; one holder at a time where the office
        has one holder (the mayor, the executive vice-mayor, the secretary-general, a unit's head).
        """
        post = self._admin(act)
        if office not in OFFICES:
            raise InvalidReference(f"unknown office {office!r}")
        if clearance is not None and clearance not in CLEARANCES:
            raise InvalidReference(f"unknown clearance {clearance!r}")
        if post is not None:  # a person records it, not the bootstrap
            _no_self_appointment(act, person_id, clearance)
        if unit_id is not None:
            self.unit(unit_id)
        if office == "unit_head" and unit_id is None:
            raise InvalidReference("a unit head's appointment names the unit")
        self._check_one_holder(person_id, office, since, unit_id)
        if clearance is None:
            known = self.people.get(person_id)
            clearance = known["clearance"] if known else None
        if clearance is None:
            clearance = "top_secret" if office in LEADER_OFFICES else "none"
        self.record(
            self.OfficeHolderAppointed,
            act,
            rules=("P1",),
            post=post,
            person_id=person_id,
            name=name,
            office=office,
            unit_id=unit_id,
            since=since,
            decided_by=decided_by,
            clearance=clearance,
        )

    def grant_clearance(self, act: Act, person_id: str, clearance: str, reason: str) -> None:
        """D12 (art. 82, 保密): a clearance changes by its own recorded act, granted by the
        secretary-general, who heads the office whose work secrecy is; never to themself and
        never above the grantor's own clearance."""
        post = act.actor.holds(*CLEARANCE_GRANTORS)
        if post is None:
            raise forbid("D12", "clearances are granted by the secretary-general")
        if person_id == act.actor.person_id:
            raise forbid("D12", "nobody changes their own clearance")
        if clearance not in CLEARANCES:
            raise InvalidReference(f"unknown clearance {clearance!r}")
        if person_id not in self.people:
            raise InvalidReference(f"unknown person {person_id!r}")
        if not clearance_covers(act.actor.clearance, clearance):
            raise forbid("D12", f"{act.actor.person_id} is not cleared for {clearance}")
        self.record(self.ClearanceGranted, act, rules=("D12",), post=post,
                    person_id=person_id, clearance=clearance, reason=reason)  # fmt: skip

    def _check_one_holder(
        self, person_id: str, office: str, since: date, unit_id: str | None
    ) -> None:
        """P1: nobody holds an office twice; a single-holder office's new tenure [since, ∞)
        may not overlap another's, even one relieved as of a later date."""
        if any(
            t.person_id == person_id and t.office == office and t.until is None
            for t in self.tenures
        ):
            raise refuse("P1", f"{person_id} already holds the office {office}")
        if office not in SINGLE_HOLDER:
            return
        overlapping = [
            t
            for t in self.tenures
            if t.office == office
            and (office != "unit_head" or t.unit_id == unit_id)
            and (t.until is None or t.until > since)
        ]
        if overlapping:
            held = overlapping[0]
            until = f"until {held.until}" if held.until else "with no end yet"
            raise refuse(
                "P1", f"{held.person_id} holds the office {office} {until}; one holder at a time"
            )

    def relieve(self, act: Act, person_id: str, office: str, on: date) -> None:
        """P1: the tenure closes on ``on``; the history of who held what stays for life."""
        post = self._admin(act)
        open_tenures = [
            t
            for t in self.tenures
            if t.person_id == person_id and t.office == office and t.until is None
        ]
        if not open_tenures:
            raise refuse("P1", f"{person_id} does not hold the office {office}")
        if on < open_tenures[0].since:
            raise refuse("P1", f"relieved on {on} before the tenure began")
        self.record(
            self.OfficeHolderRelieved,
            act,
            rules=("P1",),
            post=post,
            person_id=person_id,
            office=office,
            on=on,
        )

    def assign_division(self, act: Act, vice_mayor_id: str, unit_ids: list[str]) -> None:
        """分管: the units a vice-mayor is in charge of (used by D9 and L5)."""
        post = self._admin(act)
        if not any(
            t.person_id == vice_mayor_id and t.office in VICE_MAYORS and t.until is None
            for t in self.tenures
        ):
            raise refuse("P1", f"{vice_mayor_id} is not a vice-mayor")
        for unit_id in unit_ids:
            self.unit(unit_id)
        self.record(
            self.DivisionAssigned,
            act,
            rules=("P1",),
            post=post,
            vice_mayor_id=vice_mayor_id,
            unit_ids=list(dict.fromkeys(unit_ids)),
        )

    def pair(self, act: Act, a: str, b: str) -> None:
        """P3: two vice-mayors become each other's AB partner."""
        post = self._admin(act)
        if a == b:
            raise refuse("P3", "an AB pair needs two people")
        for person_id in (a, b):
            if not any(
                t.person_id == person_id and t.office in VICE_MAYORS and t.until is None
                for t in self.tenures
            ):
                raise refuse("P3", f"{person_id} is not a vice-mayor")
            if self.ab_partner(person_id) is not None:
                raise refuse("P3", f"{person_id} already has an AB partner")
        self.record(self.ABPairFormed, act, rules=("P3",), post=post, a=a, b=b)


def _no_self_appointment(act: Act, person_id: str, clearance: str | None) -> None:
    """P1: nobody appoints themself; D12: an appointment clears nobody above 'none' — a
    clearance is its own act (``grant_clearance``). A leader's office still brings its own."""
    if person_id == act.actor.person_id:
        raise forbid("P1", "nobody appoints themself to an office")
    if clearance not in (None, "none"):
        raise forbid("D12", "a clearance is granted by the secretary-general (ClearanceGranted)")
