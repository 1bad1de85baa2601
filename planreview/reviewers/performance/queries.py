"""Performance rules about queries: unbounded reads, whole-table loads in scripts, N+1 queries."""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.code import CodeUnit, Loop, QueryCall, Where
from planreview.models import Severity
from planreview.reviewers.common import at, evidence, is_batch_job, is_relevant, location
from planreview.reviewers.performance.awaits import length_only_names
from planreview.reviewers.performance.helpers import (
    RowSource,
    _rows,
    loop_entity,
    loop_source,
    model_label,
    one_off_over_few_rows,
    row_sources,
    scale_tables,
    stated_rows,
)
from planreview.rules import Hit, RuleContext, rule

# --- rules ---------------------------------------------------------------------------------


# `take: 20` or the shorthand `{ where, take }`; a spread may carry pagination we cannot see.
_TAKE = re.compile(r"\b(take|first|limit|cursor)\b\s*[:,}]|\.\.\.")
_BOUNDED_WHERE = re.compile(r"\bin\s*:|\bid\s*:\s*(?!true\b|false\b)[\w$.]+\s*[,}]")


def _is_list_query(q: QueryCall) -> bool:
    return q.method == "findMany" or (
        q.orm == "typeorm" and q.method in ("find", "findBy", "findAndCount", "findAndCountBy")
    )


def _unbounded_select(sql: str) -> bool:
    """A list SELECT: reads FROM a table, no LIMIT, not a single aggregate."""
    return (
        re.match(r"\s*select\b", sql, re.I) is not None
        and re.search(r"\bfrom\b", sql, re.I) is not None
        and not re.search(r"\b(limit|fetch\s+first)\b", sql, re.I)
        and not re.match(r"\s*select\s+(count|sum|max|min|avg|exists)\s*\(", sql, re.I)
    )


@rule(
    "performance/unbounded-find-many", severity=Severity.P2, unknown_scale="skip"
)
def unbounded_find_many(ctx: RuleContext) -> Iterator[Hit]:
    """List query with no `take`/LIMIT: it returns every matching row.

    Why: `findMany` without `take` (or a SELECT without LIMIT) has no upper bound. A tenant
    with thousands of rows makes one request load and serialize all of them, and memory and
    latency grow with the data instead of the page size.
    Fix: add `take` (a page size, max 100) with cursor pagination; for an existence test use
    `findFirst({ select: { id: true } })`; for a count use `count()`.
    Not flagged: queries bounded by an id list (`in:`), migration/backfill scripts, and
    results used only for `.length` (performance/fetch-all-to-check-existence covers those).
    """
    for unit in ctx.artifacts.code:
        if is_batch_job(unit):
            continue
        length_only = {h[0] for h in length_only_names(unit)}
        sources = row_sources(unit)
        for q in unit.queries:
            if any(loop_source(unit, unit.loops[k], sources) for k in q.where.loops):
                continue  # a per-row lookup: performance/n-plus-one-query reports it
            unbounded = (
                _is_list_query(q) and not _TAKE.search(q.args) and not _BOUNDED_WHERE.search(q.args)
            ) or (q.orm == "raw" and _unbounded_select(q.args))
            if not unbounded or set(q.assigned_to) & length_only:
                continue
            if not is_relevant(ctx, unit, q.start_line, q.where):
                continue
            what = f"`{model_label(q)}`"
            yield Hit(
                tables=scale_tables(q.model),
                title=f"{what} at {at(unit, q.start_line)} has no `take` limit",
                locations=[location(ctx, unit, q.start_line, q.end_line)],
                issue=(
                    f"{what} returns every matching row: it has no `take`"
                    f"{' or LIMIT' if q.orm == 'raw' else ''}, so the result grows with the "
                    "table instead of with the page being shown."
                ),
                impact=(
                    "Latency and memory scale with the tenant's data: a tenant with thousands "
                    f"of {_rows(q)} loads and serializes all of them on every call."
                ),
                recommendation=(
                    "Add `take: 100` (or a page size) with cursor pagination, or document why "
                    "the set is bounded. If the caller only checks that rows exist, use "
                    "`findFirst({ where, select: { id: true } })` instead."
                ),
                evidence=[evidence(ctx, unit, q.start_line, q.end_line)],
                confidence=100 if q.orm != "raw" else 75,
            )


