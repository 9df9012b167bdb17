"""The event store on PostgreSQL: the eventsourcing library's application recorder (one log,
one global position for all aggregates) plus what the HTTP contract needs beside it.

- Idempotency keys are written in the same transaction as the events they answer for, so a
  key is never stored without its events nor events without their key.
- ``history`` reads one aggregate's events with their global positions.
- ``database_env`` turns ``DATABASE_URL`` (or an embedded ``pgserver``) into the library's
  ``POSTGRES_*`` settings.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import select
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

import psycopg
import psycopg_pool
from eventsourcing.persistence import (
    IntegrityError,
    InterfaceError,
    OperationalError,
    StoredEvent,
)
from eventsourcing.postgres import (
    PostgresAggregateRecorder,
    PostgresApplicationRecorder,
    PostgresDatastore,
    PostgresFactory,
)
from psycopg.rows import DictRow
from psycopg.sql import SQL, Composable, Composed, Identifier, Literal

from projections.evidence import (
    EvidenceTables,
    Kept,
    Verdict,
    append,
    head_of,
    head_query,
    start_tree,
    verify,
)
from projections.group_commit import GroupCommit, Request, copy_error

RECORDER_TOPIC = "projections.store:GovrulesRecorder"
EVENTS_TABLE = "govrules_events"  # the library names it after the application (GovRules)
T = TypeVar("T")


@dataclass(frozen=True)
class IdempotencyClaim:
    """An ``Idempotency-Key`` taken by a write: who sent it, a fingerprint of the request,
    and what the answer was (status and the resource it wrote)."""

    actor_id: str
    key: str
    fingerprint: str
    status: int
    collection: str


@dataclass(frozen=True)
class IdempotencyRecord:
    fingerprint: str
    status: int
    collection: str
    resource_id: Any
    version: int
    position: int


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


# The library retries a failed database call 10 times, each waiting up to the pool timeout:
# close to a minute while PostgreSQL is down. A request should fail over to 503 within 5 s
# (R5), the last try (up to the connect timeout) included.
RETRY_BUDGET_SECONDS = 1.5
RETRY_WAIT_SECONDS = 0.2


def within_budget(method: Callable[..., T]) -> Callable[..., T]:
    """Retries a lost connection like the library does, but only within a time budget."""
    unwrapped = getattr(method, "__wrapped__", method)

    @functools.wraps(unwrapped)
    def bounded(*args: Any, **kwargs: Any) -> T:
        deadline = time.monotonic() + RETRY_BUDGET_SECONDS
        while True:
            try:
                return unwrapped(*args, **kwargs)
            except (InterfaceError, OperationalError):
                if time.monotonic() + RETRY_WAIT_SECONDS >= deadline:
                    raise
                time.sleep(RETRY_WAIT_SECONDS)

    return bounded


@dataclass(frozen=True)
class Write:
    """One writer's part of a group commit: its stored events and the recorder's keywords."""

    events: Sequence[StoredEvent]
    kwargs: dict[str, Any]


class GovrulesRecorder(PostgresApplicationRecorder):
    """The library's application recorder with an idempotency table and a hash chain beside
    the events, and a bounded retry."""

    # psycopg's pipeline mode can deadlock sending a large parameter (the server waits for the
    # rest of the INSERT while the client waits for results: psycopg issue #685); an event near
    # the 1 MiB body limit hung that way. Large writes take the plain, unpipelined path.
    PIPELINE_MAX_BYTES = 64 * 1024
    _rendered: tuple[bytes, bytes] | None = None  # the group's statements (``_group_sql``)

    @within_budget
    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        """Concurrent writers share one transaction (group commit, ``_insert_group``); a write
        alone, a large one (unpipelined) or a tracked one runs in its own transaction."""
        size = sum(len(e.state) for e in stored_events)
        if (
            not stored_events
            or size > self.PIPELINE_MAX_BYTES
            or kwargs.get("tracking") is not None
        ):
            return self._insert_alone(stored_events, size, **kwargs)
        return self.group_commit.submit(Write(stored_events, kwargs), size)

    def _insert_alone(
        self, stored_events: Sequence[StoredEvent], size: int, **kwargs: Any
    ) -> Sequence[int] | None:
        if size <= self.PIPELINE_MAX_BYTES:
            pipelined = PostgresApplicationRecorder.insert_events
            return getattr(pipelined, "__wrapped__", pipelined)(self, stored_events, **kwargs)  # type: ignore[no-any-return]
        with (
            self.datastore.get_connection() as conn,
            conn.transaction(),
            conn.cursor() as curs,
        ):
            self._insert_stored_events(curs, stored_events, **kwargs)
            return self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)

    def _run_group(self, group: list[Request[Write, Sequence[int]]]) -> None:
        """One group's writes: a group of one is today's transaction; more share one."""
        if len(group) == 1:
            write = group[0].work
            group[0].answer(self._insert_alone(write.events, group[0].size, **write.kwargs))
            return
        try:
            answers = self._insert_group([request.work for request in group])
        except Exception as e:
            for request in group:
                request.answer(error=copy_error(e))
            return
        for request, answer in zip(group, answers, strict=True):
            if isinstance(answer, Exception):
                request.answer(error=answer)
            else:
                request.answer(answer)

    def _insert_group(self, writes: list[Write]) -> list[Sequence[int] | Exception]:
        """Several writers' events in ONE transaction: the insert lock taken once, then each
        writer's events and idempotency claim in a savepoint of its own, so a unique violation
        (another writer got that aggregate version or that key first) rolls back that writer
        alone, who gets the IntegrityError; then the hash chain and the Merkle tree extended
        once by what was kept, in position order; one COMMIT. A failure of anything else (the
        lock, the chain, the COMMIT) raises: nothing of the group is stored, everybody gets it.
        Answers are handed out by the caller only after the COMMIT returned.

        The writers' statements go out pipelined with one sync for all of them: a group costs
        a few round trips, not a few per writer. When one writer's insert fails, the writers
        before it are kept (their savepoints released), it is rolled back alone and those
        after it (skipped by the aborted pipeline) are sent again."""
        with (
            self.datastore.get_connection() as conn,
            conn.pipeline() as pipeline,
            conn.transaction(),
        ):
            with conn.cursor() as curs:
                self._lock_table(curs)
                self._notify_channel(curs)
            answers = self._send_writes(conn, pipeline, writes)
            kept = [
                (position, stored)
                for write, answer in zip(writes, answers, strict=True)
                if not isinstance(answer, Exception)
                for position, stored in zip(answer, write.events, strict=True)
            ]
            if kept:
                with conn.cursor() as cur:
                    append(cur, self.evidence, [p for p, _ in kept], [e for _, e in kept])
        return answers

    def _send_writes(
        self, conn: psycopg.Connection[DictRow], pipeline: psycopg.Pipeline, writes: list[Write]
    ) -> list[Sequence[int] | Exception]:
        """Every writer's statements, with one sync in the common case; a writer refused by a
        unique violation is rolled back to its savepoint and those after it are sent again."""
        answers: list[Sequence[int] | Exception] = [[] for _ in writes]
        start = 0
        while start < len(writes):
            sent: list[list[psycopg.Cursor[DictRow]]] = []
            try:
                for i in range(start, len(writes)):
                    sent.append([])
                    self._send_write(conn, i, writes[i], sent[-1])
                pipeline.sync()
            except psycopg.IntegrityError as e:
                # psycopg reads results while it sends, so the error may surface before the
                # sync: a sync now makes sure the server has left the aborted pipeline.
                with contextlib.suppress(psycopg.errors.PipelineAborted):
                    pipeline.sync()
                failed = next(
                    (i for i, c in enumerate(sent, start) if not self._done(writes[i], c)), None
                )
                if failed is None:  # not a writer's own insert: the group fails
                    raise
                self._take_ids(writes, sent[: failed - start], answers, start)
                refused = IntegrityError(str(e))
                refused.__cause__ = e
                answers[failed] = refused
                conn.execute(b"ROLLBACK TO SAVEPOINT w%d" % failed, prepare=False)
                conn.execute(b"RELEASE SAVEPOINT w%d" % failed, prepare=False)
                # Synced here: on a ROLLBACK psycopg forgets its prepared statements and sends a
                # DEALLOCATE ALL with the next statement. Left in flight, the ROLLBACK's result
                # was read in the middle of later statements, and the DEALLOCATE ALL went out
                # after one of them had just been prepared ("prepared statement does not exist"
                # on the connection's next use).
                pipeline.sync()
                start = failed + 1
                continue
            self._take_ids(writes, sent, answers, start)
            break
        return answers

    def _send_write(
        self,
        conn: psycopg.Connection[DictRow],
        index: int,
        write: Write,
        cursors: list[psycopg.Cursor[DictRow]],
    ) -> None:
        """Queues one writer's savepoint, events and claim in the pipeline; ``cursors`` gets,
        as they are queued, the statements whose results tell whether the writer got through
        (``_done``)."""
        # Nothing here is prepared: a statement skipped by an aborted pipeline must not leave
        # psycopg believing a prepared statement exists that the server never parsed. The
        # statements are rendered once (``_group_sql``): the leader holds the insert lock while
        # it builds them, competing for the GIL with every other writer's thread.
        insert_events, insert_claim = self._group_sql(conn)
        conn.execute(b"SAVEPOINT w%d" % index, prepare=False)
        rows = [
            self.construct_pg_stored_event(e.originator_id, e.originator_version, e.topic, e.state)
            for e in write.events
        ]
        cursors.append(conn.execute(insert_events, (rows,), prepare=False))
        claim: IdempotencyClaim | None = write.kwargs.get("idempotency")
        if claim is not None:
            values = self._claim_values(claim, write.events)
            cursors.append(conn.execute(insert_claim, values, prepare=False))
        conn.execute(b"RELEASE SAVEPOINT w%d" % index, prepare=False)

    def _group_sql(self, conn: psycopg.Connection[DictRow]) -> tuple[bytes, bytes]:
        """The group's insert statements, rendered once: the events (the library's), and the
        idempotency claim, whose position is the writer's last event's — the sequence's last
        value in this session, right after the writer's insert."""
        if self._rendered is None:
            events_table = SQL("{}.{}").format(self.schema, self.events_table).as_string(conn)
            claim = self._idempotency_statement(
                SQL("currval(pg_get_serial_sequence({}, 'notification_id'))").format(
                    Literal(events_table)
                )
            )
            self._rendered = (self.insert_events_statement.as_bytes(conn), claim.as_bytes(conn))
        return self._rendered

    @staticmethod
    def _done(write: Write, cursors: list[psycopg.Cursor[DictRow]]) -> bool:
        """Whether all of a writer's statements were queued and got their results (a failed
        one, or one the aborted pipeline skipped, has none)."""
        expected = 1 if write.kwargs.get("idempotency") is None else 2
        return len(cursors) == expected and all(c.pgresult is not None for c in cursors)

    def _take_ids(
        self,
        writes: list[Write],
        sent: list[list[psycopg.Cursor[DictRow]]],
        answers: list[Sequence[int] | Exception],
        start: int,
    ) -> None:
        for i, cursors in enumerate(sent, start):
            ids = PostgresApplicationRecorder._fetch_ids_after_insert_events(
                self, cursors[0], writes[i].events
            )
            answers[i] = ids or []

    @within_budget
    def select_events_after(self, known: Sequence[tuple[Any, int]]) -> list[StoredEvent]:
        """The events of several aggregates past the versions given, in one query (a write
        brings the roster and the absence ledger up to the log together), by aggregate and
        version."""
        if not known:
            return []
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT e.originator_id, e.originator_version, e.topic, e.state "
                    "FROM unnest(%s::uuid[], %s::bigint[]) AS k(id, version) "
                    "JOIN {schema}.{table} e ON e.originator_id = k.id "
                    "AND e.originator_version > k.version "
                    "ORDER BY e.originator_id, e.originator_version"
                ).format(schema=self.schema, table=self.events_table),
                ([k for k, _ in known], [v for _, v in known]),
                prepare=True,
            )
            return [
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
                for row in curs.fetchall()
            ]

    select_events = within_budget(PostgresApplicationRecorder.select_events)
    select_notifications = within_budget(PostgresApplicationRecorder.select_notifications)
    max_notification_id = within_budget(PostgresApplicationRecorder.max_notification_id)

    def __init__(
        self, datastore: PostgresDatastore, *, events_table_name: str = "stored_events"
    ) -> None:
        super().__init__(datastore, events_table_name=events_table_name)
        schema = Identifier(self.datastore.schema)
        self.idempotency_table = Identifier(f"{events_table_name}_idempotency")
        self.hashes_table = Identifier(f"{events_table_name}_hashes")
        self.events_table = Identifier(self.events_table_name)
        self.schema = schema
        self.evidence = EvidenceTables(self.datastore.schema, self.events_table_name)
        self._head_sql = head_query(self.evidence)
        self._head_bytes: bytes | None = None
        self._sent = threading.local()  # this thread's head query, sent with its insert
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {schema}.{table} ("
                "actor_id text NOT NULL, key text NOT NULL, fingerprint text NOT NULL, "
                "status int NOT NULL, collection text NOT NULL, resource_id uuid NOT NULL, "
                "version bigint NOT NULL, position bigint NOT NULL, "
                "recorded_at timestamptz NOT NULL DEFAULT now(), "
                "PRIMARY KEY (actor_id, key))"
            ).format(schema=schema, table=self.idempotency_table)
        )
        self.sql_create_statements.extend(self.evidence.create_statements())
        self.group_commit: GroupCommit[Write, Sequence[int]] = GroupCommit(self._run_group)

    def create_table(self) -> None:
        """The library's tables and ours; then the Merkle tree's head (computed once for a log
        written before the tree existed)."""
        super().create_table()
        with self.datastore.get_connection() as conn:
            start_tree(conn, self.evidence)

    def _fetch_ids_after_insert_events(
        self,
        curs: psycopg.Cursor[DictRow],
        stored_events: Sequence[Any],
        **kwargs: Any,
    ) -> Sequence[int] | None:
        """Extends the hash chain and the Merkle tree (design.md, tamper evidence) in the
        inserting transaction, while the insert lock serialises writers, so both follow the
        global order."""
        head_cursor = getattr(self._sent, "head", None)
        self._sent.head = None
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        if not ids:
            return ids
        claim: IdempotencyClaim | None = kwargs.get("idempotency")
        if claim is not None:
            self._insert_idempotency(curs, claim, stored_events, max(ids))
        head = None
        if head_cursor is not None and head_cursor.connection is curs.connection:
            with head_cursor:
                head = head_of(head_cursor.fetchone())
        with curs.connection.cursor() as cur:
            append(cur, self.evidence, ids, stored_events, head)
        return ids

    def _insert_stored_events(
        self, curs: psycopg.Cursor[DictRow], stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> None:
        """The library's lock and insert, and right behind them the chain's head query: in
        the library's pipeline they go out together, and the head comes back with the ids
        instead of costing a round trip of its own after them."""
        super()._insert_stored_events(curs, stored_events, **kwargs)
        head = curs.connection.cursor()
        # Not prepared: when the INSERT fails, the aborted pipeline skips this statement, and
        # psycopg would believe prepared a statement the server never parsed.
        if self._head_bytes is None:  # rendered once: composing it cost a tenth of a write
            self._head_bytes = self._head_sql.as_bytes(curs.connection)
        head.execute(self._head_bytes, prepare=False)
        self._sent.head = head

    def verify(self, kept: Kept = Kept(), progress: Callable[[int], None] | None = None) -> Verdict:
        """Recomputes the chain and the tree from the stored events in global order."""
        with self.datastore.get_connection() as conn:
            return verify(conn, self.evidence, kept, progress)

    def verify_chain(self) -> tuple[bool, int, int | None]:
        """(ok, checked, the first position that does not match)."""
        verdict = self.verify()
        return verdict.ok, verdict.checked, verdict.first_bad_position

    def _insert_idempotency(
        self,
        curs: psycopg.Cursor[DictRow],
        claim: IdempotencyClaim,
        stored_events: Sequence[Any],
        position: int,
    ) -> None:
        """Written after the events, inside the same transaction and the same error handling:
        a key taken meanwhile by a racing request is a unique violation, so the whole write
        rolls back as an IntegrityError (the caller then replays the winner's answer)."""
        # A nested pipeline block syncs on exit, so a unique violation surfaces here as
        # itself (an IntegrityError), not as an aborted pipeline later on.
        with curs.connection.pipeline(), curs.connection.cursor() as insert:
            insert.execute(
                self._idempotency_statement(SQL("%s")),
                (*self._claim_values(claim, stored_events), position),
            )

    def _idempotency_statement(self, position: Composable) -> Composed:
        return SQL(
            "INSERT INTO {schema}.{table} (actor_id, key, fingerprint, status, "
            "collection, resource_id, version, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, {position})"
        ).format(schema=self.schema, table=self.idempotency_table, position=position)

    @staticmethod
    def _claim_values(claim: IdempotencyClaim, stored_events: Sequence[Any]) -> tuple[Any, ...]:
        target = stored_events[0].originator_id  # the target aggregate is saved first
        version = max(e.originator_version for e in stored_events if e.originator_id == target)
        return (
            claim.actor_id,
            claim.key,
            claim.fingerprint,
            claim.status,
            claim.collection,
            target,
            version,
        )

    def find_idempotency(self, actor_id: str, key: str) -> IdempotencyRecord | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT fingerprint, status, collection, resource_id, version, position "
                    "FROM {schema}.{table} WHERE actor_id = %s AND key = %s"
                ).format(schema=self.schema, table=self.idempotency_table),
                (actor_id, key),
            )
            row = curs.fetchone()
        return IdempotencyRecord(**row) if row else None

    def history(self, originator_id: Any) -> list[dict[str, Any]]:
        """One aggregate's stored events, in version order, with their global positions."""
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT e.notification_id, e.originator_id, e.originator_version, e.topic, "
                    "e.state, h.hash, h.idx "
                    "FROM {schema}.{table} e LEFT JOIN {schema}.{hashes} h "
                    "ON h.position = e.notification_id WHERE e.originator_id = %s "
                    "ORDER BY e.originator_version"
                ).format(schema=self.schema, table=self.events_table, hashes=self.hashes_table),
                (originator_id,),
            )
            return list(curs.fetchall())

    def position_of(self, originator_id: Any, version: int) -> int | None:
        with self.datastore.get_connection() as conn, conn.cursor() as curs:
            curs.execute(
                SQL(
                    "SELECT notification_id FROM {schema}.{table} "
                    "WHERE originator_id = %s AND originator_version = %s"
                ).format(schema=self.schema, table=self.events_table),
                (originator_id, version),
            )
            row = curs.fetchone()
        return int(row["notification_id"]) if row else None


