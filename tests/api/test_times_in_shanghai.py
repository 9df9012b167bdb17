"""Times in answers are given in Asia/Shanghai (+08:00), as users read them; they are stored
as instants. Whatever computed them (a due time counted in UTC, the clock of a test), every
instant an answer carries says +08:00 — except inside an event's ``payload`` in a history:
that is the stored record verbatim, the bytes its hash covers."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.documents import command, draft_request
from tests.support.http import get
from tests.support.store import catch_up

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)")


def instants(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [i for k, v in value.items() if k != "payload" for i in instants(v)]
    if isinstance(value, list):
        return [i for v in value for i in instants(v)]
    return [value] if isinstance(value, str) and INSTANT.fullmatch(value) else []


@pytest.mark.parametrize(
    "path",
    ["/documents/{id}", "/documents/{id}/history", "/dashboard/countersigns", "/health"],
)
def test_every_instant_in_an_answer_is_in_shanghai(client, services, path: str) -> None:
    doc = draft_request(client)
    asked = command(client, doc["id"], "countersign-requests", "p-finance-head",
                    {"unit_ids": ["u-ecology"]})  # fmt: skip
    assert asked.status_code == 200, asked.text
    catch_up(services)

    found = instants(get(client, path.format(id=doc["id"])))

    assert found, f"{path} answered no instant"
    assert [i for i in found if not i.endswith("+08:00")] == []
