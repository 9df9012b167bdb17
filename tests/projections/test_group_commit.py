"""Group commit (issue 14, writes.peak): concurrent writers on different aggregates share one
transaction and one COMMIT, each still judged alone — its own unique checks (aggregate version,
idempotency key) and its own answer — and the hash chain and the Merkle tree follow exactly
what was kept.

A group is formed on purpose: a test connection holds the insert lock, a first writer waits
for it inside its own transaction, and the writers that arrive meanwhile queue up; when the
lock is released they go in as one group, in arrival order."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.postgres import PostgresDatastore
from psycopg.sql import SQL, Identifier

from projections.store import (
    GovrulesRecorder,
    IdempotencyClaim,
    conninfo,
    ensure_schema,
    parse_database_url,
)

TABLE = "govrules_events"


@pytest.fixture
def database(database_url: str) -> dict[str, str]:
    return parse_database_url(database_url)


def _recorder(
    database: dict[str, str], schema: str, pool_size: int, max_overflow: int
) -> Iterator[GovrulesRecorder]:
    ensure_schema(database, schema)
    datastore = PostgresDatastore(
        dbname=database["POSTGRES_DBNAME"],
        host=database["POSTGRES_HOST"],
        port=database["POSTGRES_PORT"],
        user=database["POSTGRES_USER"],
        password=database["POSTGRES_PASSWORD"],
        schema=schema,
        pool_size=pool_size,
        max_overflow=max_overflow,
    )
    store = GovrulesRecorder(datastore, events_table_name=TABLE)
    store.create_table()
    yield store
    datastore.close()


@pytest.fixture
def recorder(database: dict[str, str], schema: str) -> Iterator[GovrulesRecorder]:
    yield from _recorder(database, schema, pool_size=4, max_overflow=16)


def event(originator: uuid.UUID | None = None, version: int = 1, topic: str = "t") -> StoredEvent:
    return StoredEvent(
        originator_id=originator or uuid.uuid4(),
        originator_version=version,
        topic=topic,
        state=b'{"n": 1}',
    )


def claim(key: str) -> IdempotencyClaim:
    return IdempotencyClaim("p-test", key, "fp", 201, "documents")


class Writer(threading.Thread):
    """One writer in its own thread: its answer (positions) or its error."""

    def __init__(self, recorder: GovrulesRecorder, events: list[StoredEvent], **kwargs: Any):
        super().__init__(daemon=True)
        self.recorder, self.events, self.kwargs = recorder, events, kwargs
        self.positions: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.positions = self.recorder.insert_events(self.events, **self.kwargs)
        except BaseException as e:
            self.error = e


def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        time.sleep(0.005)


def count(database: dict[str, str], schema: str, table: str = TABLE) -> int:
    with psycopg.connect(conninfo(database)) as conn:
        row = conn.execute(
            SQL("SELECT count(*) FROM {}.{}").format(Identifier(schema), Identifier(table))
        ).fetchone()
    assert row is not None
    return int(row[0])


def lock_holder(database: dict[str, str], schema: str) -> psycopg.Connection[Any]:
    """A connection holding the insert lock (as a writer inside its transaction would)."""
    conn = psycopg.connect(conninfo(database))
    conn.execute(
        SQL("LOCK TABLE {}.{} IN EXCLUSIVE MODE").format(Identifier(schema), Identifier(TABLE))
    )
    return conn


def as_one_group(
    recorder: GovrulesRecorder,
    database: dict[str, str],
    schema: str,
    writers: list[Writer],
    beside: list[Writer] | None = None,
) -> None:
    """Runs ``writers[1:]`` as one group, in that order: ``writers[0]`` leads a group of one
    and waits for the held insert lock while the others queue behind it. ``beside``: writers
    started once the first waits, before the others queue (a large write goes alone)."""
    beside = beside or []
    holder = lock_holder(database, schema)
    try:
        writers[0].start()
        until(
            lambda: _waits_for_lock(database, schema), "the first writer waits for the insert lock"
        )
        for writer in beside:
            writer.start()
        for queued, writer in enumerate(writers[1:], start=1):
            writer.start()
            until(
                lambda n=queued: recorder.group_commit.waiting() == n,  # type: ignore[misc]
                "the writer queues",
            )
    finally:
        holder.rollback()
        holder.close()
    for writer in [*writers, *beside]:
        writer.join(20)
        assert not writer.is_alive()


def _waits_for_lock(database: dict[str, str], schema: str) -> bool:
    with psycopg.connect(conninfo(database)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE %s",
            (f"%LOCK TABLE%{schema}%",),
        ).fetchone()
    return bool(row and row[0])


def transactions(database: dict[str, str], schema: str) -> int:
    """How many transactions wrote the chain's links (their rows' ``xmin``: a group writes
    its links once, in its top transaction; its events are in savepoints, with xids of their
    own)."""
    with psycopg.connect(conninfo(database)) as conn:
        row = conn.execute(
            SQL("SELECT count(DISTINCT xmin::text) FROM {}.{}").format(
                Identifier(schema), Identifier(f"{TABLE}_hashes")
            )
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_concurrent_writers_all_succeed_with_distinct_gap_free_positions(recorder):
    threads, each = 16, 25
    errors: list[BaseException] = []
    positions: list[int] = []
    lock = threading.Lock()

    def write() -> None:
        for _ in range(each):
            try:
                ids = recorder.insert_events([event(), event()])
            except BaseException as e:
                with lock:
                    errors.append(e)
                return
            assert ids is not None
            with lock:
                positions.extend(ids)

    workers = [threading.Thread(target=write) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert errors == []
    assert len(positions) == threads * each * 2
    assert sorted(positions) == list(range(min(positions), min(positions) + len(positions)))
    assert recorder.max_notification_id() == max(positions)
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, len(positions))
    stats = recorder.group_commit.stats
    assert stats.writers == threads * each


def test_a_group_shares_one_commit(recorder, database, schema):
    writers = [Writer(recorder, [event()]) for _ in range(9)]
    before = recorder.group_commit.stats.groups
    as_one_group(recorder, database, schema, writers)
    assert [w.error for w in writers] == [None] * 9
    assert recorder.group_commit.stats.largest == 8
    assert recorder.group_commit.stats.groups - before == 2  # the first alone, then 8 as one
    # Each position is the writer's own, in arrival order, and all are stored.
    firsts = [w.positions[0] for w in writers]
    assert firsts == sorted(firsts)
    assert count(database, schema) == 9
    assert transactions(database, schema) == 2  # two commits for nine writers
    assert recorder.verify().ok


def test_a_conflict_or_a_reused_key_fails_only_its_writer(recorder, database, schema):
    taken = uuid.uuid4()
    recorder.insert_events([event(taken, 1)], idempotency=claim("k-used"))
    shared = uuid.uuid4()
    first = Writer(recorder, [event()])
    ok_a = Writer(recorder, [event(), event()], idempotency=claim("k-a"))
    stale = Writer(recorder, [event(taken, 1)])  # that version is stored already
    ok_b = Writer(recorder, [event(shared, 1)])
    reused = Writer(recorder, [event()], idempotency=claim("k-used"))
    same = Writer(recorder, [event(shared, 1)])  # ok_b took that version in this group
    ok_c = Writer(recorder, [event(taken, 2)], idempotency=claim("k-c"))
    writers = [first, ok_a, stale, ok_b, reused, same, ok_c]
    before = count(database, schema)

    as_one_group(recorder, database, schema, writers)

    for refused in (stale, reused, same):
        assert isinstance(refused.error, IntegrityError), refused.error
        assert refused.positions is None
    for kept in (first, ok_a, ok_b, ok_c):
        assert kept.error is None
        assert len(kept.positions) == len(kept.events)
    assert recorder.group_commit.stats.largest == 6
    assert count(database, schema) == before + 1 + 2 + 1 + 1
    stored = {(e.originator_id, e.originator_version) for e in recorder.select_events(shared)}
    assert stored == {(shared, 1)}
    assert [e.originator_version for e in recorder.select_events(taken)] == [1, 2]
    a = recorder.find_idempotency("p-test", "k-a")
    assert a is not None and a.position == max(ok_a.positions)  # the writer's last event
    used = recorder.find_idempotency("p-test", "k-used")
    assert used is not None and used.resource_id == taken
    c = recorder.find_idempotency("p-test", "k-c")
    assert c is not None and (c.resource_id, c.version, c.position) == (taken, 2, ok_c.positions[0])
    assert count(database, schema, f"{TABLE}_idempotency") == 3
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, count(database, schema))
    # The next writer extends the same chain.
    recorder.insert_events([event()])
    assert recorder.verify().ok


@pytest.fixture
def failing_commit(recorder: GovrulesRecorder, database: dict[str, str], schema: str) -> None:
    """A deferred constraint trigger: an event with the topic ``fail-at-commit`` makes its
    transaction's COMMIT fail."""
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute(
            SQL(
                "CREATE FUNCTION {}.fail_at_commit() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused at commit'; END $$"
            ).format(Identifier(schema))
        )
        conn.execute(
            SQL(
                "CREATE CONSTRAINT TRIGGER fail_at_commit AFTER INSERT ON {}.{} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                "WHEN (NEW.topic = 'fail-at-commit') EXECUTE FUNCTION {}.fail_at_commit()"
            ).format(Identifier(schema), Identifier(TABLE), Identifier(schema))
        )


