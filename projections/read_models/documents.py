"""The documents list: summaries for GET /documents (D12 at read time)."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg
from psycopg.sql import SQL

from projections.engine import Event, ReadModel, Tables

DOCUMENT_STATUS = {
    "DocumentReturned": "returned",
    "DocumentRouted": "routed",
    "DocumentSignedOff": "signed_off",
    "DocumentNumbered": "numbered",
    "DocumentIssued": "issued",
    "DocumentPublished": "published",
}
DOCUMENT_EVENTS = (
    "DocumentDrafted",
    "CountersignRequested",
    "DocumentCountersigned",
    "CountersignDisagreementSummarised",
    *DOCUMENT_STATUS,
)


class DocumentsList(ReadModel):
    """GET /documents: a page of document summaries (titles of classified ones are hidden
    from uncleared readers at read time, D12)."""

    name: ClassVar[str] = "documents"
    tables: ClassVar[dict[str, str]] = {
        "list": "id uuid PRIMARY KEY, status text NOT NULL, doc_type text NOT NULL, "
        "title text NOT NULL, classification text NOT NULL, from_unit_id text NOT NULL, "
        "direction text NOT NULL, number text, version int NOT NULL, position bigint NOT NULL, "
        "updated_at timestamptz NOT NULL"
    }
    types: ClassVar[tuple[str, ...]] = DOCUMENT_EVENTS

    def apply(self, cur: psycopg.Cursor[Any], t: Tables, events: list[Event]) -> None:
        for e in events:
            s = e.state
            if e.type == "DocumentDrafted":
                cur.execute(
                    SQL(
                        "INSERT INTO {} (id, status, doc_type, title, classification, "
                        "from_unit_id, direction, version, position, updated_at) VALUES "
                        "(%s, 'drafted', %s, %s, %s, %s, %s, %s, %s, %s)"
                    ).format(t["list"]),
                    (e.originator_id, s["doc_type"], s["title"], s["classification"],
                     s["from_unit_id"], s["direction"], e.version, e.position, s["timestamp"]),
                )  # fmt: skip
                continue
            status = DOCUMENT_STATUS.get(e.type)
            cur.execute(
                SQL(
                    "UPDATE {} SET status = COALESCE(%s, status), number = COALESCE(%s, number), "
                    "version = %s, position = %s, updated_at = %s WHERE id = %s"
                ).format(t["list"]),
                (status, s.get("number"), e.version, e.position, s["timestamp"], e.originator_id),
            )
