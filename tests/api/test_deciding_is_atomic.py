"""Deciding a topic records TopicDecided on the Meeting and DecisionTaken on the Decision in
one transaction: both or neither (design.md; GovRules.decide_topic).

A real failure is forced between them: a PostgreSQL trigger in the test's schema raises when
one of the two rows is inserted. The write must then store neither, answer a problem (a
database failure is 503, never a 500), and succeed once the trigger is gone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier, Literal

from api.main import create_app
from api.services import Services
from projections.store import conninfo, parse_database_url
from tests.support.decisions import ready_decision
from tests.support.http import PROBLEM, get, ok
from tests.support.meetings import ALL_AGREE, decide, open_executive_with_topic
from tests.support.store import positions

TAKEN = "govrules:DecisionTaken"
DECIDED = "govrules:TopicDecided"


@pytest.fixture
def lenient_client(services: Services) -> Iterator[TestClient]:
    """Like ``client``, but an unhandled server error answers 500 instead of being raised in
    the test, so the status the contract forbids can be seen and reported."""
    app = create_app(services.settings, services)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _connect(services: Services) -> psycopg.Connection[Any]:
    database = parse_database_url(services.settings.database_url or "")
    return psycopg.connect(conninfo(database), autocommit=True)


def _fail_inserts_of(services: Services, topic: str) -> None:
    """A BEFORE INSERT trigger on the events table that raises for rows of ``topic``."""
    schema = Identifier(services.settings.schema_name)
    with _connect(services) as conn:
        conn.execute(
            SQL(
                "CREATE FUNCTION {schema}.forced_failure() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'forced failure inserting %', NEW.topic; END $$"
            ).format(schema=schema)
        )
        conn.execute(
            SQL(
                "CREATE TRIGGER forced_failure BEFORE INSERT ON {schema}.govrules_events "
                "FOR EACH ROW WHEN (NEW.topic = {topic}) "
                "EXECUTE FUNCTION {schema}.forced_failure()"
            ).format(schema=schema, topic=Literal(topic))
        )


def _heal(services: Services) -> None:
    schema = Identifier(services.settings.schema_name)
    with _connect(services) as conn:
        conn.execute(
            SQL("DROP TRIGGER forced_failure ON {schema}.govrules_events").format(schema=schema)
        )
        conn.execute(SQL("DROP FUNCTION {schema}.forced_failure()").format(schema=schema))


def _rows(services: Services, topic: str) -> list[tuple[str, int, int]]:
    """(originator id, version, position) of every stored event of ``topic``."""
    with _connect(services) as conn:
        rows = conn.execute(
            SQL(
                "SELECT originator_id::text, originator_version, notification_id "
                "FROM {schema}.govrules_events WHERE topic = %s ORDER BY notification_id"
            ).format(schema=Identifier(services.settings.schema_name)),
            (topic,),
        ).fetchall()
    return [(str(r[0]), int(r[1]), int(r[2])) for r in rows]


def _assert_neither_stored_then_healed(
    client: TestClient, services: Services, failing_topic: str
) -> None:
    decision = ready_decision(client)
    meeting, topic_id = open_executive_with_topic(client, decision["id"])
    meeting_version = get(client, f"/meetings/{meeting['id']}")["version"]
    decision_version = get(client, f"/decisions/{decision['id']}")["version"]
    head = positions(services)

    _fail_inserts_of(services, failing_topic)
    r = decide(client, meeting["id"], topic_id)

    # A database failure is a 503 problem (api.md), never a 500 and never a success.
    assert r.status_code == 503, (r.status_code, r.text)
    assert r.headers["content-type"].startswith(PROBLEM), r.headers
    assert r.json()["status"] == 503

    # Neither event was stored: the transaction rolled back as a whole.
    assert _rows(services, DECIDED) == []
    assert _rows(services, TAKEN) == []
    assert positions(services) == head
    meeting_now = get(client, f"/meetings/{meeting['id']}")
    assert meeting_now["version"] == meeting_version
    assert meeting_now["topics"][0]["decided"] is None
    decision_now = get(client, f"/decisions/{decision['id']}")
    assert decision_now["version"] == decision_version
    assert decision_now["stage"] != "decided"
    assert decision_now["stage"] == "ready"
    assert decision_now["meeting"] is None
    assert services.store.verify_chain()[0] is True

    # Once the fault is gone the same command succeeds: both events, side by side in the log.
    _heal(services)
    answer = ok(decide(client, meeting["id"], topic_id))
    assert answer["version"] == meeting_version + 1
    assert answer["topics"][0]["decided"]["positions"] == ALL_AGREE
    ((meeting_id, m_version, m_position),) = _rows(services, DECIDED)
    ((decision_id, d_version, d_position),) = _rows(services, TAKEN)
    assert (meeting_id, m_version) == (meeting["id"], meeting_version + 1)
    assert (decision_id, d_version) == (decision["id"], decision_version + 1)
    assert d_position == m_position + 1
    assert answer["position"] == d_position == positions(services)
    assert get(client, f"/decisions/{decision['id']}")["stage"] == "decided"
    assert services.store.verify_chain()[0] is True


def test_a_failure_storing_decision_taken_stores_neither_event(lenient_client, services):
    _assert_neither_stored_then_healed(lenient_client, services, TAKEN)


def test_a_failure_storing_topic_decided_stores_neither_event(lenient_client, services):
    _assert_neither_stored_then_healed(lenient_client, services, DECIDED)


def test_two_meetings_racing_to_decide_one_decision_record_one_pair(lenient_client, services):
    """Each meeting's TopicDecided travels with the decision's DecisionTaken: the meeting that
    loses the race on the decision's version stores nothing at all (409 /concurrency or M9)."""
    client = lenient_client
    decision = ready_decision(client)
    first = open_executive_with_topic(client, decision["id"])
    second = open_executive_with_topic(client, decision["id"])
    barrier = threading.Barrier(2)

    def decide_at(meeting_and_topic: tuple[dict[str, Any], str]) -> Any:
        meeting, topic_id = meeting_and_topic
        barrier.wait(timeout=30)
        return decide(client, meeting["id"], topic_id)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(decide_at, [first, second]))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 409], [(r.status_code, r.text[:300]) for r in responses]
    loser = next(r for r in responses if r.status_code == 409)
    assert loser.headers["content-type"].startswith(PROBLEM)
    assert loser.json()["type"].endswith("/concurrency") or loser.json().get("rule") == "M9"
    ((meeting_id, _, m_position),) = _rows(services, DECIDED)
    ((decision_id, _, d_position),) = _rows(services, TAKEN)
    assert decision_id == decision["id"]
    assert d_position == m_position + 1
    taken = get(client, f"/decisions/{decision['id']}")["meeting"]
    assert taken["meeting_id"] == meeting_id
    for meeting, _ in (first, second):
        outcome = get(client, f"/meetings/{meeting['id']}")["topics"][0]["decided"]
        assert (outcome is not None) == (meeting["id"] == meeting_id)
