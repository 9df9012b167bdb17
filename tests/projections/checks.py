"""Comparing read models row for row: a count and an md5 of a table's sorted rows."""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.sql import SQL, Composable


def table_checksum(conn: psycopg.Connection[Any], table: Composable) -> tuple[int, str]:
    return rows_checksum(conn, SQL("SELECT * FROM {}").format(table))


def rows_checksum(conn: psycopg.Connection[Any], query: Composable) -> tuple[int, str]:
    """The rows a query answers (``ReadModel.rows``: what a table means, however batched)."""
    row = conn.execute(
        SQL(
            "SELECT count(*) AS n, md5(string_agg(r::text, '|' ORDER BY r::text)) AS sum "
            "FROM ({}) r"
        ).format(query)
    ).fetchone()
    assert row is not None
    return int(row["n"]), str(row["sum"])
