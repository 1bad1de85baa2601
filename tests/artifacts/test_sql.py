"""SQL extraction: tolerant splitting, exact lines, transactions, DO bodies, SQL in code."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.artifacts import Artifacts, Unparsed
from planreview.artifacts.sql import (
    parse_text,
    repo_schema_statements,
    split_statements,
    sql_in_code,
)
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from tests.conftest import GitRepoFactory

PLAN = "docs/plans/p.md"


def stmts(sql: str, first_line: int = 1, **kw: bool):  # type: ignore[no-untyped-def]
    unparsed: list[Unparsed] = []
    out = parse_text(
        sql, path="x.sql", first_line=first_line, source="plan", group=1, unparsed=unparsed, **kw
    )
    return out, unparsed


def artifacts(plan_md: str, files: dict[str, str] | None = None) -> Artifacts:
    plan = parse_plan(plan_md.lstrip("\n"), PLAN)
    context = RepoContext(
        files={p: LoadedFile(p, t, (Window(1, 1),)) for p, t in (files or {}).items()}
    )
    return Artifacts(plan, context)


# --- splitting ---------------------------------------------------------------------------


def test_split_respects_quotes_dollar_quotes_and_comments() -> None:
    sql = (
        "SELECT 'a;b';\n"
        "-- a comment; with a semicolon\n"
        'SELECT "we;ird" FROM t;\n'
        "DO $body$ BEGIN PERFORM 1; END $body$;\n"
        "/* block; /* nested; */ still; */ SELECT 2"
    )
    texts = [p.text for p in split_statements(sql)]
    assert texts == [
        "SELECT 'a;b'",
        'SELECT "we;ird" FROM t',
        "DO $body$ BEGIN PERFORM 1; END $body$",
        "SELECT 2",
    ]


def test_split_drops_comment_only_chunks() -> None:
    assert split_statements("-- nothing here\n/* nor here */;\n") == []


def test_escaped_string_with_backslash_quote_does_not_end_early() -> None:
    texts = [p.text for p in split_statements("SELECT E'it\\'s;'; SELECT 3")]
    assert texts == ["SELECT E'it\\'s;'", "SELECT 3"]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab;'\"$-/*\n ", max_size=60))
def test_split_never_raises_and_pieces_lie_inside_the_text(sql: str) -> None:
    for piece in split_statements(sql):
        assert sql[piece.start : piece.end] == piece.text


# --- parsing -----------------------------------------------------------------------------


def test_statements_carry_kind_table_and_exact_lines() -> None:
    found, _ = stmts(
        '\nCREATE INDEX "Booking_tierId_idx"\n  ON "Booking"("tierId");\nSELECT 1;', first_line=10
    )
    assert [(s.kind, s.start_line, s.end_line) for s in found] == [
        ("IndexStmt", 11, 12),
        ("SelectStmt", 13, 13),
    ]
    assert found[0].table == "Booking"
    assert found[0].concurrent is False


def test_a_broken_statement_is_recorded_and_does_not_hide_the_others() -> None:
    found, unparsed = stmts("ALTER TABLE t ADD COLUMN a int;\nthis is prose;\nDROP TABLE u;")
    assert [s.kind for s in found] == ["AlterTableStmt", "DropStmt"]
    assert [(u.start_line, u.kind) for u in unparsed] == [(2, "sql")]


def test_begin_through_commit_marks_statements_inside_the_transaction() -> None:
    found, _ = stmts("BEGIN;\nUPDATE t SET a = 1;\nCOMMIT;\nUPDATE t SET a = 2;")
    assert [(s.kind, s.in_transaction) for s in found] == [
        ("TransactionStmt", True),
        ("UpdateStmt", True),
        ("TransactionStmt", True),
        ("UpdateStmt", False),
    ]


def test_multi_statement_prisma_migration_is_one_transaction() -> None:
    many, _ = stmts("CREATE INDEX CONCURRENTLY i ON t(a);\nSELECT 1;", implied_transaction=True)
    alone, _ = stmts("CREATE INDEX CONCURRENTLY i ON t(a);", implied_transaction=True)
    assert all(s.in_transaction for s in many)
    assert not alone[0].in_transaction


def test_statements_inside_do_bodies_are_found_on_their_lines() -> None:
    sql = (
        "DO $$\n"
        "BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x') THEN\n"
        "    CREATE TYPE x AS ENUM ('a');\n"
        "  END IF;\n"
        '  ALTER TABLE "T" ADD COLUMN y int;\n'
        "END $$;"
    )
    found, _ = stmts(sql, first_line=20)
    inner = [(s.kind, s.start_line, s.table) for s in found if s.in_do]
    assert inner == [("CreateEnumStmt", 23, None), ("AlterTableStmt", 25, "T")]


# --- SQL inside code ---------------------------------------------------------------------


def test_tagged_templates_and_unsafe_strings_are_extracted_with_holes_as_parameters() -> None:
    code = (
        "await tx.$executeRaw`\n"
        '  UPDATE "Booking" SET "tierId" = ${tier.id}\n'
        '  WHERE "packageId" = ${pkg.id}`;\n'
        'await prisma.$executeRawUnsafe("ALTER TABLE x DROP COLUMN y");\n'
        "const label = `not sql ${x}`;\n"
    )
    found = sql_in_code(code)
    assert [f.text.strip() for f in found] == [
        'UPDATE "Booking" SET "tierId" = $1\n  WHERE "packageId" = $1',
        "ALTER TABLE x DROP COLUMN y",
    ]


def test_extract_statements_reads_plan_blocks_code_and_loaded_sql_files() -> None:
    arts = artifacts(
        """
