"""Performance rules about writes and transactions: row-by-row writes, round trips inside a
transaction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.code import SINGLE_ROW_WRITES, QueryCall
from planreview.models import Severity
from planreview.reviewers.common import at, evidence, is_relevant, location
from planreview.reviewers.performance.helpers import (
    loop_entity,
    loop_source,
    model_label,
    one_off_over_few_rows,
    row_sources,
    scale_tables,
    stated_rows,
)
from planreview.rules import Hit, RuleContext, rule


def _is_single_row_write(q: QueryCall) -> bool:
    if q.orm == "raw":
        return q.is_write and not re.search(r"\bvalues\s*\([^)]*\)\s*,\s*\(", q.args, re.I)
    if q.orm == "sqlalchemy" and q.method in ("add", "add_all", "merge"):
        return False  # the unit of work batches these at flush
    return q.method in SINGLE_ROW_WRITES


@rule(
    "performance/row-by-row-write", severity=Severity.P3, unknown_scale="skip"
)
def row_by_row_write(ctx: RuleContext) -> Iterator[Hit]:
    """INSERT/UPDATE/create issued one row at a time inside a loop.

    Why: every iteration is a round-trip (~1-5 ms), so 1,000 rows take seconds where one
    multi-row statement takes milliseconds, and inside a transaction the locks are held
    for the whole loop.
    Fix: `createMany`/`updateMany`, one `INSERT ... VALUES (...), (...)` per 100-1,000 rows
    (built with `Prisma.sql`/`Prisma.join`, never string interpolation), or
    `UPDATE ... FROM (VALUES ...)`.
    """
    for unit in ctx.artifacts.code:
        by_loop: dict[int, list[QueryCall]] = {}
        for q in unit.queries:
            if q.where.loops and _is_single_row_write(q) and (q.awaited or q.where.in_promise_all):
                by_loop.setdefault(q.where.loops[0], []).append(q)  # one finding per outer loop
        for index, writes in sorted(by_loop.items()):
            loop = unit.loops[index]
            if (loop.iterable or "").lstrip().startswith("["):
                continue  # a literal list: a handful of rows by construction
            if not is_relevant(ctx, unit, writes[0].start_line, writes[0].where):
                continue
            names = ", ".join(dict.fromkeys(f"`{model_label(q)}`" for q in writes))
            rows = (loop.iterable or "the rows").strip()
            in_tx = writes[0].where.transaction is not None
            source = loop_source(unit, loop, row_sources(unit))
            tables = scale_tables(
                loop_entity(source.how if source else None, loop.iterable),
                *(q.model for q in writes),
            )
            if one_off_over_few_rows(ctx, unit, tables):
                continue
            yield Hit(
                tables=tables,
                title=f"Row-by-row {names} in a loop over `{rows}` (line {loop.start_line})",
                locations=[location(ctx, unit, loop.start_line, loop.end_line)],
                issue=(
                    f"The loop at {at(unit, loop.start_line)} writes one row per iteration "
                    f"with {names} (line{'s' if len(writes) > 1 else ''} "
                    f"{', '.join(str(q.start_line) for q in writes)})"
                    f"{', inside an open transaction' if in_tx else ''}."
                ),
                impact=(
                    "Each row is a separate round-trip: 1,000 rows at ~5 ms each is ~5 s of "
                    "database time"
                    + (", with the transaction's locks held throughout." if in_tx else ".")
                ),
                recommendation=(
                    "Batch the writes: `createMany({ data: rows })`/`updateMany`, or one "
                    "multi-row `INSERT ... VALUES (...), (...)` per 100-1,000 rows via "
                    "`Prisma.sql` + `Prisma.join` (parameterized, not `$executeRawUnsafe` with "
                    "string interpolation)."
                ),
                evidence=[
                    evidence(ctx, unit, loop.start_line),
                    *(evidence(ctx, unit, q.start_line, q.end_line) for q in writes[:3]),
                ],
            )


_DDL = re.compile(
    r"(?i)\b(alter\s+table|drop\s+table|create\s+(unique\s+)?index|alter\s+type|"
    r"drop\s+column|truncate)\b"
)


@rule(
    "performance/round-trips-in-transaction", severity=Severity.P2, unknown_scale="skip"
)
def round_trips_in_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """A loop of queries inside an open interactive transaction.

    Why: the transaction holds its row locks (and any DDL's ACCESS EXCLUSIVE lock) and a
    pooled connection for O(rows) round-trips; every writer to those tables waits, and
    Prisma's interactive transaction times out after 5 s by default.
    Fix: move reads before the transaction, batch the writes into a few multi-row
    statements, and split DDL into its own short transaction.
    Raised to P1 when the transaction also runs DDL or the plan states >= 1,000 rows.
    """
    for unit in ctx.artifacts.code:
        for index, tx in enumerate(unit.transactions):
            if tx.kind == "batch":
                continue
            looped = [
                q
                for q in unit.queries
                if q.where.transaction == index
                and q.where.loops
                and (q.awaited or q.where.in_promise_all)
                and any(unit.loops[k].start_line > tx.start_line for k in q.where.loops)
            ]
            if not looped or not is_relevant(ctx, unit, tx.start_line, tx.where):
                continue
            loop = unit.loops[looped[0].where.loops[0]]
            body = "\n".join(unit.line(n) for n in range(tx.start_line, tx.end_line + 1))
            ddl = _DDL.search(body)
            source = loop_source(unit, loop, row_sources(unit))
            entity = loop_entity(source.how if source else None, loop.iterable)
            rows = stated_rows(ctx, entity)
            tables = scale_tables(entity, *(q.model for q in looped))
            if not ddl and one_off_over_few_rows(ctx, unit, tables):
                continue  # no DDL lock held: a maintenance step's atomic loop, run once
            severity = Severity.P1 if ddl or (rows or 0) >= 1000 else None
            writes = any(q.is_write for q in looped)
            calls = ", ".join(dict.fromkeys(f"`{model_label(q)}`" for q in looped))
            reason = []
            if ddl:
                reason.append(f"the same transaction runs DDL (`{ddl.group(0)}`)")
            if rows:
                reason.append(f"the plan states about {rows:,} {entity} rows")
            yield Hit(
                tables=tables,
                title=(
                    f"Loop of {'writes' if writes else 'queries'} inside the transaction at "
                    f"line {tx.start_line}: O({(loop.iterable or 'rows').strip()}) round-trips "
                    "while holding its locks"
                ),
                locations=[location(ctx, unit, tx.start_line, tx.end_line)],
                issue=(
                    f"The transaction opened at {at(unit, tx.start_line)} runs {calls} once "
                    f"per iteration of the loop at line {loop.start_line} over "
                    f"`{(loop.iterable or 'rows').strip()}`"
                    + (f"; {' and '.join(reason)}" if reason else "")
                    + "."
                ),
                impact=(
                    "Every row adds a round-trip while the transaction holds its locks and a "
                    "pooled connection: 1,000 rows at ~5 ms is ~5 s of blocked writers on "
                    "these tables, past Prisma's 5 s default interactive-transaction timeout."
                ),
                recommendation=(
                    "Read the source rows before opening the transaction, batch the writes "
                    "into multi-row statements (`createMany`, `INSERT ... VALUES` of 100-1,000 "
                    "rows), keep DDL in its own short transaction, and set an explicit "
                    "`{ timeout, maxWait }` sized to the measured duration."
                ),
                evidence=[
                    evidence(ctx, unit, tx.start_line),
                    evidence(ctx, unit, loop.start_line),
                    *(evidence(ctx, unit, q.start_line) for q in looped[:2]),
                ],
                severity=severity,
                confidence=100,
                also=(),
            )
