"""The event store's recorder: large events do not hang the write (psycopg pipeline mode can
deadlock on a large parameter), and they keep the hash chain."""

from __future__ import annotations

import threading
import uuid

from eventsourcing.persistence import StoredEvent


def test_a_large_event_is_written_without_hanging(services):
    store = services.store
    event = StoredEvent(uuid.uuid4(), 1, "govrules:LargeTestEvent", b"x" * 8_000_000)
    result: dict[str, object] = {}

    def write() -> None:
        result["positions"] = store.insert_events([event])

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    writer.join(timeout=60)
    assert not writer.is_alive(), "the write hung"
    (position,) = result["positions"]
    assert store.position_of(event.originator_id, 1) == position
    assert store.verify_chain()[0] is True
