"""Indexing rules about queries no index serves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from planreview.artifacts.code import CodeUnit, QueryCall
from planreview.artifacts.prisma import PrismaModel, split_args
from planreview.artifacts.sql import (
    column_refs,
    names,
    walk,
)
from planreview.models import Category, Severity
from planreview.reviewers.common import plan_sql, q, rows_note
from planreview.reviewers.indexing.knowledge import (
    TENANT_COLUMNS,
    KnownIndex,
    fully_known,
    indexes_of,
    leads_with,
    model_for,
    selective,
    selective_lead,
    table_known,
)
from planreview.rules import Hit, RuleContext, rule

# --- queries no index serves ----------------------------------------------------------------------

_WHERE = re.compile(r"\bwhere\s*:\s*\{")
# Reads only: filters of one-off UPDATE/DELETE backfills do not deserve a permanent index.
_QUERY_METHODS = frozenset(
    {"findMany", "findFirst", "findFirstOrThrow", "count", "aggregate", "groupBy"}
)


def where_items(args: str) -> dict[str, str] | None:
    """Top-level `key -> value text` of the `where: { ... }` object in a Prisma call's
    arguments (shorthand `{ tenantId }` gives the key itself as value); None when absent
    or not a plain object (spreads)."""
    m = _WHERE.search(args)
    if m is None:
        return None
    depth, i = 1, m.end()
    while i < len(args) and depth:
        depth += {"{": 1, "}": -1}.get(args[i], 0)
        i += 1
    body = args[m.end() : i - 1]
    items: dict[str, str] = {}
    for part in split_args(body):
        km = re.match(r"^\s*([A-Za-z_]\w*)\s*(?::\s*(.*)|$)", part, re.DOTALL)
        if km is None:
            return None
        items[km.group(1)] = (km.group(2) or km.group(1)).strip()
    return items


def where_keys(args: str) -> list[str] | None:
    """Top-level keys of the `where: { ... }` object in a Prisma call's arguments."""
    items = where_items(args)
    return list(items) if items is not None else None


@dataclass(frozen=True)
class Filter:
    table: str
    model: PrismaModel | None
    columns: list[str]
    line: int
    end_line: int
    text: str
    path: str
    order: tuple[str, ...] = ()
    """ORDER BY / orderBy columns, for the index's trailing columns."""


def _prisma_filters(ctx: RuleContext) -> Iterator[Filter]:
    for unit in ctx.artifacts.code:
        if unit.origin != "plan":
            continue
        for call in unit.queries:
            if call.orm != "prisma" or call.model is None or call.method not in _QUERY_METHODS:
                continue
            model = model_for(ctx, call.model)
            if model is None or not fully_known(model):
                continue
            items = where_items(call.args)
            if not items or any(k in ("AND", "OR", "NOT") for k in items):
                continue
            # `{ col: null }` finds the rows a one-off backfill has not reached yet.
            keys = [k for k, v in items.items() if v != "null"]
            if not keys:
                continue
            scalar = [
                k for k in keys
                if k in model.fields and model.fields[k].relation is None
                and not _is_model_type(ctx, model.fields[k].type)
            ]
            if len(scalar) != len(keys):
                continue
            yield Filter(model.table, model, keys, call.start_line, call.end_line,
                         _call_text(unit, call), unit.path, _prisma_order(call.args))


_ORDER_BY = re.compile(r"\borderBy\s*:\s*(\{[^{}]*\}|\[[^\]]*\])")


def _prisma_order(args: str) -> tuple[str, ...]:
    """`orderBy: { createdAt: 'desc' }` or `[{ a: 'asc' }, { b: 'asc' }]` -> column names."""
    m = _ORDER_BY.search(args)
    if m is None:
        return ()
    return tuple(re.findall(r"([A-Za-z_]\w*)\s*:\s*['\"](?:asc|desc)['\"]", m.group(1)))


def _is_model_type(ctx: RuleContext, type_: str) -> bool:
    return type_ in ctx.artifacts.prisma.models


def _call_text(unit: CodeUnit, call: QueryCall) -> str:
    return unit.line(call.start_line).strip()


def _sql_filters(ctx: RuleContext) -> Iterator[Filter]:
    for s in plan_sql(ctx):
        if s.kind != "SelectStmt":
            continue
        tables = [
            str(d["RangeVar"]["relname"])
            for d in walk(s.tree.get("fromClause", []))
            if "RangeVar" in d
        ]
        # One relation only: with joins or UPDATE ... FROM a column may belong to any of them.
        if len(tables) + (1 if s.table else 0) != 1 or "whereClause" not in s.tree:
            continue
        table = s.table or tables[0]
        cols = _equality_columns(s.tree["whereClause"])
        if not cols:
            continue
        order = tuple(
            c for item in s.tree.get("sortClause", []) for c in column_refs(item)
        )
        yield Filter(table, model_for(ctx, table), cols, s.start_line, s.end_line,
                     s.first_line_text, s.path, order)


