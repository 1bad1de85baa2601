"""The indexing specialist: its deterministic rules and its prompt.

The rules compare what the plan queries and relates (Prisma relations, `where`
objects in its code blocks, SQL WHERE / ON CONFLICT / REFERENCES) against the indexes
of the merged schema: the repository's schema with the plan's models applied, plus the
indexes the plan's SQL creates. Only what the plan adds or changes is flagged.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planreview.artifacts.code import CodeUnit, QueryCall
from planreview.artifacts.prisma import PrismaField, PrismaIndex, PrismaModel, split_args
from planreview.artifacts.sql import (
    SqlStatement,
    column_refs,
    names,
    repo_schema_statements,
    walk,
)
from planreview.models import Category, Severity
from planreview.reviewers.migration import plan_sql, q, quote, rows_note, scaled, where
from planreview.rules import Hit, RuleContext, rule

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts

NAME = "indexing"
PROMPT = "indexing.md"
FOCUS = "missing, redundant and misordered indexes for the plan's queries"


# --- index knowledge ------------------------------------------------------------------------


@dataclass(frozen=True)
class KnownIndex:
    columns: tuple[str, ...]
    unique: bool
    label: str
    designed: bool = False
    """Added by the plan on purpose: its own CREATE INDEX, or a new @@index on a model
    that already exists."""
    statement: SqlStatement | None = None
    """The CREATE INDEX that builds it, when SQL does."""


TENANT_COLUMNS = frozenset(
    {"tenantId", "tenant_id", "orgId", "org_id", "organizationId", "organization_id",
     "workspaceId", "workspace_id", "accountId", "account_id", "companyId", "company_id"}
)


def _selective_lead(model: PrismaModel | None, ix: KnownIndex) -> bool:
    """The index starts with a column that picks out few rows: a unique key, or a foreign
    key to one parent row (`bookingId`), unlike a status, flag or tenant column."""
    lead = ix.columns[0]
    if lead in TENANT_COLUMNS:
        return False
    if ix.unique and len(ix.columns) == 1:
        return True
    if model is not None and lead in model.fields:
        f = model.fields[lead]
        if f.type not in ("String", "Int", "BigInt"):
            return False  # enums, flags and timestamps repeat across many rows
        relations = (x.relation for x in model.fields.values())
        if any(r is not None and lead in r.fields for r in relations):
            return True
    return bool(re.search(r"(?:[a-z]Id|_id)$", lead))


def _selective(model: PrismaModel | None, columns: list[str]) -> list[str]:
    """`columns` without booleans, when others remain: an index on the other columns
    already narrows the rows, and a two-valued column adds almost nothing to it."""
    if model is None:
        return columns
    kept = [
        c for c in columns
        if not (c in model.fields and model.fields[c].type == "Boolean")
    ]
    return kept or columns


_SCHEMA_CACHE: dict[int, tuple[weakref.ref[Artifacts], list[SqlStatement]]] = {}


def schema_sql(ctx: RuleContext) -> list[SqlStatement]:
    """The plan's and loaded files' SQL plus the repository's own CREATE TABLE / INDEX
    statements, computed once per review (every indexing rule asks)."""
    arts = ctx.artifacts
    hit = _SCHEMA_CACHE.get(id(arts))
    if hit is not None and hit[0]() is arts:
        return hit[1]
    for key in [k for k, (ref, _) in _SCHEMA_CACHE.items() if ref() is None]:
        del _SCHEMA_CACHE[key]
    stmts = [*arts.sql, *repo_schema_statements(arts)]
    _SCHEMA_CACHE[id(arts)] = (weakref.ref(arts), stmts)
    return stmts


def table_known(ctx: RuleContext, table: str) -> bool:
    """Some SQL creates `table`: its indexes are then known too."""
    low = table.lower()
    return any(s.kind == "CreateStmt" and (s.table or "").lower() == low for s in schema_sql(ctx))


def _index_columns(s: SqlStatement) -> tuple[str, ...]:
    """Plain column names of an index; () when any element is an expression or carries an
    operator class or collation (`email varchar_pattern_ops` serves LIKE, not equality)."""
    cols: list[str] = []
    for p in s.tree.get("indexParams", []):
        elem = p.get("IndexElem", {})
        if not elem.get("name") or elem.get("opclass") or elem.get("collation"):
            return ()
        cols.append(str(elem["name"]))
    return tuple(cols)


def indexes_of(ctx: RuleContext, model: PrismaModel | None, table: str) -> list[KnownIndex]:
    """The model's indexes (PK and uniques included) and those any SQL creates on `table`."""
    out: list[KnownIndex] = []
    if model is not None:
        for ix in model.indexes:
            designed = ix.kind == "index" and ix.status == "new" and model.status == "changed"
            out.append(
                KnownIndex(tuple(ix.fields), ix.kind in ("id", "unique"), _label(ix), designed)
            )
    low = table.lower()
    for s in schema_sql(ctx):
        if (s.table or "").lower() != low:
            continue
        if s.kind == "IndexStmt":
            cols = _index_columns(s)
            if cols and not s.tree.get("whereClause"):
                out.append(
                    KnownIndex(
                        cols, bool(s.tree.get("unique")), s.first_line_text,
                        designed=s.path == ctx.plan.path, statement=s,
                    )
                )
        elif s.kind == "CreateStmt":
            out.extend(_create_table_indexes(s))
        for cmd in s.alter_cmds:
            con = cmd.get("def", {}).get("Constraint", {})
            if con.get("contype") in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and con.get("keys"):
                out.append(KnownIndex(tuple(names(con["keys"])), True, s.first_line_text))
    return out


