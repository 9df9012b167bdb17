"""D7 due times that wait for a year's calendar, as the read models keep them: given the
events, then rows. The countersigns board shows a request pending with its year, then its due
time once counted; the deadline index keeps it waiting, opens a "countersign-due" obligation
the moment the year is recorded, and a countersign obligation once the due time is set."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from psycopg.sql import SQL

from domain.documents import OfficialDocument
from domain.holidays import HolidayCalendar
from projections.read_models.countersigns import Countersigns, open_counts, open_requests
from projections.read_models.deadlines import Deadlines
from tests.projections.model_spec import ModelSpec, model_spec, originator

ASKED = datetime(2026, 12, 24, 1, 0, tzinfo=UTC)
RECORDED = datetime(2026, 12, 28, 2, 0, tzinfo=UTC)
DUE = datetime(2027, 1, 5, 16, 0, tzinfo=UTC)
Given = tuple[str, str, dict[str, Any]]


def requested(key: str = "1", unit: str = "u-ecology") -> Given:
    payload = {"unit_ids": [unit], "due": None, "due_basis": "D7: 7 working days",
               "due_pending_year": 2027, "timestamp": ASKED}  # fmt: skip
    return OfficialDocument.CountersignRequested.NAME, key, payload


def due_set(key: str = "1", due: datetime | None = DUE, year: int | None = None) -> Given:
    payload = {"unit_id": "u-ecology", "due": due, "due_pending_year": year,
               "timestamp": RECORDED}  # fmt: skip
    return OfficialDocument.CountersignDueSet.NAME, key, payload


def year_recorded(year: int = 2027) -> Given:
    payload = {"year": year, "holidays": [], "workdays": [], "notice_ref": "x",
               "timestamp": RECORDED}  # fmt: skip
    return HolidayCalendar.YearRecorded.NAME, "calendar", payload


@pytest.fixture
def board(database_url: str, schema: str) -> Iterator[ModelSpec]:
    with model_spec(database_url, schema, Countersigns()) as spec:
        yield spec


@pytest.fixture
def index(database_url: str, schema: str) -> Iterator[ModelSpec]:
    with model_spec(database_url, schema, Deadlines()) as spec:
        yield spec


def rows(spec: ModelSpec, table: str) -> list[dict[str, Any]]:
    query = SQL("SELECT * FROM {} ORDER BY kind, key").format(spec.t[table])
    return spec.conn.execute(query).fetchall()


@pytest.mark.parametrize("one_batch", [True, False])
def test_D7_the_board_shows_a_pending_due_time_then_the_counted_one(
    board: ModelSpec, one_batch: bool
) -> None:
    board.given(requested())
    (pending,) = open_requests(board.conn, board.t, ASKED)
    assert (pending["due"], pending["due_pending_year"], pending["overdue"]) == (None, 2027, False)
    assert open_counts(board.conn, board.t, ASKED) == {"open": 1, "overdue": 0, "due_pending": 1}

    if one_batch:  # the same events again in one batch, on a fresh document
        board.given(requested("2"), due_set("2"))
    board.given(due_set())

    for item in open_requests(board.conn, board.t, DUE):
        assert (item["due"], item["due_pending_year"], item["overdue"]) == (DUE, None, True)
    assert open_counts(board.conn, board.t, DUE)["due_pending"] == 0


def test_D7_the_index_waits_for_the_year_then_opens_the_obligations(index: ModelSpec) -> None:
    index.given(requested())
    assert [(r["year"], r["key"]) for r in rows(index, "waiting")] == [(2027, "u-ecology")]
    assert rows(index, "open") == []

    index.given(year_recorded(2028))  # another year: nothing moves
    assert len(rows(index, "waiting")) == 1

    index.given(year_recorded(2027))
    (opened,) = rows(index, "open")
    assert (opened["kind"], opened["due_at"], opened["done"]) == (
        "countersign-due",
        RECORDED,
        False,
    )
    assert str(opened["aggregate_id"]) == originator("1")
    assert rows(index, "waiting") == []

    index.given(due_set())
    kinds = {(r["kind"], r["done"]): r["due_at"] for r in rows(index, "open")}
    assert kinds == {("countersign", False): DUE, ("countersign-due", True): RECORDED}


def test_D7_an_answer_while_waiting_ends_the_wait(index: ModelSpec) -> None:
    answered = {"unit_id": "u-ecology", "opinion": "agree", "reasons": None, "timestamp": ASKED}
    index.given(requested(), (OfficialDocument.Countersigned.NAME, "1", answered))

    assert rows(index, "waiting") == []
    index.given(year_recorded(2027))
    assert rows(index, "open") == []


def test_D7_a_due_time_still_pending_on_a_later_year_waits_again(index: ModelSpec) -> None:
    index.given(requested(), year_recorded(2027), due_set(due=None, year=2028))

    assert [(r["year"], r["key"]) for r in rows(index, "waiting")] == [(2028, "u-ecology")]


def test_D7_a_late_opinion_meets_no_obligation_the_deemed_answer_is_still_recorded(
    index: ModelSpec, board: ModelSpec
) -> None:
    asked = {"unit_ids": ["u-ecology"], "due": DUE, "due_basis": "D7: 7 working days",
             "timestamp": ASKED}  # fmt: skip
    late = {"unit_id": "u-ecology", "opinion": "agree", "reasons": None, "late": True,
            "timestamp": DUE}  # fmt: skip
    for spec in (index, board):
        spec.given((OfficialDocument.CountersignRequested.NAME, "1", asked),
                   (OfficialDocument.Countersigned.NAME, "1", late))  # fmt: skip

    (row,) = rows(index, "open")
    assert (row["kind"], row["done"]) == ("countersign", False)  # the ticker still deems it
    (still,) = open_requests(board.conn, board.t, DUE)
    assert (still["unit_id"], still["overdue"]) == ("u-ecology", True)
