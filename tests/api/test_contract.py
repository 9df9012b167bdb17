"""The OpenAPI document is the contract: every operation declares the errors it can answer as
RFC 9457 application/problem+json (one Problem schema), the bearer token it needs, and the
instants it takes as RFC 3339 date-times."""

from __future__ import annotations

from typing import Any

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_every_error_is_a_declared_problem(client):
    spec = client.get("/openapi.json").json()
    problem = spec["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status"]
    assert {"detail", "instance", "rule", "article", "rule_text"} <= set(problem["properties"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    operations = _operations(spec)
    assert len(operations) >= 90
    for method, path, op in operations:
        errors = {s: r for s, r in op["responses"].items() if int(s) >= 400}
        assert "503" in errors, (method, path)
        for status, response in errors.items():
            assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (
                method, path, status)  # fmt: skip
        if method == "POST":
            assert {"400", "401", "403", "404", "409", "412", "413", "422"} <= set(errors), path
        if "{" in path:
            assert "404" in errors, path
        if path != "/health":
            assert op["security"] == [{"bearer": []}], path
            assert {"401", "403"} <= set(errors), path
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_instants_in_queries_are_date_times(client):
    spec = client.get("/openapi.json").json()
    instants = [
        (path, param["name"], param["schema"]["anyOf"][0])
        for path, ops in spec["paths"].items()
        for op in ops.values()
        for param in op.get("parameters", [])
        if param["name"] in ("as_of", "at", "known_at")
    ]
    assert {name for _, name, _ in instants} == {"as_of", "at", "known_at"}
    for path, name, schema in instants:
        assert schema == {"type": "string", "format": "date-time"}, (path, name)


def test_an_instant_is_still_parsed_as_before(client):
    """The schema's date-time changes nothing of what the routes accept and refuse."""
    from tests.support.http import assert_problem, auth, ok

    headers = auth("p-mayor")
    assert ok(client.get("/leaves", params={"at": "2026-09-28T10:00:00+08:00"}, headers=headers))
    assert ok(client.get("/leaves", params={"at": "2026-09-28T02:00:00Z"}, headers=headers))
    assert ok(client.get("/roster", params={"as_of": "2026-09-28 10:00+08:00"}, headers=headers))
    for wrong in ("yesterday", "2026-09-28T10:00:00"):  # not a time; no offset
        assert_problem(client.get("/leaves", params={"at": wrong}, headers=headers), 422)