def _create_table_indexes(s: SqlStatement) -> list[KnownIndex]:
    out: list[KnownIndex] = []
    for elt in s.tree.get("tableElts", []):
        col = elt.get("ColumnDef")
        if isinstance(col, dict):
            for c in col.get("constraints", []):
                kind = c.get("Constraint", {}).get("contype")
                if kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                    out.append(KnownIndex((str(col["colname"]),), True, s.first_line_text))
        con = elt.get("Constraint")
        if isinstance(con, dict) and con.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
            out.append(KnownIndex(tuple(names(con.get("keys"))), True, s.first_line_text))
    return out


def _label(ix: PrismaIndex) -> str:
    cols = ", ".join(ix.fields)
    if ix.implicit:
        return f"@{ix.kind} on {cols}"
    return f"@@{ix.kind}([{cols}])"


def leads_with(ix: KnownIndex, columns: list[str]) -> bool:
    """The index's first len(columns) columns are exactly `columns` (in any order)."""
    return len(ix.columns) >= len(columns) and set(ix.columns[: len(columns)]) == set(columns)


def fully_known(model: PrismaModel) -> bool:
    """Its indexes are all visible: not a plan stub (`// ... existing fields`) whose
    repository version could not be read."""
    return not (model.stubbed and not model.repo_fields and model.origin == "plan")


def model_for(ctx: RuleContext, name: str) -> PrismaModel | None:
    """Model by Prisma delegate (`tierAddOn`), model name or table name."""
    schema = ctx.artifacts.prisma
    for m in schema.models.values():
        if name in (m.name, m.name[:1].lower() + m.name[1:]):
            return m
    return schema.model_for_table(name)


def _queried_in_plan(ctx: RuleContext, column: str, skip: tuple[int, int]) -> int | None:
    """A plan line outside `skip` that filters on `column` (code or SQL), if any."""
    pattern = re.compile(
        rf"\b{re.escape(column)}\b\"?\s*(?::|=|IS\b|IN\b)|WHERE[^\n]*\b{re.escape(column)}\b",
        re.IGNORECASE,
    )
    for block in ctx.plan.code_blocks:
        if block.language == "prisma":
            continue
        for offset, text in enumerate(block.text.split("\n")):
            line = block.start_line + offset
            if skip[0] <= line <= skip[1]:
                continue
            if pattern.search(text) and re.search(r"where|WHERE|=", text):
                return line
    return None


# --- foreign keys ------------------------------------------------------------------------------


@rule("indexing/foreign-key-without-index", severity=Severity.P2)
def foreign_key_without_index(ctx: RuleContext) -> Iterator[Hit]:
    """A relation scalar / foreign-key column no index leads with.

    Why: Postgres indexes the referenced key, never the referencing column: lookups by
    the FK ("bookings of this tier") scan the table, and every delete or key update on
    the parent scans the child to enforce onDelete Restrict/Cascade/SetNull.
    Fix: `@@index([tierId])` (or a composite index that starts with it).
    P1 when the plan also queries by the column.
    """
    for model in ctx.artifacts.prisma.models.values():
        if model.plan_line is None:
            continue
        for f in model.fields.values():
            rel = f.relation
            if rel is None or not rel.fields or f.origin != "plan":
                continue
            scalars = [model.fields.get(c) for c in rel.fields]
            if not any(s is not None and s.status == "new" for s in scalars) and f.status != "new":
                continue
            known = indexes_of(ctx, model, model.table)
            if any(leads_with(ix, rel.fields) for ix in known):
                continue
            yield _fk_hit(ctx, model, f.name, rel.fields, rel.on_delete, f.line, scalars)


