"""The projection engine: read models kept exactly once, live and rebuildable.

Each read model owns tables in the store's schema, named with a generation
(``rm_documents_list_g1``). The registry row of a model holds its live generation and the log
position its rows reflect; every batch of events updates the rows AND that position in one
transaction, so a crash never applies an event twice or skips one. Catch-up reads the log in
large batches. Live, ONE follower per process (``Follower``) waits on LISTEN/NOTIFY with a
timeout (a lost NOTIFY only delays a batch by the poll interval), reads each new batch once and
feeds every model in one transaction, each model in a savepoint (``Engine.advance``), as the
rebuild feeds the models it builds. The library's insert lock commits events in position order,
so a reader never passes an event that commits later with a lower position.

A rebuild builds generation g+1 beside the live tables, tracks its own position (crash-safe
the same way), catches up, then switches readers in one transaction and drops the old tables.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, ClassVar, NamedTuple

import psycopg
from psycopg.rows import dict_row, tuple_row
from psycopg.sql import SQL, Composable, Identifier
from psycopg_pool import ConnectionPool

from domain.application import plain_state

log = logging.getLogger("govrules.projections")

REGISTRY = "rm_registry"
BATCH = 5000
REBUILD_BATCH = 20000
POLL_SECONDS = 1.0
# No JIT on our connections: the planner guesses hundreds of events per aggregate (there are a
# handful), and the cost it then sees switches JIT on. A trace that runs in 3 ms spent 118 ms
# compiling; every rebuild batch paid the compilation again. PostgreSQL's default suits long
# reports, not answers in milliseconds or a scan read a batch at a time.
NO_JIT = "-c jit=off"


Decode = Callable[[str, bytes], dict[str, Any]]


class Event(NamedTuple):
    """An event as read models see it: plain data decoded with orjson (no pydantic); a named
    tuple, the cheapest immutable record to build a million of."""

    position: int
    originator_id: str
    version: int
    type: str
    state: dict[str, Any]


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one rebuild batch. A batch holds some 10^6
    young objects (decoded payloads, rows) that are acyclic and freed by reference counting
    when it ends; with the collector on, they are traversed again and again as they age, and
    the log is read at about 60% of the speed. Only the collector that was on is turned back
    on (other threads may pause it too)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


class Tables:
    """The physical names of a model's tables in one generation."""

    def __init__(
        self,
        schema: str,
        model: str,
        generation: int,
        logical: Sequence[str],
        position: int = 0,
    ):
        self.schema = schema
        self.generation = generation
        self.position = position  # what a reader's snapshot of them reflects (Engine.read)
        self.names = {t: f"rm_{model}_{t}_g{generation}" for t in logical}

    def __getitem__(self, logical: str) -> Composable:
        return SQL("{}.{}").format(Identifier(self.schema), Identifier(self.names[logical]))


class ReadModel:
    """A read model: tables (logical name → column definitions) and how events change them."""

    name: ClassVar[str] = ""
    tables: ClassVar[dict[str, str]] = {}
    types: ClassVar[tuple[str, ...]] = ()  # the event types it reads (topic sans "govrules:")
    # Secondary indexes: (logical table, "(columns) [WHERE ...]"), made with each generation.
    indexes: ClassVar[tuple[tuple[str, str], ...]] = ()
    # Bump when what the rows mean changes without their columns changing (a new rule for a
    # status, a fixed fold): the model is then rebuilt at the next start, like a column change.
    version: ClassVar[int] = 1

    @classmethod
    def shape(cls) -> str:
        """The version and a hash of the tables' definitions, kept in the registry: when the
        code's shape differs from the live generation's, ``Engine.setup`` rebuilds the model
        beside the live tables and switches to it (a new index alone is only added)."""
        ddl = "\n".join(f"{name}({columns})" for name, columns in sorted(cls.tables.items()))
        return f"v{cls.version}:{hashlib.sha256(ddl.encode()).hexdigest()[:16]}"

    def rows(self, t: Tables, logical: str) -> Composable:
        """A query of the table's rows as they mean, whatever batches wrote them: what a rebuild
        is compared by. A table that packs a batch's rows into one (arrays) unpacks here."""
        return SQL("SELECT * FROM {}").format(t[logical])

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        """Change the rows for a batch of events, in the caller's transaction. Fold the batch
        in memory and write each row once (``insert_rows``, ``executemany``), or wrap
        statement-per-event loops in ``cur.connection.pipeline()``."""
        raise NotImplementedError


