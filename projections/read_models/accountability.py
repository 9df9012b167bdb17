"""The accountability read model (A1): what each decision caused, and every act of every person.

- ``links``: a decision and each resource linked to it — itself, the meeting (and topic) that
  took it up, the documents and regulations that carry it out, the supervision items whose
  source is the decision or one of those documents. A decision's trace is every event of those
  resources (a meeting's own events, and those of the decision's topic), read from the log.
- ``acts``: for every event, each person it involves — its actor and the people its payload
  names (positions, responsible persons, proposers …) — with their roles: a person's trace.
- ``people``, ``tenures``, ``units``: the roster's names and tenures for life, so every person
  shows with the office they held at the moment of the act (P1), long after they left it.
- ``secrets``: classified documents (D12): their events show to the uncleared as existing,
  never with their content.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL, Composable

from domain.accountability import LISTED, NAMED, POSITIONS, people_named, roles_of
from domain.decisions import Decision
from domain.documents import OfficialDocument
from domain.meetings import Meeting
from domain.regulations import Regulation
from domain.roster import Roster
from domain.supervision import SupervisionItem
from projections.engine import Event, ReadModel, Tables, insert_rows

LINK_COLUMNS = ("decision_id", "aggregate_id", "kind", "topic_id", "position")
NAMING = frozenset((*NAMED, *LISTED, *POSITIONS))  # event types that name people
# Event types that link a resource to a decision (read by _linked).
LINKING = frozenset(
    cls.NAME
    for cls in (Decision.Initiated, Meeting.TopicProposed, OfficialDocument.Drafted,
                Regulation.Adopted, SupervisionItem.Registered)
)  # fmt: skip


class Accountability(ReadModel):
    name: ClassVar[str] = "accountability"
    tables: ClassVar[dict[str, str]] = {
        "links": "decision_id uuid NOT NULL, aggregate_id uuid NOT NULL, kind text NOT NULL, "
        "topic_id text NOT NULL DEFAULT '', position bigint NOT NULL, "
        "PRIMARY KEY (decision_id, aggregate_id, topic_id)",
        # One row per person and batch: the positions of their acts in it, each act's time
        # (as stored, RFC 3339) and roles ("actor+voted_dissent"). A rebuild writes
        # a few dozen rows per batch of 20,000 events instead of one per act.
        "acts": "person_id text NOT NULL, first bigint NOT NULL, last bigint NOT NULL, "
        "positions bigint[] NOT NULL, ats text[] NOT NULL, roles text[] NOT NULL, "
        "PRIMARY KEY (person_id, first)",
        "people": "person_id text PRIMARY KEY, name text NOT NULL",
        "tenures": "person_id text NOT NULL, office text NOT NULL, unit_id text, since date "
        "NOT NULL, until date, PRIMARY KEY (person_id, office, since)",
        "units": "unit_id text PRIMARY KEY, name text NOT NULL",
        "secrets": "aggregate_id uuid PRIMARY KEY, classification text NOT NULL",
    }
    # Links are found by the resource too (what decisions a document carries out).
    indexes: ClassVar[tuple[tuple[str, str], ...]] = (
        ("links", "(aggregate_id)"),
        ("acts", "(person_id, last)"),
    )
    types: ClassVar[tuple[str, ...]] = ()  # every event has an actor

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        units = self._unit_ids(cur, t)
        roster = [e for e in events if e.type in ROSTER_EVENTS]
        for e in roster:
            ROSTER_EVENTS[e.type](cur, t, e)
            if e.type == Roster.UnitAdded.NAME:
                units.add(e.state["unit_id"])

        def known(value: str) -> bool:
            return value not in units

        acts: dict[str, tuple[list[str], list[str], list[str]]] = {}
        for e in events:
            s = e.state
            actor = s["meta"].get("actor_id")
            at = s["timestamp"]  # RFC 3339 as stored: no comma, brace or space to quote
            if e.type in NAMING:
                for person, roles in roles_of(actor, people_named(e.type, s, known)).items():
                    _act(acts, person, str(e.position), at, "+".join(roles))
            elif actor and actor != "system":  # most events name no one but their actor
                _act(acts, actor, str(e.position), at, "actor")
        _write_acts(cur, t, acts)
        insert_rows(cur, t["links"], LINK_COLUMNS, self._links(cur, t, events), LINKS_CONFLICT)
        secrets = [
            {"aggregate_id": e.originator_id, "classification": e.state["classification"]}
            for e in events
            if e.type == OfficialDocument.Drafted.NAME
            and e.state.get("classification", "none") != "none"
        ]
        insert_rows(cur, t["secrets"], ("aggregate_id", "classification"), secrets)

    def rows(self, t: Tables, logical: str) -> Composable:
        if logical != "acts":
            return super().rows(t, logical)
        return SQL(
            "SELECT c.person_id, a.position, a.at, a.roles FROM {} c, "
            "unnest(c.positions, c.ats, c.roles) AS a(position, at, roles)"
        ).format(t["acts"])

    @staticmethod
    def _unit_ids(cur: psycopg.Cursor[Any], t: Tables) -> set[str]:
        return {r["unit_id"] for r in cur.execute(SQL("SELECT unit_id FROM {}").format(t["units"]))}

    def _links(
        self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]
    ) -> list[dict[str, Any]]:
        """The links the batch makes; a supervision item that follows a document follows the
        decisions that document carries out (from this batch or an earlier one)."""
        links: list[dict[str, Any]] = []
        carried: dict[str, list[str]] = {}  # document → decisions, within this batch
        for e in events:
            if e.type not in LINKING:
                continue
            s = e.state
            for decision_id, kind, topic_id in _linked(e):
                links.append(_link(decision_id, e.originator_id, kind, topic_id, e.position))
                if kind == "document":
                    carried.setdefault(e.originator_id, []).append(decision_id)
            source = s.get("source") or {}
            if e.type == SupervisionItem.Registered.NAME and source.get("kind") == "document":
                ref = _uuid(source.get("ref"))
                decisions = (carried.get(ref) or _decisions_of(cur, t, ref)) if ref else []
                links.extend(
                    _link(d, e.originator_id, "supervision_item", "", e.position) for d in decisions
                )
        return links


def _act(
    acts: dict[str, tuple[list[str], list[str], list[str]]],
    person: str,
    position: str,
    at: str,
    roles: str,
) -> None:
    found = acts.get(person)
    if found is None:
        found = acts[person] = ([], [], [])
    found[0].append(position)
    found[1].append(at)
    found[2].append(roles)


def _write_acts(
    cur: psycopg.Cursor[Any], t: Tables, acts: dict[str, tuple[list[str], list[str], list[str]]]
) -> None:
    """Each person's acts of the batch as one row, with COPY; the arrays go as PostgreSQL's
    own array text (the values are digits and role names: nothing to quote)."""
    if not acts:
        return
    with cur.copy(
        SQL("COPY {} (person_id, first, last, positions, ats, roles) FROM STDIN").format(t["acts"])
    ) as copy:
        for person, (positions, ats, roles) in acts.items():
            copy.write_row(
                (person, positions[0], positions[-1], "{" + ",".join(positions) + "}",
                 "{" + ",".join(ats) + "}", "{" + ",".join(roles) + "}")
            )  # fmt: skip


LINKS_CONFLICT = "ON CONFLICT (decision_id, aggregate_id, topic_id) DO NOTHING"


def _link(
    decision_id: str, aggregate_id: str, kind: str, topic_id: str, position: int
) -> dict[str, Any]:
    return {"decision_id": decision_id, "aggregate_id": aggregate_id, "kind": kind,
            "topic_id": topic_id, "position": position}  # fmt: skip


def _linked(e: Event) -> list[tuple[str, str, str]]:
    """(decision, kind, topic) for each decision this event links its own resource to."""
    s = e.state
    source = s.get("source") or {}
    if e.type == Decision.Initiated.NAME:
        return [(e.originator_id, "decision", "")]
    if e.type == Meeting.TopicProposed.NAME:
        found = [(_uuid(s.get("decision_id")), "meeting", s["topic_id"])]
    elif e.type in (OfficialDocument.Drafted.NAME, Regulation.Adopted.NAME):
        kind = "document" if e.type == OfficialDocument.Drafted.NAME else "regulation"
        found = [(_uuid(s.get("decision_id")), kind, "")]
    elif e.type == SupervisionItem.Registered.NAME and source.get("kind") == "decision":
        found = [(_uuid(source.get("ref")), "supervision_item", "")]
    else:
        return []
    return [(d, kind, topic) for d, kind, topic in found if d is not None]


def _uuid(value: object) -> str | None:
    """A resource id, or None for what is not one (references were free text before they were
    checked; such a reference links nothing)."""
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


def _decisions_of(cur: psycopg.Cursor[Any], t: Tables, document_id: str) -> list[str]:
    if _uuid(document_id) is None:
        return []
    rows = cur.execute(
        SQL(
            "SELECT decision_id::text AS d FROM {} WHERE aggregate_id = %s::uuid "
            "AND kind = 'document'"
        ).format(t["links"]),
        (document_id,),
    ).fetchall()
    return [r["d"] for r in rows]


def _appointed(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
    s = e.state
    cur.execute(
        SQL(
            "INSERT INTO {} (person_id, name) VALUES (%s, %s) ON CONFLICT (person_id) DO UPDATE "
            "SET name = EXCLUDED.name"
        ).format(t["people"]),
        (s["person_id"], s["name"]),
    )
    cur.execute(
        SQL(
            "INSERT INTO {} (person_id, office, unit_id, since) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (person_id, office, since) DO NOTHING"
        ).format(t["tenures"]),
        (s["person_id"], s["office"], s.get("unit_id"), s["since"]),
    )


def _relieved(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
    s = e.state
    cur.execute(
        SQL(
            "UPDATE {} SET until = %s WHERE person_id = %s AND office = %s AND until IS NULL"
        ).format(t["tenures"]),
        (s["on"], s["person_id"], s["office"]),
    )


def _unit(cur: psycopg.Cursor[Any], t: Tables, e: Event) -> None:
    cur.execute(
        SQL(
            "INSERT INTO {} (unit_id, name) VALUES (%s, %s) ON CONFLICT (unit_id) DO UPDATE "
            "SET name = EXCLUDED.name"
        ).format(t["units"]),
        (e.state["unit_id"], e.state["name"]),
    )


ROSTER_EVENTS = {
    Roster.OfficeHolderAppointed.NAME: _appointed,
    Roster.OfficeHolderRelieved.NAME: _relieved,
    Roster.UnitAdded.NAME: _unit,
}
