"""Migration rules about locks: index builds and maintenance statements without
CONCURRENTLY, unbatched backfills (missing lock timeouts: timeouts.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.scale import LARGE_ROWS
from planreview.artifacts.sql import SqlStatement, names
from planreview.models import Category, Severity
from planreview.pgsemantics.versions import Feature
from planreview.reviewers.common import (
    is_existing_table,
    plan_sql,
    q,
    quote,
    rows_note,
    scaled,
    where,
)
from planreview.reviewers.migration.helpers import (
    has,
    index_fix_hint,
    transaction_name,
    version_note,
)
from planreview.rules import Hit, RuleContext, rule

# --- index builds ----------------------------------------------------------------------------


@rule("migration/create-index-not-concurrently", severity=Severity.P2, dialects=("postgresql",))
def create_index_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """Index built without CONCURRENTLY on a table that already exists.

    Why: CREATE INDEX takes a SHARE lock: every INSERT/UPDATE/DELETE on the table waits
    for the whole build (minutes on millions of rows). Prisma generates exactly this.
    Fix: CREATE INDEX CONCURRENTLY, in its own migration outside a transaction.
    P1 when the plan states the table is large.
    """
    seen: set[str] = set()
    for s in plan_sql(ctx):
        if s.kind != "IndexStmt" or s.concurrent:
            continue
        if not is_existing_table(ctx, s.table, s.start_line):
            continue
        # A plan often shows the generated SQL and then its edited version: report once.
        key = " ".join(s.text.split())
        if key in seen:
            continue
        seen.add(key)
        table = s.table or ""
        name = s.tree.get("idxname") or "the index"
        yield Hit(
            title=f"Index {name} on {table} is built without CONCURRENTLY",
            locations=[where(ctx, s)],
            issue=(
                f"`CREATE INDEX` on the existing table {q(table)}{rows_note(ctx, table)} takes a "
                "SHARE lock for the whole build."
            ),
            impact=(
                f"Every INSERT, UPDATE and DELETE on {q(table)} waits until the index is built; "
                "on a large table that is minutes of failed or queued writes."
            ),
            recommendation=(
                f"Use `CREATE INDEX CONCURRENTLY {name} ON {q(table)} (...)` in a migration of "
                "its own that does not run inside a transaction (for Prisma: a separate "
                "migration.sql holding only this statement)." + index_fix_hint(ctx, s)
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
            also=(Category.indexing,),
        )


def _is_concurrent(s: SqlStatement) -> bool:
    if s.kind == "ReindexStmt":
        return any(
            p.get("DefElem", {}).get("defname") == "concurrently" for p in s.tree.get("params", [])
        )
    return s.kind in ("IndexStmt", "DropStmt") and s.concurrent


@rule("migration/concurrently-in-transaction", severity=Severity.P1)
def concurrently_in_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """CONCURRENTLY inside a transaction block or a multi-statement Prisma migration.

    Why: Postgres refuses `CREATE/DROP INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY`
    inside a transaction (ERROR 25001); Prisma runs each migration file as one
    transaction, so the deploy fails (prisma/orm#14456).
    Fix: put the statement alone in its own migration file, outside BEGIN/COMMIT.
    """
    for s in plan_sql(ctx):
        if not (_is_concurrent(s) and s.in_transaction):
            continue
        inside = (
            transaction_name(ctx, s) if s.explicit_transaction or s.source == "code"
            else "a multi-statement migration its tool runs as one transaction"
        )
        yield Hit(
            title=f"CONCURRENTLY at line {s.start_line} runs inside a transaction",
            locations=[where(ctx, s)],
            issue=f"`{s.first_line_text}` runs inside {inside}.",
            impact=(
                "Postgres rejects it: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a "
                "transaction block`, so the migration fails at deploy time."
            ),
            recommendation=(
                "Move the statement into a migration of its own with nothing else in it, "
                "outside any BEGIN/COMMIT or `$transaction`." + index_fix_hint(ctx, s)
            ),
            evidence=[quote(ctx, s)],
        )


# --- backfills ---------------------------------------------


def _batched(s: SqlStatement) -> bool:
    text = s.text.upper()
    return "LIMIT" in text or "BETWEEN" in text or re.search(r"\bid\s*[<>]=?", s.text) is not None


@rule("migration/unbatched-backfill", severity=Severity.P1)
def unbatched_backfill(ctx: RuleContext) -> Iterator[Hit]:
    """One UPDATE or DELETE over a large table, not batched.

    Why: a single statement locks every row it touches until it commits, bloats the
    table and WAL, and replicas lag; concurrent writers to those rows wait.
    Fix: loop over primary-key ranges (`WHERE id IN (SELECT id ... LIMIT 5000)`),
    committing each batch.
    Only fires on tables the plan states hold at least 100,000 rows.
    """
    for s in plan_sql(ctx):
        if s.kind not in ("UpdateStmt", "DeleteStmt") or _batched(s):
            continue
        table = s.table or ""
        rows = ctx.artifacts.scale.rows_for(table)
        if rows is None or rows < LARGE_ROWS:
            continue
        verb = "UPDATE" if s.kind == "UpdateStmt" else "DELETE"
        yield Hit(
            title=f"Backfill {verb} on {table} runs as one statement over {rows:,} rows",
            locations=[where(ctx, s)],
            issue=(
                f"`{s.first_line_text}` touches {q(table)} ({rows:,} rows stated) in one "
                "statement."
            ),
            impact=(
                "Every touched row stays locked until the statement commits, writers to those "
                "rows queue behind it, and the table bloats; replicas lag by the whole batch."
            ),
            recommendation=(
                f"Batch it: repeat `{verb} ... WHERE id IN (SELECT id FROM {q(table)} WHERE "
                "<not yet migrated> LIMIT 5000)` until it affects 0 rows, each batch in its "
                "own transaction."
            ),
            evidence=[quote(ctx, s)],
        )


# --- maintenance statements that lock (squawk's require-concurrent-* and ban-truncate-cascade)


def _created_indexes(ctx: RuleContext) -> dict[str, int]:
    return {
        str(s.tree.get("idxname")).lower(): s.start_line
        for s in plan_sql(ctx)
        if s.kind == "IndexStmt" and s.tree.get("idxname")
    }


@rule("migration/drop-index-not-concurrently", severity=Severity.P3)
def drop_index_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """DROP INDEX without CONCURRENTLY on an index the plan did not just create.

    Why: DROP INDEX takes ACCESS EXCLUSIVE on the index's table; quick once granted, but
    while it waits for a long query every read and write on the table queues behind it.
    Fix: DROP INDEX CONCURRENTLY, alone, outside a transaction.
    """
    created = _created_indexes(ctx)
    for s in plan_sql(ctx):
        if s.kind != "DropStmt" or s.tree.get("removeType") != "OBJECT_INDEX" or s.concurrent:
            continue
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if not parts or created.get(parts[-1].lower(), s.start_line + 1) < s.start_line:
                continue
            yield Hit(
                title=f"Index {parts[-1]} is dropped without CONCURRENTLY",
                locations=[where(ctx, s)],
                issue=f"`{s.first_line_text}` needs ACCESS EXCLUSIVE on the index's table.",
                impact=(
                    "While it waits for running queries, every new read and write on the table "
                    "queues behind it."
                ),
                recommendation=(
                    f"`DROP INDEX CONCURRENTLY {q(parts[-1])};` in a migration of its own, "
                    "outside any transaction."
                ),
                evidence=[quote(ctx, s)],
            )


@rule("migration/reindex-not-concurrently", severity=Severity.P2)
def reindex_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """REINDEX without CONCURRENTLY.

    Why: plain REINDEX blocks writes to the table and locks out every query that would
    use the index for the whole rebuild.
    Fix: REINDEX ... CONCURRENTLY (PG 12+), outside a transaction; on an older configured
    or detected server, CREATE INDEX CONCURRENTLY a replacement and drop the old one.
    """
    for s in plan_sql(ctx):
        if s.kind != "ReindexStmt" or _is_concurrent(s):
            continue
        target = s.table or (s.tree.get("name") or "the index")
        yield Hit(
            title=f"REINDEX of {target} without CONCURRENTLY",
            locations=[where(ctx, s)],
            issue=f"`{s.first_line_text}` rebuilds under locks that block writes and index use.",
            impact="Writes (and queries planned on the index) wait for the whole rebuild.",
            recommendation=(
                f"`REINDEX ... CONCURRENTLY {target};` outside a transaction (PostgreSQL 12+"
                f"{version_note(ctx)})."
                if has(ctx, Feature.REINDEX_CONCURRENTLY) else
                f"REINDEX CONCURRENTLY needs PostgreSQL 12{version_note(ctx)}: build a "
                "replacement with CREATE INDEX CONCURRENTLY, then drop the old index."
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, s.table, Severity.P2),
        )


@rule("migration/detach-partition-not-concurrently", severity=Severity.P2)
def detach_partition_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """DETACH PARTITION without CONCURRENTLY.

    Why: a plain detach takes ACCESS EXCLUSIVE on the partitioned table: every query on
    any partition waits.
    Fix: ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PG 14+), outside a transaction;
    the finding names the server version it assumed.
    """
    for s in plan_sql(ctx):
        for cmd in s.alter_cmds:
            part = cmd.get("def", {}).get("PartitionCmd")
            if cmd.get("subtype") != "AT_DetachPartition" or not isinstance(part, dict):
                continue
            if part.get("concurrent"):
                continue
            table = s.table or ""
            yield Hit(
                title=f"Partition detached from {table} without CONCURRENTLY",
                locations=[where(ctx, s)],
                issue=f"`{s.first_line_text}` takes ACCESS EXCLUSIVE on {q(table)}.",
                impact=f"Every read and write on {q(table)} (all partitions) waits.",
                recommendation=(
                    "Add CONCURRENTLY and run it outside a transaction (PostgreSQL 14+"
                    f"{version_note(ctx)})."
                    if has(ctx, Feature.DETACH_PARTITION_CONCURRENTLY) else
                    f"DETACH PARTITION CONCURRENTLY needs PostgreSQL 14{version_note(ctx)}: "
                    "detach in a quiet window with a short lock_timeout, or upgrade first."
                ),
                evidence=[quote(ctx, s)],
            )


@rule("migration/truncate-cascade", severity=Severity.P1)
def truncate_cascade(ctx: RuleContext) -> Iterator[Hit]:
    """TRUNCATE ... CASCADE.

    Why: CASCADE also empties every table with a foreign key to the truncated one, and
    their referencing tables in turn: data loss well beyond the table named.
    Fix: truncate the tables explicitly by name, or DELETE with a WHERE.
    """
    for s in plan_sql(ctx):
        if s.kind != "TruncateStmt" or s.tree.get("behavior") != "DROP_CASCADE":
            continue
        tables = [
            str(r["RangeVar"]["relname"]) for r in s.tree.get("relations", []) if "RangeVar" in r
        ]
        label = ", ".join(tables)
        yield Hit(
            title=f"TRUNCATE {label} CASCADE empties every referencing table too",
            locations=[where(ctx, s)],
            issue=(
                f"`{s.first_line_text}` also truncates every table with a foreign key to "
                f"{label}, recursively."
            ),
            impact="Rows in tables the plan never names are deleted, with no undo.",
            recommendation=(
                "Name every table to truncate explicitly (no CASCADE), or DELETE the rows meant."
            ),
            evidence=[quote(ctx, s)],
        )
