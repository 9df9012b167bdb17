"""Major administrative decisions over HTTP: initiation and the four preparatory procedures
(M10), by 市财政局 and, for the legality review (passed unless told), 市司法局; a waiver
confirmed by 市政府办公室."""

from __future__ import annotations

from typing import Any

from tests.support.http import ok, post

PROCEDURE_ORDER = ["public_participation", "expert_review", "risk_assessment", "legality_review"]


def decision_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "2027年市级财政预算草案",
        "matter_kind": "budget",
        "initiated_by_unit": "u-finance",
        "responsible_person": "p-finance-head",
    }
    body.update(overrides)
    return body


def initiate(client: Any, by: str = "p-finance-head", **overrides: Any) -> dict[str, Any]:
    return ok(post(client, "/decisions", by, decision_body(**overrides)), 201)


def procedure_body(procedure: str, **overrides: Any) -> dict[str, Any]:
    """A procedure performed by 市财政局, or by 市司法局 for the legality review (M10)."""
    performer = "u-justice" if procedure == "legality_review" else "u-finance"
    body: dict[str, Any] = {
        "procedure": procedure,
        "conclusion": f"{procedure}: 同意",
        "performed_by": performer,
        "evidence_refs": [f"{procedure}-报告-1"],
    }
    if procedure == "legality_review":
        body["passed"] = True
    body.update(overrides)
    return body


def record_procedure(
    client: Any, decision_id: str, procedure: str, by: str | None = None, **overrides: Any
) -> Any:
    by = by or ("p-justice-head" if procedure == "legality_review" else "p-finance-head")
    return post(
        client, f"/decisions/{decision_id}/procedures", by, procedure_body(procedure, **overrides)
    )


def ready_decision(
    client: Any, procedures: list[str] | None = None, **overrides: Any
) -> dict[str, Any]:
    """A decision with the given procedures recorded (all four by default)."""
    decision = initiate(client, **overrides)
    for procedure in PROCEDURE_ORDER if procedures is None else procedures:
        decision = ok(record_procedure(client, decision["id"], procedure))
    return decision


def confirm_waiver(client: Any, decision_id: str, procedure: str, by: str = "p-office-dir") -> Any:
    """M10: the government office confirms a waiver."""
    path = f"/decisions/{decision_id}/waiver-confirmations"
    return post(client, path, by, {"procedure": procedure})
