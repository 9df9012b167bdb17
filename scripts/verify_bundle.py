"""Check an accountability bundle (GET /accountability/decisions/{id}?format=bundle) offline,
with the Python standard library only. It asks the server for nothing.

    scripts/verify-bundle FILE [--kept SIZE:ROOT]

Checks, for every event in the bundle:
- its stored bytes give its leaf hash, and its chain link from the link before it;
- its inclusion proof leads from that leaf to the bundle's tree head (RFC 9162);
- the trace entry shown for it says what the stored event says (type, actor, office, acting
  for, rules, payload, time, hash);
and that the trace has no entry without its event. With ``--kept SIZE:ROOT`` (a tree head kept
earlier, e.g. from GET /accountability/digest), the bundle's consistency proof must show that
the log of the bundle extends the kept one: history was only added to, never rewritten.

An event the exporter was not cleared to read (D12) is bundled without its content: its leaf
is proven to be in the log, its content cannot be checked here.

Exit status: 0 when everything checks, 1 when anything does not, 2 when the file cannot be read.
"""

from __future__ import annotations

import base64
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from projections import merkle  # standard library only

FORMAT = "govrules-accountability-bundle/1"


class Failed(Exception):
    """The bundle does not check: says where and why."""


def _hex(value: Any, what: str) -> bytes:
    try:
        return bytes.fromhex(value)
    except (TypeError, ValueError):
        raise Failed(f"{what} is not hex") from None


def check_event(item: dict[str, Any], size: int, root: bytes) -> None:
    """Leaf, chain link and inclusion proof of one bundled event."""
    position = item["position"]
    leaf = _hex(item["leaf_hash"], f"event {position}: leaf_hash")
    stored = item.get("stored")
    if stored is not None:
        state = base64.b64decode(stored["state_b64"], validate=True)
        data = merkle.leaf_input(
            position,
            stored["originator_id"],
            stored["originator_version"],
            stored["topic"],
            state,
        )
        if merkle.leaf_hash(data) != leaf:
            raise Failed(f"event {position}: its stored bytes do not give its leaf hash")
        previous = _hex(item["chain"]["previous"], f"event {position}: chain.previous")
        if merkle.chain_hash(previous, data).hex() != item["chain"]["hash"]:
            raise Failed(f"event {position}: its chain link does not follow from the one before")
    path = [_hex(h, f"event {position}: audit path") for h in item["audit_path"]]
    if not merkle.verify_inclusion(leaf, item["leaf_index"], size, path, root):
        raise Failed(f"event {position}: its inclusion proof does not lead to the tree head")


def check_entry(entry: dict[str, Any], item: dict[str, Any]) -> None:
    """The trace entry says what the stored event says."""
    position = entry["position"]
    if entry.get("hash") != item["chain"]["hash"]:
        raise Failed(f"entry {position}: its hash is not its event's chain link")
    stored = item.get("stored")
    if stored is None:
        if entry.get("payload") is not None:
            raise Failed(f"entry {position}: a redacted event shows a payload")
        return
    state = json.loads(base64.b64decode(stored["state_b64"]))
    meta = state.pop("meta", {})
    recorded = state.pop("timestamp")
    state.pop("originator_topic", None)
    claims = {
        "type": stored["topic"].split(":", 1)[-1],
        "originator_id": stored["originator_id"],
        "version": stored["originator_version"],
        "actor_id": meta.get("actor_id"),
        "actor_office": meta.get("actor_office"),
        "acting_for": meta.get("acting_for"),
        "rules": meta.get("rules", []),
        "payload": state,
    }
    for field, value in claims.items():
        if entry.get(field) != value:
            raise Failed(f"entry {position}: {field} differs from the stored event")
    if datetime.fromisoformat(entry["recorded_at"]) != datetime.fromisoformat(recorded):
        raise Failed(f"entry {position}: recorded_at differs from the stored event")


def check_kept(bundle: dict[str, Any], kept: tuple[int, bytes], size: int, root: bytes) -> str:
    kept_size, kept_root = kept
    if kept_size > size:
        raise Failed(f"the kept head ({kept_size} events) is newer than the bundle ({size})")
    if kept_size == size:
        if kept_root != root:
            raise Failed("the kept tree head and the bundle's differ at the same size")
        return "the kept tree head is the bundle's"
    proof = bundle.get("consistency") or {}
    if proof.get("first") != kept_size or proof.get("second") != size:
        raise Failed(
            f"the bundle has no consistency proof from {kept_size} events; export it again "
            f"with ?format=bundle&kept_size={kept_size}"
        )
    path = [_hex(h, "consistency path") for h in proof["path"]]
    if not merkle.verify_consistency(kept_size, size, kept_root, root, path):
        raise Failed(
            f"the log of the bundle does not extend the kept one ({kept_size} events): "
            "history was rewritten"
        )
    return f"the log only grew since the kept head of {kept_size} events"


def verify(bundle: dict[str, Any], kept: tuple[int, bytes] | None) -> list[str]:
    """Every check, in order; raises Failed at the first that does not hold."""
    if bundle.get("format") != FORMAT:
        raise Failed(f"not a bundle of format {FORMAT}")
    head = bundle["tree_head"]
    size, root = int(head["size"]), _hex(head["root"], "tree_head.root")
    items = {item["position"]: item for item in bundle["events"]}
    for item in bundle["events"]:
        check_event(item, size, root)
    entries = bundle["trace"]["entries"]
    if {e["position"] for e in entries} != set(items):
        raise Failed("the trace's entries and the bundled events differ")
    for entry in entries:
        check_entry(entry, items[entry["position"]])
    redacted = sum(1 for item in bundle["events"] if item.get("stored") is None)
    report = [
        f"{len(items)} events: leaves, chain links and inclusion proofs check "
        f"against the tree head of {size} events ({redacted} without content, D12)",
        "every trace entry says what its stored event says",
    ]
    if kept is not None:
        report.append(check_kept(bundle, kept, size, root))
    return report


def _kept_arg(value: str) -> tuple[int, bytes]:
    size, _, root = value.partition(":")
    if not size.isdigit() or len(root) != 64:
        raise ValueError("--kept takes SIZE:ROOT (the tree head's size and 64 hex digits)")
    return int(size), bytes.fromhex(root)


def main(argv: list[str]) -> int:
    if len(argv) not in (1, 3) or (len(argv) == 3 and argv[1] != "--kept"):
        print("usage: scripts/verify-bundle FILE [--kept SIZE:ROOT]", file=sys.stderr)
        return 2
    try:
        bundle = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
        kept = _kept_arg(argv[2]) if len(argv) == 3 else None
    except (OSError, ValueError) as e:
        print(f"cannot read the bundle: {e}", file=sys.stderr)
        return 2
    try:
        for line in verify(bundle, kept):
            print(f"ok: {line}")
    except (Failed, KeyError, TypeError, ValueError) as e:
        reason = e if isinstance(e, Failed) else f"malformed bundle ({type(e).__name__}: {e})"
        print(f"FAILED: {reason}")
        return 1
    decision = bundle["trace"]["decision"]
    print(f"OK: the trace of decision {decision['id']} ({decision.get('title')}) checks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
