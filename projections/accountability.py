"""The investigator's reads (A1, A2, D12): a decision's lifetime trace, a person's acts, the
global log, the digest, Merkle proofs and the exported bundle.

A trace is read from the accountability read model (which resources a decision caused, who
took part in each act, tenures for life) and from the log itself (each event as stored, with
its chain link and leaf index), all in one snapshot and never past the position the model
reflects, so an answer is consistent and every entry can be checked against the log.

D12: an event of a classified document is shown to a reader without the clearance as existing
— position, type, time, actor, hash — never with its payload or title.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg.sql import SQL

from domain.accountability import offices_on, people_named, roles_of
from domain.application import plain_state
from domain.base import clearance_covers
from domain.clock import SHANGHAI
from domain.decisions import Decision
from domain.documents import OfficialDocument
from domain.meetings import Meeting
from projections import evidence, merkle
from projections.engine import Decode, Tables
from projections.evidence import EvidenceTables

TOPIC_PREFIX = "govrules:"
DOCUMENT_TOPICS = frozenset(
    getattr(v, "TOPIC", "")
    for v in vars(OfficialDocument).values()
    if isinstance(v, type) and issubclass(v, OfficialDocument.Event)
)


def shanghai(value: str | datetime | None) -> str | None:
    """A stored instant as users read it: RFC 3339 in Asia/Shanghai (+08:00)."""
    if value is None:
        return None
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(SHANGHAI).isoformat()


def log_entry(
    row: dict[str, Any], readable: bool = True, decode: Decode = plain_state
) -> dict[str, Any]:
    """One stored event with its metadata (api.md "Every resource" /history), its chain link,
    its leaf index in the Merkle tree; without its payload where the reader is not cleared."""
    state = decode(row["topic"], row["state"])
    meta = state.pop("meta", {})
    recorded_at = state.pop("timestamp")
    state.pop("originator_topic", None)
    topic = row["topic"]
    entry = {
        "position": row["notification_id"],
        "originator_id": str(row["originator_id"]),
        "version": row["originator_version"],
        "type": topic.removeprefix(TOPIC_PREFIX),
        "topic": topic,
        "recorded_at": shanghai(recorded_at),
        "actor_id": meta.get("actor_id"),
        "actor_office": meta.get("actor_office"),
        "actor_unit_id": meta.get("actor_unit_id"),
        "acting_for": meta.get("acting_for"),
        "rules": meta.get("rules", []),
        "correlation_id": meta.get("correlation_id"),
        "causation_id": meta.get("causation_id"),
        "payload": state if readable else None,
        "hash": bytes(row["hash"]).hex() if row.get("hash") is not None else None,
        "leaf_index": row.get("idx"),
    }
    if not readable:
        entry["redacted"] = True
    return entry


# ----- the global log ---------------------------------------------------------------------------


def log_page(
    conn: psycopg.Connection[Any], ev: EvidenceTables, after: int, limit: int, clearance: str
) -> list[dict[str, Any]]:
    """The log after ``after``, in order (GET /events and its stream)."""
    with conn.cursor(row_factory=dict_row) as cur:
        rows = cur.execute(
            SQL(
                "SELECT e.notification_id, e.originator_id::text AS originator_id, "
                "e.originator_version, e.topic, e.state, h.hash, h.idx FROM (SELECT * FROM {} "
                "WHERE notification_id > %s ORDER BY notification_id LIMIT %s) e "
                "LEFT JOIN LATERAL (SELECT hash, idx FROM {} WHERE position = e.notification_id) "
                "h ON true ORDER BY e.notification_id"
            ).format(ev.events, ev.hashes),
            (after, limit),
        ).fetchall()
        classified = _classified_in_log(cur, ev, rows)
    return [
        log_entry(
            r,
            clearance_covers(clearance, classified.get(str(r["originator_id"]), "none")),
            ev.decode,
        )
        for r in rows
    ]


def _classified_in_log(
    cur: psycopg.Cursor[Any], ev: EvidenceTables, rows: Sequence[dict[str, Any]]
) -> dict[str, str]:
    """The classification of each document among ``rows``, from its own first event in the
    log (never from a read model that may lag behind the log)."""
    documents = sorted({str(r["originator_id"]) for r in rows if r["topic"] in DOCUMENT_TOPICS})
    if not documents:
        return {}
    found = cur.execute(
        SQL(
            "SELECT originator_id::text AS id, topic, state FROM {} WHERE originator_id = "
            "ANY(%s::uuid[]) AND originator_version = 1"
        ).format(ev.events),
        (documents,),
    ).fetchall()
    return {r["id"]: ev.decode(r["topic"], r["state"]).get("classification", "none") for r in found}


# ----- traces -----------------------------------------------------------------------------------


class People:
    """Names, tenures and units of the people in a trace, read in one query for all its
    entries. An id that is not a person (a unit performing a procedure) has no row."""

    def __init__(self, cur: psycopg.Cursor[Any], t: Tables, candidates: Iterable[str]) -> None:
        self.names: dict[str, str] = {}
        self.tenures: dict[str, list[dict[str, Any]]] = {}
        rows = cur.execute(
            SQL(
                "SELECT p.person_id, p.name, t.office, t.unit_id, t.since, t.until, "
                "u.name AS unit_name FROM {} p LEFT JOIN {} t ON t.person_id = p.person_id "
                "LEFT JOIN {} u ON u.unit_id = t.unit_id WHERE p.person_id = ANY(%s) "
                "ORDER BY p.person_id, t.since"
            ).format(t["people"], t["tenures"], t["units"]),
            (sorted(set(candidates)),),
        ).fetchall()
        for r in rows:
            self.names[r["person_id"]] = r["name"]
            tenures = self.tenures.setdefault(r["person_id"], [])
            if r["office"] is not None:
                tenures.append(r)

    def known(self, person_id: str) -> bool:
        return person_id in self.names

    def person(self, person_id: str, day: date, roles: list[str] | None = None) -> dict[str, Any]:
        """Who, with the offices they held on ``day`` (P1), whatever they hold now."""
        tenures = self.tenures.get(person_id, [])
        names = {t["unit_id"]: t["unit_name"] for t in tenures}
        offices = [{**o, "unit_name": names.get(o["unit_id"])} for o in offices_on(tenures, day)]
        found: dict[str, Any] = {
            "person_id": person_id,
            "name": self.names.get(person_id),
            "offices": offices,
        }
        if roles is not None:
            found["roles"] = roles
        return found

    @classmethod
    def of(cls, cur: psycopg.Cursor[Any], t: Tables, entries: list[dict[str, Any]]) -> People:
        """Everyone the entries may name: actors, those they acted for, and every id a field
        that names people holds (some may be units; they find no row)."""
        candidates: set[str] = set()
        for entry in entries:
            candidates.update(_roles(entry, lambda _: True))
            if entry["acting_for"]:
                candidates.add(entry["acting_for"])
        return cls(cur, t, candidates)


def _roles(entry: dict[str, Any], known: Callable[[str], bool]) -> dict[str, list[str]]:
    payload = entry["payload"] or {}
    return roles_of(entry["actor_id"], people_named(entry["type"], payload, known))


def _enrich(entry: dict[str, Any], roles: dict[str, list[str]], people: People) -> dict[str, Any]:
    """The act with everyone in it and the office each held that day."""
    day = datetime.fromisoformat(entry["recorded_at"]).date()
    actor = entry["actor_id"]
    entry["person"] = None
    if actor and actor != "system":
        entry["person"] = {
            **people.person(actor, day),
            "office": entry["actor_office"],  # the office the act was done in (the event's)
            "unit_id": entry["actor_unit_id"],
        }
    acting_for = entry["acting_for"]
    entry["acting_for_person"] = people.person(acting_for, day) if acting_for else None
    entry["people"] = [people.person(p, day, r) for p, r in roles.items() if p != actor]
    return entry


def decision_trace(
    conn: psycopg.Connection[Any],
    t: Tables,
    ev: EvidenceTables,
    decision_id: uuid.UUID,
    upto: int,
    clearance: str,
) -> dict[str, Any] | None:
    """A1: every act on the decision and on what it caused, in log order, each with person,
    office of the time, acting-for, rules, position and hash; None if no such decision."""
    with conn.cursor(row_factory=dict_row) as cur:
        links = cur.execute(
            SQL(
                "SELECT l.aggregate_id::text AS id, l.kind, l.topic_id, s.classification FROM {} "
                "l LEFT JOIN {} s ON s.aggregate_id = l.aggregate_id WHERE l.decision_id = %s "
                "AND l.position <= %s ORDER BY l.position"
            ).format(t["links"], t["secrets"]),
            (decision_id, upto),
        ).fetchall()
        if not any(link["kind"] == "decision" for link in links):
            return None
        rows = _events_of(cur, ev, [link["id"] for link in links], upto)
        secret = {link["id"]: link["classification"] or "none" for link in links}
        topics = {(link["id"], link["topic_id"]) for link in links if link["topic_id"]}
        entries = [
            log_entry(r, clearance_covers(clearance, secret[r["originator_id"]]), ev.decode)
            for r in rows
            if _on_topic(r, topics, ev.decode)
        ]
        people = People.of(cur, t, entries)
    for entry in entries:
        _enrich(entry, _roles(entry, people.known), people)
    return _trace(decision_id, links, entries, upto)


def _events_of(
    cur: psycopg.Cursor[Any], ev: EvidenceTables, ids: Sequence[str], upto: int
) -> list[dict[str, Any]]:
    return cur.execute(
        SQL(
            # Each aggregate's events by its key, each link by its position (LATERAL, OFFSET 0
            # so the subqueries stay as written): the planner guesses hundreds of events per
            # aggregate (there are a handful) and, left to choose, scanned the whole log and
            # its chain — 110 ms at 200k events instead of a few.
            "SELECT e.notification_id, e.originator_id::text AS originator_id, "
            "e.originator_version, e.topic, e.state, h.hash, h.idx "
            "FROM unnest(%s::uuid[]) AS ids(id) CROSS JOIN LATERAL (SELECT * FROM {} "
            "WHERE originator_id = ids.id OFFSET 0) e LEFT JOIN LATERAL (SELECT hash, idx "
            "FROM {} WHERE position = e.notification_id OFFSET 0) h ON true "
            "WHERE e.notification_id <= %s ORDER BY e.notification_id"
        ).format(ev.events, ev.hashes),
        (list(ids), upto),
    ).fetchall()


def _on_topic(row: dict[str, Any], topics: set[tuple[str, str]], decode: Decode) -> bool:
    """A meeting's own events belong to every decision it took up; a topic's events only to
    the decision that topic was about."""
    if row["topic"] not in TOPIC_EVENTS:
        return True
    topic_id = decode(row["topic"], row["state"]).get("topic_id")
    return (str(row["originator_id"]), topic_id) in topics


TOPIC_EVENTS = frozenset(
    TOPIC_PREFIX + name
    for name in (Meeting.TopicProposed.NAME, Meeting.TopicSet.NAME, Meeting.TopicDecided.NAME)
)


def _secrets(cur: psycopg.Cursor[Any], t: Tables, ids: Sequence[str]) -> dict[str, str]:
    return {
        r["id"]: r["classification"]
        for r in cur.execute(
            SQL(
                "SELECT aggregate_id::text AS id, classification FROM {} "
                "WHERE aggregate_id = ANY(%s::uuid[])"
            ).format(t["secrets"]),
            (list(ids),),
        )
    }


def _trace(
    decision_id: uuid.UUID,
    links: list[dict[str, Any]],
    entries: list[dict[str, Any]],
    upto: int,
) -> dict[str, Any]:
    """The trace with what an investigator asks first: the decision, what it caused, who
    dissented and why, which procedures were waived and why."""
    first = next(e for e in entries if e["type"] == Decision.Initiated.NAME)
    payload = first["payload"] or {}
    return {
        "decision": {
            "id": str(decision_id),
            "title": payload.get("title"),
            "matter_kind": payload.get("matter_kind"),
            "major": payload.get("major"),
            "initiated_at": first["recorded_at"],
        },
        "links": [
            {"kind": link["kind"], "id": link["id"], "topic_id": link["topic_id"] or None}
            for link in links
        ],
        "dissent": [
            {
                "position": e["position"],
                "person": next((p for p in e["people"] if p["person_id"] == person), None),
                "note": (e["payload"] or {}).get("dissent_notes", {}).get(person),
            }
            for e in entries
            if e["type"] == Decision.Taken.NAME
            for person, stance in ((e["payload"] or {}).get("positions") or {}).items()
            if stance == "dissent"
        ],
        "waivers": _waivers(entries),
        "entries": entries,
        "position": upto,
    }


def _waivers(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """M10: each waiver with its reason, who recorded it and who confirmed it for the office
    (None until then; a procedure recorded again ends what the waiver awaited)."""
    waivers: list[dict[str, Any]] = []
    open_by_procedure: dict[str, dict[str, Any]] = {}
    for e in entries:
        payload = e["payload"] or {}
        procedure = str(payload.get("procedure"))
        if e["type"] == Decision.ProcedureRecorded.NAME:
            open_by_procedure.pop(procedure, None)
            if payload.get("waived_reason"):
                waiver = {"position": e["position"], "procedure": procedure,
                          "reason": payload["waived_reason"], "recorded_by": e["person"],
                          "confirmed_by": None}  # fmt: skip
                waivers.append(waiver)
                open_by_procedure[procedure] = waiver
        elif e["type"] == Decision.WaiverConfirmed.NAME and procedure in open_by_procedure:
            open_by_procedure.pop(procedure)["confirmed_by"] = e["person"]
    return waivers


def person_trace(
    conn: psycopg.Connection[Any],
    t: Tables,
    ev: EvidenceTables,
    person_id: str,
    window: tuple[datetime | None, datetime | None],
    page: tuple[int, int],
    upto: int,
    clearance: str,
) -> dict[str, Any]:
    """Every act of one person, for life (A1): as actor, or named in the act (a position in a
    vote, the person responsible …), with the office they held at the time."""
    start, end = window
    after, limit = page
    with conn.cursor(row_factory=dict_row) as cur:
        acts = cur.execute(
            SQL(
                "SELECT a.position, a.roles FROM {} c, unnest(c.positions, c.ats, c.roles) "
                "AS a(position, at, roles) WHERE c.person_id = %(person)s AND c.last > %(after)s "
                "AND c.first <= %(upto)s AND a.position > %(after)s AND a.position <= %(upto)s "
                "AND (%(start)s::timestamptz IS NULL OR a.at::timestamptz >= %(start)s) "
                "AND (%(end)s::timestamptz IS NULL OR a.at::timestamptz < %(end)s) "
                "ORDER BY a.position LIMIT %(n)s"
            ).format(t["acts"]),
            {"person": person_id, "after": after, "upto": upto, "start": start, "end": end,
             "n": limit + 1},
        ).fetchall()  # fmt: skip
        more = len(acts) > limit
        acts = acts[:limit]
        rows = _events_at(cur, ev, [a["position"] for a in acts])
        secret = _secrets(cur, t, sorted({r["originator_id"] for r in rows}))
        entries = [
            log_entry(
                r, clearance_covers(clearance, secret.get(r["originator_id"], "none")), ev.decode
            )
            for r in rows
        ]
        people = People.of(cur, t, [*entries, _as_named(person_id)])
    roles = {a["position"]: a["roles"].split("+") for a in acts}
    for entry in entries:
        _enrich(entry, _roles(entry, people.known), people)
        entry["roles"] = roles.get(entry["position"], [])
    return {
        "person": {
            "person_id": person_id,
            "name": people.names.get(person_id),
            "tenures": people.tenures.get(person_id, []),
        },
        "acts": entries,
        "next_after": entries[-1]["position"] if more and entries else None,
        "position": upto,
    }


def _as_named(person_id: str) -> dict[str, Any]:
    """A stand-in entry that names only ``person_id``, so People reads them too."""
    return {"type": "", "payload": None, "actor_id": person_id, "acting_for": None}


def _events_at(
    cur: psycopg.Cursor[Any], ev: EvidenceTables, positions: Sequence[int]
) -> list[dict[str, Any]]:
    return cur.execute(
        SQL(
            "SELECT e.notification_id, e.originator_id::text AS originator_id, "
            "e.originator_version, e.topic, e.state, h.hash, h.idx "
            "FROM unnest(%s::bigint[]) AS p(position) CROSS JOIN LATERAL (SELECT * FROM {} "
            "WHERE notification_id = p.position) e LEFT JOIN LATERAL (SELECT hash, idx FROM {} "
            "WHERE position = e.notification_id) h ON true ORDER BY e.notification_id"
        ).format(ev.events, ev.hashes),
        (list(positions),),
    ).fetchall()


# ----- digest, proofs, bundle -------------------------------------------------------------------


def digest(conn: psycopg.Connection[Any], ev: EvidenceTables) -> dict[str, Any]:
    """The head an investigator keeps: the chain's last link and the tree head, one log."""
    with evidence.snapshot(conn) as cur:
        head = evidence.read_head(cur, ev)
        row = cur.execute(
            SQL("SELECT topic, state FROM {} WHERE notification_id = %s").format(ev.events),
            (head.position,),
        ).fetchone()
    recorded_at = ev.decode(row[0], row[1]).get("timestamp") if row else None
    return {
        "position": head.position,
        "hash": head.chain.hex() if head.size else None,
        "recorded_at": shanghai(recorded_at),
        "tree": {"size": head.size, "root": head.root.hex()},
        "kept_as": f"{head.position}:{head.chain.hex()}" if head.size else None,
    }


