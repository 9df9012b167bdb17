"""Gap safety: a read model never passes an event that commits later with a lower position.

The library takes an exclusive lock on the events table for every insert and holds it until
commit, so positions are handed out in commit order: a second writer waits behind the first,
and a reader that catches up meanwhile sees neither. Here the first writer is held inside its
transaction (after its insert, before its commit) while a reader catches up and a second
writer arrives."""

from __future__ import annotations

import threading
from typing import Any

from tests.support.documents import draft_request


def draft(client: Any, title: str) -> dict[str, Any]:
    return draft_request(client, title=title)


def test_an_event_committing_late_is_never_skipped(client, services):
    engine = services.engine
    engine.catch_up("documents")
    before = engine.position("documents")

    store = services.store
    original = store._fetch_ids_after_insert_events
    inside = threading.Event()
    release = threading.Event()

    def held(curs: Any, stored_events: Any, **kwargs: Any) -> Any:
        ids = original(curs, stored_events, **kwargs)
        if not inside.is_set():
            inside.set()
            release.wait(20)  # the first writer stays uncommitted, holding the insert lock
        return ids

    store._fetch_ids_after_insert_events = held  # type: ignore[method-assign]
    answers: dict[str, dict[str, Any]] = {}
    first = threading.Thread(target=lambda: answers.update(first=draft(client, "先写的请示")))
    second = threading.Thread(target=lambda: answers.update(second=draft(client, "后写的请示")))
    try:
        first.start()
        assert inside.wait(20)
        engine.catch_up("documents")
        assert engine.position("documents") == before  # nothing committed to see yet
        second.start()
        second.join(0.5)
        assert second.is_alive()  # the second writer waits behind the first's lock
    finally:
        release.set()
        first.join(20)
        second.join(20)
        store._fetch_ids_after_insert_events = original  # type: ignore[method-assign]

    assert answers["first"]["position"] < answers["second"]["position"]
    engine.catch_up("documents")
    with engine.connect() as conn:
        t, position = engine.tables(conn, "documents")
        from psycopg.sql import SQL

        titles = [
            r["title"]
            for r in conn.execute(SQL("SELECT title FROM {} ORDER BY position").format(t["list"]))
        ]
    assert titles == ["先写的请示", "后写的请示"]
    assert position == answers["second"]["position"]
