"""A Merkle tree over the event log in position order, hashed as Certificate Transparency does
(RFC 9162 section 2.1, the same as RFC 6962): tree heads, inclusion and consistency proofs, and
their verification.

Standard library only, on purpose: ``scripts/verify-bundle`` imports this module to check an
exported bundle offline, with nothing installed but Python.

- A leaf is one stored event: ``leaf_input`` is (position, originator id, version, topic, payload
  bytes), the same bytes the hash chain links (``chain_hash``), so both are recomputed from
  exactly what PostgreSQL holds.
- ``Frontier`` appends leaves and yields the perfect subtrees each append completes (the nodes
  the store keeps), and gives the tree head of its size.
- Proofs are built from perfect subtree nodes fetched through a ``NodeSource``
  (``level, index -> hash``; level 0 is the leaves). ``needed_nodes`` lists what a proof reads,
  so a store fetches them in one query.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()
NodeSource = Callable[[int, int], bytes]


def leaf_input(
    position: int, originator_id: object, version: int, topic: str, state: bytes
) -> bytes:
    """The bytes of one stored event that both the chain and the tree commit to."""
    return b"".join(
        (
            position.to_bytes(8, "big"),
            (
                originator_id.bytes
                if isinstance(originator_id, uuid.UUID)
                else uuid.UUID(str(originator_id)).bytes
            ),
            int(version).to_bytes(8, "big"),
            topic.encode(),
            b"\0",
            bytes(state),
        )
    )


def chain_hash(previous: bytes, data: bytes) -> bytes:
    """The hash chain's link: SHA-256 over (previous link, the event's ``leaf_input``)."""
    return hashlib.sha256(previous + data).digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 2.1.1: MTH({d}) = SHA-256(0x00 || d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 2.1.1: SHA-256(0x01 || MTH(left) || MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(n: int) -> bool:
    return n > 0 and n & (n - 1) == 0


def subtree_hash(start: int, end: int, get: NodeSource) -> bytes:
    """MTH(D[start:end]) from stored perfect subtrees. Every range the RFC's recursions reach
    starts at a multiple of its largest perfect part, so each part is one stored node."""
    size = end - start
    if size <= 0:
        return EMPTY_ROOT
    if _perfect(size):
        level = size.bit_length() - 1
        return get(level, start >> level)
    k = _split(size)
    return node_hash(subtree_hash(start, start + k, get), subtree_hash(start + k, end, get))


def root(size: int, get: NodeSource) -> bytes:
    return subtree_hash(0, size, get)


def inclusion_path(index: int, size: int, get: NodeSource) -> list[bytes]:
    """RFC 9162 2.1.3.1: PATH(m, D[n]), the audit path of leaf ``index`` in the first ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of {size}")
    path: list[bytes] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            path.append(subtree_hash(start + k, end, get))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, get))
            start += k
    path.reverse()  # the RFC lists the path from the leaf up
    return path


def consistency_path(first: int, second: int, get: NodeSource) -> list[bytes]:
    """RFC 9162 2.1.4.1: PROOF(m, D[n]) that the first ``second`` leaves extend the first
    ``first``."""
    if not 0 < first <= second:
        raise ValueError(f"no consistency proof from {first} to {second}")
    path: list[bytes] = []
    start, end, m, whole = 0, second, first, True
    while m != end - start:
        k = _split(end - start)
        if m <= k:
            path.append(subtree_hash(start + k, end, get))
            end = start + k
        else:
            path.append(subtree_hash(start, start + k, get))
            start, m, whole = start + k, m - k, False
    if not whole:
        path.append(subtree_hash(start, end, get))
    path.reverse()
    return path


def needed_nodes(build: Callable[[NodeSource], object]) -> set[tuple[int, int]]:
    """The (level, index) nodes ``build`` reads: run it once against a recorder, so a store can
    fetch them all in one query before running it for real."""
    seen: set[tuple[int, int]] = set()

    def record(level: int, index: int) -> bytes:
        seen.add((level, index))
        return bytes(HASH_SIZE)

    build(record)
    return seen


# ----- verification (RFC 9162 2.1.3.2 and 2.1.4.2) ---------------------------------------------


def _hashes_ok(*hashes: bytes) -> bool:
    return all(isinstance(h, bytes) and len(h) == HASH_SIZE for h in hashes)


def verify_inclusion(
    leaf: bytes, index: int, size: int, path: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether ``path`` proves leaf hash ``leaf`` at ``index`` in the tree of ``size`` leaves
    whose head is ``expected_root``."""
    if not (0 <= index < size) or not _hashes_ok(leaf, expected_root, *path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """Whether ``path`` proves the tree of ``second`` leaves (head ``second_root``) extends the
    tree of ``first`` leaves (head ``first_root``)."""
    if not 0 < first <= second:
        return False
    if first == second:  # the same tree: nothing to prove but that the heads are one
        return not path and first_root == second_root
    if not _hashes_ok(first_root, second_root, *path):
        return False
    if not path:
        return False
    nodes = [first_root, *path] if _perfect(first) else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = nodes[0]
    for c in nodes[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


# ----- appending --------------------------------------------------------------------------------


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees, largest first (one
    per set bit of its size). Appending a leaf completes zero or more perfect subtrees."""

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} frontier nodes")
        self.size = size
        self.hashes = list(hashes)

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> Frontier:
        chunks = [packed[i : i + HASH_SIZE] for i in range(0, len(packed), HASH_SIZE)]
        return cls(size, chunks)

    def to_bytes(self) -> bytes:
        return b"".join(self.hashes)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Adds one leaf hash; answers the (level, index, hash) of each perfect subtree of level
        1 or more this completes."""
        completed: list[tuple[int, int, bytes]] = []
        self.hashes.append(leaf)
        index, level = self.size, 0
        while index & 1:  # the new node is a right child: merge it with its left sibling
            right = self.hashes.pop()
            left = self.hashes.pop()
            index, level = index >> 1, level + 1
            merged = node_hash(left, right)
            self.hashes.append(merged)
            completed.append((level, index, merged))
        self.size += 1
        return completed

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        r = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            r = node_hash(left, r)
        return r


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The tree head of a list of leaf hashes (for tests and small checks)."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()
