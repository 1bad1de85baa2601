"""What the migration rules claim about PostgreSQL, written as data a real server can
check (tests/pg/test_server_agreement.py runs each on the embedded cluster).

Each claim: the setup DDL (run and committed first), one statement, the strongest lock
it takes on `table` (as pg_locks shows it inside the statement's transaction), whether
it rewrites `table` (its relfilenode changes), the oldest major version the claim holds
on, and the rule whose behaviour rests on it. `expect_lock` and `rewrite` are None where
the claim says nothing about them.
"""

from __future__ import annotations

from dataclasses import dataclass

from planreview.pgsemantics.locks import LockMode

_ORDERS = (
    "CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, note varchar(20), "
    "total integer, price numeric(10,2), status text, created_at timestamp(3))",
    "INSERT INTO orders SELECT g, g, 'n', g, g, 'new', now() FROM generate_series(1, 50) g",
)
_CUSTOMERS = ("CREATE TABLE customers (id bigint PRIMARY KEY)",
              "INSERT INTO customers SELECT generate_series(1, 50)")


@dataclass(frozen=True)
class Claim:
    id: str
    rule: str
    statement: str
    expect_lock: LockMode | None
    rewrite: bool | None
    setup: tuple[str, ...] = _ORDERS
    table: str = "orders"
    since: int = 11
    """Oldest PostgreSQL major the claim holds on."""
    doc: str = ""


