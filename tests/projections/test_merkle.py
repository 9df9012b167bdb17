"""The Merkle tree of the log (design.md, tamper evidence) against published test vectors: the
RFC 6962 / RFC 9162 tree heads of the reference leaves, and every inclusion and consistency case
(valid and tampered) of transparency-dev/merkle's test data."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projections import merkle

VECTORS = json.loads((Path(__file__).parent / "data" / "merkle_vectors.json").read_text())

# The reference leaves and the tree head of every prefix of them (RFC 6962's test data, as kept
# by transparency-dev/merkle testonly/constants.go).
LEAF_INPUTS = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
               "606162636465666768696a6b6c6d6e6f"]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [merkle.leaf_hash(bytes.fromhex(x)) for x in LEAF_INPUTS]


def b64(value: str) -> bytes:
    return base64.b64decode(value)


class Store:
    """Perfect subtree nodes as the event store keeps them, built by appending."""

    def __init__(self, leaves: list[bytes]) -> None:
        self.nodes = {(0, i): leaf for i, leaf in enumerate(leaves)}
        frontier = merkle.Frontier()
        for leaf in leaves:
            for level, index, digest in frontier.append(leaf):
                self.nodes[(level, index)] = digest
        self.frontier = frontier

    def get(self, level: int, index: int) -> bytes:
        return self.nodes[(level, index)]


def test_tree_heads_of_every_prefix_match_the_reference() -> None:
    for size, expected in enumerate(ROOTS):
        assert merkle.root_of(LEAVES[:size]).hex() == expected
        assert merkle.root(size, Store(LEAVES).get).hex() == expected


def test_the_frontier_survives_being_stored() -> None:
    store = Store(LEAVES[:7])
    packed = store.frontier.to_bytes()
    again = merkle.Frontier.from_bytes(7, packed)
    again.append(LEAVES[7])
    assert again.root().hex() == ROOTS[8]


@pytest.mark.parametrize("case", VECTORS["inclusion"], ids=lambda c: c["file"])
def test_inclusion_vectors(case: dict[str, Any]) -> None:
    ok = merkle.verify_inclusion(
        b64(case["leafHash"]),
        case["leafIdx"],
        case["treeSize"],
        [b64(p) for p in case["proof"] or []],
        b64(case["root"]),
    )
    assert ok is not case["wantErr"], case["desc"]


@pytest.mark.parametrize("case", VECTORS["consistency"], ids=lambda c: c["file"])
def test_consistency_vectors(case: dict[str, Any]) -> None:
    ok = merkle.verify_consistency(
        case["size1"],
        case["size2"],
        b64(case["root1"]),
        b64(case["root2"]),
        [b64(p) for p in case["proof"] or []],
    )
    assert ok is not case["wantErr"], case["desc"]


def test_our_proofs_are_the_published_ones() -> None:
    """The happy paths of the vectors are over the reference leaves: our generated proofs must
    be exactly those node lists, not merely verify."""
    store = Store(LEAVES)
    for case in VECTORS["inclusion"]:
        if case["desc"] == "happy path" and case["treeSize"] <= len(LEAVES):
            expected = [b64(p) for p in case["proof"] or []]
            assert merkle.inclusion_path(case["leafIdx"], case["treeSize"], store.get) == expected
    for case in VECTORS["consistency"]:
        if case["desc"] == "happy path" and 0 < case["size1"] and case["size2"] <= len(LEAVES):
            expected = [b64(p) for p in case["proof"] or []]
            path = merkle.consistency_path(case["size1"], case["size2"], store.get)
            assert path == expected


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_every_generated_proof_verifies(inputs: list[bytes], data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(x) for x in inputs]
    store = Store(leaves)
    size = data.draw(st.integers(1, len(leaves)))
    index = data.draw(st.integers(0, size - 1))
    first = data.draw(st.integers(1, size))
    head = merkle.root(size, store.get)
    assert head == merkle.root_of(leaves[:size])
    path = merkle.inclusion_path(index, size, store.get)
    assert merkle.verify_inclusion(leaves[index], index, size, path, head)
    assert not merkle.verify_inclusion(merkle.leaf_hash(b"other"), index, size, path, head)
    proof = merkle.consistency_path(first, size, store.get)
    assert merkle.verify_consistency(first, size, merkle.root(first, store.get), head, proof)


def test_a_proof_reads_only_the_nodes_it_names() -> None:
    store = Store(LEAVES)
    wanted = merkle.needed_nodes(lambda get: merkle.inclusion_path(5, 7, get))
    assert wanted <= set(store.nodes)
    assert len(wanted) <= 2 * 3  # O(log n) stored nodes
    fetched = {key: store.nodes[key] for key in wanted}
    assert merkle.inclusion_path(5, 7, lambda lv, ix: fetched[(lv, ix)]) == merkle.inclusion_path(
        5, 7, store.get
    )