# ----- configuration ----------------------------------------------------------------------


def parse_database_url(url: str) -> dict[str, str]:
    """``postgresql://user:pass@host:port/db`` (or ``?host=/socket/dir``) → POSTGRES_* env."""
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must start with postgresql://, not {parsed.scheme!r}")
    query = parse_qs(parsed.query)
    host = query.get("host", [parsed.hostname or ""])[0]
    dbname = unquote(parsed.path.lstrip("/"))
    if not host or not dbname:
        raise ValueError("DATABASE_URL needs a host and a database name")
    return {
        "POSTGRES_HOST": host,
        "POSTGRES_PORT": str(parsed.port or query.get("port", ["5432"])[0]),
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_USER": unquote(parsed.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parsed.password or ""),
    }


def database_url(env: dict[str, str]) -> str:
    """POSTGRES_* env → a ``DATABASE_URL`` that ``parse_database_url`` reads back (the host
    may be a socket directory, as the embedded server's is)."""
    user = quote(env["POSTGRES_USER"], safe="")
    password = quote(env["POSTGRES_PASSWORD"], safe="")
    query = urlencode({"host": env["POSTGRES_HOST"], "port": env["POSTGRES_PORT"]})
    return f"postgresql://{user}:{password}@/{quote(env['POSTGRES_DBNAME'], safe='')}?{query}"


