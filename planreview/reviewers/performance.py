"""The performance specialist: its deterministic rules and its prompt.

The rules read the code scanner's units (`ctx.artifacts.code`): the plan's code blocks
and the repository files it loads. Repository code counts only where the plan points at
it (a cited line range, or a function the plan calls by name). Pre-existing code the plan
does not touch is not the plan's problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from planreview.artifacts.code import SINGLE_ROW_WRITES, Await, CodeUnit, Loop, QueryCall, Where
from planreview.models import Confidence, Evidence, Location, Severity
from planreview.rules import Hit, RuleContext, rule

NAME = "performance"
PROMPT = "performance.md"
FOCUS = "queries, loops, round-trips and transactions on hot paths"


# --- helpers shared with the caching rules ---------------------------------------------------


def _path(ctx: RuleContext, unit: CodeUnit) -> str:
    return ctx.plan.path if unit.origin == "plan" else unit.path


def location(ctx: RuleContext, unit: CodeUnit, start: int, end: int | None = None) -> Location:
    return ctx.location(_path(ctx, unit), start, end)


def evidence(ctx: RuleContext, unit: CodeUnit, start: int, end: int | None = None) -> Evidence:
    return ctx.evidence(_path(ctx, unit), start, end)


def where_text(unit: CodeUnit) -> str:
    """`plan line` or the file's path, for sentences."""
    return "the plan" if unit.origin == "plan" else f"`{unit.path}`"


def at(unit: CodeUnit, line: int) -> str:
    return f"plan line {line}" if unit.origin == "plan" else f"`{unit.path}` line {line}"


def is_relevant(ctx: RuleContext, unit: CodeUnit, line: int, where: Where) -> bool:
    """Plan code always counts; repository code only where the plan points at it."""
    if unit.origin == "plan":
        return True
    for ref in ctx.plan.references:
        cited = ref.path == unit.path and ref.start_line is not None
        if cited and (ref.start_line or 0) <= line <= (ref.end_line or ref.start_line or 0):
            return True
    fn = unit.named_function(where) if where.function is not None else None
    if fn is None:
        return False
    return bool(re.search(rf"\b{re.escape(fn.name)}\s*\(|`{re.escape(fn.name)}\b", ctx.plan.text))


_BATCH_CONTEXT = re.compile(r"(?i)migrat|backfill|script|seed|one[- ]off|maintenance")


def is_batch_job(unit: CodeUnit) -> bool:
    """A migration/backfill/seed script: it runs once, off the request path."""
    if unit.origin == "plan":
        return any(_BATCH_CONTEXT.search(h) for h in unit.heading_path)
    return bool(re.search(r"(^|/)(scripts?|migrations?|seeds?|bin)/|seed\.", unit.path))


def model_label(q: QueryCall) -> str:
    if q.orm == "raw":
        return f"{q.receiver}.${q.method}"
    if q.orm in ("django", "typeorm"):
        return f"{q.receiver}.{q.method}"
    if q.model:
        return f"{q.receiver}.{q.model}.{q.method}"
    return f"{q.receiver}.{q.method}"


def _rows(q: QueryCall) -> str:
    return f"{q.model[:1].upper()}{q.model[1:]} rows" if q.model else "rows"


def stated_rows(ctx: RuleContext, name: str | None) -> int | None:
    """Rows the plan says a table/entity has (`<1000 packages`), if it says."""
    return ctx.artifacts.scale.rows_for(name) if name else None


def _root(expr: str | None) -> str | None:
    """`seg.packages` -> `seg`; `Object.entries(bySegment)` -> `bySegment`."""
    if not expr:
        return None
    expr = expr.strip()
    m = re.match(
        r"(?:await\s+)?(?:Object\.(?:entries|values|keys)|Array\.from|list|enumerate|"
        r"sorted|zip)\s*\(\s*([\w$]+)",
        expr,
    )
    if m:
        return m.group(1)
    m = re.match(r"(?:this\.)?([\w$]+)", expr)
    return m.group(1) if m else None


_ROW_FN = re.compile(r"(?:\.|\b)(get|find|list|fetch|load|query|select|search)\w*\s*\(")


@dataclass(frozen=True)
class _RowSource:
    line: int
    how: str
    """`prisma.package.findMany` or the called function."""
    exact: bool
    """True when a query call produced the rows (not a function guessed from its name)."""