class PipelinedModel(ReadModel):
    """A read model that runs statements event by event: they go out in pipeline mode, so
    none waits on a round trip (a read inside still works: it syncs the pipeline)."""

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        with cur.connection.pipeline():
            self.apply_pipelined(cur, t, events)

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        raise NotImplementedError


def rows_of(
    cur: psycopg.Cursor[Any], table: Composable, columns: str, key: str, ids: Sequence[str]
) -> list[dict[str, Any]]:
    """The rows of ``table`` whose uuid column ``key`` is one of ``ids`` (returned as text), in
    one query: how a folding model reads back what an earlier batch wrote."""
    if not ids:
        return []
    return cur.execute(
        SQL("SELECT {k}::text AS {k}, " + columns + " FROM {} WHERE {k} = ANY(%s::uuid[])").format(
            table, k=Identifier(key)
        ),
        (list(ids),),
    ).fetchall()


COPY_FROM = 100  # rows: fewer go in one pipelined executemany, more through COPY


def insert_rows(
    cur: psycopg.Cursor[Any],
    table: Composable,
    columns: Sequence[str],
    rows: Sequence[dict[str, Any]],
    on_conflict: str = "",
) -> None:
    """Insert ``rows`` (dicts with ``columns``) into ``table``: a few with one pipelined
    executemany; many with COPY (about 4x faster here), through a temporary table when
    ``on_conflict`` (e.g. ``ON CONFLICT (id) DO UPDATE SET ...``) must apply."""
    if not rows:
        return
    names = SQL(", ").join(Identifier(c) for c in columns)
    if len(rows) < COPY_FROM:
        values = SQL(", ").join(SQL("%({})s").format(SQL(c)) for c in columns)
        cur.executemany(
            SQL("INSERT INTO {} ({}) VALUES ({}) " + on_conflict).format(table, names, values),
            rows,
        )
        return
    target: Composable = table
    if on_conflict:
        # A temporary table per target table (its shape), kept for the session.
        digest = hashlib.md5(table.as_string(cur).encode(), usedforsecurity=False).hexdigest()
        target = Identifier(f"rm_incoming_{digest[:16]}")
        cur.execute(
            SQL("CREATE TEMPORARY TABLE IF NOT EXISTS {} (LIKE {}) ON COMMIT DELETE ROWS").format(
                target, table
            )
        )
        cur.execute(SQL("TRUNCATE {}").format(target))
    with cur.copy(SQL("COPY {} ({}) FROM STDIN").format(target, names)) as copy:
        for row in rows:
            copy.write_row([row[c] for c in columns])
    if on_conflict:
        cur.execute(
            SQL("INSERT INTO {} ({}) SELECT {} FROM {} " + on_conflict).format(
                table, names, names, target
            )
        )


