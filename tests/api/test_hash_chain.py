"""Tamper evidence (design.md): every stored event is linked into a SHA-256 chain in global
order, written in the inserting transaction; verification names the first bad position."""

from __future__ import annotations

import psycopg
from psycopg.sql import SQL, Identifier

from api.services import Services
from domain.roster import ROSTER_ID
from projections.store import conninfo, parse_database_url
from tests.support.http import auth


def _sql(services: Services, statement: str, *params: object) -> None:
    database = parse_database_url(services.settings.database_url or "")
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute(
            SQL(statement).format(schema=Identifier(services.settings.schema_name)), params
        )


def _draft(client) -> dict:
    body = {
        "doc_type": "request",
        "title": "关于申请专项资金的请示",
        "from_unit_id": "u-finance",
        "to": "government",
        "matters": ["专项资金"],
    }
    response = client.post("/documents", json=body, headers=auth("p-finance-head"))
    assert response.status_code == 201
    return response.json()


def test_history_carries_the_hash_of_each_event(client, bootstrap_events):
    doc = _draft(client)
    events = client.get(f"/documents/{doc['id']}/history", headers=auth("p-mayor")).json()
    assert [len(e["hash"]) for e in events["events"]] == [64]
    roster = client.get("/roster/history", headers=auth("p-mayor")).json()["events"]
    assert len({e["hash"] for e in roster}) == len(roster) == bootstrap_events


def test_an_untouched_log_verifies(client, services, bootstrap_events):
    _draft(client)
    assert services.store.verify_chain() == (True, bootstrap_events + 1, None)


def test_a_changed_byte_is_found_at_its_position(client, services):
    doc = _draft(client)
    _draft(client)
    _sql(
        services,
        "UPDATE {schema}.govrules_events SET state = set_byte(state, 10, 32) "
        "WHERE notification_id = %s",
        doc["position"],
    )
    ok, checked, first_bad = services.store.verify_chain()
    assert (ok, first_bad) == (False, doc["position"])
    assert checked == doc["position"] - 1


def test_a_deleted_event_is_found(client, services):
    doc = _draft(client)
    _draft(client)
    _sql(
        services,
        "DELETE FROM {schema}.govrules_events WHERE notification_id = %s",
        doc["position"],
    )
    assert services.store.verify_chain()[::2] == (False, doc["position"])


def test_an_event_deleted_with_its_link_breaks_the_next_link(client, services):
    doc = _draft(client)
    later = _draft(client)
    for table in ("govrules_events", "govrules_events_hashes"):
        column = "notification_id" if table == "govrules_events" else "position"
        _sql(
            services,
            f"DELETE FROM {{schema}}.{table} WHERE {column} = %s",
            doc["position"],
        )
    assert services.store.verify_chain()[::2] == (False, later["position"])
    assert services.store.history(ROSTER_ID)
