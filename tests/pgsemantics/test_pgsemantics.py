"""PostgreSQL facts: lock modes, binary-coercible type changes, volatility, versions.
Each test states what the PostgreSQL documentation says (the section is in the module)."""

from __future__ import annotations

import pgparse
import pytest

from planreview.artifacts.sql import SqlStatement
from planreview.pgsemantics import (
    Feature,
    LockMode,
    TypeRef,
    Volatility,
    blocks_reads,
    blocks_writes,
    conflicts,
    detect_version,
    expression_volatility,
    rewrites_for_type_change,
    statement_lock,
    supports,
    volatility,
)
from planreview.pgsemantics.claims import CLAIMS, Claim
from planreview.pgsemantics.locks import referenced_table_lock


def stmt(sql: str) -> SqlStatement:
    node = pgparse.parse(sql)[0]["stmt"]
    kind, tree = next(iter(node.items()))
    return SqlStatement(kind, tree, sql, "p.md", 1, 1, "plan", False, 0)


def type_of(sql_type: str) -> TypeRef:
    tree = pgparse.parse(f"CREATE TABLE t (c {sql_type})")[0]["stmt"]["CreateStmt"]
    ref = TypeRef.from_node(tree["tableElts"][0]["ColumnDef"]["typeName"])
    assert ref is not None
    return ref


# --- locks (13.3.1 Table-Level Locks, Table 13.2) ---------------------------------------


def test_share_blocks_writes_but_not_reads() -> None:
    assert blocks_writes(LockMode.SHARE) and not blocks_reads(LockMode.SHARE)


def test_share_update_exclusive_blocks_neither_reads_nor_writes() -> None:
    mode = LockMode.SHARE_UPDATE_EXCLUSIVE
    assert not blocks_writes(mode) and not blocks_reads(mode)
    assert conflicts(mode, mode)  # "protects a table against concurrent schema changes"


def test_only_access_exclusive_blocks_a_plain_select() -> None:
    assert [m for m in LockMode if blocks_reads(m)] == [LockMode.ACCESS_EXCLUSIVE]


def test_the_conflict_table_is_symmetric() -> None:
    assert all(conflicts(a, b) == conflicts(b, a) for a in LockMode for b in LockMode)


@pytest.mark.parametrize(
    ("sql", "mode"),
    [
        ("CREATE INDEX i ON t (a)", LockMode.SHARE),
        ("CREATE INDEX CONCURRENTLY i ON t (a)", LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)",
         LockMode.SHARE_ROW_EXCLUSIVE),
        ("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID", LockMode.ACCESS_EXCLUSIVE),
        ("ALTER TABLE t VALIDATE CONSTRAINT c", LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t ADD COLUMN b int", LockMode.ACCESS_EXCLUSIVE),
        ("ALTER TABLE t ALTER COLUMN a SET STATISTICS 500", LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t DETACH PARTITION p CONCURRENTLY", LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t SET (fillfactor = 70, toast.autovacuum_enabled = false)",
         LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t RESET (autovacuum_vacuum_scale_factor)", LockMode.SHARE_UPDATE_EXCLUSIVE),
        ("ALTER TABLE t SET (user_catalog_table = true)", LockMode.ACCESS_EXCLUSIVE),
        ("REINDEX TABLE t", LockMode.SHARE),
        ("VACUUM FULL t", LockMode.ACCESS_EXCLUSIVE),
        ("LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE", LockMode.SHARE_ROW_EXCLUSIVE),
        ("UPDATE t SET a = 1", LockMode.ROW_EXCLUSIVE),
        ("SET lock_timeout = '5s'", None),
    ],
)
def test_statement_locks_follow_the_reference_pages(sql: str, mode: LockMode | None) -> None:
    assert statement_lock(stmt(sql)) is mode


def test_an_added_column_with_references_locks_the_referenced_table() -> None:
    s = stmt("ALTER TABLE t ADD COLUMN u_id bigint REFERENCES u (id)")
    assert referenced_table_lock(s) == [("u", LockMode.SHARE_ROW_EXCLUSIVE)]
    assert referenced_table_lock(stmt("ALTER TABLE t ADD COLUMN b int NOT NULL")) == []


def test_pg_locks_names_are_the_servers_spelling() -> None:
    assert LockMode.SHARE_ROW_EXCLUSIVE.pg_locks_name == "ShareRowExclusiveLock"
    assert LockMode.ACCESS_EXCLUSIVE.sql_name == "ACCESS EXCLUSIVE"


# --- type changes (ALTER TABLE, Notes) -------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "rewrite"),
    [
        ("varchar(20)", "text", False),
        ("varchar(20)", "varchar(200)", False),
        ("varchar(20)", "varchar(10)", True),
        ("text", "varchar", False),
        ("text", "varchar(50)", True),
        ("integer", "bigint", True),
        ("integer", "text", True),
        ("numeric(10,2)", "numeric(12,2)", False),
        ("numeric(10,2)", "numeric", False),
        ("numeric(10,2)", "numeric(12,3)", True),
        ("timestamp(3)", "timestamp(6)", False),
        ("cidr", "inet", False),
        ("text", "text[]", True),
    ],
)
def test_binary_coercible_or_wider_changes_do_not_rewrite(
    old: str, new: str, rewrite: bool
) -> None:
    assert rewrites_for_type_change(type_of(old), type_of(new), using=False) is rewrite


