"""The countersign dashboard: open requests with their due time (D6, D7)."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from projections.engine import Event, ReadModel, Tables


class Countersigns(ReadModel):
    """/dashboard/countersigns: open countersign requests with their due time (D6, D7)."""

    name: ClassVar[str] = "countersigns"
    tables: ClassVar[dict[str, str]] = {
        "requests": "document_id uuid NOT NULL, unit_id text NOT NULL, requested_at "
        "timestamptz NOT NULL, due timestamptz NOT NULL, status text NOT NULL, opinion text, "
        "answered_at timestamptz, position bigint NOT NULL, PRIMARY KEY (document_id, unit_id)"
    }
    types: ClassVar[tuple[str, ...]] = ("CountersignRequested", "DocumentCountersigned")

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == "CountersignRequested":
                for unit_id in s["unit_ids"]:
                    cur.execute(
                        SQL(
                            "INSERT INTO {} (document_id, unit_id, requested_at, due, status, "
                            "position) VALUES (%s, %s, %s, %s, 'pending', %s) "
                            "ON CONFLICT (document_id, unit_id) DO UPDATE SET requested_at = "
                            "EXCLUDED.requested_at, due = EXCLUDED.due, status = 'pending', "
                            "opinion = NULL, answered_at = NULL, position = EXCLUDED.position"
                        ).format(t["requests"]),
                        (e.originator_id, unit_id, s["timestamp"], s["due"], e.position),
                    )
            else:
                cur.execute(
                    SQL(
                        "UPDATE {} SET status = 'answered', opinion = %s, answered_at = %s, "
                        "position = %s WHERE document_id = %s AND unit_id = %s"
                    ).format(t["requests"]),
                    (s["opinion"], s["timestamp"], e.position, e.originator_id, s["unit_id"]),
                )
