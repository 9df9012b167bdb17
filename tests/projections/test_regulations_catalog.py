"""G9: the catalog of what is in force (GET /regulations/catalog), as the regulations board
folds it: given published and ended events, then the entries of a day. The domain's
``Regulation.in_force_on`` and the board answer alike for the same events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.regulations import Regulation
from projections.read_models.regulations_board import RegulationsBoard, catalog, expiring
from tests.domain.spec import given
from tests.projections.model_spec import ModelSpec, model_spec, originator

PUBLISHED = Regulation.Published.NAME


@pytest.fixture
def board(database_url: str, schema: str) -> Iterator[ModelSpec]:
    with model_spec(database_url, schema, RegulationsBoard()) as spec:
        yield spec


def drafted(key: str, title: str, kind: str = "city_normative") -> tuple[str, str, dict[str, Any]]:
    payload = {"kind": kind, "title": title, "drafting_unit_id": "u-finance", "revises": None,
               "timestamp": datetime(2025, 12, 1, tzinfo=UTC)}  # fmt: skip
    return Regulation.Drafted.NAME, key, payload


def published(
    key: str,
    title: str,
    published_on: date = date(2026, 1, 1),
    valid_until: date | None = date(2031, 1, 1),
    kind: str = "city_normative",
) -> tuple[str, str, dict[str, Any]]:
    return PUBLISHED, key, {
        "kind": kind, "title": title, "drafting_unit_id": "u-finance",
        "number": f"攀府规〔2026〕{key}号", "published_on": published_on,
        "valid_until": valid_until, "filings_due": {}, "revises": None,
        "timestamp": datetime(2025, 12, 31, tzinfo=UTC),
    }  # fmt: skip


def ended(how: str, key: str, on: date) -> tuple[str, str, dict[str, Any]]:
    payload: dict[str, Any] = {"on": on, "timestamp": datetime(2026, 5, 1, tzinfo=UTC)}
    if how == "Abolished":
        return Regulation.Abolished.NAME, key, {**payload, "reason": None}
    return Regulation.Superseded.NAME, key, {**payload, "by_regulation_id": originator("2")}


def titles_on(board: ModelSpec, day: date) -> list[str]:
    return [d["title"] for d in catalog(board.conn, board.t, day)]


def test_G9_the_catalog_lists_a_document_from_its_publication_day(board: ModelSpec) -> None:
    board.given(drafted("1", "甲"), published("1", "甲", date(2026, 3, 1)))

    assert titles_on(board, date(2026, 2, 28)) == []
    assert titles_on(board, date(2026, 3, 1)) == ["甲"]
    assert titles_on(board, date(2027, 3, 1)) == ["甲"]


def test_G9_the_catalog_drops_a_document_on_its_valid_until_day(board: ModelSpec) -> None:
    board.given(drafted("1", "甲"), published("1", "甲", date(2026, 3, 1), date(2028, 3, 1)))

    assert titles_on(board, date(2028, 2, 29)) == ["甲"]
    assert titles_on(board, date(2028, 3, 1)) == []
    assert titles_on(board, date(2029, 1, 1)) == []


@pytest.mark.parametrize("how", ["Abolished", "Superseded"])
def test_G9_the_catalog_drops_a_document_on_its_abolition_or_supersession(
    board: ModelSpec, how: str
) -> None:
    board.given(drafted("1", "甲"), published("1", "甲"), ended(how, "1", date(2026, 6, 1)))

    assert titles_on(board, date(2026, 5, 31)) == ["甲"]
    assert titles_on(board, date(2026, 6, 1)) == []
    assert titles_on(board, date(2026, 7, 1)) == []


def test_G9_a_revision_replaces_the_version_it_supersedes_in_the_catalog(
    board: ModelSpec,
) -> None:
    board.given(
        drafted("1", "甲（2026年版）"),
        published("1", "甲（2026年版）", date(2026, 1, 1)),
        drafted("2", "甲（2026年修订）"),
        published("2", "甲（2026年修订）", date(2026, 6, 1)),
        ended("Superseded", "1", date(2026, 6, 1)),
    )

    assert titles_on(board, date(2026, 5, 31)) == ["甲（2026年版）"]
    assert titles_on(board, date(2026, 6, 1)) == ["甲（2026年修订）"]


def test_G9_the_catalog_entry_carries_the_publication_facts_sorted_by_kind_date_title(
    board: ModelSpec,
) -> None:
    board.given(
        drafted("3", "丙", "department_normative"),
        published("3", "丙", date(2026, 2, 1), kind="department_normative"),
        drafted("2", "乙"),
        published("2", "乙", date(2026, 2, 1)),
        drafted("1", "甲", "government_rule"),
        published("1", "甲", date(2026, 1, 15), kind="government_rule"),
        drafted("4", "丁"),
        published("4", "丁", date(2026, 1, 10)),
    )

    entries = catalog(board.conn, board.t, date(2026, 3, 1), ended=True)

    assert [e["title"] for e in entries] == ["丁", "乙", "丙", "甲"]
    assert {**entries[0], "id": str(entries[0]["id"])} == {
        "id": originator("4"),
        "kind": "city_normative",
        "title": "丁",
        "drafting_unit_id": "u-finance",
        "number": "攀府规〔2026〕4号",
        "published_on": date(2026, 1, 10),
        "valid_until": date(2031, 1, 1),
        "ended_on": None,
    }


def test_G9_the_board_and_the_aggregate_agree_on_what_is_in_force(board: ModelSpec) -> None:
    """One rule, two callers: ``Regulation.in_force_on`` and the board's catalog, for the
    same events, on the days either side of each boundary."""
    events = [
        drafted("1", "甲"),
        published("1", "甲", date(2026, 3, 1), date(2028, 3, 1)),
        ended("Abolished", "1", date(2027, 6, 1)),
    ]
    board.given(*events)
    classes = {c.NAME: c for c in (Regulation.Drafted, Regulation.Published,
                                   Regulation.Abolished)}  # fmt: skip
    reg = given(Regulation, *((classes[kind], payload) for kind, _key, payload in events))

    for boundary in (date(2026, 3, 1), date(2027, 6, 1), date(2028, 3, 1)):
        for day in (boundary - timedelta(days=1), boundary):
            listed = titles_on(board, day) == ["甲"]
            assert listed is reg.in_force_on(day), day
    assert reg.in_force_on(date(2026, 3, 1)) is True
    assert reg.in_force_on(date(2027, 6, 1)) is False


def test_G6_G9_a_government_rule_has_no_validity_period_and_stays_in_the_catalog(
    board: ModelSpec,
) -> None:
    events = [
        drafted("1", "规章", kind="government_rule"),
        published("1", "规章", date(2026, 3, 1), None, kind="government_rule"),
    ]
    board.given(*events)
    classes = {c.NAME: c for c in (Regulation.Drafted, Regulation.Published)}
    reg = given(Regulation, *((classes[kind], payload) for kind, _key, payload in events))

    for day in (date(2026, 2, 28), date(2026, 3, 1), date(2031, 3, 1), date(2099, 1, 1)):
        assert (
            (titles_on(board, day) == ["规章"])
            is reg.in_force_on(day)
            is (day.year > 2026 or day.month >= 3)
        )
    assert expiring(board.conn, board.t, date(2099, 1, 1), 90) == []