def row_sources(unit: CodeUnit) -> dict[str, _RowSource]:
    """Names bound to rows: a query's result, a getter's awaited result, or a loop
    variable over either."""
    found: dict[str, _RowSource] = {}
    for q in unit.queries:
        if q.is_read and q.method not in ("count", "aggregate", "findUnique", "exists"):
            for name in q.assigned_to:
                found.setdefault(name, _RowSource(q.start_line, model_label(q), True))
    for a in unit.awaits:
        fn = _ROW_FN.search(a.expr)
        if fn and a.assigned_to and not re.search(r"\b(count|exists)\w*\s*\(", a.expr):
            call = a.expr[: a.expr.find("(")].strip()
            for name in a.assigned_to:
                found.setdefault(name, _RowSource(a.start_line, call, False))
    for _ in range(3):  # loop variables over row sources, nested loops included
        for loop in unit.loops:
            root = _root(loop.iterable)
            if root in found and loop.variable:
                for name in re.findall(r"[\w$]+", loop.variable):
                    found.setdefault(name, found[root])
    return found


def loop_source(unit: CodeUnit, loop: Loop, sources: dict[str, _RowSource]) -> _RowSource | None:
    """Where the rows a loop iterates over come from, if from the database."""
    iterable = loop.iterable or ""
    inline = [
        q
        for q in unit.queries
        if q.start_line == loop.start_line and q.is_read and q.chain.strip() in iterable
    ]
    if inline:
        return _RowSource(inline[0].start_line, model_label(inline[0]), True)
    root = _root(iterable)
    return sources.get(root) if root else None


def _loops_of(unit: CodeUnit, q: QueryCall) -> list[Loop]:
    return [unit.loops[k] for k in q.where.loops]


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


@rule("performance/unbounded-find-many", severity=Severity.P2)
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
        length_only = {h[0] for h in _length_only_names(unit)}
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


@rule("performance/n-plus-one-query", severity=Severity.P2)
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
    sources: dict[str, _RowSource],
    reported: set[int],
) -> tuple[Loop, _RowSource] | None:
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
    source: _RowSource,
    what: str,
    line: int,
    end_line: int,
    *,
    exact: bool,
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


def _is_single_row_write(q: QueryCall) -> bool:
    if q.orm == "raw":
        return q.is_write and not re.search(r"\bvalues\s*\([^)]*\)\s*,\s*\(", q.args, re.I)
    if q.orm == "sqlalchemy" and q.method in ("add", "add_all", "merge"):
        return False  # the unit of work batches these at flush
    return q.method in SINGLE_ROW_WRITES