BATCH_ROWS = 10_000
"""Stated rows above which a one-off script must not load a whole table at once."""


@rule("performance/script-loads-whole-table", severity=Severity.P2)
def script_loads_whole_table(ctx: RuleContext) -> Iterator[Hit]:
    """A migration/backfill script loads a large table into memory in one query.

    Why: `findMany()` with no `take` over a table the plan says holds tens of thousands of
    rows materializes all of them (and their JSON columns) in the Node/Python process at
    once: memory spikes, the query holds a snapshot for minutes, and one failure restarts
    everything.
    Fix: iterate in keyset-paginated batches (`take: 1000, cursor: { id: lastId }, skip: 1,
    orderBy: { id: 'asc' }`), each batch in its own short transaction.
    Only scripts (migration/backfill/seed sections or files) over a table the plan states
    at >= 10,000 rows are flagged; request paths are performance/unbounded-find-many's.
    """
    for unit in ctx.artifacts.code:
        if not is_batch_job(unit):
            continue
        for q in unit.queries:
            if not _is_list_query(q) or _TAKE.search(q.args) or _BOUNDED_WHERE.search(q.args):
                continue
            rows = stated_rows(ctx, q.model)
            if (
                rows is None
                or rows < BATCH_ROWS
                or not is_relevant(ctx, unit, q.start_line, q.where)
            ):
                continue
            what = f"`{model_label(q)}`"
            yield Hit(
                title=f"{what} loads all ~{rows:,} {_rows(q)} into memory at once",
                locations=[location(ctx, unit, q.start_line, q.end_line)],
                issue=(
                    f"The script at {at(unit, q.start_line)} reads every row with {what} "
                    f"(no `take`), and the plan states ~{rows:,} of them."
                ),
                impact=(
                    f"All {rows:,} rows are held in process memory together; the single "
                    "long query and the work after it make the script slow, memory-bound and "
                    "all-or-nothing on failure."
                ),
                recommendation=(
                    "Iterate in keyset-paginated batches: `findMany({ take: 1000, cursor: { id: "
                    "lastId }, skip: 1, orderBy: { id: 'asc' } })`, processing and committing "
                    "each batch in its own short transaction."
                ),
                evidence=[evidence(ctx, unit, q.start_line, q.end_line)],
                confidence=100,
            )


@rule(
    "performance/n-plus-one-query", severity=Severity.P2, unknown_scale="skip"
)
def n_plus_one_query(ctx: RuleContext) -> Iterator[Hit]:
    """A query awaited inside a loop over rows from another query (N+1).

    Why: one round-trip per row: 200 rows cost 201 queries, ~1-5 ms each, serialized on
    one request. It is the most common ORM performance bug. A helper that runs a query
    (`await getUsage(user.id)` per user) counts too, resolved by its name.
    Fix: fetch the related rows in one query (`where: { parentId: { in: ids } }`, or
    `include`/a join) and group them in memory.
    """
    querying = _querying_functions(ctx)
    for unit in ctx.artifacts.code:
        sources = row_sources(unit)
        reported: set[int] = set()
        for q in unit.queries:
            if not q.is_read or not q.where.loops or q.where.transaction is not None:
                continue
            if not (q.awaited or q.where.in_promise_all):
                continue
            hit = _per_row(ctx, unit, q.where, sources, reported)
            if hit and one_off_over_few_rows(
                ctx, unit, scale_tables(loop_entity(hit[1].how, hit[0].iterable), q.model)
            ):
                continue
            if hit:
                loop, source = hit
                yield _n_plus_one_hit(
                    ctx,
                    unit,
                    loop,
                    source,
                    f"`{model_label(q)}`",
                    q.start_line,
                    q.end_line,
                    exact=source.exact,
                    models=(q.model,),
                )
        for a in unit.awaits:
            if not a.where.loops or a.where.transaction is not None:
                continue
            callee = _CALLEE.match(a.expr)
            if not callee or callee.group(1) not in querying:
                continue
            if any(q.start_line == a.start_line for q in unit.queries):
                continue  # a direct query, handled above
            hit = _per_row(ctx, unit, a.where, sources, reported)
            if hit:
                loop, source = hit
                via = querying[callee.group(1)]
                yield _n_plus_one_hit(
                    ctx,
                    unit,
                    loop,
                    source,
                    f"`{callee.group(1)}()` (which runs {via})",
                    a.start_line,
                    a.end_line,
                    exact=False,
                )


