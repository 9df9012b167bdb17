"""The deadline index and the ticker (design.md "Deadlines"; D7, S3, L4, L6, G5, G6; R11): given
obligations written through the API, then index rows; when the drill clock passes their due
times, the system records each passing once, for the due time it speaks for, as ``system``;
two tickers at once, or a ticker cut short, still record each exactly once.

The drill clock starts on Mon 2026-09-28 09:00 +08:00 (tests.support.http.START)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from psycopg.sql import SQL, Identifier

from api.services import Services
from domain.clock import SHANGHAI
from domain.commands import record_deadline
from projections.engine import Engine
from projections.ticker import Ticker
from tests.support.clock import at
from tests.support.documents import draft_request
from tests.support.http import auth, write
from tests.support.leaves import mayor_trip
from tests.support.regulations import department_doc, reg
from tests.support.supervision import item, report

DEADLINE_EVENTS = (
    "CountersignDeemedNoObjection",
    "ReportOverdue",
    "ItemOverdue",
    "ReturnOverdue",
    "AbsenceUnfiled",
    "FilingOverdue",
    "RegulationExpired",
)


def index(engine: Engine) -> list[tuple[str, str, str, bool]]:
    engine.catch_up("deadlines")
    with engine.connect() as conn:
        t, _ = engine.tables(conn, "deadlines")
        rows = conn.execute(
            SQL("SELECT kind, key, due, done FROM {} ORDER BY due_at, kind, key").format(t["open"])
        ).fetchall()
    return [(r["kind"], r["key"], r["due"], r["done"]) for r in rows]


def recorded(services: Services) -> Counter[str]:
    """The system's deadline events in the log, by type."""
    with services.engine.connect() as conn:
        rows = conn.execute(
            SQL("SELECT topic FROM {}.govrules_events WHERE topic = ANY(%s)").format(
                Identifier(services.engine.schema)
            ),
            ([f"govrules:{name}" for name in DEADLINE_EVENTS],),
        ).fetchall()
    return Counter(r["topic"].removeprefix("govrules:") for r in rows)


def obligations(client: Any, i: int = 0) -> dict[str, str]:
    """One obligation of each kind, all due within weeks of START except the expiry; the
    ``i``-th set's leave comes five days after the one before."""
    doc = draft_request(client)
    write(
        client,
        f"/documents/{doc['id']}/countersign-requests",
        "p-finance-head",
        {"unit_ids": ["u-ecology", "u-housing"], "due": at("10-06", "18:00")},
    )
    write(
        client,
        f"/documents/{doc['id']}/countersignatures",
        "p-ecology-head",
        {"unit_id": "u-ecology", "opinion": "agree"},
    )
    item_id = item(client, "u-finance", at("10-20", "18:00"), [at("10-09", "18:00")])
    start = datetime(2026, 9, 29, 9, tzinfo=SHANGHAI) + timedelta(days=5 * i)
    trip = mayor_trip(client, start.isoformat(), (start + timedelta(days=3, hours=9)).isoformat())
    reg_id = department_doc(client, f"关于规范专项资金的办法{i}", f"攀财规〔2026〕{i + 1}号",
                            date(2026, 9, 28), date(2028, 9, 28))  # fmt: skip
    return {"document": doc["id"], "item": item_id, "leave": trip["id"], "regulation": reg_id}


# ----- the index: given obligations, then rows --------------------------------------------


def test_deadline_index_given_obligations_then_open_and_met_rows(client, services):
    made = obligations(client)
    reg(client, made["regulation"], "filings", "p-finance-head",
        {"body": "city_government", "filed_on": "2026-09-28"})  # fmt: skip
    report(client, made["item"])  # answers the report date of 10-09 (S3)

    rows = index(services.engine)

    assert [(y, done) for k, y, _, done in rows if k == "countersign"] == [
        ("u-ecology", True),  # answered
        ("u-housing", False),
    ]
    by_kind = Counter((k, done) for k, _, _, done in rows)
    assert by_kind[("countersign", False)] == 1  # u-housing has not answered
    assert by_kind[("countersign", True)] == 1  # u-ecology has
    assert by_kind[("item", False)] == 1
    assert by_kind[("report", False)] == 1  # the ticker asks; the item says it was answered
    assert by_kind[("return", False)] == 1
    assert by_kind[("unfiled", False)] == 1  # L4: the mayor's trip is not filed
    assert by_kind[("filing", True)] == 1  # city_government filed
    assert by_kind[("filing", False)] == 1  # superior_department not yet
    assert by_kind[("expiry", False)] == 1
    assert ("expiry", "", "2028-09-28", False) in rows


# ----- the ticker ------------------------------------------------------------------------------


