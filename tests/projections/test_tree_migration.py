"""A log written before the Merkle tree existed (design.md: stored history keeps loading): its
leaves, nodes and head are computed once when the store starts, its chain links are kept, and
new events extend both."""

from __future__ import annotations

import psycopg
from fastapi.testclient import TestClient
from psycopg.sql import SQL, Identifier

from api.main import create_app
from api.services import build_services
from api.settings import Settings
from projections import merkle
from projections.store import conninfo, parse_database_url
from tests.support.http import auth


def draft(client: TestClient, i: int) -> int:
    r = client.post("/documents", headers=auth("p-finance-head"), json={
        "doc_type": "request", "title": f"关于申请专项资金的请示{i}", "from_unit_id": "u-finance",
        "to": "government", "matters": ["专项资金"],
    })  # fmt: skip
    assert r.status_code == 201, r.text
    return int(r.json()["position"])


def sql(settings: Settings, statement: str) -> list[tuple[object, ...]]:
    with psycopg.connect(conninfo(parse_database_url(settings.database_url or ""))) as conn:
        cur = conn.execute(SQL(statement).format(s=Identifier(settings.schema_name)))
        return cur.fetchall() if cur.description else []


def leaves(settings: Settings) -> list[bytes]:
    rows = sql(
        settings,
        "SELECT notification_id, originator_id, originator_version, topic, state "
        "FROM {s}.govrules_events ORDER BY notification_id",
    )
    return [
        merkle.leaf_hash(merkle.leaf_input(p, o, v, t, bytes(s)))  # type: ignore[arg-type]
        for p, o, v, t, s in rows
    ]


def test_an_old_log_gets_its_tree_at_start_and_grows_it(settings: Settings, bootstrap_events: int):
    old = bootstrap_events + 5  # the bootstrapped roster and five drafts, before the tree
    services = build_services(settings)
    with TestClient(create_app(settings, services)) as client:
        for i in range(5):
            draft(client, i)
    chain_before = sql(settings, "SELECT position, hash FROM {s}.govrules_events_hashes")
    services.close()
    # The store as it was before the tree: no nodes, no head, links without idx or leaf.
    sql(settings, "DROP TABLE {s}.govrules_events_tree_nodes, {s}.govrules_events_tree_head")
    sql(settings, "ALTER TABLE {s}.govrules_events_hashes DROP COLUMN idx, DROP COLUMN leaf")

    services = build_services(settings)
    try:
        with TestClient(create_app(settings, services)) as client:
            assert services.store.verify_chain() == (True, old, None)
            assert sql(settings, "SELECT position, hash FROM {s}.govrules_events_hashes") == (
                chain_before
            )
            digest = client.get("/accountability/digest", headers=auth("p-mayor")).json()
            assert digest["tree"] == {"size": old, "root": merkle.root_of(leaves(settings)).hex()}
            position = draft(client, 5)
            proof = client.get(
                "/accountability/proofs/inclusion",
                params={"position": position},
                headers=auth("p-mayor"),
            ).json()
            assert proof["leaf_index"] == old
            assert merkle.verify_inclusion(
                bytes.fromhex(proof["leaf_hash"]), old, old + 1,
                [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(proof["root"]),
            )  # fmt: skip
            assert services.store.verify_chain() == (True, old + 1, None)
    finally:
        services.close()
