"""Indexing rules about foreign keys without an index on the referencing columns."""

from __future__ import annotations

from collections.abc import Iterator

from planreview.artifacts.prisma import PrismaField, PrismaModel
from planreview.artifacts.sql import (
    SqlStatement,
    names,
)
from planreview.models import Severity
from planreview.reviewers.common import plan_sql, q, quote, scaled, where
from planreview.reviewers.indexing.knowledge import (
    _label,
    indexes_of,
    leads_with,
    model_for,
    queried_in_plan,
)
from planreview.rules import Hit, RuleContext, rule

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
    queried = queried_in_plan(ctx, columns[0], span)
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