# Plan

```sql
CREATE INDEX i ON "Tier"("tenantId");
```

```typescript
await prisma.$transaction(async (tx) => {
  await tx.$executeRaw`UPDATE "Tier" SET a = ${x}`;
});
```
""",
        files={"prisma/migrations/1_init/migration.sql": "CREATE TABLE a (id int);\nSELECT 1;\n"},
    )
    got = [(s.path, s.kind, s.start_line, s.source, s.in_transaction) for s in arts.sql]
    assert got == [
        (PLAN, "IndexStmt", 4, "plan", False),
        (PLAN, "UpdateStmt", 9, "code", True),
        ("prisma/migrations/1_init/migration.sql", "CreateStmt", 1, "file", True),
        ("prisma/migrations/1_init/migration.sql", "SelectStmt", 2, "file", True),
    ]


def test_prisma_generated_section_comments_make_a_block_one_transaction() -> None:
    arts = artifacts(
        """
# Plan

```sql
-- AlterTable
ALTER TABLE "W" ADD COLUMN "n" TIMESTAMP(3);

-- CreateIndex
CREATE INDEX CONCURRENTLY "W_s_idx" ON "W"("s");
```
"""
    )
    assert [s.in_transaction for s in arts.sql] == [True, True]


def test_a_plain_sql_block_is_not_a_transaction() -> None:
    arts = artifacts("# Plan\n\n```sql\nCREATE INDEX CONCURRENTLY i ON w(s);\nSELECT 1;\n```\n")
    assert [s.in_transaction for s in arts.sql] == [False, False]


def test_a_block_whose_tool_wraps_it_in_a_transaction_is_one() -> None:
    arts = artifacts(
        "# Plan\n\nRun by node-pg-migrate (it wraps each file in a transaction):\n\n"
        "```sql\nCREATE INDEX CONCURRENTLY i ON w(s);\nSELECT 1;\n```\n"
    )
    assert [s.in_transaction for s in arts.sql] == [True, True]


def test_pg_pool_query_templates_are_sql() -> None:
    code = "const { rows } = await this.pool.query(\n  `SELECT * FROM t WHERE a = $1`,\n);"
    found = sql_in_code(code)
    assert [f.text for f in found] == ["SELECT * FROM t WHERE a = $1"]


def test_repo_migrations_outside_the_context_are_read_for_schema(git_repo: GitRepoFactory) -> None:
    root = git_repo({"db/001.sql": "CREATE TABLE t (id int PRIMARY KEY);\nSELECT 1;\n"})
    plan = parse_plan("# Plan\n", PLAN)
    arts = Artifacts(plan, RepoContext(), open_repo(root))
    assert [(s.kind, s.path, s.start_line) for s in repo_schema_statements(arts)] == [
        ("CreateStmt", "db/001.sql", 1)
    ]


# --- migration DSLs ------------------------------------------------------------------------------

RAILS = """
# Plan