class Engine:
    """Registry, catch-up, rebuild and reads of every read model over one event store."""

    READ_POOL_SIZE = 8  # per process; PostgreSQL's 100 connections serve every worker

    def __init__(
        self,
        conninfo: str,
        schema: str,
        events_table: str,
        models: Sequence[ReadModel],
        decode: Decode = plain_state,
    ):
        self.conninfo = conninfo
        self.decode = decode  # stored bytes → today's payload (the application's mapper)
        self.schema = schema
        self.events = SQL("{}.{}").format(Identifier(schema), Identifier(events_table))
        self.channel = events_table
        self.models = {m.name: m for m in models}
        self.registry = SQL("{}.{}").format(Identifier(schema), Identifier(REGISTRY))
        self._drop_key = f"govrules-read-model-drop:{schema}"
        self._pool_lock = threading.Lock()
        self._reader_pool: ConnectionPool[psycopg.Connection[Any]] | None = None

    def _pool(self) -> ConnectionPool[psycopg.Connection[Any]]:
        """Readers' connections, pooled (a read must not pay for a new connection)."""
        from projections.store import check_if_readable  # here: the rest of engine.py is shared

        with self._pool_lock:
            if self._reader_pool is None:
                self._reader_pool = ConnectionPool(
                    self.conninfo,
                    min_size=1,
                    max_size=self.READ_POOL_SIZE,
                    kwargs={"row_factory": dict_row, "connect_timeout": 5, "options": NO_JIT},
                    timeout=3,  # then 503: within 5 s when the store is down (R5)
                    # A connection the server dropped (a restart) is replaced, not handed out;
                    # checked by a query only when its socket is readable (no round trip).
                    check=check_if_readable,
                    open=True,
                    name=f"read-models-{self.schema}",
                )
            return self._reader_pool

    def close(self) -> None:
        with self._pool_lock:
            if self._reader_pool is not None:
                self._reader_pool.close()
                self._reader_pool = None

    @contextmanager
    def read(
        self, names: Sequence[str]
    ) -> Iterator[tuple[psycopg.Connection[Any], dict[str, Tables], int]]:
        """The live tables of each model in one snapshot (REPEATABLE READ), and the lowest
        position they reflect. The transaction holds the read models' shared advisory lock:
        a rebuild drops old tables only under the exclusive one, so a reader that found an
        old generation just before a switch still reads it whole."""
        with self._pool().connection() as conn:
            conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ  # in BEGIN itself
            try:
                with conn.transaction():
                    # The lock and every model's live generation in one round trip (a summary
                    # reads seven models: seven lookups were a tenth of its time).
                    rows = conn.execute(
                        SQL(
                            "SELECT r.name, r.generation, r.position FROM "
                            "(SELECT pg_advisory_xact_lock_shared(hashtext(%s))) AS locked, "
                            "{} AS r WHERE r.name = ANY(%s)"
                        ).format(self.registry),
                        (self._drop_key, list(names)),
                    ).fetchall()
                    live = {r["name"]: r for r in rows}
                    missing = [name for name in names if name not in live]
                    if missing:
                        raise LookupError(f"no read model {missing[0]!r}")
                    tables = {
                        name: Tables(
                            self.schema,
                            name,
                            live[name]["generation"],
                            list(self.models[name].tables),
                            int(live[name]["position"]),
                        )
                        for name in names
                    }
                    yield conn, tables, min(int(live[name]["position"]) for name in names)
            finally:  # the pool's other users read in the default level
                if conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
                    conn.isolation_level = None

    @contextmanager
    def pooled(self) -> Iterator[psycopg.Connection[Any]]:
        """A reader's pooled connection (dict rows), for reads beside the read models: the
        log itself, its chain and its tree."""
        with self._pool().connection() as conn:
            yield conn

    @contextmanager
    def connect(self, autocommit: bool = False) -> Iterator[psycopg.Connection[Any]]:
        with psycopg.connect(
            self.conninfo,
            autocommit=autocommit,
            row_factory=dict_row,
            connect_timeout=5,
            options=NO_JIT,
        ) as conn:
            yield conn

    # ----- registry ------------------------------------------------------------------------

    def setup(self, rebuild_batch: int = REBUILD_BATCH) -> list[str]:
        """Create the registry and, for a model seen for the first time, its generation 1; a
        live generation gets any index its model declares since (CREATE ... IF NOT EXISTS).
        A model whose shape (version, columns) differs from its live generation's is rebuilt
        beside it and switched to, before this returns: readers never meet a table without
        the columns the code asks for. Callers hold ``setup_lock`` (one process at a time).
        Returns the names of the models rebuilt."""
        stale: list[str] = []
        with self.connect() as conn:
            conn.execute(
                SQL(
                    "CREATE TABLE IF NOT EXISTS {} (name text PRIMARY KEY, generation int NOT "
                    "NULL, position bigint NOT NULL DEFAULT 0, state text NOT NULL DEFAULT "
                    "'running', error text, failed_position bigint, building int, "
                    "building_position bigint NOT NULL DEFAULT 0, updated_at timestamptz NOT "
                    "NULL DEFAULT now())"
                ).format(self.registry)
            )
            # Registries made before models had versions: their shape is unknown (NULL), so
            # every model is rebuilt once, and recorded with its shape from then on.
            conn.execute(
                SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS shape text").format(self.registry)
            )
            for model in self.models.values():
                if self._setup_model(conn, model):
                    stale.append(model.name)
        if stale:
            log.warning("read models changed shape, rebuilding before serving: %s", stale)
            self.rebuild(stale, batch=rebuild_batch)
        return stale

    def _setup_model(self, conn: psycopg.Connection[Any], model: ReadModel) -> bool:
        """Register a new model, or tell whether a known one is stale. A stale model's
        unfinished rebuild (built to a shape nobody knows) is dropped, to start afresh."""
        inserted = conn.execute(
            SQL(
                "INSERT INTO {} (name, generation, shape) VALUES (%s, 1, %s) "
                "ON CONFLICT (name) DO NOTHING RETURNING name"
            ).format(self.registry),
            (model.name, model.shape()),
        ).fetchone()
        if inserted:
            self._create_tables(conn, model, 1)
            return False
        live = conn.execute(
            SQL("SELECT generation, shape, building FROM {} WHERE name = %s").format(self.registry),
            (model.name,),
        ).fetchone()
        assert live is not None
        if live["shape"] == model.shape():
            if model.indexes:
                self._create_tables(conn, model, int(live["generation"]))
            return False
        if live["building"] is not None:
            self._drop_tables(conn, model, int(live["building"]))
            conn.execute(
                SQL("UPDATE {} SET building = NULL, building_position = 0 WHERE name = %s").format(
                    self.registry
                ),
                (model.name,),
            )
        return True

    def _create_tables(self, conn: psycopg.Connection[Any], model: ReadModel, gen: int) -> None:
        t = Tables(self.schema, model.name, gen, list(model.tables))
        for logical, columns in model.tables.items():
            conn.execute(SQL("CREATE TABLE IF NOT EXISTS {} (" + columns + ")").format(t[logical]))
        for i, (logical, spec) in enumerate(model.indexes):
            name = Identifier(f"{t.names[logical]}_ix{i}")
            conn.execute(
                SQL("CREATE INDEX IF NOT EXISTS {} ON {} " + spec).format(name, t[logical])
            )

    def _drop_tables(self, conn: psycopg.Connection[Any], model: ReadModel, gen: int) -> None:
        t = Tables(self.schema, model.name, gen, list(model.tables))
        for logical in model.tables:
            conn.execute(SQL("DROP TABLE IF EXISTS {}").format(t[logical]))

    def store_ready(self, conn: psycopg.Connection[Any] | None = None) -> bool:
        """Whether the event table exists yet (the API creates it on its first start)."""
        if conn is None:
            with self.connect(autocommit=True) as own:
                return self.store_ready(own)
        row = conn.execute("SELECT to_regclass(%s) AS t", (self.events.as_string(conn),))
        found = row.fetchone()
        return bool(found and found["t"])

    def status(self) -> list[dict[str, Any]]:
        """Every model's registry row and its lag behind the log's head (GET /health)."""
        with self._pool().connection() as conn:
            head = conn.execute(
                SQL("SELECT COALESCE(MAX(notification_id), 0) AS head FROM {}").format(self.events)
            ).fetchone()
            rows = conn.execute(
                SQL(
                    "SELECT name, generation, shape, position, state, error, failed_position, "
                    "building, building_position FROM {} ORDER BY name"
                ).format(self.registry)
            ).fetchall()
        top = int(head["head"]) if head else 0
        return [{**r, "lag": max(0, top - int(r["position"]))} for r in rows]

    def tables(self, conn: psycopg.Connection[Any], name: str) -> tuple[Tables, int]:
        """The live tables of a model for a reader, and the position they reflect."""
        row = conn.execute(
            SQL("SELECT generation, position FROM {} WHERE name = %s").format(self.registry),
            (name,),
        ).fetchone()
        if row is None:
            raise LookupError(f"no read model {name!r}")
        model = self.models[name]
        return Tables(self.schema, name, row["generation"], list(model.tables)), row["position"]

    def position(self, name: str) -> int:
        with self._pool().connection() as conn:
            return self.tables(conn, name)[1]

    def wait_for(self, name: str, position: int, timeout: float) -> int | None:
        """Read-your-writes: the model's position once it reached ``position``, else None
        (one pooled connection polls every 10 ms)."""
        deadline = time.monotonic() + timeout
        with self._pool().connection() as conn:
            while True:
                current = self.tables(conn, name)[1]
                conn.commit()  # end the poll's transaction: the next one sees newer commits
                if current >= position:
                    return current
                if time.monotonic() >= deadline:
                    return None
                time.sleep(0.01)

    # ----- applying events -----------------------------------------------------------------

    def _read(
        self, conn: psycopg.Connection[Any], after: int, limit: int, types: frozenset[str] | None
    ) -> list[Event]:
        """The next ``limit`` events after ``after``; only the payloads of ``types`` are
        decoded (None: every payload), the others carry an empty state no model reads."""
        with conn.cursor(row_factory=tuple_row, binary=True) as cur:  # bytea as is, not hex
            rows = cur.execute(
                SQL(
                    "SELECT notification_id, originator_id::text, originator_version, topic, "
                    "state FROM {} WHERE notification_id > %s ORDER BY notification_id LIMIT %s"
                ).format(self.events),
                (after, limit),
            ).fetchall()
        decode = self.decode
        events = []
        for position, originator, version, topic, state in rows:
            kind = topic.split(":", 1)[-1]
            wanted = types is None or kind in types
            events.append(
                Event(position, originator, version, kind, decode(topic, state) if wanted else {})
            )
        return events

    def _types(self, names: Sequence[str]) -> frozenset[str] | None:
        """The event types the named models read; None when one of them reads every type."""
        wanted: set[str] = set()
        for name in names:
            model = self.models[name]
            if not model.types:
                return None
            wanted.update(model.types)
        return frozenset(wanted)

    def step(
        self, name: str, batch: int = BATCH, conn: psycopg.Connection[Any] | None = None
    ) -> int:
        """Apply the next batch to one model's live generation (``advance`` for one name).
        Returns how many events were read (0: caught up, or the model is not running)."""
        if conn is None:
            with self.connect() as own:
                return self.advance(own, [name], batch)
        return self.advance(conn, [name], batch)

    def catch_up(
        self,
        names: str | Sequence[str] = (),
        batch: int = BATCH,
        conn: psycopg.Connection[Any] | None = None,
    ) -> None:
        """Apply batches to the named running models (one name, several, or all) until they
        are caught up, on ``conn`` or one connection of its own for every batch. A model that
        raises stops alone (``advance``)."""
        wanted = [names] if isinstance(names, str) else list(names or self.models)
        if conn is None:
            with self.connect() as own:
                return self.catch_up(wanted, batch, own)
        while self.advance(conn, wanted, batch):
            pass

    def advance(
        self, conn: psycopg.Connection[Any], names: Sequence[str], batch: int = BATCH
    ) -> int:
        """One batch for the named models that are running, as the rebuild does it: the
        registry rows locked (ORDER BY name, as the rebuild's switch locks them), the next
        events read ONCE from the lowest position among them and routed to each model, each
        model's events past its own position applied, the positions moved, and one commit.
        A model that raises (R12) stops alone: the batch is done again with each model in a
        savepoint, the failing one's is rolled back, its events are applied again one at a
        time to keep those before the bad one, and it is marked failed at the bad one; the
        other models' rows of the batch are committed all the same. (Savepoints only then:
        each costs two round trips per model, a third of a live batch's time.)
        Returns how many events were read (0: caught up)."""
        if not self._behind(conn, names):
            return 0  # nothing new: no locks taken, no transaction to commit
        try:
            with conn.transaction():
                return self._batch(conn, names, batch, isolated=False)
        except psycopg.OperationalError:
            raise  # the store, not a model: the caller reconnects and tries again
        except Exception:  # a model raised: all of it was rolled back; each alone this time
            with conn.transaction():
                return self._batch(conn, names, batch, isolated=True)

    def _batch(
        self, conn: psycopg.Connection[Any], names: Sequence[str], batch: int, isolated: bool
    ) -> int:
        rows = conn.execute(
            SQL(
                "SELECT name, generation, position, state FROM {} WHERE name = ANY(%s) "
                "ORDER BY name FOR UPDATE"
            ).format(self.registry),
            (list(names),),
        ).fetchall()
        running = {r["name"]: r for r in rows if r["state"] == "running"}
        if not running:
            return 0
        low = min(int(r["position"]) for r in running.values())
        events = self._read(conn, low, batch, self._types(list(running)))
        if not events:
            return 0
        last = events[-1].position
        advanced: list[str] = []
        for name, todo in self._route(list(running), events).items():
            after = int(running[name]["position"])
            if todo and todo[0].position <= after:  # ahead of this batch's start
                todo = [e for e in todo if e.position > after]
            if not todo:
                advanced.append(name)
                continue
            model = self.models[name]
            t = Tables(self.schema, name, running[name]["generation"], list(model.tables))
            if not isolated:
                self._apply(conn, name, t, todo)
                advanced.append(name)
                continue
            try:
                with conn.transaction():  # a savepoint: a model that raises undoes only itself
                    self._apply(conn, name, t, todo)
            except psycopg.OperationalError:
                raise
            except Exception as e:
                self._fail_alone(conn, name, t, todo, events, after, e)
            else:
                advanced.append(name)
        if advanced:
            conn.execute(
                SQL(
                    "UPDATE {} SET position = GREATEST(position, %s), updated_at = now() "
                    "WHERE name = ANY(%s)"
                ).format(self.registry),
                (last, advanced),
            )
        return len(events)

    def _behind(self, conn: psycopg.Connection[Any], names: Sequence[str]) -> bool:
        """Whether the log's head is past the lowest position of the named running models:
        one read-only round trip, so a wake-up with nothing new (a poll, a NOTIFY already
        served) neither locks the registry nor commits."""
        query = SQL(
            "SELECT (SELECT COALESCE(MAX(notification_id), 0) FROM {}) > COALESCE((SELECT "
            "MIN(position) FROM {} WHERE name = ANY(%s) AND state = 'running'), "
            "9223372036854775807) AS behind"
        ).format(self.events, self.registry)
        if conn.autocommit:
            row = conn.execute(query, (list(names),)).fetchone()
        else:
            with conn.transaction():  # not left idle in a transaction
                row = conn.execute(query, (list(names),)).fetchone()
        return bool(row and row["behind"])

    def _apply(
        self, conn: psycopg.Connection[Any], name: str, t: Tables, events: list[Event]
    ) -> None:
        with conn.cursor() as cur:  # a cursor each: results never cross models
            self.models[name].apply(cur, t, events)

    def _fail_alone(
        self,
        conn: psycopg.Connection[Any],
        name: str,
        t: Tables,
        todo: list[Event],
        events: list[Event],
        after: int,
        error: BaseException,
    ) -> None:
        """R12: the model's batch raised and was rolled back to its savepoint. Apply its events
        again one at a time, each in a savepoint, to keep those before the bad one; then the
        model stops alone, its position just before the bad event, the bad event's position
        and the error on record (all in the caller's transaction)."""
        bad: Event | None = None
        for event in todo:
            try:
                with conn.transaction():
                    self._apply(conn, name, t, [event])
            except psycopg.OperationalError:
                raise
            except Exception as e:
                bad, error = event, e
                break
        if bad is None:  # the batch raised, no event alone does: it went through after all
            position = events[-1].position
        else:
            position = max([after, *(e.position for e in events if e.position < bad.position)])
        conn.execute(
            SQL(
                "UPDATE {} SET position = %s, state = %s, error = %s, failed_position = %s, "
                "updated_at = now() WHERE name = %s"
            ).format(self.registry),
            (
                position,
                "running" if bad is None else "failed",
                None if bad is None else f"{type(error).__name__}: {error}",
                None if bad is None else bad.position,
                name,
            ),
        )
        if bad is not None:
            log.error(
                "read model %s failed after position %s: %s", name, position, error, exc_info=error
            )

    # ----- rebuild -------------------------------------------------------------------------

    def rebuild(
        self,
        names: str | Sequence[str] = (),
        batch: int = REBUILD_BATCH,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Rebuild read models (one name, several, or all): build generation g+1 of each beside
        the live one (resuming a rebuild a crash cut short), catch up with ONE scan of the log
        feeding every model in the same batch transaction, then switch readers atomically and
        drop the old tables."""
        wanted = [names] if isinstance(names, str) else list(names or self.models)
        for name in wanted:
            if name not in self.models:
                raise LookupError(f"no read model {name!r}")
        building = {name: self._start_building(name) for name in wanted}
        with self.connect() as conn:  # one connection, one transaction per batch
            while True:
                read, position, head = self._rebuild_step(conn, building, batch)
                if progress is not None:
                    progress(position, head)
                if read == 0:
                    break
        self._switch(building, batch)

    def _start_building(self, name: str) -> int:
        """The generation being built for ``name``: the one a cut-short rebuild left, or a new
        empty one."""
        model = self.models[name]
        with self.connect() as conn, conn.transaction():
            row = conn.execute(
                SQL("SELECT generation, building FROM {} WHERE name = %s FOR UPDATE").format(
                    self.registry
                ),
                (name,),
            ).fetchone()
            assert row is not None, f"no read model {name!r}"
            if row["building"] is not None:
                return int(row["building"])
            building = int(row["generation"]) + 1
            self._drop_tables(conn, model, building)
            self._create_tables(conn, model, building)
            conn.execute(
                SQL("UPDATE {} SET building = %s, building_position = 0 WHERE name = %s").format(
                    self.registry
                ),
                (building, name),
            )
            return building

    def _apply_building(
        self,
        conn: psycopg.Connection[Any],
        building: dict[str, int],
        positions: dict[str, int],
        events: list[Event],
    ) -> None:
        """Feed one batch to every model being built, each from past its own position (models
        resumed after a crash may stand at different positions), all in the caller's
        transaction."""
        for name, todo in self._route(list(building), events).items():
            after = positions[name]
            if todo and todo[0].position <= after:  # resumed ahead of this batch's start
                todo = [e for e in todo if e.position > after]
            if todo:
                model = self.models[name]
                with conn.cursor() as cur:  # a cursor each: results never cross models
                    tables = Tables(self.schema, name, building[name], list(model.tables))
                    model.apply(cur, tables, todo)

    def _route(self, names: list[str], events: list[Event]) -> dict[str, list[Event]]:
        """Each model's events of the batch, in order, in one pass over it (asking each model
        of each event cost a tenth of a rebuild)."""
        routed: dict[str, list[Event]] = {name: [] for name in names}
        readers: dict[str, list[list[Event]]] = {}
        for name in names:
            if not self.models[name].types:
                routed[name] = events
            else:
                for kind in self.models[name].types:
                    readers.setdefault(kind, []).append(routed[name])
        for e in events:
            for todo in readers.get(e.type, ()):
                todo.append(e)
        return routed

    def _lock_building(
        self, conn: psycopg.Connection[Any], names: Sequence[str], column: str
    ) -> dict[str, int]:
        rows = conn.execute(
            SQL(
                "SELECT name, {} AS p FROM {} WHERE name = ANY(%s) ORDER BY name FOR UPDATE"
            ).format(Identifier(column), self.registry),
            (list(names),),
        ).fetchall()
        return {r["name"]: int(r["p"]) for r in rows}

    def _rebuild_step(
        self, conn: psycopg.Connection[Any], building: dict[str, int], batch: int
    ) -> tuple[int, int, int]:
        """One batch of the shared scan: rows of every model and their building positions in
        one transaction (a crash loses the batch whole, and the rebuild resumes before it)."""
        with conn.transaction(), cyclic_gc_paused():
            positions = self._lock_building(conn, list(building), "building_position")
            low = min(positions.values())
            head_row = conn.execute(
                SQL("SELECT COALESCE(MAX(notification_id), 0) AS head FROM {}").format(self.events)
            ).fetchone()
            head = int(head_row["head"]) if head_row else 0
            events = self._read(conn, low, batch, self._types(list(building)))
            if not events:
                return 0, low, head
            self._apply_building(conn, building, positions, events)
            conn.execute(
                SQL("UPDATE {} SET building_position = %s WHERE name = ANY(%s)").format(
                    self.registry
                ),
                (events[-1].position, list(building)),
            )
            return len(events), events[-1].position, head

    def _switch(self, building: dict[str, int], batch: int) -> None:
        """Under the registry rows' locks (the live follower waits), apply what came meanwhile
        and make the new generations the live ones, all in one transaction; then drop the old
        tables."""
        with self.connect() as conn, conn.transaction():
            positions = self._lock_building(conn, list(building), "building_position")
            old = {
                r["name"]: int(r["generation"])
                for r in conn.execute(
                    SQL("SELECT name, generation FROM {} WHERE name = ANY(%s)").format(
                        self.registry
                    ),
                    (list(building),),
                ).fetchall()
            }
            position = min(positions.values())
            while events := self._read(conn, position, batch, self._types(list(building))):
                self._apply_building(conn, building, positions, events)
                position = events[-1].position
                positions = dict.fromkeys(building, position)
            for name, gen in building.items():
                conn.execute(
                    SQL(
                        "UPDATE {} SET generation = %s, position = %s, building = NULL, "
                        "building_position = 0, state = 'running', error = NULL, "
                        "failed_position = NULL, shape = %s, updated_at = now() WHERE name = %s"
                    ).format(self.registry),
                    (gen, max(position, positions[name]), self.models[name].shape(), name),
                )
        # A reader that looked up an old generation just before the switch may still be about
        # to read it: wait for every reader in flight (they hold the shared lock), then drop.
        # Readers that start later see the new generation.
        with self.connect() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self._drop_key,))
            for name, gen in old.items():
                self._drop_tables(conn, self.models[name], gen)


def follower_key(schema: str) -> str:
    """The advisory lock that elects one follower per schema (``Follower(elect=True)``)."""
    return f"govrules-follower:{schema}"


class Follower:
    """Keeps read models live in ONE thread per process, on two connections it keeps: a
    listener (LISTEN, autocommit) and a worker. Each wake-up — a NOTIFY, or the poll interval,
    so a lost NOTIFY (upstream issue #305) only delays a batch — reads each new batch once and
    feeds every model it follows (``Engine.advance``), until caught up. A model that raises
    stops alone (R12); a model not running is skipped. A lost store (R5) closes both
    connections and they are opened again after a short backoff.

    ``elect``: only one follower per schema applies at a time, whichever process it is in
    (several API workers, the API and ``python -m projections``, R13). The listener's session
    holds ``pg_try_advisory_lock`` on ``follower_key(schema)``; a follower that does not get it
    stands by and tries again every poll, and takes over within a poll of the active one's
    session ending (its process died). Exactly-once does not depend on it: the registry rows
    are locked per batch either way; the election only spares the work done twice."""

    BACKOFF_MIN, BACKOFF_MAX = 0.2, 2.0
    WAKE_SLICE = 0.25  # seconds: how long ``stop`` may wait for the listener at most

    def __init__(
        self,
        engine: Engine,
        names: Sequence[str] | None = None,
        poll: float = POLL_SECONDS,
        batch: int = BATCH,
        elect: bool = True,
    ) -> None:
        self.engine = engine
        self.names = list(names or engine.models)
        self.poll = poll
        self.batch = batch
        self.elect = elect
        self.active = threading.Event()  # elected (or not electing) and following the log
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, name="projection-follower", daemon=True)

    def start(self) -> Follower:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()
        if self.thread.ident is not None:  # started
            self.thread.join(timeout=10)

    def _run(self) -> None:
        backoff = self.BACKOFF_MIN
        while not self.stopped.is_set():
            try:
                self._follow()
                return
            except psycopg.OperationalError as e:
                log.warning("the read models' follower lost the store (%s); retrying", e)
            except Exception:  # not a model's error (those stop the model alone): retry
                log.exception("the read models' follower failed; retrying")
            self.active.clear()
            self.stopped.wait(backoff)
            backoff = min(backoff * 2, self.BACKOFF_MAX)

    def _follow(self) -> None:
        engine = self.engine
        with (
            engine.connect(autocommit=True) as listener,
            engine.connect(autocommit=True) as worker,
        ):
            if not self._wait_for_store(worker) or not self._elected(listener):
                return
            listener.execute(SQL("LISTEN {}").format(Identifier(engine.channel)))
            self.active.set()
            log.info("following the log for read models: %s", ", ".join(self.names))
            while not self.stopped.is_set():
                # A batch shorter than asked for read up to the head: whatever commits later
                # NOTIFYs after it commits, and we are listening already.
                while engine.advance(worker, self.names, self.batch) >= self.batch:
                    if self.stopped.is_set():
                        return
                self._wait(listener)

    def _wait_for_store(self, conn: psycopg.Connection[Any]) -> bool:
        """Followers may start before the API's first start has made the event table."""
        announced = False
        while not self.engine.store_ready(conn):
            if not announced:
                log.info("the read models' follower waits for the event store to be created")
                announced = True
            if self.stopped.wait(self.poll):
                return False
        return True

    def _elected(self, listener: psycopg.Connection[Any]) -> bool:
        """Whether this follower may apply (after standing by as long as another holds the
        lock); False when stopped meanwhile."""
        if not self.elect:
            return True
        key = follower_key(self.engine.schema)
        announced = False
        while not self.stopped.is_set():
            row = listener.execute(
                "SELECT pg_try_advisory_lock(hashtext(%s)) AS got", (key,)
            ).fetchone()
            if row and row["got"]:
                if announced:
                    log.info("the read models' follower took over from the one that stopped")
                return True
            if not announced:
                log.info("another process follows the log; this follower stands by")
                announced = True
            self.stopped.wait(self.poll)
        return False

    def _wait(self, listener: psycopg.Connection[Any]) -> None:
        """Until a NOTIFY, the poll interval, or ``stop`` (checked every ``WAKE_SLICE``)."""
        deadline = time.monotonic() + self.poll
        while not self.stopped.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            for _ in listener.notifies(timeout=min(left, self.WAKE_SLICE), stop_after=1):
                return
