"""GET /accountability/digest, /verify and the RFC 9162 proofs over HTTP: a digest to keep,
inclusion of one event and consistency of two tree heads in O(log n) hashes each."""

from __future__ import annotations

from typing import Any

from projections import merkle
from tests.support.http import assert_problem, auth, create, ok
from tests.support.store import positions


def get(client: Any, path: str, **params: Any) -> dict[str, Any]:
    return ok(client.get(path, params=params, headers=auth("p-investigator")))


def draft(client: Any, i: int) -> dict[str, Any]:
    return create(client, "/documents", "p-finance-head", {
        "doc_type": "request", "title": f"关于申请专项资金的请示{i}", "from_unit_id": "u-finance",
        "to": "government", "matters": ["专项资金"],
    })  # fmt: skip


def test_the_digest_names_the_chain_head_and_the_tree_head(client, services, bootstrap_events):
    doc = draft(client, 0)
    size = bootstrap_events + 1  # the bootstrapped roster and the draft
    digest = get(client, "/accountability/digest")
    assert digest["position"] == doc["position"] == positions(services)
    assert len(digest["hash"]) == 64 and digest["recorded_at"].endswith("+08:00")
    assert digest["tree"]["size"] == size and len(digest["tree"]["root"]) == 64
    assert digest["kept_as"] == f"{digest['position']}:{digest['hash']}"
    history = client.get(f"/documents/{doc['id']}/history", headers=auth("p-mayor")).json()
    assert history["events"][-1]["hash"] == digest["hash"]
    verdict = get(
        client, "/accountability/verify", digest_position=digest["position"],
        digest_hash=digest["hash"], tree_size=size, tree_root=digest["tree"]["root"],
    )  # fmt: skip
    assert verdict == {"ok": True, "checked": size, "first_bad_position": None, "reason": None}


def test_inclusion_and_consistency_proofs_verify_against_the_tree_heads(client):
    first = get(client, "/accountability/digest")["tree"]
    docs = [draft(client, i) for i in range(9)]
    second = get(client, "/accountability/digest")["tree"]
    for doc in docs[:3]:
        proof = get(client, "/accountability/proofs/inclusion", position=doc["position"])
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        assert proof["root"] == second["root"] and proof["tree_size"] == second["size"]
        assert len(path) <= second["size"].bit_length()
        leaf = bytes.fromhex(proof["leaf_hash"])
        assert merkle.verify_inclusion(
            leaf, proof["leaf_index"], second["size"], path, bytes.fromhex(second["root"])
        )
    older = get(client, "/accountability/proofs/inclusion", position=1, size=first["size"])
    assert older["root"] == first["root"]
    proof = get(client, "/accountability/proofs/consistency", first=first["size"])
    assert (proof["first_root"], proof["second_root"]) == (first["root"], second["root"])
    assert merkle.verify_consistency(
        first["size"], second["size"], bytes.fromhex(first["root"]),
        bytes.fromhex(second["root"]), [bytes.fromhex(h) for h in proof["consistency_path"]],
    )  # fmt: skip


def test_bad_proof_and_verify_requests_are_4xx(client, services):
    head = get(client, "/accountability/digest")["tree"]["size"]
    cases = [
        ("/accountability/proofs/inclusion", {"position": 10**6}, 404),
        ("/accountability/proofs/inclusion", {"position": 5, "size": 3}, 422),
        ("/accountability/proofs/inclusion", {"position": 5, "size": head + 1}, 422),
        ("/accountability/proofs/consistency", {"first": head + 1}, 422),
        ("/accountability/proofs/consistency", {"first": 0}, 422),
        ("/accountability/verify", {"digest_position": 3}, 422),
        ("/accountability/verify", {"digest_position": 3, "digest_hash": "zz"}, 422),
        ("/accountability/verify", {"tree_size": 3}, 422),
    ]
    for path, params, status in cases:
        assert_problem(client.get(path, params=params, headers=auth("p-mayor")), status)
    assert_problem(client.get("/accountability/digest"), 401)