```ruby
class AddRegion < ActiveRecord::Migration[7.1]
  def change
    add_index :orders, [:user_id, :created_at], unique: true
    add_column :orders, :region, :string, null: false
    execute <<~SQL
      UPDATE orders SET region = 'us';
    SQL
  end
end
```
"""


def test_rails_calls_become_their_sql_on_their_lines_in_one_transaction() -> None:
    got = [(s.kind, s.start_line, s.in_transaction) for s in artifacts(RAILS).sql]
    assert got == [
        ("IndexStmt", 6, True),
        ("AlterTableStmt", 7, True),
        ("UpdateStmt", 9, True),
    ]
    index = artifacts(RAILS).sql[0]
    assert index.table == "orders" and index.tree.get("unique") is True


def test_disable_ddl_transaction_takes_rails_out_of_the_transaction() -> None:
    md = RAILS.replace("  def change", "  disable_ddl_transaction!\n  def change")
    assert not any(s.in_transaction for s in artifacts(md).sql)


def test_alembic_operations_become_their_sql() -> None:
    md = (
        "# Plan\n\n```python\ndef upgrade():\n"
        '    op.create_index("ix_o", "orders", ["created_at"], postgresql_concurrently=True)\n'
        '    op.alter_column("orders", "phone", nullable=False)\n'
        '    op.drop_column("orders", "fax")\n```\n'
    )
    got = [(s.kind, s.start_line, s.concurrent) for s in artifacts(md).sql]
    assert got == [
        ("IndexStmt", 5, True),
        ("AlterTableStmt", 6, False),
        ("AlterTableStmt", 7, False),
    ]
    assert artifacts(md).sql[1].alter_cmds[0]["subtype"] == "AT_SetNotNull"


RAILS_UP_DOWN = """# Search records

```ruby
class CreateSearchRecords < ActiveRecord::Migration[8.0]
  def up
    create_table :search_records do |t|
      t.string :title
    end
    add_index :search_records, :title
  end

  def down
    execute "DROP TABLE IF EXISTS search_records_fts"
    drop_table :search_records, if_exists: true
  end
end
```
"""


def test_a_rails_down_method_is_the_rollback_not_proposed_statements() -> None:
    kinds = [s.kind for s in artifacts(RAILS_UP_DOWN).sql]
    assert "DropStmt" not in kinds
    assert "IndexStmt" in kinds


def test_statements_after_a_rails_down_method_are_read_again() -> None:
    md = RAILS_UP_DOWN.replace(
        "  end\nend\n```", "  end\n\n  def later\n    remove_column :orders, :fax\n  end\nend\n```"
    )
    got = [(s.kind, s.table) for s in artifacts(md).sql if s.kind == "AlterTableStmt"]
    assert got == [("AlterTableStmt", "orders")]


def test_an_alembic_downgrade_is_the_rollback_not_proposed_statements() -> None:
    md = (
        "# Plan\n\n```python\ndef upgrade():\n"
        '    op.add_column("orders", sa.Column("region", sa.String(), nullable=True))\n'
        "\n\ndef downgrade():\n"
        '    op.drop_column("orders", "region")\n```\n'
    )
    got = [s.alter_cmds[0]["subtype"] for s in artifacts(md).sql]
    assert got == ["AT_AddColumn"]
