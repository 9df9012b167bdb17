"""A decision's trace exported for keeping (``?format=bundle``) and checked offline by
``scripts/verify-bundle`` with the standard library only (run here with ``python -S``: no
site-packages at all): intact, one byte changed, and a kept tree head after history was
rewritten."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg.sql import SQL, Identifier

from api.services import Services
from projections import evidence
from projections.store import conninfo, parse_database_url
from tests.support.http import auth, create, ok
from tests.support.lifecycle import STORY, decision_lifecycle
from tests.support.servers import ROOT

# Every export reads the accountability read model at a position (?min_position=): the
# runners follow the log as a server's do.
pytestmark = pytest.mark.usefixtures("live_services")

UNRELATED = "关于无关事项的请示"


def export(client: Any, decision_id: str, by: str = "p-investigator", **params: Any) -> Any:
    r = client.get(
        f"/accountability/decisions/{decision_id}",
        params={"format": "bundle", **params},
        headers=auth(by),
    )
    assert r.headers["content-disposition"].startswith("attachment;")
    return ok(r)


def check(bundle: dict[str, Any], path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path.write_text(json.dumps(bundle, ensure_ascii=False), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-S", str(ROOT / "scripts" / "verify_bundle.py"), str(path), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


def digest(client: Any) -> dict[str, Any]:
    return ok(client.get("/accountability/digest", headers=auth("p-investigator")))


def sql(services: Services, statement: str, *params: object) -> None:
    database = parse_database_url(services.settings.database_url or "")
    with psycopg.connect(conninfo(database), autocommit=True) as conn:
        conn.execute(
            SQL(statement).format(schema=Identifier(services.settings.schema_name)), params
        )


def rewrite_history(services: Services, position: int, old: str, new: str) -> None:
    """What someone with write access to the database would do to hide an edit: change the
    event (still valid JSON), then recompute every chain link and the whole tree so that they
    agree with it again."""
    sql(
        services,
        "UPDATE {schema}.govrules_events SET state = convert_to(replace(convert_from(state, "
        "'UTF8'), %s, %s), 'UTF8') WHERE notification_id = %s",
        old,
        new,
        position,
    )
    for table in (
        "govrules_events_hashes",
        "govrules_events_tree_nodes",
        "govrules_events_tree_head",
    ):
        sql(services, f"DELETE FROM {{schema}}.{table}")
    database = parse_database_url(services.settings.database_url or "")
    with psycopg.connect(conninfo(database)) as conn:
        tables = evidence.EvidenceTables(services.settings.schema_name, "govrules_events")
        evidence.start_tree(conn, tables)


def test_a_bundle_checks_offline_and_only_grew_since_a_kept_head(client, services, tmp_path):
    create(client, "/documents", "p-finance-head", {
        "doc_type": "request", "title": UNRELATED, "from_unit_id": "u-finance",
        "to": "government", "matters": ["无关事项"],
    })  # fmt: skip
    kept = digest(client)["tree"]  # an investigator keeps the head before the story
    life = decision_lifecycle(client)
    bundle = export(client, life.decision_id, min_position=life.last_position,
                    kept_size=kept["size"])  # fmt: skip

    result = check(bundle, tmp_path / "bundle.json", "--kept", f"{kept['size']}:{kept['root']}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the log only grew" in result.stdout
    assert len(bundle["events"]) == len(bundle["trace"]["entries"]) == len(STORY)
    assert bundle["tree_head"]["size"] >= life.last_position - 1
    text = json.dumps(bundle, ensure_ascii=False)
    assert UNRELATED not in text  # no other event's content
    print(f"bundle: {len(bundle['events'])} events checked offline against a kept head")


def _flip_hex(value: str) -> str:
    return ("1" if value[0] == "0" else "0") + value[1:]


def _flip_state(item: dict[str, Any]) -> None:
    state = bytearray(base64.b64decode(item["stored"]["state_b64"]))
    state[len(state) // 2] ^= 0x01
    item["stored"]["state_b64"] = base64.b64encode(bytes(state)).decode()


TAMPERINGS = {
    "a byte of a stored payload": lambda b: _flip_state(b["events"][3]),
    "a word of a trace entry": lambda b: b["trace"]["entries"][13]["payload"].update(
        text="全票通过"
    ),
    "who acted, in the trace": lambda b: b["trace"]["entries"][5].update(actor_id="p-vm-c"),
    "a node of an audit path": lambda b: b["events"][7]["audit_path"].__setitem__(
        0, _flip_hex(b["events"][7]["audit_path"][0])
    ),
    "the tree head": lambda b: b["tree_head"].update(root=_flip_hex(b["tree_head"]["root"])),
    "an event left out": lambda b: b["events"].pop(9),
}


@pytest.fixture
def exported(client) -> dict[str, Any]:
    life = decision_lifecycle(client)
    return export(client, life.decision_id, min_position=life.last_position)


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_a_bundle_with_one_change_fails(exported, tmp_path, tampering):
    assert check(exported, tmp_path / "intact.json").returncode == 0
    TAMPERINGS[tampering](exported)
    result = check(exported, tmp_path / "changed.json")
    assert result.returncode == 1, result.stdout
    *passed, failed = result.stdout.splitlines()  # the checks that held, then the one that failed
    assert failed.startswith("FAILED: "), result.stdout
    assert all(line.startswith("ok: ") for line in passed), result.stdout


def test_a_kept_head_catches_rewritten_history(client, services, tmp_path):
    life = decision_lifecycle(client)
    kept = digest(client)
    before = export(client, life.decision_id, min_position=life.last_position)
    taken = next(e for e in before["trace"]["entries"] if e["type"] == "DecisionTaken")
    rewrite_history(services, taken["position"], "原则通过", "一致通过")
    create(client, "/documents", "p-finance-head", {
        "doc_type": "request", "title": UNRELATED, "from_unit_id": "u-finance",
        "to": "government", "matters": ["无关事项"],
    })  # fmt: skip  # the log goes on growing after the rewrite
    # The chain and the tree agree with themselves again: only a kept head can tell.
    verdict = ok(client.get("/accountability/verify", headers=auth("p-investigator")))
    assert verdict["ok"] is True
    bundle = export(client, life.decision_id, kept_size=kept["tree"]["size"])
    tree = kept["tree"]
    assert check(bundle, tmp_path / "b.json").returncode == 0  # consistent with itself
    result = check(bundle, tmp_path / "b.json", "--kept", f"{tree['size']}:{tree['root']}")
    assert result.returncode == 1
    assert "history was rewritten" in result.stdout
    params = {"tree_size": tree["size"], "tree_root": tree["root"]}
    verdict = ok(client.get("/accountability/verify", params=params, headers=auth("p-mayor")))
    assert (verdict["ok"], verdict["first_bad_position"]) == (False, kept["position"])


def test_a_bundle_of_an_uncleared_exporter_holds_no_secret_but_still_checks(client, tmp_path):
    life = decision_lifecycle(client)
    secret = create(client, "/documents", "p-sg", {
        "doc_type": "decision", "title": "关于2027年预算涉密安排的决定", "body": "密件正文",
        "from_unit_id": "u-gov", "drafting_unit_id": "u-gov-office", "to": "u-finance",
        "matters": ["2027年预算"], "decision_id": life.decision_id, "classification": "secret",
    })  # fmt: skip
    bundle = export(client, life.decision_id, by="p-finance-head", min_position=secret["position"])
    text = json.dumps(bundle, ensure_ascii=False)
    assert "涉密安排" not in text and "密件正文" not in text
    hidden = [e for e in bundle["events"] if e.get("redacted")]
    drafted = [
        e["position"] for e in bundle["trace"]["entries"] if e["originator_id"] == secret["id"]
    ]
    assert [e["position"] for e in hidden] == drafted
    assert "stored" not in hidden[0]
    result = check(bundle, tmp_path / "b.json")
    assert result.returncode == 0, result.stdout
    assert "1 without content" in result.stdout


def test_a_kept_size_beyond_the_log_is_422(client):
    life = decision_lifecycle(client)
    r = client.get(
        f"/accountability/decisions/{life.decision_id}",
        params={"format": "bundle", "kept_size": 10**9},
        headers=auth("p-investigator"),
    )
    assert r.status_code == 422