def inclusion(
    conn: psycopg.Connection[Any], ev: EvidenceTables, position: int, size: int | None
) -> dict[str, Any]:
    """RFC 9162 inclusion proof of the event at ``position`` in the tree of ``size`` events."""
    with evidence.snapshot(conn) as cur:
        head = evidence.read_head(cur, ev)
        found = evidence.leaf_index(cur, ev, position)
        if found is None:
            raise LookupError(f"no event at position {position}")
        index, leaf = found
        size = head.size if size is None else size
        if not index < size <= head.size:
            raise ValueError(f"the event is leaf {index}; size must be in {index + 1}..{head.size}")
        path, root = evidence.nodes_for(
            cur, ev, lambda get: (merkle.inclusion_path(index, size, get), merkle.root(size, get))
        )
    return {
        "position": position,
        "leaf_index": index,
        "leaf_hash": leaf.hex(),
        "tree_size": size,
        "root": root.hex(),
        "audit_path": [h.hex() for h in path],
    }


def consistency(
    conn: psycopg.Connection[Any], ev: EvidenceTables, first: int, second: int | None
) -> dict[str, Any]:
    """RFC 9162 consistency proof: the log of ``second`` events extends the log of ``first``."""
    with evidence.snapshot(conn) as cur:
        head = evidence.read_head(cur, ev)
        second = head.size if second is None else second
        if not 0 < first <= second <= head.size:
            raise ValueError(f"sizes must satisfy 0 < first <= second <= {head.size}")
        path, first_root, second_root = evidence.nodes_for(
            cur,
            ev,
            lambda get: (
                merkle.consistency_path(first, second, get),
                merkle.root(first, get),
                merkle.root(second, get),
            ),
        )
    return {
        "first": first,
        "second": second,
        "first_root": first_root.hex(),
        "second_root": second_root.hex(),
        "consistency_path": [h.hex() for h in path],
    }