@rule("performance/row-by-row-write", severity=Severity.P3)
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
            yield Hit(
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


@rule("performance/round-trips-in-transaction", severity=Severity.P2)
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
            entity = _entity(source.how if source else None, loop.iterable)
            rows = stated_rows(ctx, entity)
            severity = Severity.P1 if ddl or (rows or 0) >= 1000 else None
            writes = any(q.is_write for q in looped)
            calls = ", ".join(dict.fromkeys(f"`{model_label(q)}`" for q in looped))
            reason = []
            if ddl:
                reason.append(f"the same transaction runs DDL (`{ddl.group(0)}`)")
            if rows:
                reason.append(f"the plan states ~{rows:,} {entity}")
            yield Hit(
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


def _entity(how: str | None, iterable: str | None) -> str | None:
    """The entity a loop iterates: the Prisma delegate, else the iterable's name."""
    if how:
        parts = how.split(".")
        if len(parts) >= 3:
            return parts[-2]
    root = _root(iterable)
    return root


_READ_CALL = re.compile(
    r"^(?:[\w$]+\s*\??\.\s*)*(get|find|count|has|list|load|fetch|is|exists)(?:[A-Z_][\w$]*)?\s*\("
)


def _read_await(unit: CodeUnit, expr: str, line: int) -> bool:
    """The awaited expression is a database read (a query call or a getter by name)."""
    for q in unit.queries:
        if q.start_line == line and expr.startswith(q.chain.strip()[:20]):
            return q.is_read
    if expr.startswith(("Promise.", "new ", "fetch(", "axios", "sleep")):
        return False
    return bool(_READ_CALL.match(expr)) and expr.rstrip(";").endswith(")")


@rule("performance/sequential-independent-awaits", severity=Severity.P3)
def sequential_independent_awaits(ctx: RuleContext) -> Iterator[Hit]:
    """Consecutive awaited reads where neither uses the other's result.

    Why: each await waits for the previous round-trip; independent reads run back to back
    add their latencies (3 reads x 20 ms = 60 ms instead of ~20 ms).
    Fix: `const [a, b] = await Promise.all([readA(), readB()])` (or `asyncio.gather`).
    Only adjacent statements in one block, outside transactions and loops, are flagged;
    a later read that mentions an earlier result is never flagged.
    """
    for unit in ctx.artifacts.code:
        runs: list[list[int]] = []
        awaits = unit.awaits
        for k, a in enumerate(awaits):
            ok = (
                bool(a.assigned_to)  # a bare `await check(x)` is a guard, not a value
                and a.statement_level
                and a.where.transaction is None
                and not a.where.loops
                and _read_await(unit, a.expr, a.start_line)
            )
            if not ok:
                continue
            prev = runs[-1][-1] if runs else None
            if (
                prev is not None
                and _follows(unit, awaits[prev], a)
                and not _uses_any(a.expr, [n for i in runs[-1] for n in awaits[i].assigned_to])
            ):
                runs[-1].append(k)
            else:
                runs.append([k])
        for run in runs:
            if len(run) < 2:
                continue
            first, last = awaits[run[0]], awaits[run[-1]]
            if not is_relevant(ctx, unit, first.start_line, first.where):
                continue
            calls = ", ".join(f"`{awaits[i].expr.split('(')[0]}()`" for i in run)
            yield Hit(
                title=(
                    f"{len(run)} independent reads awaited one after another at "
                    f"{at(unit, first.start_line)}"
                ),
                locations=[location(ctx, unit, first.start_line, last.end_line)],
                issue=(
                    f"{calls} are awaited sequentially (lines {first.start_line}-"
                    f"{last.end_line}) although none uses another's result."
                ),
                impact=(
                    f"The request pays {len(run)} round-trip latencies back to back instead "
                    "of one; on a hot path this is pure added latency."
                ),
                recommendation=(
                    "Run them together: `const [a, b] = await Promise.all([...])` "
                    "(Python: `asyncio.gather`), or fold them into one query with `include`."
                ),
                evidence=[evidence(ctx, unit, first.start_line, last.end_line)],
                confidence=75,
            )


def _follows(unit: CodeUnit, a: Await, b: Await) -> bool:
    """b is the statement right after a in the same block (only blank lines between)."""
    if a.block != b.block or a.where.function != b.where.function:
        return False
    if b.start_line <= a.end_line:
        return False
    return not unit.masked_between(a.end_line + 1, b.start_line - 1).strip()


def _uses_any(expr: str, names: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w$.]){re.escape(n)}\b", expr) for n in names if n)


_LENGTH_TEST = (
    r"(?:\.length\s*(?:===?|!==?|>=?|<=?)\s*[01]\b|\.length\s*\)|\.length\s*&&|\.length\s*\|\||"
    r"\.length\s*\?|\.length\s*$)"
)


def _length_only_names(unit: CodeUnit) -> Iterator[tuple[str, int, str, bool]]:
    """(name, line, what loaded it, exact) for results used only to test `.length`."""
    if unit.language == "python":
        return
    for name, src in row_sources(unit).items():
        fn_lines = _function_span(unit, src.line)
        body = unit.masked_between(src.line + 1, fn_lines[1])
        uses = list(re.finditer(rf"(?<![\w$.]){re.escape(name)}\b([^\n]*)", body))
        if not uses or any(not re.match(_LENGTH_TEST, u.group(1)) for u in uses):
            continue
        yield name, src.line, src.how, src.exact


def _function_span(unit: CodeUnit, line: int) -> tuple[int, int]:
    fn = unit.function_around(line, named=False)
    return (fn.start_line, fn.end_line) if fn else (unit.start_line, unit.end_line)


_INLINE_LENGTH = re.compile(
    r"\(\s*await\s+([^;]*?\b(?:findMany|getAll\w*|list\w*|findAll\w*|fetchAll\w*)\s*\([^;]*?\))\s*\)"
    r"\s*\.length\s*(?:===?|!==?|>=?|<=?|>)\s*[01]\b"
)
# Python: len(session.query(X).all()) == 0, len(Model.objects.filter(...)) > 0
_PY_INLINE_LENGTH = re.compile(
    r"\blen\(\s*([\w.]+\.(?:query|filter|all|scalars)\([^\n]*?\)(?:\.\w+\([^()\n]*\))*)\s*\)"
    r"\s*(?:==|!=|>=?|<=?)\s*[01]\b"
)


@rule("performance/fetch-all-to-check-existence", severity=Severity.P2)
def fetch_all_to_check_existence(ctx: RuleContext) -> Iterator[Hit]:
    """Fetching every row only to test `.length` (existence or emptiness).

    Why: `(await findMany(...)).length === 0` loads and deserializes all matching rows to
    answer a yes/no question; the cost grows with the data while the answer does not.
    Fix: `findFirst({ where, select: { id: true } })` (existence) or `count({ where })`;
    SQL: `SELECT EXISTS (SELECT 1 ... LIMIT 1)`; Django `.exists()`; SQLAlchemy
    `session.query(q.exists()).scalar()`.
    """
    for unit in ctx.artifacts.code:
        hits: list[tuple[int, int, str, Confidence]] = []
        for name, line, how, exact in _length_only_names(unit):
            hits.append((line, _last_use(unit, name, line), how, 100 if exact else 75))
        inline = _INLINE_LENGTH if unit.language == "typescript" else _PY_INLINE_LENGTH
        for m in inline.finditer(unit.masked):
            line = unit.start_line + unit.text.count("\n", 0, m.start())
            call = unit.text[m.start(1) : m.end(1)]
            hits.append((line, line, call.split("(")[0].strip(), 100))
        for line, use_line, how, confidence in hits:
            where = next((q.where for q in unit.queries if q.start_line == line), None)
            where = where or next((a.where for a in unit.awaits if a.start_line == line), Where())
            if not is_relevant(ctx, unit, line, where):
                continue
            yield Hit(
                title=f"`{how}()` loads every row only to test `.length` ({at(unit, line)})",
                locations=[location(ctx, unit, line, use_line)],
                issue=(
                    f"The result of `{how}()` (line {line}) is used only for its `.length` "
                    f"(line {use_line}): an existence check that fetches the whole set."
                ),
                impact=(
                    "The check costs a full fetch and deserialization of every matching row; "
                    "it slows down as the tenant's data grows while the answer stays yes/no."
                ),
                recommendation=(
                    "Ask the database the yes/no question: `findFirst({ where, select: { id: "
                    "true } })` for existence or `count({ where })`, not the full list."
                ),
                evidence=[evidence(ctx, unit, line)]
                + ([evidence(ctx, unit, use_line)] if use_line != line else []),
                confidence=confidence,
            )


def _last_use(unit: CodeUnit, name: str, line: int) -> int:
    last = line
    end = _function_span(unit, line)[1]
    for n in range(line + 1, end + 1):
        if re.search(rf"(?<![\w$.]){re.escape(name)}\b", unit.masked_between(n, n)):
            last = n
            break
    return last


_EXTERNAL = re.compile(
    r"^(?:fetch|got|axios|ky|superagent|sleep|setTimeout|requests|httpx|aiohttp|urllib)\b"
    r"|^(?:[\w$]+\s*\??\.\s*)*(?:stripe|openai|anthropic|resend|sendgrid|twilio|mailer|s3|sqs|"
    r"sns|slack|http|httpClient|apiClient|webhook\w*|email\w*|mail\w*)\s*\??\.",
    re.I,
)


@rule("performance/external-call-in-transaction", severity=Severity.P2)
def external_call_in_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """A network call (HTTP, Stripe, email, LLM) awaited inside an open transaction.

    Why: the transaction keeps its locks and its pooled connection for the whole round-trip
    to a third party (100 ms to 30 s, unbounded on retries). Concurrent requests queue on
    the locked rows, the pool drains, and a slow provider turns into a database outage.
    Fix: call the external service before the transaction (or after commit, with an outbox
    row written inside it), and keep only database statements in the transaction.
    """
    for unit in ctx.artifacts.code:
        for a in unit.awaits:
            if a.where.transaction is None or not _EXTERNAL.match(a.expr):
                continue
            tx = unit.transactions[a.where.transaction]
            if tx.kind == "batch" or not is_relevant(ctx, unit, a.start_line, a.where):
                continue
            call = a.expr.split("(")[0].strip()
            yield Hit(
                title=f"`{call}()` is awaited inside the transaction at line {tx.start_line}",
                locations=[location(ctx, unit, a.start_line, a.end_line)],
                issue=(
                    f"{at(unit, a.start_line)} awaits the external call `{call}()` while the "
                    f"transaction opened at line {tx.start_line} holds its locks and connection."
                ),
                impact=(
                    "Every row the transaction has touched stays locked and one pool "
                    "connection stays busy for the provider's full latency (and its retries); "
                    "under load the pool drains and unrelated requests time out."
                ),
                recommendation=(
                    "Make the external call before opening the transaction, or after commit "
                    "via an outbox row written inside it; keep the transaction to database "
                    "statements only."
                ),
                evidence=[evidence(ctx, unit, tx.start_line), evidence(ctx, unit, a.start_line)],
                confidence=100,
            )


@rule("performance/external-call-per-row", severity=Severity.P2)
def external_call_per_row(ctx: RuleContext) -> Iterator[Hit]:
    """A network call (email, HTTP, Stripe) awaited one row at a time in a loop over rows.

    Why: each iteration waits a full provider round-trip (50-500 ms); 10,000 rows at
    ~100 ms is ~17 minutes of sequential waiting, and one slow call stalls the rest.
    Fix: enqueue one job per row (a queue with bounded concurrency and retries), or use the
    provider's batch API, or run a bounded number concurrently (p-limit, asyncio.Semaphore).
    """
    for unit in ctx.artifacts.code:
        sources = row_sources(unit)
        reported: set[int] = set()
        for a in unit.awaits:
            if not a.where.loops or a.where.transaction is not None:
                continue
            if not _EXTERNAL.match(a.expr):
                continue
            hit = _per_row(ctx, unit, a.where, sources, reported)
            if hit is None:
                continue
            loop, source = hit
            if loop.concurrent:
                continue
            call = a.expr.split("(")[0].strip()
            rows = (loop.iterable or "the rows").strip()
            yield Hit(
                title=f"`{call}()` is awaited once per row of `{rows}`, sequentially",
                locations=[location(ctx, unit, loop.start_line, loop.end_line)],
                issue=(
                    f"The loop at {at(unit, loop.start_line)} over `{rows}` (loaded by "
                    f"`{source.how}`, line {source.line}) awaits the external call `{call}()` "
                    f"for every row (line {a.start_line}), one after another."
                ),
                impact=(
                    "The run takes rows x provider latency: 10,000 rows at ~100 ms is ~17 "
                    "minutes, and a slow or failing provider stalls everything behind it "
                    "with no retry of the rows already skipped."
                ),
                recommendation=(
                    "Enqueue one job per row on a queue with bounded concurrency and retries "
                    "(or use the provider's batch API); at minimum run a bounded number "
                    "concurrently (p-limit / asyncio.Semaphore) instead of awaiting each in turn."
                ),
                evidence=[evidence(ctx, unit, loop.start_line), evidence(ctx, unit, a.start_line)],
                confidence=75,
            )


PRERENDER_ROWS = 1_000
"""Pages above which pre-rendering every one at build time is a problem worth a finding."""


@rule("performance/prerender-every-row", severity=Severity.P2)
def prerender_every_row(ctx: RuleContext) -> Iterator[Hit]:
    """`generateStaticParams` pre-renders a page for every row of a large table at build.

    Why: every build renders (and fetches data for) all N pages before deploy: 12,000
    articles mean 12,000 data fetches per build, builds that take tens of minutes, and a
    burst of load on the CMS or database on every deploy.
    Fix: return only the most visited N (e.g. top 500 by traffic) and let ISR render the
    rest on first request (`dynamicParams = true`, the default).
    Only fires when the plan states the entity's row count (>= 1,000).
    """
    for unit in ctx.artifacts.code:
        for fn in unit.functions:
            if fn.name != "generateStaticParams":
                continue
            body = unit.masked_between(fn.start_line, fn.end_line)
            if re.search(r"\b(take|limit|slice|top)\b", body):
                continue
            words = {
                w.lower()
                for name in re.findall(r"([A-Za-z_$][\w$]*)\s*\(", body)
                for w in re.findall(r"[A-Z]?[a-z]+", name)
            }
            stated = [(rows, w) for w in words if (rows := stated_rows(ctx, w))]
            if not stated:
                continue
            rows, entity = max(stated)
            if rows < PRERENDER_ROWS or not is_relevant(ctx, unit, fn.start_line, Where()):
                continue
            yield Hit(
                title=f"`generateStaticParams` pre-renders all ~{rows:,} {entity} pages on "
                "every build",
                locations=[location(ctx, unit, fn.start_line, fn.end_line)],
                issue=(
                    f"`generateStaticParams` ({at(unit, fn.start_line)}) returns a param for "
                    f"every {entity}, and the plan states ~{rows:,} of them."
                ),
                impact=(
                    f"Each build renders and fetches data for ~{rows:,} pages: long builds and "
                    "deploys, and a load spike on the data source on every release."
                ),
                recommendation=(
                    "Pre-render only the most visited pages (e.g. the top 500 by traffic) and "
                    "let ISR render the rest on first request (`dynamicParams` stays true)."
                ),
                evidence=[evidence(ctx, unit, fn.start_line, fn.end_line)],
                confidence=75,
            )