def _fk_hit(
    ctx: RuleContext,
    model: PrismaModel,
    relation: str,
    columns: list[str],
    on_delete: str | None,
    relation_line: int,
    scalars: list[PrismaField | None],
) -> Hit:
    cols = ", ".join(columns)
    lines = sorted(
        {relation_line} | {s.line for s in scalars if s is not None and s.origin == "plan"}
    )
    span = (model.plan_line or lines[0], model.plan_end_line or lines[-1])
    queried = _queried_in_plan(ctx, columns[0], span)
    rows = ctx.artifacts.scale.rows_for(model.table)
    size = f" With {rows:,}+ {model.name} rows this" if rows else " This"
    delete = f"onDelete: {on_delete}" if on_delete else "the foreign-key check on delete"
    issue = (
        f"{model.name}.{cols} references {relation} but no index on {model.name} leads with "
        f"{cols} (the model's indexes: "
        + (", ".join(_label(ix) for ix in model.indexes) or "none")
        + ")."
    )
    if queried:
        issue += f" The plan filters on {columns[0]} at line {queried}."
    return Hit(
        title=f"{model.name}.{cols} has no index",
        locations=[ctx.plan_location(lines[0], lines[-1])],
        issue=issue,
        impact=(
            f"Looking up {model.name} rows by {cols} is a sequential scan, and {delete} makes "
            f"every delete of a {relation} row scan {model.name}.{size} grows with the table."
        ),
        recommendation=(
            f"Add `@@index([{cols}])` to {model.name} in the same migration that adds the "
            f"column (or a composite such as `@@index([tenantId, {columns[0]}])` if queries "
            "are tenant-scoped)."
        ),
        evidence=[ctx.plan_evidence(n) for n in lines],
        severity=Severity.P1 if queried else scaled(ctx, model.table, Severity.P2),
    )


@rule("indexing/sql-foreign-key-without-index", severity=Severity.P2)
def sql_foreign_key_without_index(ctx: RuleContext) -> Iterator[Hit]:
    """A REFERENCES / FOREIGN KEY column in the plan's SQL that no index leads with.

    Why: Postgres does not index the referencing side: joins and lookups by it scan,
    and every parent delete scans the child table to check the constraint.
    Fix: CREATE INDEX CONCURRENTLY on the FK column(s).
    """
    for s in plan_sql(ctx):
        for columns, parent in _sql_foreign_keys(s):
            table = s.table or ""
            model = model_for(ctx, table)
            if model is not None and model.plan_line is not None:
                continue  # the plan's Prisma model says it: foreign-key-without-index reports
            if any(leads_with(ix, columns) for ix in indexes_of(ctx, model, table)):
                continue
            cols = ", ".join(columns)
            yield Hit(
                title=f"{table}.{cols} has no index",
                locations=[where(ctx, s)],
                issue=(
                    f"{q(table)}.{cols} references {q(parent)}, and neither the plan nor the "
                    f"schema creates an index on {q(table)} that starts with {cols}."
                ),
                impact=(
                    f"Lookups of {q(table)} by {cols} scan the table, and each DELETE on "
                    f"{q(parent)} scans {q(table)} to enforce the foreign key."
                ),
                recommendation=(
                    f"`CREATE INDEX CONCURRENTLY ON {q(table)} "
                    f"({', '.join(q(c) for c in columns)});`"
                ),
                evidence=[quote(ctx, s)],
                severity=scaled(ctx, table, Severity.P2),
            )