_L = LockMode
CLAIMS: tuple[Claim, ...] = (
    # --- lock_timeout: locks that queue writers (13.3.1 Table-Level Locks) ---
    Claim("create-index-share", "migration/missing-lock-timeout",
          "CREATE INDEX orders_customer_idx ON orders (customer_id)", _L.SHARE, False,
          doc="CREATE INDEX: SHARE lock"),
    Claim("add-fk-share-row-exclusive", "migration/missing-lock-timeout",
          "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
          "REFERENCES customers (id) NOT VALID",
          _L.SHARE_ROW_EXCLUSIVE, False, setup=(*_ORDERS, *_CUSTOMERS),
          doc="ALTER TABLE, ADD table_constraint: SHARE ROW EXCLUSIVE for a foreign key"),
    Claim("add-fk-locks-referenced-table", "migration/missing-lock-timeout",
          "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) "
          "REFERENCES customers (id) NOT VALID",
          _L.SHARE_ROW_EXCLUSIVE, False, setup=(*_ORDERS, *_CUSTOMERS), table="customers",
          doc="ALTER TABLE: SHARE ROW EXCLUSIVE on the referenced table"),
    Claim("add-column-references-locks-referenced-table", "migration/missing-lock-timeout",
          "ALTER TABLE orders ADD COLUMN buyer_id bigint REFERENCES customers (id)",
          _L.SHARE_ROW_EXCLUSIVE, False, setup=(*_ORDERS, *_CUSTOMERS), table="customers",
          doc="ALTER TABLE: an inline REFERENCES adds a foreign key like ADD CONSTRAINT"),
    Claim("create-trigger-share-row-exclusive", "migration/missing-lock-timeout",
          "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW "
          "EXECUTE FUNCTION suppress_redundant_updates_trigger()",
          _L.SHARE_ROW_EXCLUSIVE, False, doc="CREATE TRIGGER: SHARE ROW EXCLUSIVE"),
    Claim("set-autovacuum-option-share-update", "migration/missing-lock-timeout",
          "ALTER TABLE orders SET (autovacuum_vacuum_scale_factor = 0.01, fillfactor = 90)",
          _L.SHARE_UPDATE_EXCLUSIVE, False,
          doc="ALTER TABLE, SET ( storage_parameter ): fillfactor, toast and autovacuum "
              "parameters take SHARE UPDATE EXCLUSIVE"),
    Claim("validate-constraint-share-update", "migration/constraint-without-not-valid",
          "ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check",
          _L.SHARE_UPDATE_EXCLUSIVE, False,
          setup=(*_ORDERS, "ALTER TABLE orders ADD CONSTRAINT orders_total_check "
                 "CHECK (total > 0) NOT VALID"),
          doc="ALTER TABLE, VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE"),
    Claim("add-nullable-column-access-exclusive", "migration/missing-lock-timeout",
          "ALTER TABLE orders ADD COLUMN coupon text", _L.ACCESS_EXCLUSIVE, False),
    # --- column type changes (ALTER TABLE, Notes) ---
    Claim("type-varchar-to-text", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN note TYPE text", _L.ACCESS_EXCLUSIVE, False),
    Claim("type-varchar-widened", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN note TYPE varchar(200)", _L.ACCESS_EXCLUSIVE, False),
    Claim("type-varchar-narrowed", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN note TYPE varchar(10)", _L.ACCESS_EXCLUSIVE, True),
    Claim("type-text-using-expression", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note)",
          _L.ACCESS_EXCLUSIVE, True),
    Claim("type-int-to-bigint", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN total TYPE bigint", _L.ACCESS_EXCLUSIVE, True),
    Claim("type-int-to-text", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN total TYPE text", _L.ACCESS_EXCLUSIVE, True),
    Claim("type-numeric-precision-widened", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN price TYPE numeric(12,2)", _L.ACCESS_EXCLUSIVE, False),
    Claim("type-numeric-scale-changed", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN price TYPE numeric(12,3)", _L.ACCESS_EXCLUSIVE, True),
    Claim("type-timestamp-precision-widened", "migration/column-type-change",
          "ALTER TABLE orders ALTER COLUMN created_at TYPE timestamp(6)",
          _L.ACCESS_EXCLUSIVE, False),
    # --- defaults (ALTER TABLE, Notes; 38.7 Function Volatility Categories) ---
    Claim("default-constant", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN flag boolean NOT NULL DEFAULT false",
          _L.ACCESS_EXCLUSIVE, False),
    Claim("default-now-stable", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now()",
          _L.ACCESS_EXCLUSIVE, False),
    Claim("default-current-timestamp-stable", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT CURRENT_TIMESTAMP",
          _L.ACCESS_EXCLUSIVE, False),
    Claim("default-gen-random-uuid-volatile", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid()",
          _L.ACCESS_EXCLUSIVE, True, since=13),
    Claim("default-clock-timestamp-volatile", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp()",
          _L.ACCESS_EXCLUSIVE, True),
    Claim("default-unknown-function-volatile", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN code text DEFAULT make_code()",
          _L.ACCESS_EXCLUSIVE, True,
          setup=(*_ORDERS, "CREATE FUNCTION make_code() RETURNS text LANGUAGE sql "
                 "AS $$ SELECT md5(random()::text) $$"),
          doc="CREATE FUNCTION: VOLATILE is the default"),
    Claim("serial-column-rewrites", "migration/add-column-volatile-default",
          "ALTER TABLE orders ADD COLUMN seq serial", _L.ACCESS_EXCLUSIVE, True),
    # --- SET NOT NULL (ALTER TABLE, SET/DROP NOT NULL; PG 12: a valid CHECK skips the scan)
    Claim("set-not-null", "migration/set-not-null",
          "ALTER TABLE orders ALTER COLUMN status SET NOT NULL", _L.ACCESS_EXCLUSIVE, False),
    # --- inline constraints on existing tables build an index under ACCESS EXCLUSIVE ---
    Claim("add-column-unique", "migration/add-unique-without-index",
          "ALTER TABLE orders ADD COLUMN ext_ref text UNIQUE", _L.ACCESS_EXCLUSIVE, False),
    Claim("add-primary-key", "migration/add-unique-without-index",
          "ALTER TABLE orders ADD PRIMARY KEY (id)", _L.ACCESS_EXCLUSIVE, False,
          setup=("CREATE TABLE orders (id bigint NOT NULL, total integer)",
                 "INSERT INTO orders SELECT g, g FROM generate_series(1, 50) g")),
    Claim("add-serial-primary-key", "migration/add-unique-without-index",
          "ALTER TABLE orders ADD COLUMN id serial PRIMARY KEY", _L.ACCESS_EXCLUSIVE, True,
          setup=("CREATE TABLE orders (total integer)",
                 "INSERT INTO orders SELECT generate_series(1, 50)")),
    # --- renames ---
    Claim("rename-column", "migration/drop-still-referenced",
          "ALTER TABLE orders RENAME COLUMN status TO state", _L.ACCESS_EXCLUSIVE, False),
)


# Not checkable with pg_locks on the backend itself (they refuse a transaction block);
# kept as data for the record and checked for their rewrite only.
NON_TRANSACTIONAL: tuple[Claim, ...] = (
    Claim("create-index-concurrently", "migration/create-index-not-concurrently",
          "CREATE INDEX CONCURRENTLY orders_customer_idx ON orders (customer_id)",
          _L.SHARE_UPDATE_EXCLUSIVE, False),
)
