"""Tracing proposed statements on the real server: rewrites, locks, blocking, failures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from planreview.rehearse.cluster import EmbeddedCluster
from planreview.rehearse.locks import describe, strongest
from planreview.rehearse.trace import Connect, trace_statements, trace_transaction

pytestmark = pytest.mark.pg


@pytest.fixture
def db(pg_cluster: EmbeddedCluster) -> Iterator[Connect]:
    with pg_cluster.scratch_database() as name:
        with pg_cluster.connect(dbname=name) as conn:
            conn.execute("CREATE TABLE orders (id int PRIMARY KEY, total int NOT NULL)")
            conn.execute("INSERT INTO orders SELECT g, g FROM generate_series(1, 1000) g")
        yield lambda: pg_cluster.connect(dbname=name)


def test_a_column_type_change_rewrites_the_table_and_blocks_reads_and_writes(
    db: Connect,
) -> None:
    [trace] = trace_statements(db, ["ALTER TABLE orders ALTER COLUMN total TYPE bigint"])
    assert trace.error is None
    assert "orders" in trace.rewritten
    assert ("orders", "AccessExclusiveLock") in {(lk.relation, lk.mode) for lk in trace.locks}
    assert trace.read_blocked == {"orders": True}
    assert trace.write_blocked == {"orders": True}


def test_add_column_with_a_constant_default_rewrites_nothing(db: Connect) -> None:
    [trace] = trace_statements(db, ["ALTER TABLE orders ADD COLUMN n int NOT NULL DEFAULT 0"])
    assert trace.error is None
    assert trace.rewritten == []


def test_a_plain_index_build_blocks_writes_but_not_reads(db: Connect) -> None:
    [trace] = trace_statements(db, ["CREATE INDEX orders_total ON orders (total)"])
    assert ("orders", "ShareLock") in {(lk.relation, lk.mode) for lk in trace.locks}
    assert trace.read_blocked == {"orders": False}
    assert trace.write_blocked == {"orders": True}


def test_the_enum_swap_on_a_column_with_a_default_fails_and_stops_the_migration(
    db: Connect,
) -> None:
    setup = [
        "CREATE TYPE phase AS ENUM ('a', 'b')",
        "CREATE TABLE tenant (id int PRIMARY KEY, p phase NOT NULL DEFAULT 'a')",
    ]
    trace_transaction(db, setup)
    migration = [
        "CREATE TYPE phase_new AS ENUM ('a', 'b', 'c')",
        "ALTER TABLE tenant ALTER COLUMN p TYPE phase_new USING (p::text::phase_new)",
        "DROP TYPE phase",
    ]
    created, altered, dropped = trace_transaction(db, migration)
    assert created.error is None
    assert altered.error is not None
    assert "default" in altered.error
    assert dropped.skipped


def test_a_statement_over_the_statement_timeout_is_cancelled(db: Connect) -> None:
    [trace] = trace_statements(db, ["SELECT pg_sleep(5)"], statement_timeout_s=0.2)
    assert trace.sqlstate == "57014"


def test_a_hostile_statement_is_recorded_as_refused(db: Connect) -> None:
    [trace] = trace_statements(db, ["COPY (SELECT 1) TO PROGRAM 'id'"])
    assert trace.sqlstate == "42501"


def test_lock_modes_are_named_with_what_they_block() -> None:
    assert describe("AccessExclusiveLock").startswith("ACCESS EXCLUSIVE (blocks everything")
    assert "reads proceed" in describe("ShareLock")


def test_a_concurrent_index_build_is_traced_from_a_second_session(
    pg_cluster: EmbeddedCluster,
) -> None:
    from planreview.rehearse.trace import trace_concurrently

    with pg_cluster.scratch_database() as name:
        with pg_cluster.connect(dbname=name) as conn:
            conn.execute("CREATE TABLE big (id int, v text)")
            conn.execute(
                "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, 300000) g"
            )
        trace = trace_concurrently(
            lambda: pg_cluster.connect(dbname=name),
            "CREATE INDEX CONCURRENTLY big_v ON big (v)",
            "big",
        )
    assert trace.error is None
    assert ("big", "ShareUpdateExclusiveLock") in {(lk.relation, lk.mode) for lk in trace.locks}
    assert trace.progress_phases
    assert trace.read_blocked == {"big": False}
    assert trace.write_blocked == {"big": False}


def test_lock_names_from_pg_locks_follow_the_documented_strength_order() -> None:
    assert strongest(["RowExclusiveLock", "AccessShareLock", "ShareLock"]) == "ShareLock"
    assert strongest(["SIReadLock"]) is None
