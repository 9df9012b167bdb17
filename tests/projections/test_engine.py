"""Projection specs (given events, then rows) and the engine's guarantees: exactly once, a
failing model stops alone (R12), rebuild beside the live tables, resumable, readers never fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL, Identifier

from api.services import Services, build_services
from projections.engine import (
    COPY_FROM,
    Engine,
    Event,
    Follower,
    PipelinedModel,
    ReadModel,
    Tables,
    insert_rows,
)
from projections.models import MODELS
from projections.store import (
    EVENTS_TABLE,
    conninfo,
    ensure_schema,
    parse_database_url,
    setup_lock,
)
from scripts.city import generate
from tests.projections.checks import rows_checksum
from tests.support.http import auth
from tests.support.polling import eventually

ROOT = Path(__file__).resolve().parents[2]


def draft(client, who: str = "p-finance-head", **fields) -> dict[str, Any]:
    body = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["专项资金"],
        **fields,
    }
    r = client.post("/documents", json=body, headers=auth(who))
    assert r.status_code == 201, r.text
    return r.json()


def rows(engine: Engine, name: str, table: str, order: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        t, _ = engine.tables(conn, name)
        return conn.execute(SQL("SELECT * FROM {} ORDER BY " + order).format(t[table])).fetchall()


# ----- projection specs: given events, then rows ------------------------------------------


def test_documents_list_given_drafted_countersigned_signed_numbered_then_rows(client, services):
    request = draft(client)
    notice = draft(
        client,
        who="p-office-dir",
        doc_type="notice",
        from_unit_id="u-gov",
        to="u-ecology",
        drafting_unit_id="u-ecology",
    )
    signed = client.post(
        f"/documents/{notice['id']}/sign-off", json={"opinion": "同意"}, headers=auth("p-vm-a")
    )
    assert signed.status_code == 200, signed.text
    numbered = client.post(
        f"/documents/{notice['id']}/register",
        json={"issuer_code": "攀府发"},
        headers=auth("p-office-dir"),
    )
    assert numbered.status_code == 200, numbered.text
    services.engine.catch_up("documents")

    got = {str(r["id"]): r for r in rows(services.engine, "documents", "list", "id")}
    assert got[request["id"]]["status"] == "drafted"
    assert got[request["id"]]["version"] == 1
    assert got[notice["id"]]["status"] == "numbered"
    assert got[notice["id"]]["number"] == "攀府发〔2026〕1号"
    assert got[notice["id"]]["version"] == 3


def test_countersigns_given_requested_and_answered_then_rows(client, services):
    doc = draft(client)
    client.post(
        f"/documents/{doc['id']}/countersign-requests",
        json={"unit_ids": ["u-ecology", "u-housing"]},
        headers=auth("p-finance-head"),
    )
    client.post(
        f"/documents/{doc['id']}/countersignatures",
        json={"unit_id": "u-housing", "opinion": "disagree", "reasons": "资金来源不明"},
        headers=auth("p-housing-head"),
    )
    services.engine.catch_up("countersigns")

    got = [
        (r["unit_id"], r["status"], r["opinion"])
        for r in rows(services.engine, "countersigns", "requests", "unit_id")
    ]
    assert got == [("u-ecology", "pending", None), ("u-housing", "answered", "disagree")]


def test_each_event_is_applied_once_and_the_position_moves_with_the_rows(client, services):
    docs = [draft(client, title=f"请示{i}") for i in range(7)]
    engine = services.engine
    while engine.step("documents", batch=3):
        pass
    engine.catch_up("documents")  # nothing left: applying again changes nothing
    assert len(rows(engine, "documents", "list", "id")) == 7
    assert engine.position("documents") == docs[-1]["position"]


def test_a_follower_that_hears_no_notify_still_catches_up_by_polling(client, services):
    """A lost NOTIFY (upstream issue #305) only delays a batch by the poll interval: this
    follower listens on a channel nobody notifies, so polling is all it has."""
    deaf = Engine(services.engine.conninfo, services.engine.schema, "govrules_events", MODELS)
    deaf.channel = "nobody_notifies_this_channel"
    follower = Follower(deaf, ["documents"], poll=0.2, elect=False).start()
    try:
        written = draft(client, title="无人通知")
        eventually(
            lambda: deaf.position("documents") >= written["position"],
            interval=0.05,
            what="the follower polled the new event",
        )
        titles = [r["title"] for r in rows(deaf, "documents", "list", "id")]
        assert titles == ["无人通知"]
    finally:
        follower.stop()
        deaf.close()


# ----- R12: a model that raises stops alone -----------------------------------------------


class Exploding(ReadModel):
    name: ClassVar[str] = "exploding"
    tables: ClassVar[dict[str, str]] = {"seen": "position bigint PRIMARY KEY"}

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            if e.type == "DocumentDrafted":
                raise ValueError(f"cannot project event {e.position}")
            cur.execute(SQL("INSERT INTO {} VALUES (%s)").format(t["seen"]), (e.position,))


def test_R12_a_model_that_raises_stops_alone_with_its_position_and_error(client, services):
    engine = Engine(
        services.engine.conninfo,
        services.engine.schema,
        "govrules_events",
        [*MODELS, Exploding()],
    )
    engine.setup()

    follower = Follower(engine, poll=0.05, elect=False).start()
    try:
        doc = draft(client)
        assert engine.wait_for("documents", doc["position"], 10) is not None

        def failed() -> dict[str, dict[str, Any]] | None:
            status = {s["name"]: s for s in engine.status()}
            return status if status["exploding"]["state"] == "failed" else None

        status = eventually(failed, timeout=5, interval=0.05, what="the exploding model failed")
        assert status["exploding"]["failed_position"] == doc["position"]
        assert "cannot project event" in status["exploding"]["error"]
        assert status["documents"]["state"] == "running"
        later = draft(client, title="之后的请示")
        assert engine.wait_for("documents", later["position"], 10) is not None
        assert engine.position("exploding") == doc["position"] - 1
    finally:
        follower.stop()
        engine.close()


# ----- one follower: each batch read once, fed to every model, committed once -------------


class Stuttering(PipelinedModel):
    """Raises in SQL, not in Python: the second document drafted breaks a primary key."""

    name: ClassVar[str] = "stuttering"
    tables: ClassVar[dict[str, str]] = {"drafts": "one int PRIMARY KEY, position bigint"}
    types: ClassVar[tuple[str, ...]] = ("DocumentDrafted",)

    def apply_pipelined(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            cur.execute(SQL("INSERT INTO {} VALUES (1, %s)").format(t["drafts"]), (e.position,))


class Tally(ReadModel):
    """One row per event applied, no key: an event applied twice shows as two rows."""

    name: ClassVar[str] = "tally"
    tables: ClassVar[dict[str, str]] = {"seen": "position bigint NOT NULL"}

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        cur.executemany(
            SQL("INSERT INTO {} VALUES (%s)").format(t["seen"]), [(e.position,) for e in events]
        )


class CountingEngine(Engine):
    """An engine that counts its reads of the log."""

    reads = 0

    def _read(self, *args: Any, **kwargs: Any) -> list[Event]:
        self.reads += 1
        return super()._read(*args, **kwargs)


def log_positions(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        found = conn.execute(
            SQL("SELECT notification_id AS p FROM {} ORDER BY 1").format(engine.events)
        ).fetchall()
    return [r["p"] for r in found]


def registry_xmins(engine: Engine, names: list[str]) -> dict[str, str]:
    """The transaction that last wrote each model's registry row."""
    with engine.connect() as conn:
        found = conn.execute(
            SQL("SELECT name, xmin::text AS x FROM {} WHERE name = ANY(%s)").format(
                engine.registry
            ),
            (names,),
        ).fetchall()
    return {r["name"]: r["x"] for r in found}


def test_one_batch_feeds_several_models_in_one_read_and_one_commit(client, services):
    docs = [draft(client, title=f"请示{i}") for i in range(3)]
    r = client.post(
        f"/documents/{docs[0]['id']}/countersign-requests",
        json={"unit_ids": ["u-ecology"]},
        headers=auth("p-finance-head"),
    )
    assert r.status_code == 200, r.text
    head = r.json()["position"]
    engine = CountingEngine(services.engine.conninfo, services.engine.schema, EVENTS_TABLE, MODELS)
    names = ["documents", "countersigns", "summaries"]
    try:
        with engine.connect() as conn:
            read = engine.advance(conn, names)
            assert engine.reads == 1 and read == len(log_positions(engine))  # all, in one read
            assert engine.advance(conn, names) == 0  # caught up: nothing read again
        assert engine.reads == 1
        assert {n: engine.position(n) for n in names} == dict.fromkeys(names, head)
        assert len(set(registry_xmins(engine, names).values())) == 1  # one transaction
        assert len(rows(engine, "documents", "list", "id")) == 3
        assert len(rows(engine, "countersigns", "requests", "unit_id")) == 1
    finally:
        engine.close()


def test_a_model_that_raises_in_a_batch_stops_alone_and_the_others_commit_it(client, services):
    """R12 within one batch: a model raising in Python and one raising in SQL are each rolled
    back to their savepoint, keep the events before their bad one, and stop there; the other
    models' rows and positions of the same batch are committed in the same transaction."""
    engine = Engine(
        services.engine.conninfo,
        services.engine.schema,
        EVENTS_TABLE,
        [*MODELS, Exploding(), Stuttering()],
    )
    engine.setup()
    first = draft(client, title="第一份")
    second = draft(client, title="第二份")
    head = draft(client, title="第三份")["position"]
    try:
        with engine.connect() as conn:
            assert engine.advance(conn, list(engine.models)) == len(log_positions(engine))
        status = {s["name"]: s for s in engine.status()}
        assert status["exploding"]["state"] == "failed"
        assert status["exploding"]["failed_position"] == first["position"]
        assert status["exploding"]["position"] == first["position"] - 1
        assert "cannot project event" in status["exploding"]["error"]
        kept = [r["position"] for r in rows(engine, "exploding", "seen", "position")]
        before = [p for p in log_positions(engine) if p < first["position"]]
        assert kept == before  # every event before the bad one, once
        assert status["stuttering"]["state"] == "failed"
        assert status["stuttering"]["failed_position"] == second["position"]
        assert status["stuttering"]["position"] == second["position"] - 1
        assert "UniqueViolation" in status["stuttering"]["error"]
        stuttered = rows(engine, "stuttering", "drafts", "one")
        assert [r["position"] for r in stuttered] == [first["position"]]
        others = [n for n in engine.models if n not in ("exploding", "stuttering")]
        assert all(status[n]["state"] == "running" for n in others)
        assert all(status[n]["position"] == head for n in others)
        assert len(set(registry_xmins(engine, list(engine.models)).values())) == 1
        assert len(rows(engine, "documents", "list", "id")) == 3

        later = draft(client, title="之后")["position"]
        engine.catch_up()  # the failed models are not fed again
        status = {s["name"]: s for s in engine.status()}
        assert status["exploding"]["position"] == first["position"] - 1
        assert status["stuttering"]["position"] == second["position"] - 1
        assert status["documents"]["position"] == later
    finally:
        engine.close()


def tallies(engine: Engine) -> dict[int, int]:
    """How many times each event was applied to the tally."""
    with engine.connect() as conn:
        t, _ = engine.tables(conn, "tally")
        found = conn.execute(
            SQL("SELECT position, count(*) AS n FROM {} GROUP BY position").format(t["seen"])
        ).fetchall()
    return {r["position"]: r["n"] for r in found}


def test_two_followers_on_one_schema_never_apply_an_event_twice(client, services):
    """R13 in one process: two electing followers — one applies, the other stands by and
    takes over when the first stops; then two followers that do not elect, at once, kept
    apart by the registry rows' locks alone. Every event is applied exactly once."""
    engines = [
        Engine(services.engine.conninfo, services.engine.schema, EVENTS_TABLE, [Tally()])
        for _ in range(2)
    ]
    engines[0].setup()
    followers = [Follower(e, poll=0.05).start() for e in engines]
    try:
        eventually(lambda: any(f.active.is_set() for f in followers), what="one is elected")
        for i in range(10):
            draft(client, title=f"甲{i}")
        assert [f.active.is_set() for f in followers].count(True) == 1  # the other stands by
        active = next(f for f in followers if f.active.is_set())
        standby = next(f for f in followers if f is not active)
        active.stop()
        eventually(standby.active.is_set, timeout=5, interval=0.05, what="the standby took over")
        head = max(draft(client, title=f"乙{i}")["position"] for i in range(10))
        eventually(lambda: engines[0].position("tally") >= head, what="the tally caught up")
        standby.stop()

        both = [Follower(e, poll=0.05, elect=False).start() for e in engines]
        followers += both
        eventually(lambda: all(f.active.is_set() for f in both), what="both follow")
        writers = [threading.Thread(target=draft, args=(client,)) for _ in range(10)]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        head = max(log_positions(engines[0]))
        eventually(lambda: engines[0].position("tally") >= head, what="the tally caught up")
        seen = tallies(engines[0])
        assert sorted(seen) == log_positions(engines[0])
        assert set(seen.values()) == {1}
    finally:
        for follower in followers:
            follower.stop()
        for engine in engines:
            engine.close()


# ----- rebuild -----------------------------------------------------------------------------


def test_rebuild_builds_beside_the_live_tables_and_switches(client, services):
    for i in range(5):
        draft(client, title=f"请示{i}")
    engine = services.engine
    engine.catch_up("documents")
    before = rows(engine, "documents", "list", "id")
    generation = engine.status()[[s["name"] for s in engine.status()].index("documents")][
        "generation"
    ]

    engine.rebuild("documents", batch=2)

    after = {s["name"]: s for s in engine.status()}["documents"]
    assert after["generation"] == generation + 1
    assert after["building"] is None
    assert rows(engine, "documents", "list", "id") == before
    with engine.connect() as conn:
        old = conn.execute(
            "SELECT count(*) AS n FROM pg_tables WHERE schemaname = %s AND tablename = %s",
            (engine.schema, f"rm_documents_list_g{generation}"),
        ).fetchone()
    assert old["n"] == 0


def test_a_rebuild_cut_short_resumes_and_equals_a_clean_one(client, services):
    for i in range(9):
        draft(client, title=f"请示{i}")
    engine = services.engine
    engine.catch_up("documents")
    expected = rows(engine, "documents", "list", "id")

    class Crash(Exception):
        pass

    steps = 0

    def crash_after_two(done: int, head: int) -> None:
        nonlocal steps
        steps += 1
        if steps == 2:
            raise Crash

    try:
        engine.rebuild("documents", batch=3, progress=crash_after_two)
    except Crash:
        pass
    building = {s["name"]: s for s in engine.status()}["documents"]
    assert building["building"] is not None and building["building_position"] > 0

    engine.rebuild("documents", batch=3)  # resumes where it stopped

    assert rows(engine, "documents", "list", "id") == expected


def test_readers_never_fail_while_a_rebuild_switches(client, services):
    for i in range(20):
        draft(client, title=f"请示{i}")
    last = draft(client, title="最后")
    services.engine.catch_up("documents")  # the live generation is current before any rebuild
    failures: list[int] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            r = client.get(
                f"/documents?limit=500&min_position={last['position']}", headers=auth("p-mayor")
            )
            if r.status_code != 200 or len(r.json()["items"]) != 21:
                failures.append(r.status_code)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for _ in range(3):
            services.engine.rebuild("documents", batch=4)
    finally:
        stop.set()
        reader.join()
    assert failures == []


def test_one_scan_rebuilds_several_models_standing_at_different_positions(client, services):
    """A rebuild of documents alone was cut short; a rebuild of documents AND countersigns
    then feeds both from one scan, each from past its own position, and switches both."""
    for i in range(7):
        doc = draft(client, title=f"请示{i}")
        r = client.post(
            f"/documents/{doc['id']}/countersign-requests",
            json={"unit_ids": ["u-ecology"]},
            headers=auth("p-finance-head"),
        )
        assert r.status_code == 200, r.text
    engine = services.engine
    for name in ("documents", "countersigns"):
        engine.catch_up(name)
    expected = {
        "documents": rows(engine, "documents", "list", "id"),
        "countersigns": rows(engine, "countersigns", "requests", "document_id, unit_id"),
    }
    assert expected["documents"] and expected["countersigns"]

    class Crash(Exception):
        pass

    def crash(done: int, head: int) -> None:
        raise Crash

    try:
        engine.rebuild("documents", batch=3, progress=crash)
    except Crash:
        pass
    before = {s["name"]: s for s in engine.status()}
    assert before["documents"]["building_position"] > 0
    assert before["countersigns"]["building"] is None

    engine.rebuild(["documents", "countersigns"], batch=4)

    after = {s["name"]: s for s in engine.status()}
    for name in ("documents", "countersigns"):
        assert after[name]["generation"] == before[name]["generation"] + 1
        assert after[name]["building"] is None
    assert after["documents"]["position"] == after["countersigns"]["position"]
    assert rows(engine, "documents", "list", "id") == expected["documents"]
    assert (
        rows(engine, "countersigns", "requests", "document_id, unit_id")
        == (expected["countersigns"])
    )


def checksums(engine: Engine) -> dict[str, tuple[int, str]]:
    """Every read model's tables, row for row: a count and an md5 of the sorted rows."""
    sums: dict[str, tuple[int, str]] = {}
    with engine.connect() as conn:
        for name, model in engine.models.items():
            t, _ = engine.tables(conn, name)
            for logical in model.tables:
                sums[f"{name}.{logical}"] = rows_checksum(conn, model.rows(t, logical))
    return sums


def test_rows_do_not_depend_on_how_the_log_is_cut_into_batches(services):
    """Models fold each batch in memory before writing: folding one event per batch (every
    update goes through rows read back from the tables), a few per batch, or the whole log in
    one batch must give the same rows, and the same rows as the live follower's batches."""
    generate(services.app, 6_000)
    engine = services.engine
    for name in engine.models:
        engine.catch_up(name)
    live = checksums(engine)
    # Every table holds rows, but the countersigns waiting for a year's calendar: the city's
    # 2026 never reaches into a year chinesecalendar does not know.
    assert all(n > 0 for table, (n, _) in live.items() if table != "deadlines.waiting"), live

    for batch in (1, 7, 1_000_000):
        engine.rebuild(batch=batch)
        assert checksums(engine) == live, f"batch={batch}"


def test_the_rebuild_command_needs_no_jwt_secret_and_logs_plain_lines(client, services):
    """The follower serves no HTTP: `python -m projections` reads only the store's settings.
    Off a terminal it logs plain progress lines (no progress bar)."""
    draft(client)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("GOVRULES_JWT_SECRET", "GOVRULES_DEV", "GOVRULES_TEST_CLOCK")
    }
    env.update(
        DATABASE_URL=services.settings.database_url or "",
        GOVRULES_SCHEMA=services.settings.schema_name,
        PYTHONPATH=str(ROOT),
    )
    before = {s["name"]: s["generation"] for s in services.engine.status()}

    done = subprocess.run(
        [sys.executable, "-m", "projections", "rebuild"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "rebuilt all read models" in done.stderr
    assert "rebuild all read models:" in done.stderr  # the plain progress lines
    after = {s["name"]: s["generation"] for s in services.engine.status()}
    assert after == {name: gen + 1 for name, gen in before.items()}


def test_insert_rows_copies_many_and_applies_the_conflict_clause_either_way(services):
    """insert_rows: few rows go in one executemany, many through COPY (into a temporary table
    when an ON CONFLICT clause must apply); both paths give the same rows."""
    engine = services.engine
    table = SQL("{}.{}").format(Identifier(engine.schema), Identifier("insert_rows_probe"))
    upsert = "ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.label"
    with engine.connect() as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute(SQL("CREATE TABLE {} (id int PRIMARY KEY, label text)").format(table))
        for size in (COPY_FROM - 1, COPY_FROM * 3):  # executemany, then COPY
            cur.execute(SQL("TRUNCATE {}").format(table))
            first = [{"id": i, "label": "first"} for i in range(size)]
            insert_rows(cur, table, ("id", "label"), first)
            again = [{"id": i, "label": "again"} for i in range(size // 2, size + 5)]
            insert_rows(cur, table, ("id", "label"), again, upsert)
            insert_rows(cur, table, ("id", "label"), again, upsert)  # twice in one transaction
            rows_now = cur.execute(SQL("SELECT id, label FROM {}").format(table)).fetchall()
            got = {r["id"]: r["label"] for r in rows_now}
            assert got == {i: "first" if i < size // 2 else "again" for i in range(size + 5)}


def test_an_api_and_a_runner_process_starting_at_once_on_a_new_schema_both_start(settings):
    """CREATE ... IF NOT EXISTS races with itself in PostgreSQL (a unique violation in the
    catalog); setting a schema up is serialised, so simultaneous starts all succeed."""
    database = parse_database_url(settings.database_url or "")
    errors: list[BaseException] = []
    barrier = threading.Barrier(3)
    started: list[Services] = []

    def api() -> None:
        barrier.wait()
        try:
            started.append(build_services(settings.model_copy(update={"role": "api"})))
        except BaseException as e:
            errors.append(e)

    def runner() -> None:
        barrier.wait()
        try:
            with setup_lock(database, settings.schema_name):
                ensure_schema(database, settings.schema_name)
                Engine(conninfo(database), settings.schema_name, EVENTS_TABLE, MODELS).setup()
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=f) for f in (api, api, runner)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for services in started:
        services.close()
    assert errors == []
    assert len(started) == 2
