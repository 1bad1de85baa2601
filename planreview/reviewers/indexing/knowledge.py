"""What the indexing rules know about indexes: the ones the repository and the plan
declare, and which columns they serve.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planreview.artifacts.prisma import PrismaIndex, PrismaModel
from planreview.artifacts.sql import (
    SqlStatement,
    names,
    repo_schema_statements,
)
from planreview.rules import RuleContext

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts


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


def selective_lead(model: PrismaModel | None, ix: KnownIndex) -> bool:
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


def selective(model: PrismaModel | None, columns: list[str]) -> list[str]:
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


def index_columns(s: SqlStatement) -> tuple[str, ...]:
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
            cols = index_columns(s)
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


def queried_in_plan(ctx: RuleContext, column: str, skip: tuple[int, int]) -> int | None:
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