@pytest.mark.usefixtures("failing_commit")
def test_a_group_whose_commit_fails_stores_nothing_and_everybody_hears(recorder, database, schema):
    first = Writer(recorder, [event()])
    group = [
        Writer(recorder, [event()], idempotency=claim("k-1")),
        Writer(recorder, [event(topic="fail-at-commit")]),
        Writer(recorder, [event(), event()]),
    ]
    as_one_group(recorder, database, schema, [first, *group])

    assert first.error is None
    for writer in group:
        assert writer.positions is None
        assert writer.error is not None and "refused at commit" in str(writer.error)
    assert count(database, schema) == 1
    assert count(database, schema, f"{TABLE}_idempotency") == 0
    assert recorder.verify().ok
    # The store goes on: the next writers are kept and chained.
    again = [Writer(recorder, [event()]) for _ in range(3)]
    as_one_group(recorder, database, schema, again)
    assert [w.error for w in again] == [None] * 3
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, 4)


def test_a_large_write_goes_alone_beside_a_group(recorder, database, schema):
    large = StoredEvent(uuid.uuid4(), 1, "t", b"x" * (recorder.PIPELINE_MAX_BYTES + 1))
    first = Writer(recorder, [event()])
    writers = [first, Writer(recorder, [event()]), Writer(recorder, [event()])]
    big = Writer(recorder, [large])  # not queued: it waits for the lock itself
    as_one_group(recorder, database, schema, writers, beside=[big])
    assert [w.error for w in [*writers, big]] == [None] * 4
    assert count(database, schema) == 4
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, 4)