def _equality_columns(clause: dict[str, object]) -> list[str] | None:
    """Columns compared with `=` in a WHERE of ANDed terms (None for anything else)."""
    terms: list[object] = [clause]
    bool_expr = clause.get("BoolExpr")
    if isinstance(bool_expr, dict):
        if bool_expr.get("boolop") != "AND_EXPR":
            return None
        terms = list(bool_expr.get("args", []))
    out: list[str] = []
    for term in terms:
        expr = term.get("A_Expr") if isinstance(term, dict) else None
        if not isinstance(expr, dict) or names(expr.get("name")) != ["="]:
            continue
        left, right = expr.get("lexpr", {}), expr.get("rexpr", {})
        if isinstance(right, dict) and "ColumnRef" in right:
            continue  # a join condition, not a filter
        if isinstance(left, dict) and "ColumnRef" in left:
            fields = names(left["ColumnRef"].get("fields"))
            if fields:
                out.append(fields[-1])
    return out or None


@rule("indexing/query-not-covered", severity=Severity.P2)
def query_not_covered(ctx: RuleContext) -> Iterator[Hit]:
    """A plan query filters on columns that no index leads with.

    Why: without an index whose leading columns are the equality filters, Postgres uses
    a partial index and filters the rest row by row, or scans the table; the cost grows
    with the table, on every call of a hot path.
    Fix: a composite index with the equality columns first (`@@index([tenantId, segmentId])`).
    P1 when no index even starts with one of the columns and the table is stated large.
    """
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for flt in [*_prisma_filters(ctx), *_sql_filters(ctx)]:
        if flt.model is None and not table_known(ctx, flt.table):
            continue  # unknown table: its indexes are unknown too
        known = indexes_of(ctx, flt.model, flt.table)
        columns = selective(flt.model, flt.columns)
        if any(leads_with(ix, columns) for ix in known):
            continue
        if any(ix.unique and set(ix.columns) <= set(flt.columns) for ix in known):
            continue
        name = flt.model.name if flt.model is not None else flt.table
        key = (name, tuple(sorted(flt.columns)))
        if key in seen:
            continue
        seen.add(key)
        partial = [ix for ix in known if ix.columns and ix.columns[0] in flt.columns]
        if any(_serves(flt, columns, ix) for ix in partial):
            continue
        yield _uncovered_hit(ctx, flt, name, partial)


def _serves(flt: Filter, columns: list[str], ix: KnownIndex) -> bool:
    """A purpose-built index (the plan adds it) that leads with a column picking out a few
    rows and then carries the sort columns serves the query: only a tenant guard is left
    to filter, over those few rows."""
    if not ix.designed or not selective_lead(flt.model, ix):
        return False
    k = 0
    while k < len(ix.columns) and ix.columns[k] in columns:
        k += 1
    if not set(columns) - set(ix.columns[:k]) <= TENANT_COLUMNS:
        return False
    return not flt.order or tuple(ix.columns[k : k + len(flt.order)]) == flt.order


def _uncovered_hit(ctx: RuleContext, flt: Filter, name: str, partial: list[KnownIndex]) -> Hit:
    cols = ", ".join(flt.columns)
    cond = " AND ".join(f"{c} = ?" for c in flt.columns)
    wanted = [*flt.columns, *(c for c in flt.order if c not in flt.columns)]
    if flt.model is not None:
        fix = f"`@@index([{', '.join(wanted)}])` on {name}"
    else:
        fix = f"`CREATE INDEX CONCURRENTLY ON {q(flt.table)} ({', '.join(q(c) for c in wanted)})`"
    served = (
        "only "
        + ", ".join(f"{ix.label} (leading with {ix.columns[0]})" for ix in partial)
        + "; the other columns are filtered row by row"
        if partial else "no index on these columns: a sequential scan"
    )
    ordered = f", ordered by {', '.join(flt.order)}" if flt.order else ""
    return Hit(
        title=f"{name} has no index for `WHERE {cond}`",
        locations=[ctx.plan_location(flt.line, flt.end_line)],
        issue=(
            f"`{flt.text}` filters {name} on ({cols}){ordered}; the schema serves it with "
            f"{served}."
        ),
        impact=(
            f"Each call reads more {name} rows than it returns{rows_note(ctx, flt.table)}; "
            "the cost grows with the table and the query's call rate."
        ),
        recommendation=(
            f"Add a composite index {fix}: equality columns first, then the sort column, so "
            "the query reads only the rows it returns, already in order."
        ),
        evidence=[ctx.plan_evidence(flt.line)],
        severity=(
            Severity.P1 if not partial and ctx.artifacts.scale.is_large(flt.table) else None
        ),
        also=(Category.performance,),
    )