# Names too common to resolve by name alone (`map.get`, `cache.fetch`).
_GENERIC_NAMES = frozenset(
    {"fetch", "query", "execute", "handle", "process", "findOne", "constructor"}
)
_CALLEE = re.compile(r"(?:[\w$]+\s*\??\.\s*)*([\w$]+)\s*\(")


def _querying_functions(ctx: RuleContext) -> dict[str, str]:
    """Named functions (plan or repo) that run a read query -> the first such query."""
    out: dict[str, str] = {}
    for unit in ctx.artifacts.code:
        for q in unit.queries:
            fn = unit.named_function(q.where) if q.where.function is not None else None
            generic = len(fn.name) < 5 or fn.name in _GENERIC_NAMES if fn else True
            if fn and q.is_read and not generic and fn.name not in out:
                out[fn.name] = f"`{model_label(q)}`"
    return out


def _per_row(
    ctx: RuleContext,
    unit: CodeUnit,
    where: Where,
    sources: dict[str, RowSource],
    reported: set[int],
) -> tuple[Loop, RowSource] | None:
    """The enclosing loop over database rows, once per loop."""
    for index in reversed(where.loops):  # innermost first: that loop multiplies the call
        loop = unit.loops[index]
        source = loop_source(unit, loop, sources)
        if source is None:
            continue
        if loop.start_line in reported or not is_relevant(ctx, unit, loop.start_line, where):
            return None
        reported.add(loop.start_line)
        return loop, source
    return None


def _n_plus_one_hit(
    ctx: RuleContext,
    unit: CodeUnit,
    loop: Loop,
    source: RowSource,
    what: str,
    line: int,
    end_line: int,
    *,
    exact: bool,
    models: tuple[str | None, ...] = (),
) -> Hit:
    rows = (loop.iterable or "the rows").strip()
    concurrency = (
        " The iterations run concurrently under `Promise.all`, so they also take N pool "
        "connections at once."
        if loop.concurrent
        else ""
    )
    proof = [evidence(ctx, unit, loop.start_line), evidence(ctx, unit, line, end_line)]
    if source.line != loop.start_line:
        proof.insert(0, evidence(ctx, unit, source.line))
    return Hit(
        tables=scale_tables(loop_entity(source.how, loop.iterable), *models),
        title=f"N+1: {what.split(' (')[0]} runs once per row of `{rows}` (line {loop.start_line})",
        locations=[location(ctx, unit, loop.start_line, loop.end_line)],
        issue=(
            f"The loop at {at(unit, loop.start_line)} iterates over `{rows}`, "
            f"loaded by `{source.how}` (line {source.line}), and awaits {what} for every "
            f"row (line {line}).{concurrency}"
        ),
        impact=(
            "One database round-trip per row: N rows cost N+1 queries, so the request's "
            "latency grows linearly with the data (200 rows at ~2 ms each add ~400 ms)."
        ),
        recommendation=(
            "Load the related rows in one query before the loop (e.g. `where: { "
            "<parentId>: { in: ids } }`, a `groupBy` for counts, or an `include`/join on the "
            "first query), group them by parent id in a Map, and read from the Map inside "
            "the loop."
        ),
        evidence=proof,
        confidence=100 if exact else 75,
    )
