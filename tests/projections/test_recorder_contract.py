"""The eventsourcing library's own contract tests for an application recorder
(``ApplicationRecorderTestCase``, eventsourcing 9.5) run against ``GovrulesRecorder``: it
overrides the library's insert path (the hash chain, the Merkle tree and the idempotency claim
written in the inserting transaction, a pipelined insert for small writes) and must still
behave as the library's recorder does — positions, gaps, concurrency, selection."""

from __future__ import annotations

import os
import uuid
from typing import ClassVar

import psycopg
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.tests.persistence import ApplicationRecorderTestCase
from psycopg.sql import SQL, Identifier

from projections.store import GovrulesRecorder, conninfo, ensure_schema, parse_database_url

DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")


class TestGovrulesRecorderContract(ApplicationRecorderTestCase[GovrulesRecorder]):
    database: ClassVar[dict[str, str]] = parse_database_url(DATABASE_URL)

    def setUp(self) -> None:
        self.schema = f"contract_{uuid.uuid4().hex[:12]}"
        ensure_schema(self.database, self.schema)
        self.datastore = PostgresDatastore(
            dbname=self.database["POSTGRES_DBNAME"],
            host=self.database["POSTGRES_HOST"],
            port=self.database["POSTGRES_PORT"],
            user=self.database["POSTGRES_USER"],
            password=self.database["POSTGRES_PASSWORD"],
            schema=self.schema,
            pool_size=4,
            max_overflow=16,
        )

    def tearDown(self) -> None:
        self.datastore.close()
        with psycopg.connect(conninfo(self.database), autocommit=True) as conn:
            conn.execute(SQL("DROP SCHEMA {} CASCADE").format(Identifier(self.schema)))

    def create_recorder(self) -> GovrulesRecorder:
        recorder = GovrulesRecorder(self.datastore, events_table_name="govrules_events")
        recorder.create_table()
        return recorder

    def test_the_chain_of_what_the_contract_wrote_verifies(self) -> None:
        """Beyond the library's contract: whatever it wrote is chained and in the tree."""
        self.test_insert_select()
        recorder = self.create_recorder()
        ok, checked, bad = recorder.verify_chain()
        assert (ok, bad) == (True, None)
        assert checked == recorder.max_notification_id()
