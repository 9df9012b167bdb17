"""GET /events/stream as a client uses it, against a real server process: connect and receive
the log, drop the connection, write meanwhile, resume with Last-Event-ID — nothing missed,
nothing repeated; heartbeats while idle; the stream ends cleanly when the server shuts down."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api.settings import Settings
from tests.support.http import auth
from tests.support.servers import api_server

HEARTBEAT = 0.5


@dataclass
class Received:
    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    heartbeats: int = 0


def read_stream(lines: Iterator[str], received: Received, until: int, timeout: float) -> None:
    """Parses server-sent events until the one with id ``until`` arrives (or ``timeout``)."""
    deadline = time.monotonic() + timeout
    event: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            received.heartbeats += "ping" in line
        elif line:
            name, _, value = line.partition(":")
            event[name] = value.removeprefix(" ")
        elif "data" in event:  # a blank line ends an event
            assert event.get("event") == "event", event
            received.ids.append(int(event["id"]))
            received.events.append(json.loads(event["data"]))
            if received.ids[-1] >= until:
                return
            event = {}
        assert time.monotonic() < deadline, f"no event {until} within {timeout} s"


def draft(client: httpx.Client, i: int) -> int:
    r = client.post("/documents", headers=auth("p-finance-head"), json={
        "doc_type": "request", "title": f"关于申请专项资金的请示{i}", "from_unit_id": "u-finance",
        "to": "government", "matters": ["专项资金"],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["position"])


def test_a_client_receives_drops_and_resumes_with_last_event_id(
    settings: Settings, tmp_path: Path, bootstrap_events: int
):
    log = tmp_path / "api.log"
    extra = {"GOVRULES_STREAM_HEARTBEAT": str(HEARTBEAT)}
    with api_server(settings, log, **extra) as server, httpx.Client(base_url=server.base) as api:
        first = [draft(api, i) for i in range(3)]
        received = Received()
        headers = auth("p-mayor")
        timeout = httpx.Timeout(10, read=5)
        with api.stream("GET", "/events/stream", headers=headers, timeout=timeout) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            read_stream(lines, received, until=first[-1], timeout=10)
            live = draft(api, 3)  # written while connected: pushed, not polled
            read_stream(lines, received, until=live, timeout=5)
        last_seen = received.ids[-1]

        missed = [draft(api, i) for i in range(4, 8)]  # written while disconnected

        headers = {**auth("p-mayor"), "Last-Event-ID": str(last_seen)}
        with api.stream("GET", "/events/stream", headers=headers, timeout=timeout) as stream:
            lines = stream.iter_lines()
            read_stream(lines, received, until=missed[-1], timeout=10)
            before = received.heartbeats
            idle = time.monotonic() + 3 * HEARTBEAT
            for line in lines:  # nothing is written now: heartbeats keep the line alive
                received.heartbeats += line.startswith(":") and "ping" in line
                if time.monotonic() > idle and received.heartbeats > before:
                    break

    assert received.ids == sorted(set(received.ids)), "an event repeated or out of order"
    head = missed[-1]
    with_events = {e["position"] for e in received.events}
    assert {*first, live, *missed} <= with_events
    assert received.ids[0] == 1 and received.ids[-1] == head
    assert len(received.ids) == len(with_events) == bootstrap_events + 8  # the roster, 8 drafts
    assert received.heartbeats > before
    print(f"stream: {len(received.ids)} events, resumed after {last_seen}, no gap, no repeat")


def test_the_stream_ends_cleanly_when_the_server_shuts_down(
    settings: Settings, tmp_path: Path, bootstrap_events: int
):
    log = tmp_path / "api.log"
    with api_server(settings, log) as server, httpx.Client(base_url=server.base) as api:
        lines_read = 0
        with api.stream(
            "GET", "/events/stream", headers=auth("p-mayor"), timeout=httpx.Timeout(20)
        ) as stream:
            started = None
            for line in stream.iter_lines():
                lines_read += 1
                if started is None and line == f"id: {bootstrap_events}":  # the roster is in
                    server.process.send_signal(signal.SIGTERM)
                    started = time.monotonic()
            ended = time.monotonic()
        assert started is not None, "the stream never delivered the roster"
        assert ended - started < 10, "the stream outlived the shutdown"
        assert server.process.wait(timeout=15) == 0, log.read_text()[-2000:]
    assert lines_read > bootstrap_events