def conninfo(env: dict[str, str]) -> str:
    return psycopg.conninfo.make_conninfo(
        host=env["POSTGRES_HOST"],
        port=env["POSTGRES_PORT"],
        dbname=env["POSTGRES_DBNAME"],
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
    )


class SnapshotRecorder(PostgresAggregateRecorder):
    """The snapshot store's recorder, with the same bounded retry as the events': every load
    of a snapshotted aggregate reads it first, and the library's own retry (10 tries, each
    waiting for the pool) made a request take 20 s to fail while the database was down."""

    insert_events = within_budget(PostgresAggregateRecorder.insert_events)
    select_events = within_budget(PostgresAggregateRecorder.select_events)


def check_if_readable(conn: psycopg.Connection[Any]) -> None:
    """A pool's check of an idle connection before it is handed out, without a round trip.

    An idle connection has nothing to read: the server speaks first only when it is going
    away (a restart or shutdown sends an error and closes the socket: it becomes readable, at
    end of file) or for a rare asynchronous message. Only then is the connection checked
    with a query (and replaced by the pool when that fails); otherwise it is handed out as it
    is. The library's pre-ping (and psycopg's ``check_connection``) paid a round trip on
    every checkout, 17% of a write's samples. A connection that dies unnoticed between the
    check and its use fails that one call, which the bounded retry (``within_budget``) or
    the read models' 503 answers; psycopg marks it broken and the pool discards it."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):  # readable, hung up or in error: ask the server
        psycopg_pool.ConnectionPool.check_connection(conn)


class GovrulesFactory(PostgresFactory):
    """The library's PostgreSQL factory, with our snapshot recorder (the application
    recorder is chosen by APPLICATION_RECORDER_TOPIC) and a pool that checks a connection
    before handing it out only when its socket says something (``check_if_readable``)."""

    aggregate_recorder_class = SnapshotRecorder

    def __init__(self, env: Any) -> None:
        super().__init__(env)
        pool = self.datastore.pool
        # The library's datastore builds its pool itself (with a check only for PRE_PING);
        # psycopg_pool keeps the check it calls on each checkout here.
        assert hasattr(pool, "_check"), "psycopg_pool no longer keeps its check in _check"
        pool._check = check_if_readable


def application_env(database: dict[str, str], schema: str) -> dict[str, str]:
    """The eventsourcing settings: PostgreSQL, our recorders, a pool for the threadpool."""
    return {
        "PERSISTENCE_MODULE": "projections.store:GovrulesFactory",
        "APPLICATION_RECORDER_TOPIC": RECORDER_TOPIC,
        "CREATE_TABLE": "y",
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": "4",
        # 12 at most: writers that run together share the group's connection (group commit),
        # and every server process (GOVRULES_WORKERS) has its own pools on one PostgreSQL.
        "POSTGRES_MAX_OVERFLOW": "8",
        # How long a request waits for a pooled connection (and a new one to connect).
        "POSTGRES_CONNECT_TIMEOUT": "2",
        # No POSTGRES_PRE_PING (a round trip per checkout): GovrulesFactory's pool checks a
        # connection only when its socket is readable.
        # A write waits at most this long for the insert lock, then fails (503), never hangs.
        "POSTGRES_LOCK_TIMEOUT": "10",
        **database,
    }


def ensure_schema(database: dict[str, str], schema: str) -> None:
    with psycopg.connect(conninfo(database), autocommit=True, connect_timeout=5) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))


@contextmanager
def setup_lock(database: dict[str, str], schema: str) -> Iterator[None]:
    """Serialises the creation of a schema's tables across processes. PostgreSQL's CREATE ...
    IF NOT EXISTS is not safe against itself: an API and a follower process starting at once on
    a new schema can both try, and one dies on a unique violation in the catalog."""
    with psycopg.connect(conninfo(database), autocommit=True, connect_timeout=5) as conn:
        key = f"govrules-setup:{schema}"
        conn.execute("SELECT pg_advisory_lock(hashtext(%s))", (key,))
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (key,))


def embedded_database(data_dir: Path) -> dict[str, str]:
    """The zero-setup default: a private PostgreSQL from the ``pgserver`` wheel."""
    from pgserver.postgres_server import get_server

    pgdata = data_dir.resolve() / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(pgdata)
    server = get_server(pgdata, cleanup_mode="stop")
    return parse_database_url(server.get_uri())


def _forget_dead_handles(pgdata: Path) -> None:
    """pgserver stops its PostgreSQL when the last process using it exits, counting users in
    ``.handle_pids.json``; a process killed without running atexit stays listed forever and
    the server would never stop. Drop the pids that no longer run."""
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if isinstance(pid, int) and _running(pid)]
    handles.write_text(json.dumps(alive))


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
