"""R6 (docs/reliability.md): schemathesis over ``/openapi.json``, every operation, with valid
tokens of several offices, so that writes are accepted and rule code is reached. Requests
go to the app in process (ASGI) over a real PostgreSQL with the read models' runners live.

Each operation gets ``EXAMPLES`` generated requests (derandomized: the same run every time),
each by one of ``OFFICES``; a path id is, one time in two, the id of a resource seeded first
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


def _kind(method: str, response: Any) -> str:
    if response.status_code < 300:
        return "accepted writes" if method.upper() == "POST" else "answered reads"
    if response.status_code in (403, 409) and '"rule"' in response.text:
        return "rule refusals"
    return str(response.status_code)


def _collection(path: str) -> str:
    return path.strip("/").split("/")[0]


def _exercise(
    client: Any, operation: Any, ids: list[str], head: int, tally: Counter[str]
) -> list[str]:
    """``EXAMPLES`` requests to ``operation``; the failures, each with a curl to replay it.
    ``tally`` counts the answers: accepted writes, rule refusals, other statuses."""
    failures: list[str] = []
    strategy = operation.as_strategy()

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
            if ids and name != "year" and data.draw(st.booleans()):
                case.path_parameters[name] = data.draw(st.sampled_from(ids))
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
    config.projects.default.generation.update(allow_x00=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app, config=config)
    operations, failures, tally = 0, [], Counter[str]()
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        operations += 1
        found = ids.get(_collection(operation.path), [])
        failures += _exercise(client, operation, found, head, tally)
    answers = ", ".join(f"{kind}: {n}" for kind, n in tally.most_common())
    print(
        f"\nR6: {operations} operations × {EXAMPLES} examples by {len(OFFICES)} offices = "
        f"{tally.total()} requests ({answers}); {len(failures)} failures"
    )
    assert not failures, "\n".join(failures)