BUNDLE_FORMAT = "govrules-accountability-bundle/1"


def bundle(
    cur: psycopg.Cursor[Any], ev: EvidenceTables, trace: dict[str, Any], kept_size: int | None
) -> dict[str, Any]:
    """A file to keep: the trace, each of its events as stored (the bytes the chain and the
    tree commit to), its chain link with the link before it, and an inclusion proof against
    the bundle's tree head; a consistency proof from a head kept earlier when one is named.
    Redacted entries carry their leaf hash only: nothing of another event's content."""
    positions = [e["position"] for e in trace["entries"]]
    head = evidence.read_head(cur, ev)
    stored = {
        r[0]: r
        for r in cur.execute(
            SQL(
                "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
                "e.state, h.hash, h.idx, h.leaf, p.hash FROM {} e JOIN {} h ON h.position "
                "= e.notification_id LEFT JOIN {} p ON p.idx = h.idx - 1 "
                "WHERE e.notification_id = ANY(%s)"
            ).format(ev.events, ev.hashes, ev.hashes),
            (positions,),
        ).fetchall()
    }
    indexes = [int(stored[p][6]) for p in positions]
    if kept_size is not None and not 0 < kept_size <= head.size:
        raise ValueError(f"kept_size must be in 1..{head.size}")

    def proofs(get: merkle.NodeSource) -> tuple[list[list[bytes]], bytes, list[bytes]]:
        paths = [merkle.inclusion_path(i, head.size, get) for i in indexes]
        tail = merkle.consistency_path(kept_size, head.size, get) if kept_size else []
        return paths, merkle.root(head.size, get), tail

    paths, root, tail = evidence.nodes_for(cur, ev, proofs)
    events = [
        _bundled(entry, stored[entry["position"]], path)
        for entry, path in zip(trace["entries"], paths, strict=True)
    ]
    return {
        "format": BUNDLE_FORMAT,
        "trace": trace,
        "tree_head": {"size": head.size, "root": root.hex(), "position": head.position},
        "events": events,
        "consistency": (
            {"first": kept_size, "second": head.size, "path": [h.hex() for h in tail]}
            if kept_size
            else None
        ),
    }


def _bundled(entry: dict[str, Any], row: Sequence[Any], path: list[bytes]) -> dict[str, Any]:
    position, originator, version, topic, state, link, idx, leaf, previous = row
    item: dict[str, Any] = {
        "position": position,
        "leaf_index": int(idx),
        "leaf_hash": bytes(leaf).hex(),
        "chain": {
            "previous": bytes(previous).hex() if previous is not None else "",
            "hash": bytes(link).hex(),
        },
        "audit_path": [h.hex() for h in path],
    }
    if entry.get("redacted"):
        item["redacted"] = True
        return item
    item["stored"] = {
        "originator_id": str(originator),
        "originator_version": int(version),
        "topic": topic,
        "state_b64": base64.b64encode(bytes(state)).decode(),
    }
    return item