def test_moving_the_clock_records_each_passed_deadline_once_as_system(client, services):
    made = obligations(client)
    assert recorded(services) == Counter()

    r = client.post("/_clock", json={"now": at("10-21")}, headers=auth("p-admin"))
    assert r.status_code == 200, r.text

    # D7 u-housing; S3 the report date and the deadline; L4 the mayor's trip begun unfiled;
    # L6 the mayor's return; G5 both filings (due 30 days after 09-28: overdue from 10-29 —
    # not yet).
    assert recorded(services) == Counter(
        {"CountersignDeemedNoObjection": 1, "ReportOverdue": 1, "ItemOverdue": 1,
         "AbsenceUnfiled": 1, "ReturnOverdue": 1}
    )  # fmt: skip
    assert r.json()["deadlines_recorded"] == 5
    history = client.get(f"/documents/{made['document']}/history", headers=auth("p-mayor")).json()
    deemed = [e for e in history["events"] if e["type"] == "CountersignDeemedNoObjection"]
    assert len(deemed) == 1
    assert deemed[0]["actor_id"] == "system"
    assert deemed[0]["payload"]["unit_id"] == "u-housing"
    assert "D7" in deemed[0]["rules"]

    def get(path: str) -> dict[str, Any]:
        r = client.get(path, headers=auth("p-mayor"))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    assert get(f"/leaves/{made['leave']}")["return_overdue"] is not None  # L6
    assert get(f"/leaves/{made['leave']}")["unfiled"] is not None  # L4
    item_now = get(f"/supervision-items/{made['item']}")
    assert (len(item_now["reports_overdue"]), len(item_now["dues_overdue"])) == (1, 1)  # S3
    countersigns = get(f"/documents/{made['document']}")["countersigns"]
    assert {c["unit_id"]: c["status"] for c in countersigns} == {
        "u-ecology": "answered",
        "u-housing": "deemed",
    }

    again = client.post("/_clock", json={"now": at("10-22")}, headers=auth("p-admin"))
    assert again.json()["deadlines_recorded"] == 0
    assert sum(recorded(services).values()) == 5

    client.post("/_clock", json={"now": at("10-30")}, headers=auth("p-admin"))
    assert recorded(services)["FilingOverdue"] == 2  # G5: each required body on its own
    assert len(get(f"/regulations/{made['regulation']}")["filings_overdue"]) == 2
    client.post("/_clock", json={"now": "2028-09-28T00:00:00+08:00"}, headers=auth("p-admin"))
    assert recorded(services)["RegulationExpired"] == 1  # G6
    assert get(f"/regulations/{made['regulation']}")["status"] == "expired"
    assert all(n == 1 for k, n in recorded(services).items() if k != "FilingOverdue")


# Three sets of obligations, the clock past all but the expiries: what must be recorded.
PAST_DUE = Counter(
    {"CountersignDeemedNoObjection": 3, "ReportOverdue": 3, "ItemOverdue": 3,
     "AbsenceUnfiled": 3, "ReturnOverdue": 3, "FilingOverdue": 6}
)  # fmt: skip


def three_sets_past_due(client: Any, services: Services) -> None:
    """Three sets of obligations, indexed, and the clock (directly: no tick) at 2026-11-05."""
    for i in range(3):
        obligations(client, i)
    drill = services.drill_clock
    assert drill is not None
    drill.advance_to(drill.now().replace(year=2026, month=11, day=5))
    services.engine.catch_up("deadlines")


def test_R11_two_tickers_at_once_record_each_deadline_once(client, services):
    three_sets_past_due(client, services)
    tickers = [
        Ticker(services.engine, partial(record_deadline, services.app), services.clock.now)
        for _ in range(2)
    ]
    counts: list[int] = []
    barrier = threading.Barrier(2)

    def tick(ticker: Ticker) -> None:
        barrier.wait()
        counts.append(ticker.tick())

    threads = [threading.Thread(target=tick, args=(t,)) for t in tickers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert recorded(services) == PAST_DUE
    assert sum(counts) == sum(PAST_DUE.values())


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs in that ticker, its transaction is lost."""


def test_R11_a_ticker_killed_mid_run_leaves_nothing_twice_and_nothing_lost(client, services):
    three_sets_past_due(client, services)
    calls = 0

    def dies_on_the_seventh(*args: Any) -> bool:
        nonlocal calls
        calls += 1
        if calls == 7:
            raise Killed
        return record_deadline(services.app, *args)

    try:
        Ticker(services.engine, dies_on_the_seventh, services.clock.now).tick()
    except Killed:
        pass
    assert 0 < sum(recorded(services).values()) < sum(PAST_DUE.values())

    Ticker(services.engine, partial(record_deadline, services.app), services.clock.now).tick()

    assert recorded(services) == PAST_DUE


def test_the_ticker_query_has_its_partial_index_in_every_generation(services):
    """Only open rows are indexed by due moment; a rebuild makes the index with the tables."""
    engine = services.engine

    def indexes() -> list[str]:
        with engine.connect() as conn:
            t, _ = engine.tables(conn, "deadlines")
            rows = conn.execute(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s",
                (engine.schema, t.names["open"]),
            ).fetchall()
        return [r["indexdef"] for r in rows]

    assert any("(due_at) WHERE (NOT done)" in d for d in indexes()), indexes()
    engine.rebuild("deadlines")
    assert any("(due_at) WHERE (NOT done)" in d for d in indexes()), indexes()


def test_the_background_ticker_ticks_only_in_the_process_elected_to_follow(services: Services):
    """Of several processes in role ``all`` (workers), the one whose follower was elected
    ticks; the others' tickers wait (``tick()`` itself, as POST /_clock calls it, always
    runs)."""

    def loop_once(active: bool) -> int:
        ticker = Ticker(services.engine, lambda *_: False, services.clock.now, interval=0.01)
        ticks: list[int] = []
        asked = threading.Event()

        def elected() -> bool:
            if asked.is_set():  # the second turn: the first one has been decided
                ticker.stopped.set()
            asked.set()
            return active

        ticker.active = elected
        ticker.tick = lambda: ticks.append(1) or 0  # type: ignore[method-assign]
        ticker.start()
        ticker.thread.join(timeout=10)
        assert not ticker.thread.is_alive()
        return len(ticks)

    assert loop_once(active=False) == 0
    assert loop_once(active=True) >= 1

    services.start_background()
    try:
        assert services.ticker.active is not None
        assert services.follower is not None
        assert services.ticker.active.__self__ is services.follower.active  # type: ignore[attr-defined]
    finally:
        services.stop_background()