def test_a_using_expression_rewrites_even_to_text() -> None:
    assert rewrites_for_type_change(type_of("varchar(20)"), type_of("text"), using=True) is True


def test_an_unknown_old_type_cannot_be_decided() -> None:
    assert rewrites_for_type_change(None, type_of("text"), using=False) is None


# --- volatility (38.7 Function Volatility Categories) -----------------------------------


def test_now_is_stable_and_gen_random_uuid_volatile() -> None:
    assert volatility("now") is Volatility.STABLE
    assert volatility("gen_random_uuid") is Volatility.VOLATILE


def test_a_function_we_do_not_know_is_volatile() -> None:
    assert volatility("uuid") is Volatility.VOLATILE
    assert volatility("my_app_next_code") is Volatility.VOLATILE


def _default(expr: str) -> object:
    tree = pgparse.parse(f"ALTER TABLE t ADD COLUMN c text DEFAULT {expr}")[0]["stmt"]
    col = tree["AlterTableStmt"]["cmds"][0]["AlterTableCmd"]["def"]["ColumnDef"]
    return col["constraints"][0]["Constraint"]["raw_expr"]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("'new'", (Volatility.IMMUTABLE, None)),
        ("CURRENT_TIMESTAMP", (Volatility.STABLE, None)),
        ("now()", (Volatility.STABLE, "now")),
        ("md5(random()::text)", (Volatility.VOLATILE, "random")),
        ("public.uuid()", (Volatility.VOLATILE, "uuid")),
    ],
)
def test_a_default_is_as_volatile_as_its_most_volatile_call(
    expr: str, expected: tuple[Volatility, str | None]
) -> None:
    assert expression_volatility(_default(expr)) == expected


# --- versions ------------------------------------------------------------------------------


def test_version_features_name_the_release_that_changed_them() -> None:
    assert not supports(10, Feature.CONSTANT_DEFAULT_NO_REWRITE)
    assert supports(11, Feature.CONSTANT_DEFAULT_NO_REWRITE)
    assert not supports(11, Feature.SET_NOT_NULL_USES_CHECK)
    assert not supports(13, Feature.DETACH_PARTITION_CONCURRENTLY)


def test_the_version_comes_from_a_compose_service_image() -> None:
    files = {"docker-compose.yml": "services:\n  db:\n    image: postgres:15-alpine\n"}
    found = detect_version(files)
    assert found is not None
    assert (found.major, found.assumed) == (15, False)
    assert "`docker-compose.yml` line 3" in found.source


@pytest.mark.parametrize(
    "text",
    [
        "    image: postgis/postgis:14-3.4\n",
        "      image: pgvector/pgvector:pg14\n",
        "    image: 'bitnami/postgresql:14.9.0'\n",
        "    image: timescale/timescaledb:2.14.2-pg14\n",
    ],
)
def test_derived_images_name_their_postgres_major(text: str) -> None:
    found = detect_version({".github/workflows/ci.yml": text})
    assert found is not None and found.major == 14


def test_the_oldest_of_several_named_versions_is_the_one_assumed() -> None:
    files = {
        "compose.yaml": "image: postgres:16\n",
        ".github/workflows/test.yml": "image: postgres:13\n",
    }
    found = detect_version(files)
    assert found is not None and found.major == 13


def test_images_in_other_files_or_other_products_are_not_a_version() -> None:
    files = {"README.md": "image: postgres:12\n", "compose.yml": "image: redis:7\n"}
    assert detect_version(files) is None


def test_every_claim_names_a_rule_and_a_real_lock_or_rewrite() -> None:
    assert len({c.id for c in CLAIMS}) == len(CLAIMS)
    assert all(c.rule.startswith("migration/") for c in CLAIMS)
    assert all(c.expect_lock is not None or c.rewrite is not None for c in CLAIMS)


@pytest.mark.parametrize(
    "claim", [c for c in CLAIMS if c.expect_lock is not None], ids=lambda c: c.id
)
def test_the_lock_we_compute_is_the_lock_the_server_is_claimed_to_take(claim: Claim) -> None:
    s = stmt(claim.statement)
    ours: dict[str, LockMode | None] = dict(referenced_table_lock(s))
    if s.table == claim.table:
        ours[claim.table] = statement_lock(s)
    assert ours.get(claim.table) is claim.expect_lock


@pytest.mark.parametrize(
    ("sql", "counts"),
    [
        ("SET lock_timeout = '5s'", True),
        ("SET LOCAL lock_timeout = 1000", True),
        ("SET lock_timeout = 0", False),  # zero disables the timeout
        ("RESET lock_timeout", False),
        ("SET foo.lock_timeout = 5", False),  # a custom setting, not the GUC
    ],
)
def test_only_a_nonzero_lock_timeout_of_the_real_setting_bounds_the_wait(
    sql: str, counts: bool
) -> None:
    from planreview.reviewers.migration.timeouts import _timeout_setting

    setting = _timeout_setting(stmt(sql))
    assert (setting is not None and setting[0]) is counts
