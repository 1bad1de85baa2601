"""Migration rules about transactions: DDL and DML in one transaction, interactive
transactions without a timeout.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from planreview.artifacts.sql import SqlStatement, names
from planreview.models import Category, Severity
from planreview.reviewers.common import is_existing_table, plan_sql, q, quote
from planreview.reviewers.migration.helpers import takes_access_exclusive, transaction_name
from planreview.rules import Hit, RuleContext, rule

if TYPE_CHECKING:
    from planreview.artifacts.code import CodeUnit, Transaction


# --- transactions ----------------------------------------------------------------------------

DML_KINDS = frozenset({"UpdateStmt", "InsertStmt", "DeleteStmt"})


def transaction_groups(ctx: RuleContext) -> dict[tuple[str, int, int], list[SqlStatement]]:
    """Plan statements grouped by the transaction they run in."""
    spans = [
        (unit.path, tx.start_line, tx.end_line)
        for unit in ctx.artifacts.code
        for tx in unit.transactions
    ]
    out: dict[tuple[str, int, int], list[SqlStatement]] = {}
    for s in plan_sql(ctx):
        if not s.in_transaction:
            continue
        key = (s.path, s.group, s.transaction)
        if s.source == "code":
            for path, lo, hi in spans:
                if path == s.path and lo <= s.start_line <= hi:
                    key = (path, -1, lo)
        out.setdefault(key, []).append(s)
    return out


@rule("migration/ddl-and-dml-in-one-transaction", severity=Severity.P2)
def ddl_and_dml_in_one_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """Schema changes and data changes in the same transaction.

    Why: the DDL's ACCESS EXCLUSIVE lock is held until COMMIT, so every read and write
    on the altered table waits for all the data migration that follows it.
    Fix: one short transaction for the DDL (with lock_timeout), the backfill in its
    own batched transactions, destructive DDL last and separately.
    P1 when a table it touches is stated to be large, or the transaction loops over
    queries (its locks are then held for O(rows) round-trips).
    """
    looping = _looping_transactions(ctx)
    for key, stmts in transaction_groups(ctx).items():
        ddl = [s for s in stmts if takes_access_exclusive(s)]
        dml = [s for s in stmts if s.kind in DML_KINDS]
        if not ddl or not dml:
            continue
        if not any(is_existing_table(ctx, s.table or _drop_table(s), s.start_line) for s in ddl):
            continue
        first, last = min(stmts, key=lambda s: s.start_line), max(stmts, key=lambda s: s.end_line)
        tables = sorted({t for s in ddl + dml for t in [s.table or _drop_table(s)] if t})
        big = any(ctx.artifacts.scale.is_large(t) for t in tables)
        yield Hit(
            title=(
                f"DDL and data migration share one transaction (lines {first.start_line}-"
                f"{last.end_line})"
            ),
            locations=[ctx.plan_location(first.start_line, last.end_line)],
            issue=(
                f"{len(ddl)} schema change(s) (`{ddl[0].first_line_text}` ...) and {len(dml)} "
                f"data change(s) run in one transaction ({transaction_name(ctx, first)}) over "
                f"{', '.join(q(t) for t in tables)}."
            ),
            impact=(
                "The ALTER/DROP's ACCESS EXCLUSIVE lock is held until COMMIT: reads and writes "
                "on those tables wait for every UPDATE/INSERT after it, and one failure rolls "
                "the whole migration back."
            ),
            recommendation=(
                "Split it: (a) additive DDL in a short transaction with `SET lock_timeout = "
                "'5s'`, (b) the data migration in batched transactions, (c) verification, then "
                "destructive DDL (DROP) in its own final step."
            ),
            evidence=[quote(ctx, ddl[0]), quote(ctx, dml[0])],
            severity=Severity.P1 if big or key in looping else None,
        )


def _looping_transactions(ctx: RuleContext) -> set[tuple[str, int, int]]:
    """Keys (as in transaction_groups) of code transactions that run queries in a loop."""
    out: set[tuple[str, int, int]] = set()
    for unit in ctx.artifacts.code:
        for index, tx in enumerate(unit.transactions):
            if any(x.where.transaction == index and x.where.loops for x in unit.queries):
                out.add((unit.path, -1, tx.start_line))
    return out


def _drop_table(s: SqlStatement) -> str | None:
    if s.kind == "DropStmt" and s.tree.get("removeType") == "OBJECT_TABLE":
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if parts:
                return parts[-1]
    return None


_TIMEOUT_KEY = re.compile(r"\btimeout\s*:")


def _is_migration_like(ctx: RuleContext, unit: CodeUnit, tx: Transaction) -> tuple[bool, str]:
    """Whether the transaction holds DDL, a loop of queries, or many statements."""
    sql = [
        s for s in plan_sql(ctx)
        if s.source == "code"
        and s.path == unit.path
        and tx.start_line <= s.start_line <= tx.end_line
    ]
    if any(s.is_ddl for s in sql):
        return True, "DDL"
    index = unit.transactions.index(tx)
    queries = [x for x in unit.queries if x.where.transaction == index]
    if any(x.where.loops for x in queries):
        return True, "a loop of queries"
    # Raw queries appear both as query calls and as SQL statements: count each once.
    count = max(len(queries), len(sql))
    if count >= 5:
        return True, f"{count} statements"
    return False, ""


@rule("migration/interactive-transaction-timeout", severity=Severity.P1)
def interactive_transaction_timeout(ctx: RuleContext) -> Iterator[Hit]:
    """Long interactive Prisma `$transaction(async (tx) => ...)` without a `timeout`.

    Why: Prisma aborts an interactive transaction after 5 s by default (maxWait 2 s); a
    migration or batch job inside one fails with "Transaction already closed", possibly
    after side effects outside the database.
    Fix: pass `{ timeout: 120_000, maxWait: 30_000 }` sized to the measured duration, or
    split the work into short transactions.
    Fires when the transaction holds DDL, a loop of queries or at least 5 statements;
    P2 unless it holds DDL or a loop.
    """
    for unit in ctx.artifacts.code:
        if unit.origin != "plan":
            continue
        for tx in unit.transactions:
            if tx.kind != "interactive":
                continue
            if tx.options is not None and _TIMEOUT_KEY.search(tx.options):
                continue
            long, why = _is_migration_like(ctx, unit, tx)
            if not long:
                continue
            header = unit.line(tx.start_line).strip()
            yield Hit(
                title=(
                    f"Interactive $transaction at line {tx.start_line} has no timeout "
                    "(Prisma default 5 s)"
                ),
                locations=[ctx.plan_location(tx.start_line)],
                issue=(
                    f"`{header}` opens an interactive transaction holding {why} with no "
                    "options; Prisma's default interactive-transaction timeout is 5 seconds."
                ),
                impact=(
                    "Once the work takes longer than 5 s Prisma aborts it with `Transaction "
                    "already closed` / `Transaction timed out`, failing the migration part-way "
                    "(anything done outside the database is not rolled back)."
                ),
                recommendation=(
                    f"Pass options sized to the measured run time: `{tx.receiver}.$transaction("
                    "async (tx) => { ... }, { timeout: 120000, maxWait: 30000 })` — or split "
                    "the work into short transactions."
                ),
                evidence=[ctx.plan_evidence(tx.start_line)],
                severity=None if why in ("DDL", "a loop of queries") else Severity.P2,
                also=(Category.performance,),
            )
