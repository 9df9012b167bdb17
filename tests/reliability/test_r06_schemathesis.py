"""R6 (docs/reliability.md): schemathesis over ``/openapi.json``, every operation, with valid
tokens of several offices, so that writes are accepted and rule code is reached. Requests
go to the app in process (ASGI) over a real PostgreSQL with the read models' runners live.

Each operation gets ``EXAMPLES`` generated requests (derandomized: the same run every time),
each by one of ``OFFICES``; a path id is mostly (a drawn boolean) the id of a resource seeded first
(a document, a meeting, a decision, a leave, a supervision item, a regulation), so commands
meet real state instead of a 404. ``min_position`` is drawn up to the log's head (a larger one
waits its 5 s by contract — a test of read-your-writes, not of the schema).

Checks: no 5xx; every status, content type, header and body as the schema declares. Failures
are collected (not shrunk) and listed together with a curl line to replay each."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.support.decisions import initiate
from tests.support.documents import draft_notice, draft_request
from tests.support.http import auth
from tests.support.leaves import mayor_trip
from tests.support.meetings import convene
from tests.support.regulations import department_doc
from tests.support.store import positions
from tests.support.supervision import item

EXAMPLES = 20
# The mayor, the office director (government office), a unit head, the system administrator.
OFFICES = ("p-mayor", "p-office-dir", "p-finance-head", "p-admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# GET /events/stream never ends by design (server-sent events; tests/api/test_event_stream.py).
SKIPPED = {("GET", "/events/stream")}


def _seed(client: Any) -> dict[str, list[str]]:
    """One or two resources of each collection, for the path ids."""
    supervision = item(client, "u-finance", "2026-12-31", ["2026-10-30"])
    regulation = department_doc(
        client, "攀枝花市财政资金管理办法", "攀财规〔2026〕1号", date(2026, 9, 1), date(2031, 8, 31)
    )
    return {
        "documents": [draft_notice(client)["id"], draft_request(client)["id"]],
        "meetings": [convene(client)["id"]],
        "decisions": [initiate(client)["id"]],
        "leaves": [mayor_trip(client, "2026-10-12T09:00+08:00", "2026-10-13T18:00+08:00")["id"]],
        "supervision-items": [supervision],
        "regulations": [regulation],
    }


UNITS = ("u-gov", "u-gov-office", "u-justice", "u-finance", "u-ecology", "u-housing",
         "u-east-district", "u-province-gov")  # fmt: skip
PEOPLE = ("p-mayor", "p-exec-vm", "p-vm-a", "p-vm-b", "p-sg", "p-dsg", "p-office-dir",
          "p-finance-head", "p-justice-head", "p-ecology-head", "p-finance-legal")  # fmt: skip
UNIT_KEYS = {"unit_id", "from_unit_id", "drafting_unit_id", "lead_unit_id", "initiated_by_unit",
             "bypassed_unit_id", "superior_unit_id", "to", "unit_ids", "co_unit_ids",
             "cc_unit_ids"}  # fmt: skip
PERSON_KEYS = {"acting_id", "convener_id", "person_id", "responsible_person", "reported_to_id",
               "stand_in_id", "vice_mayor_id", "approved_by", "decided_by", "performed_by",
               "proposed_by", "entrusted_by", "forwarded_to", "routed_to", "led_by", "present",
               "skip_level_approved_by"}  # fmt: skip
RESOURCE_KEYS = {"decision_id": "decisions", "replies_to": "documents", "implements": "documents",
                 "meeting_id": "meetings", "regulation_id": "regulations"}  # fmt: skip


def _plausible(data: st.DataObject, value: Any, seeded: dict[str, list[str]]) -> Any:
    """The generated body with, mostly, a name the roster or the store knows (a unit,
    a person, a seeded resource) or a day near the drill clock's, so that more commands get
    past "no such unit" to the rules themselves."""
    if isinstance(value, list):
        return [_plausible(data, v, seeded) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, v in value.items():
        pool = (UNITS if key in UNIT_KEYS else PEOPLE if key in PERSON_KEYS
                else seeded.get(RESOURCE_KEYS.get(key, ""), ()))  # fmt: skip
        if pool and isinstance(v, str | list) and not data.draw(st.booleans()):
            pick = st.sampled_from(pool)
            v = data.draw(pick) if isinstance(v, str) else data.draw(st.lists(pick, max_size=3))
        elif isinstance(v, str) and len(v) >= 10 and v[4:5] == "-" and not data.draw(st.booleans()):
            day = data.draw(st.dates(date(2026, 9, 28), date(2027, 3, 31))).isoformat()
            v = day if len(v) == 10 else f"{day}T10:00:00+08:00"
        out[key] = _plausible(data, v, seeded)
    return out


def _kind(method: str, response: Any) -> str:
    if response.status_code < 300:
        return "accepted writes" if method.upper() == "POST" else "answered reads"
    if response.status_code in (403, 409) and '"rule"' in response.text:
        return "rule refusals"
    return str(response.status_code)


def _collection(path: str) -> str:
    return path.strip("/").split("/")[0]


def _exercise(
    client: Any, operation: Any, seeded: dict[str, list[str]], head: int, tally: Counter[str]
) -> list[str]:
    """``EXAMPLES`` requests to ``operation``; the failures, each with a curl to replay it.
    ``tally`` counts the answers: accepted writes, rule refusals, other statuses."""
    failures: list[str] = []
    strategy = operation.as_strategy()
    ids = seeded.get(_collection(operation.path), [])

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=st.data())
    def one(data: st.DataObject) -> None:
        case = data.draw(strategy)
        office = data.draw(st.sampled_from(OFFICES))
        for name in case.path_parameters or {}:
            if ids and name != "year" and not data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(ids))
        if isinstance(case.body, dict):
            case.body = _plausible(data, case.body, seeded)
        if case.query and case.query.get("min_position") is not None:
            case.query["min_position"] = data.draw(st.integers(0, head))
        headers = auth(office)
        response = case.call(headers=headers)
        tally[_kind(operation.method, response)] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:
            found = " | ".join(line.strip() for line in str(failure).splitlines()[:12] if line)
            failures.append(
                f"{operation.label} as {office}: {response.status_code} {found}\n"
                f"    {case.as_curl_command(headers=headers)}"
            )

    one()
    return failures


def test_r6_schemathesis_finds_no_5xx_and_no_answer_outside_the_schema(
    client, live_services, services
):
    ids = _seed(client)
    head = positions(services)
    config = SchemathesisConfig()
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, config=config)
    operations, failures, tally = 0, [], Counter[str]()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        failures += _exercise(client, operation, ids, head, tally)
    answers = ", ".join(f"{kind}: {n}" for kind, n in tally.most_common())
    print(
        f"\nR6: {operations} operations × {EXAMPLES} examples by {len(OFFICES)} offices = "
        f"{tally.total()} requests ({answers}); {len(failures)} failures"
    )
    assert not failures, "\n".join(failures)
