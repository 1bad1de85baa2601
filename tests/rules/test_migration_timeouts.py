"""migration/missing-lock-timeout: every lock that queues writers, and only a lock_timeout
set before the statement bounds it (PostgreSQL docs 13.3.1 Table-Level Locks; 20.11
Client Connection Defaults, lock_timeout)."""

from __future__ import annotations

import pytest

from planreview.models import Severity
from tests.rules.test_migration_rules import findings, lines, sql_plan

LOCK = "migration/missing-lock-timeout"

# SQL in sql_plan() starts on line 5.


def test_plain_create_index_takes_share_and_queues_writes() -> None:
    found = findings(sql_plan('CREATE INDEX i ON "Booking" ("tierId");'), LOCK)

    assert lines(found) == [(5, 5)]
    assert found[0].title == "No lock_timeout before the SHARE DDL on Booking"
    assert "needs SHARE on \"Booking\"" in found[0].issue
    assert "writes (INSERT, UPDATE, DELETE)" in found[0].impact
    assert found[0].severity is Severity.P3


def test_create_index_concurrently_lets_writes_through_and_stays_quiet() -> None:
    sql = 'CREATE INDEX CONCURRENTLY i ON "Booking" ("tierId");'
    assert findings(sql_plan(sql), LOCK) == []


def test_add_foreign_key_locks_both_tables_in_share_row_exclusive() -> None:
    sql = """
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk
  FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;
"""
    found = findings(sql_plan(sql), LOCK)

    assert lines(found) == [(5, 6)]
    assert found[0].title == (
        "No lock_timeout before the SHARE ROW EXCLUSIVE DDL on orders and customers"
    )
    assert "SHARE ROW EXCLUSIVE on orders and SHARE ROW EXCLUSIVE on customers" in (
        found[0].issue
    )
    assert "writes (INSERT, UPDATE, DELETE) on customers" in found[0].impact


def test_a_column_added_with_references_also_locks_the_referenced_table() -> None:
    sql = "ALTER TABLE orders ADD COLUMN customer_id bigint REFERENCES customers (id);"
    found = findings(sql_plan(sql), LOCK)

    assert "ACCESS EXCLUSIVE on orders and SHARE ROW EXCLUSIVE on customers" in (
        found[0].issue
    )


def test_a_foreign_key_between_tables_the_plan_creates_is_exempt() -> None:
    sql = """
CREATE TABLE customers (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint);
ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id);
CREATE INDEX orders_customer_idx ON orders (customer_id);
"""
    assert findings(sql_plan(sql), LOCK) == []


def test_a_foreign_key_from_a_new_table_still_locks_the_existing_referenced_one() -> None:
    sql = """
CREATE TABLE refunds (id bigint PRIMARY KEY, order_id bigint);
ALTER TABLE refunds ADD CONSTRAINT fk FOREIGN KEY (order_id) REFERENCES orders (id);
"""
    found = findings(sql_plan(sql), LOCK)

    assert lines(found) == [(6, 6)]
    assert found[0].title == "No lock_timeout before the SHARE ROW EXCLUSIVE DDL on orders"


@pytest.mark.parametrize(
    "ddl",
    [
        "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;",  # SHARE UPDATE EXCLUSIVE
        "UPDATE orders SET status = 'new' WHERE id < 1000;",  # ROW EXCLUSIVE: not DDL
        "ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.01);",  # SHARE UPDATE EXCL.
        "ALTER TABLE orders RESET (fillfactor, toast.autovacuum_enabled);",
    ],
)
def test_statements_whose_lock_lets_writes_through_stay_quiet(ddl: str) -> None:
    assert findings(sql_plan(ddl), LOCK) == []


def test_create_trigger_takes_share_row_exclusive() -> None:
    sql = "CREATE TRIGGER audit AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION audit();"
    found = findings(sql_plan(sql), LOCK)
    assert found[0].title == "No lock_timeout before the SHARE ROW EXCLUSIVE DDL on orders"


# --- what bounds the wait ----------------------------------------------------------------


@pytest.mark.parametrize(
    "setting",
    [
        "SET lock_timeout = '5s';",
        "SET LOCAL lock_timeout = 3000;",
        "SET SESSION lock_timeout TO '1min';",
        "SELECT set_config('lock_timeout', '5s', false);",
    ],
)
def test_a_nonzero_lock_timeout_before_the_statement_bounds_it(setting: str) -> None:
    ddl = 'CREATE INDEX i ON "Booking" ("tierId");\nALTER TABLE "Booking" DROP COLUMN x;'
    sql = f"{setting}\n{ddl}"
    assert findings(sql_plan(sql), LOCK) == []