def _sql_foreign_keys(s: SqlStatement) -> Iterator[tuple[list[str], str]]:
    if s.kind == "CreateStmt":
        for elt in s.tree.get("tableElts", []):
            col = elt.get("ColumnDef")
            if isinstance(col, dict):
                for c in col.get("constraints", []):
                    con = c.get("Constraint", {})
                    if con.get("contype") == "CONSTR_FOREIGN":
                        yield [str(col["colname"])], str(con.get("pktable", {}).get("relname"))
            con = elt.get("Constraint")
            if isinstance(con, dict) and con.get("contype") == "CONSTR_FOREIGN":
                yield names(con.get("fk_attrs")), str(con.get("pktable", {}).get("relname"))
    for cmd in s.alter_cmds:
        con = cmd.get("def", {}).get("Constraint")
        if isinstance(con, dict) and con.get("contype") == "CONSTR_FOREIGN":
            yield names(con.get("fk_attrs")), str(con.get("pktable", {}).get("relname"))
        col = cmd.get("def", {}).get("ColumnDef")
        if cmd.get("subtype") == "AT_AddColumn" and isinstance(col, dict):
            for c in col.get("constraints", []):
                fk = c.get("Constraint", {})
                if fk.get("contype") == "CONSTR_FOREIGN":
                    yield [str(col["colname"])], str(fk.get("pktable", {}).get("relname"))


# --- redundant indexes --------------------------------------------------------------------------


@rule("indexing/redundant-index", severity=Severity.P2)
def redundant_index(ctx: RuleContext) -> Iterator[Hit]:
    """A new index that is a leading prefix of the primary key or of another index.

    Why: a B-tree on (a, b) already serves lookups on a alone; the extra index only adds
    write overhead on every INSERT/UPDATE/DELETE and takes space and cache.
    Fix: drop the redundant index; keep indexes on non-leading columns (b alone).
    """
    for model in ctx.artifacts.prisma.models.values():
        if model.plan_line is None:
            continue
        for ix in model.indexes:
            if ix.status != "new" or ix.kind != "index" or ix.origin != "plan":
                continue
            cover = _covering(model, ix)
            if cover is None:
                continue
            cols = ", ".join(ix.fields)
            what = "primary key" if cover.kind == "id" else _label(cover)
            lines = sorted({ix.line, cover.line} if cover.origin == "plan" else {ix.line})
            yield Hit(
                title=f"{model.name} @@index([{cols}]) is redundant with its {what}",
                locations=[ctx.plan_location(ix.line)],
                issue=(
                    f"{model.name} declares `@@index([{cols}])`, but its {_label(cover)} "
                    f"(line {cover.line}) already starts with {cols}; B-tree indexes serve "
                    "queries on any leading prefix."
                ),
                impact=(
                    f"An extra index to maintain on every {model.name} insert, update and "
                    "delete, and extra storage, for no query it speeds up."
                ),
                recommendation=(
                    f"Remove `@@index([{cols}])`; {_label(cover)} covers {cols}-only lookups. "
                    "Keep indexes whose leading column is not covered (the reverse lookup)."
                ),
                evidence=[ctx.plan_evidence(n) for n in lines],
                confidence=100,
            )


@rule("indexing/redundant-sql-index", severity=Severity.P3)
def redundant_sql_index(ctx: RuleContext) -> Iterator[Hit]:
    """A CREATE INDEX in the plan whose columns lead an index the table already has.

    Why: a B-tree on (a, b) already serves lookups on a alone; the new index only adds
    build time (a long lock or a long CONCURRENTLY build), write overhead and storage.
    Fix: drop the statement; the existing index serves those queries.
    """
    for s in plan_sql(ctx):
        if s.kind != "IndexStmt" or s.tree.get("unique") or s.tree.get("whereClause"):
            continue
        cols = _index_columns(s)
        table = s.table or ""
        if not cols:
            continue
        others = [
            ix for ix in indexes_of(ctx, model_for(ctx, table), table)
            if ix.statement is not s and ix.columns[: len(cols)] == cols
            and (len(ix.columns) > len(cols) or ix.unique)
        ]
        if not others:
            continue
        cover = others[0]
        name = s.tree.get("idxname") or "the new index"
        where_text = (
            f" (`{cover.statement.path}` line {cover.statement.start_line})"
            if cover.statement is not None else ""
        )
        yield Hit(
            title=f"Index {name} on {table} ({', '.join(cols)}) is redundant",
            locations=[where(ctx, s)],
            issue=(
                f"`{s.first_line_text}` indexes ({', '.join(cols)}), but `{cover.label}`"
                f"{where_text} already starts with those columns."
            ),
            impact=(
                f"Building it locks or loads {q(table)}{rows_note(ctx, table)}, and every "
                "write then maintains one more index, for no query the existing one does not "
                "serve."
            ),
            recommendation=(
                f"Drop `{name}` from the migration; queries on {', '.join(cols)} use the "
                "existing index's leading columns."
            ),
            evidence=[quote(ctx, s)],
        )


