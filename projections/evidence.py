"""Tamper evidence beside the event log (design.md): a SHA-256 hash chain and a Merkle tree
(RFC 9162) over the events in position order, both extended in the transaction that inserts the
events, under the library's insert lock, so they follow the global order exactly once.

Tables (``E`` is the events table):
- ``E_hashes``: per event, its chain link ``hash``, its leaf index ``idx`` (0, 1, 2 … in
  position order; positions have gaps, leaf indexes do not) and its ``leaf`` hash;
- ``E_tree_nodes``: every perfect subtree of two or more leaves, ``(level, idx)``;
- ``E_tree_head``: one row, the log's head: size, last position, last chain link and the
  tree's frontier (the roots of its perfect subtrees), so a write reads one row to extend both.

A log written before the tree existed gets its leaves, nodes and head computed once, when the
store starts (``start_tree``); its chain links are kept as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.rows import tuple_row
from psycopg.sql import SQL, Composable, Composed, Identifier

from domain.application import plain_state
from projections import merkle

BACKFILL_BATCH = 5000


@dataclass(frozen=True)
class EvidenceTables:
    schema: str
    events_table: str
    # Stored bytes → today's payload: the application mapper's (cipher, compressor, upcasters).
    decode: Callable[[str, bytes], dict[str, Any]] = field(default=plain_state, compare=False)

    def _t(self, suffix: str) -> Composable:
        return SQL("{}.{}").format(Identifier(self.schema), Identifier(self.events_table + suffix))

    @property
    def events(self) -> Composable:
        return self._t("")

    @property
    def hashes(self) -> Composable:
        return self._t("_hashes")

    @property
    def nodes(self) -> Composable:
        return self._t("_tree_nodes")

    @property
    def head(self) -> Composable:
        return self._t("_tree_head")

    def create_statements(self) -> list[Composed]:
        return [
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (position bigint PRIMARY KEY, hash bytea NOT NULL)"
            ).format(self.hashes),
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS idx bigint").format(self.hashes),
            SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS leaf bytea").format(self.hashes),
            SQL("CREATE UNIQUE INDEX IF NOT EXISTS {} ON {} (idx)").format(
                Identifier(f"{self.events_table}_hashes_idx"), self.hashes
            ),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (level smallint NOT NULL, idx bigint NOT NULL, "
                "hash bytea NOT NULL, PRIMARY KEY (level, idx))"
            ).format(self.nodes),
            SQL(
                "CREATE TABLE IF NOT EXISTS {} (id smallint PRIMARY KEY CHECK (id = 1), "
                "size bigint NOT NULL, position bigint NOT NULL, chain bytea NOT NULL, "
                "frontier bytea NOT NULL)"
            ).format(self.head),
        ]


@dataclass
class Head:
    """The log's head: how many events, the last one's position and chain link, the tree."""

    size: int
    position: int
    chain: bytes
    frontier: merkle.Frontier

    @property
    def root(self) -> bytes:
        return self.frontier.root()


def head_query(t: EvidenceTables) -> Composed:
    return SQL("SELECT size, position, chain, frontier FROM {} WHERE id = 1").format(t.head)


def read_head(cur: psycopg.Cursor[Any], t: EvidenceTables) -> Head:
    return head_of(cur.execute(head_query(t)).fetchone())


def head_of(row: Any) -> Head:
    """The head from its row (or the empty tree's when there is none)."""
    if row is None:
        return Head(0, 0, b"", merkle.Frontier())
    size, position, chain, frontier = _values(row, ("size", "position", "chain", "frontier"))
    return Head(int(size), int(position), bytes(chain), merkle.Frontier.from_bytes(size, frontier))


def _values(row: Any, names: Sequence[str]) -> tuple[Any, ...]:
    return tuple(row[n] for n in names) if isinstance(row, dict) else tuple(row)


def append(
    cur: psycopg.Cursor[Any],
    t: EvidenceTables,
    ids: Sequence[int],
    events: Any,
    head: Head | None = None,
) -> None:
    """Extends the chain and the tree by the events just inserted (called inside their
    transaction, while the insert lock is held); ``head``: as read in that transaction
    already, else it is read now."""
    head = head if head is not None else read_head(cur, t)
    previous, frontier = head.chain, head.frontier
    links: list[tuple[int, bytes, int, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    for position, event in zip(ids, events, strict=True):
        data = merkle.leaf_input(
            position, event.originator_id, event.originator_version, event.topic, event.state
        )
        previous = merkle.chain_hash(previous, data)
        leaf = merkle.leaf_hash(data)
        links.append((position, previous, frontier.size, leaf))
        nodes.extend(frontier.append(leaf))
    _write(cur, t, links, nodes, Head(frontier.size, ids[-1], previous, frontier))


def _write(
    cur: psycopg.Cursor[Any],
    t: EvidenceTables,
    links: Sequence[tuple[int, bytes, int, bytes]],
    nodes: Sequence[tuple[int, int, bytes]],
    head: Head,
) -> None:
    cur.executemany(
        SQL("INSERT INTO {} (position, hash, idx, leaf) VALUES (%s, %s, %s, %s)").format(t.hashes),
        links,
    )
    if nodes:
        cur.executemany(
            SQL("INSERT INTO {} (level, idx, hash) VALUES (%s, %s, %s)").format(t.nodes), nodes
        )
    cur.execute(
        SQL(
            "INSERT INTO {} (id, size, position, chain, frontier) VALUES (1, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size, position = EXCLUDED.position, "
            "chain = EXCLUDED.chain, frontier = EXCLUDED.frontier"
        ).format(t.head),
        (head.size, head.position, head.chain, head.frontier.to_bytes()),
    )


def start_tree(conn: psycopg.Connection[Any], t: EvidenceTables) -> None:
    """Once per store: the head row, and for a log written before the tree existed, its leaves
    and nodes (under the insert lock, so no write interleaves)."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        if cur.execute(SQL("SELECT 1 FROM {} WHERE id = 1").format(t.head)).fetchone():
            return
        cur.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(t.events))
        if cur.execute(SQL("SELECT 1 FROM {} WHERE id = 1").format(t.head)).fetchone():
            return
        head = Head(0, 0, b"", merkle.Frontier())
        with conn.cursor(name="tree_backfill", row_factory=tuple_row) as scan:
            scan.itersize = BACKFILL_BATCH
            scan.execute(
                SQL(
                    "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
                    "e.state, h.hash FROM {} e LEFT JOIN {} h ON h.position = e.notification_id "
                    "ORDER BY e.notification_id"
                ).format(t.events, t.hashes)
            )
            rows: list[Any] = []
            for row in scan:
                rows.append(row)
                if len(rows) == BACKFILL_BATCH:
                    head = _backfill(cur, t, rows, head)
                    rows = []
            head = _backfill(cur, t, rows, head)
        _write(cur, t, [], [], head)


def _backfill(cur: psycopg.Cursor[Any], t: EvidenceTables, rows: list[Any], head: Head) -> Head:
    """Leaves and nodes of events already chained; a missing link is computed (and would show
    as such in ``verify`` only if the event was changed)."""
    links: list[tuple[int, bytes, int, bytes]] = []
    nodes: list[tuple[int, int, bytes]] = []
    chain, frontier = head.chain, head.frontier
    for position, originator, version, topic, state, stored in rows:
        data = merkle.leaf_input(position, originator, version, topic, bytes(state))
        chain = bytes(stored) if stored is not None else merkle.chain_hash(chain, data)
        leaf = merkle.leaf_hash(data)
        links.append((position, chain, frontier.size, leaf))
        nodes.extend(frontier.append(leaf))
    cur.executemany(
        SQL(
            "INSERT INTO {} (position, hash, idx, leaf) VALUES (%s, %s, %s, %s) ON CONFLICT "
            "(position) DO UPDATE SET idx = EXCLUDED.idx, leaf = EXCLUDED.leaf"
        ).format(t.hashes),
        links,
    )
    if nodes:
        cur.executemany(
            SQL("INSERT INTO {} (level, idx, hash) VALUES (%s, %s, %s)").format(t.nodes), nodes
        )
    position = rows[-1][0] if rows else head.position
    return Head(frontier.size, position, chain, frontier)


# ----- reading: digest, proofs, verification ----------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: ``ok``, how many events it checked, and the first position that
    does not match (an event changed, deleted or inserted; a kept digest or tree head that no
    longer matches the log), with why."""

    ok: bool
    checked: int
    first_bad_position: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "first_bad_position": self.first_bad_position,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Kept:
    """What an investigator kept earlier: a chain digest (position, hash) and/or a tree head
    (size, root)."""

    position: int | None = None
    hash: bytes | None = None
    size: int | None = None
    root: bytes | None = None


class Verifier:
    """Recomputes the chain and the tree from the stored events in one ordered pass over the
    events and their links (a merge of two index scans, no sort)."""

    def __init__(self, kept: Kept, progress: Callable[[int], None] | None = None) -> None:
        self.kept = kept
        self.progress = progress
        self.chain = b""
        self.frontier = merkle.Frontier()
        self.checked = 0
        self.last_position = 0

    def check(self, event: tuple[Any, ...] | None, link: tuple[Any, ...] | None) -> Verdict | None:
        """One step of the merge: an event and its link at the same position, or one of them
        alone (which is itself the finding)."""
        if link is None or (event is not None and event[0] < link[0]):
            assert event is not None
            return self._bad(event[0], "an event without a link in the chain (inserted)")
        if event is None or link[0] < event[0]:
            return self._bad(link[0], "a link without its event (deleted)")
        position, originator, version, topic, state = event
        _, stored, idx, leaf = link
        data = merkle.leaf_input(position, originator, version, topic, state)
        self.chain = merkle.chain_hash(self.chain, data)
        if self.chain != stored:
            return self._bad(position, "the event or the chain was changed")
        computed = merkle.leaf_hash(data)
        if idx != self.checked or computed != leaf:
            return self._bad(position, "the event's leaf in the Merkle tree does not match")
        if self.kept.size is not None and self.checked < self.kept.size:
            self.frontier.append(computed)  # only a kept tree head needs the root recomputed
        self.checked += 1
        self.last_position = position
        return self._kept_at(position)

    def _kept_at(self, position: int) -> Verdict | None:
        kept = self.kept
        if kept.position == position and kept.hash is not None and self.chain != kept.hash:
            return self._bad(position, "the kept digest no longer matches the log")
        if (
            kept.size == self.checked
            and kept.root is not None
            and self.frontier.root() != kept.root
        ):
            return self._bad(position, "the kept tree head no longer matches the log")
        if self.progress is not None and self.checked % 10_000 == 0:
            self.progress(self.checked)
        return None

    def finish(self) -> Verdict:
        kept = self.kept
        if kept.position is not None and kept.position > self.last_position:
            return self._bad(kept.position, "the kept digest's position is no longer in the log")
        if kept.size is not None and kept.size > self.checked:
            return self._bad(self.last_position + 1, "the log is shorter than the kept tree head")
        if self.progress is not None:
            self.progress(self.checked)
        return Verdict(True, self.checked)

    def _bad(self, position: int, reason: str) -> Verdict:
        return Verdict(False, self.checked, position, reason)


def verify(
    conn: psycopg.Connection[Any],
    t: EvidenceTables,
    kept: Kept = Kept(),
    progress: Callable[[int], None] | None = None,
    batch: int = 10_000,
) -> Verdict:
    verifier = Verifier(kept, progress)
    with conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        events = _scan(
            conn,
            "verify_events",
            SQL(
                "SELECT notification_id, originator_id, originator_version, topic, state "
                "FROM {} ORDER BY notification_id"
            ).format(t.events),
            batch,
        )
        links = _scan(
            conn,
            "verify_links",
            SQL("SELECT position, hash, idx, leaf FROM {} ORDER BY position").format(t.hashes),
            batch,
        )
        event, link = next(events, None), next(links, None)
        while event is not None or link is not None:
            found = verifier.check(event, link)  # an event or a link alone is a finding
            if found is not None:
                return found
            event, link = next(events, None), next(links, None)
    return verifier.finish()


def _scan(
    conn: psycopg.Connection[Any], name: str, query: Composed, batch: int
) -> Iterator[tuple[Any, ...]]:
    """A server-side cursor read in batches, rows as tuples (bytea as bytes)."""
    with conn.cursor(name=name, row_factory=tuple_row, binary=True) as cur:
        cur.execute(query)
        while rows := cur.fetchmany(batch):
            yield from rows


@contextmanager
def snapshot(conn: psycopg.Connection[Any]) -> Iterator[psycopg.Cursor[Any]]:
    """One REPEATABLE READ snapshot: the head and the nodes a proof reads agree."""
    with conn.transaction(), conn.cursor(row_factory=tuple_row) as cur:
        cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        yield cur


def nodes_for(
    cur: psycopg.Cursor[Any], t: EvidenceTables, build: Callable[[merkle.NodeSource], Any]
) -> Any:
    """Runs ``build`` (a proof or a root) against the stored nodes it needs, fetched in one
    query each for the leaves and the inner nodes."""
    wanted = merkle.needed_nodes(build)
    leaves = sorted(i for level, i in wanted if level == 0)
    inner = sorted((level, i) for level, i in wanted if level > 0)
    found: dict[tuple[int, int], bytes] = {}
    if leaves:
        for idx, leaf in cur.execute(
            SQL("SELECT idx, leaf FROM {} WHERE idx = ANY(%s)").format(t.hashes), (leaves,)
        ).fetchall():
            found[(0, int(idx))] = bytes(leaf)
    if inner:
        for level, idx, digest in cur.execute(
            SQL(
                "SELECT n.level, n.idx, n.hash FROM {} n JOIN unnest(%s::smallint[], "
                "%s::bigint[]) AS w(level, idx) ON n.level = w.level AND n.idx = w.idx"
            ).format(t.nodes),
            ([lv for lv, _ in inner], [i for _, i in inner]),
        ).fetchall():
            found[(int(level), int(idx))] = bytes(digest)
    missing = wanted - set(found)
    if missing:
        raise LookupError(f"the tree lacks nodes {sorted(missing)[:3]}")
    return build(lambda level, index: found[(level, index)])


def leaf_index(
    cur: psycopg.Cursor[Any], t: EvidenceTables, position: int
) -> tuple[int, bytes] | None:
    row = cur.execute(
        SQL("SELECT idx, leaf FROM {} WHERE position = %s").format(t.hashes), (position,)
    ).fetchone()
    return (int(row[0]), bytes(row[1])) if row and row[0] is not None else None
