"""S5 and S4 as the supervision board keeps them: given supervision events, then the ledger of
open instructions and what each city leader led (/dashboard/supervision)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.supervision import S4_KINDS, SupervisionItem
from projections.read_models.supervision_board import (
    SupervisionBoard,
    instruction_ledger,
    led_by_leaders,
)
from tests.projections.model_spec import ModelSpec, model_spec, originator
from tests.support.http import auth

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def board(database_url: str, schema: str) -> Iterator[ModelSpec]:
    with model_spec(database_url, schema, SupervisionBoard()) as spec:
        yield spec


def registered(
    key: str, kind: str = "instruction", led_by: str | None = None, at: datetime | None = None
) -> tuple[str, str, dict[str, Any]]:
    """Item ``key`` registered (by default ``key`` minutes after AT: the ledger's order)."""
    at = at or AT + timedelta(minutes=int(key))
    return SupervisionItem.Registered.NAME, key, {
        "title": f"督办{key}", "source": {"kind": kind, "ref": f"批示{key}"},
        "lead_unit_id": "u-ecology", "co_unit_ids": [], "deadline": datetime(2026, 6, 30,
        tzinfo=UTC), "report_dates": [], "led_by": led_by, "timestamp": at,
    }  # fmt: skip


def then(kind: str, key: str, **payload: Any) -> tuple[str, str, dict[str, Any]]:
    return kind, key, {"timestamp": AT, **payload}


def ledger(board: ModelSpec) -> list[tuple[str, str, str]]:
    return [(r["title"], r["ref"], r["status"]) for r in instruction_ledger(board.conn, board.t)]


def test_S5_every_instruction_has_a_ledger_line_until_it_is_closed(board: ModelSpec) -> None:
    board.given(
        registered("1"),
        registered("2"),
        then(SupervisionItem.ProgressReported.NAME, "2", unit_id="u-ecology", text="进展"),
        registered("3"),
        registered("4", kind="annual_task"),
    )
    assert ledger(board) == [
        ("督办1", "批示1", "registered"),
        ("督办2", "批示2", "in_progress"),
        ("督办3", "批示3", "registered"),
    ]

    board.given(
        then(SupervisionItem.Verified.NAME, "3", result="passed", findings="属实"),
        then(SupervisionItem.Closed.NAME, "3", summary="办结"),
    )

    assert ledger(board) == [("督办1", "批示1", "registered"), ("督办2", "批示2", "in_progress")]
    ids = [str(r["id"]) for r in instruction_ledger(board.conn, board.t)]
    assert ids == [originator("1"), originator("2")]


def test_S4_the_board_keeps_who_led_which_suggestion_or_proposal(board: ModelSpec) -> None:
    board.given(
        registered("1", "npc_suggestion", led_by="p-mayor"),
        registered("2", "cppcc_proposal", led_by="p-vm-a"),
        registered("3", "instruction", led_by="p-vm-b"),
        registered("4", "npc_suggestion"),
        registered("5", "cppcc_proposal", led_by="p-vm-a", at=datetime(2025, 12, 1, tzinfo=UTC)),
    )

    led = led_by_leaders(board.conn, board.t, S4_KINDS, datetime(2026, 1, 1, tzinfo=UTC))

    assert sorted(led) == [
        ("p-mayor", "npc_suggestion", AT + timedelta(minutes=1)),
        ("p-vm-a", "cppcc_proposal", AT + timedelta(minutes=2)),
    ]


@pytest.mark.usefixtures("live_services")  # ?min_position= waits for the runners
def test_the_supervision_dashboard_serves_the_ledger_S5_and_the_leaders_S4(client) -> None:
    def register(kind: str, led_by: str | None, title: str) -> dict[str, Any]:
        body = {
            "title": title, "source": {"kind": kind, "ref": f"{title}号"},
            "lead_unit_id": "u-ecology", "co_unit_ids": [], "deadline": "2026-12-31T18:00:00+08:00",
            "report_dates": [], "led_by": led_by,
        }  # fmt: skip
        r = client.post("/supervision-items", json=body, headers=auth("p-office-dir"))
        assert r.status_code == 201, r.text
        written: dict[str, Any] = r.json()
        return written

    instruction = register("instruction", None, "省领导批示")
    register("npc_suggestion", "p-vm-a", "人大建议")
    last = register("cppcc_proposal", "p-vm-a", "政协提案")

    r = client.get(
        f"/dashboard/supervision?min_position={last['position']}", headers=auth("p-mayor")
    )

    assert r.status_code == 200, r.text
    body = r.json()
    assert [(line["id"], line["ref"]) for line in body["instruction_ledger"]] == [
        (instruction["id"], "省领导批示号")
    ]
    leading = body["leaders_leading"]
    assert leading["year"] == 2026
    assert leading["leaders"]["p-vm-a"] == {"npc_suggestion": True, "cppcc_proposal": True}
    assert leading["leaders"]["p-mayor"] == {"npc_suggestion": False, "cppcc_proposal": False}