def _covering(model: PrismaModel, ix: PrismaIndex) -> PrismaIndex | None:
    for other in model.indexes:
        if other is ix or len(other.fields) < len(ix.fields):
            continue
        if other.fields[: len(ix.fields)] != ix.fields:
            continue
        if len(other.fields) == len(ix.fields) and other.kind == "index" and other.line > ix.line:
            continue  # an exact duplicate: report the later one only
        return other
    return None


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
        columns = _selective(flt.model, flt.columns)
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
    if not ix.designed or not _selective_lead(flt.model, ix):
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


# --- upserts --------------------------------------------------------------------------------------


@rule("indexing/upsert-without-unique", severity=Severity.P1)
def upsert_without_unique(ctx: RuleContext) -> Iterator[Hit]:
    """An upsert / ON CONFLICT on columns no unique constraint covers.

    Why: Postgres rejects `ON CONFLICT (cols)` without a matching unique index ("there is
    no unique or exclusion constraint matching the ON CONFLICT specification"), and
    Prisma's `upsert` only accepts unique `where` inputs (the code does not compile).
    Fix: add `@@unique([...])` (a unique index) on exactly those columns first.
    """
    for s in plan_sql(ctx):
        if s.kind != "InsertStmt":
            continue
        infer = s.tree.get("onConflictClause", {}).get("infer", {})
        cols = [
            str(e["IndexElem"]["name"])
            for e in infer.get("indexElems", [])
            if e.get("IndexElem", {}).get("name")
        ]
        table = s.table or ""
        model = model_for(ctx, table)
        if not cols or model is None or not fully_known(model):
            continue
        known = indexes_of(ctx, model, table)
        if any(ix.unique and set(ix.columns) == set(cols) for ix in known):
            continue
        yield _upsert_hit(ctx, model.name, cols, where(ctx, s).start_line, s.end_line, s.text)
    for unit in ctx.artifacts.code:
        if unit.origin != "plan":
            continue
        for call in unit.queries:
            if call.orm != "prisma" or call.method != "upsert" or call.model is None:
                continue
            model = model_for(ctx, call.model)
            keys = where_keys(call.args)
            if model is None or not fully_known(model) or not keys or len(keys) != 1:
                continue
            cols = _unique_input_columns(model, keys[0])
            if not all(c in model.fields for c in cols):
                continue  # a field we cannot see: no claim about its constraints
            uniques = [ix for ix in model.indexes if ix.kind in ("id", "unique")]
            if any(set(ix.fields) == set(cols) for ix in uniques):
                continue
            yield _upsert_hit(ctx, model.name, cols, call.start_line, call.end_line,
                              unit.line(call.start_line))


def _unique_input_columns(model: PrismaModel, key: str) -> list[str]:
    """`tenantId_slug` -> [tenantId, slug] when those are fields; else [key]."""
    if key in model.fields:
        return [key]
    for ix in model.indexes:
        if ix.name == key or "_".join(ix.fields) == key:
            return list(ix.fields)
    parts = key.split("_")
    return parts if all(p in model.fields for p in parts) else [key]


def _upsert_hit(
    ctx: RuleContext, model: str, cols: list[str], line: int, end: int, text: str
) -> Hit:
    joined = ", ".join(cols)
    return Hit(
        title=f"Upsert on {model}({joined}) has no unique constraint to conflict on",
        locations=[ctx.plan_location(line, end)],
        issue=(
            f"`{text.strip().splitlines()[0]}` relies on a unique constraint over ({joined}), "
            f"but {model} has no @id/@unique/@@unique on exactly those columns."
        ),
        impact=(
            "Postgres rejects ON CONFLICT without a matching unique index, and Prisma's upsert "
            "does not accept a non-unique where: the write fails (or, with a non-unique "
            "workaround, races into duplicates)."
        ),
        recommendation=(
            f"Add `@@unique([{joined}])` to {model} (built CONCURRENTLY on an existing table) "
            "before shipping the upsert."
        ),
        evidence=[ctx.plan_evidence(line)],
    )
