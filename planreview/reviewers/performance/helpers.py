"""What several performance rules ask of code: model labels, stated row counts, where a
loop's rows come from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from planreview.artifacts.code import CodeUnit, Loop, QueryCall
from planreview.artifacts.scale import LARGE_ROWS
from planreview.reviewers.common import is_batch_job
from planreview.rules import RuleContext


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
class RowSource:
    line: int
    how: str
    """`prisma.package.findMany` or the called function."""
    exact: bool
    """True when a query call produced the rows (not a function guessed from its name)."""


def row_sources(unit: CodeUnit) -> dict[str, RowSource]:
    """Names bound to rows: a query's result, a getter's awaited result, or a loop
    variable over either."""
    found: dict[str, RowSource] = {}
    for q in unit.queries:
        if q.is_read and q.method not in ("count", "aggregate", "findUnique", "exists"):
            for name in q.assigned_to:
                found.setdefault(name, RowSource(q.start_line, model_label(q), True))
    for a in unit.awaits:
        fn = _ROW_FN.search(a.expr)
        if fn and a.assigned_to and not re.search(r"\b(count|exists)\w*\s*\(", a.expr):
            call = a.expr[: a.expr.find("(")].strip()
            for name in a.assigned_to:
                found.setdefault(name, RowSource(a.start_line, call, False))
    for _ in range(3):  # loop variables over row sources, nested loops included
        for loop in unit.loops:
            root = _root(loop.iterable)
            if root in found and loop.variable:
                for name in re.findall(r"[\w$]+", loop.variable):
                    found.setdefault(name, found[root])
    return found


def loop_source(unit: CodeUnit, loop: Loop, sources: dict[str, RowSource]) -> RowSource | None:
    """Where the rows a loop iterates over come from, if from the database."""
    iterable = loop.iterable or ""
    inline = [
        q
        for q in unit.queries
        if q.start_line == loop.start_line and q.is_read and q.chain.strip() in iterable
    ]
    if inline:
        return RowSource(inline[0].start_line, model_label(inline[0]), True)
    root = _root(iterable)
    return sources.get(root) if root else None


def _loops_of(unit: CodeUnit, q: QueryCall) -> list[Loop]:
    return [unit.loops[k] for k in q.where.loops]


def loop_entity(how: str | None, iterable: str | None) -> str | None:
    """The entity a loop iterates: the Prisma delegate, else the iterable's name."""
    if how:
        parts = how.split(".")
        if len(parts) >= 3:
            # `prisma.package.findMany` -> package; `Author.objects.filter` -> Author
            return parts[-3] if parts[-2] == "objects" else parts[-2]
    return _root(iterable)


def scale_tables(*names: str | None) -> tuple[str, ...]:
    """The distinct named tables/entities a per-row cost grows with (for `Hit.tables`)."""
    return tuple(dict.fromkeys(n for n in names if n))


def one_off_over_few_rows(ctx: RuleContext, unit: CodeUnit, tables: tuple[str, ...]) -> bool:
    """A one-off script (migration, backfill, maintenance command) over rows the plan does
    not state at `LARGE_ROWS` or more: one round-trip per row costs seconds, once, off the
    request path; not worth a review comment."""
    if not is_batch_job(unit):
        return False
    return not any((stated_rows(ctx, t) or 0) >= LARGE_ROWS for t in tables)