def test_a_lock_timeout_set_after_the_statement_does_not_bound_it() -> None:
    sql = 'ALTER TABLE "Booking" ADD COLUMN "note" text;\nSET lock_timeout = \'5s\';'
    assert lines(findings(sql_plan(sql), LOCK)) == [(5, 5)]


@pytest.mark.parametrize(
    "setting",
    [
        "SET foo.lock_timeout = '5s';",  # a custom setting, not the GUC
        "SET lock_timeout = 0;",  # "A value of zero (the default) turns this off"
        "SET lock_timeout = '0ms';",
        "SET lock_timeout = DEFAULT;",
        "SET lock_timeout = '5s';\nRESET lock_timeout;",
        "SET lock_timeout = '5s';\nRESET ALL;",
        "SET statement_timeout = '5s';",
    ],
)
def test_settings_that_do_not_bound_the_wait(setting: str) -> None:
    sql = f'{setting}\nALTER TABLE "Booking" ADD COLUMN "note" text;'
    assert len(findings(sql_plan(sql), LOCK)) == 1


def test_prose_about_lock_timeout_does_not_count_as_setting_it() -> None:
    md = sql_plan(
        'ALTER TABLE "Booking" ADD COLUMN "note" text;',
        "We will think about a lock_timeout later.",
    )
    assert len(findings(md, LOCK)) == 1


def test_set_local_holds_only_for_its_own_transaction() -> None:
    sql = """
BEGIN;
SET LOCAL lock_timeout = '5s';
ALTER TABLE "Booking" ADD COLUMN "note" text;
COMMIT;
BEGIN;
CREATE INDEX i ON "Tier" ("segmentId");
COMMIT;
"""
    found = findings(sql_plan(sql), LOCK)

    assert lines(found) == [(10, 10)]
    assert found[0].title == "No lock_timeout before the SHARE DDL on Tier"


def test_a_session_set_before_begin_holds_for_the_whole_block() -> None:
    sql = """
SET lock_timeout = '5s';
BEGIN;
ALTER TABLE "Booking" ADD COLUMN "note" text;
COMMIT;
CREATE INDEX i ON "Tier" ("segmentId");
"""
    assert findings(sql_plan(sql), LOCK) == []


def test_a_set_in_another_block_does_not_bound_this_one() -> None:
    md = (
        "# Plan\n\n```sql\nSET lock_timeout = '5s';\n"
        'ALTER TABLE "Booking" ADD COLUMN "note" text;\n```\n\n'
        '```sql\nCREATE INDEX i ON "Tier" ("segmentId");\n```\n'
    )
    found = findings(md, LOCK)
    assert lines(found) == [(9, 9)]


def test_one_finding_per_block_at_its_first_statement_with_the_heaviest_severity() -> None:
    sql = """
CREATE INDEX i ON "Booking" ("tierId");
ALTER TABLE "Booking" ALTER COLUMN "tierId" SET NOT NULL;
"""
    found = findings(sql_plan(sql), LOCK)

    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P2


def test_drop_index_locks_the_indexs_table_even_when_the_plan_does_not_name_it() -> None:
    found = findings(sql_plan('DROP INDEX "Booking_status_idx";'), LOCK)

    assert found[0].title == (
        "No lock_timeout before the ACCESS EXCLUSIVE DDL on the table of index Booking_status_idx"
    )
    assert 'ACCESS EXCLUSIVE on the table of index "Booking_status_idx"' in found[0].issue


def test_reindex_index_and_truncate_block_writes() -> None:
    found = findings(sql_plan("REINDEX INDEX bookings_tenant_idx;"), LOCK)
    assert found[0].title == (
        "No lock_timeout before the SHARE DDL on the table of index bookings_tenant_idx"
    )
    found = findings(sql_plan("TRUNCATE import_batches, import_rows;"), LOCK)
    assert found[0].title == (
        "No lock_timeout before the ACCESS EXCLUSIVE DDL on import_batches and import_rows"
    )


@pytest.mark.parametrize(
    "sql",
    [
        'DROP INDEX CONCURRENTLY "Booking_status_idx";',
        "REINDEX INDEX CONCURRENTLY bookings_tenant_idx;",
        "CREATE TABLE tiers (id bigint, segment_id bigint);\n"
        "CREATE INDEX tiers_segment_idx ON tiers (segment_id);\n"
        "DROP INDEX tiers_segment_idx;",
    ],
)
def test_concurrent_index_maintenance_or_an_index_on_a_new_table_stays_quiet(sql: str) -> None:
    assert findings(sql_plan(sql), LOCK) == []