def test_the_first_and_the_last_of_a_group_refused(recorder, database, schema):
    taken = uuid.uuid4()
    recorder.insert_events([event(taken, 1)])
    writers = [
        Writer(recorder, [event()]),
        Writer(recorder, [event(taken, 1)]),
        Writer(recorder, [event(), event()], idempotency=claim("k-1")),
        Writer(recorder, [event(taken, 1), event(taken, 2)]),
    ]
    as_one_group(recorder, database, schema, writers)
    assert [type(w.error) for w in writers] == [
        type(None),
        IntegrityError,
        type(None),
        IntegrityError,
    ]
    assert count(database, schema) == 4
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, 4)


def test_racing_writers_each_get_their_own_answer(recorder, database, schema):
    """Many writers racing for few aggregate versions: every one answered is stored at the
    positions it was given, every one refused is not, and the chain holds all that is."""
    aggregates = [uuid.uuid4() for _ in range(6)]
    kept: dict[tuple[uuid.UUID, int], int] = {}
    refused = 0
    lock = threading.Lock()

    def write(seed: int) -> None:
        nonlocal refused
        for n in range(30):
            originator = aggregates[(seed * 7 + n) % len(aggregates)]
            version = (seed + n) % 5 + 1
            try:
                ids = recorder.insert_events([event(originator, version)])
            except IntegrityError:
                with lock:
                    refused += 1
                continue
            assert ids is not None
            with lock:
                assert (originator, version) not in kept
                kept[(originator, version)] = ids[0]

    workers = [threading.Thread(target=write, args=(seed,)) for seed in range(16)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    assert len(kept) + refused == 16 * 30
    stored = {
        (e.originator_id, e.originator_version): e.id
        for e in recorder.select_notifications(start=1, limit=10_000)
    }
    assert stored == kept
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, len(kept))


@pytest.fixture
def one_connection(database: dict[str, str], schema: str) -> Iterator[GovrulesRecorder]:
    """A recorder whose every write goes through the same pooled connection."""
    yield from _recorder(database, schema, pool_size=1, max_overflow=0)


def test_a_connection_stays_usable_after_groups_with_refusals(one_connection, database, schema):
    """A refused writer's savepoint is rolled back, which makes psycopg forget the
    connection's prepared statements: the next groups and writes on that connection (whose
    statements psycopg prepares after a few uses) still work."""
    recorder = one_connection
    taken = uuid.uuid4()
    recorder.insert_events([event(taken, 1)], idempotency=claim("k-0"))
    for n in range(8):
        writers = [
            Writer(recorder, [event()], idempotency=claim(f"k-{n}-a")),
            Writer(recorder, [event(), event(), event()]),
            Writer(recorder, [event(taken, 1)]),  # refused: in the middle
            Writer(recorder, [event()], idempotency=claim(f"k-{n}-b")),
            Writer(recorder, [event(taken, 1)], idempotency=claim("k-0")),  # refused: last
        ]
        as_one_group(recorder, database, schema, writers)
        assert [w.error is None for w in writers] == [True, True, False, True, False]
        recorder.insert_events([event(), event()], idempotency=claim(f"k-{n}-c"))
    verdict = recorder.verify()
    assert (verdict.ok, verdict.checked) == (True, 1 + 8 * (1 + 3 + 1 + 2))
