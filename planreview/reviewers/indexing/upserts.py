"""Indexing rules about upserts without a unique index to conflict on."""

from __future__ import annotations

from collections.abc import Iterator

from planreview.artifacts.prisma import PrismaModel
from planreview.models import Severity
from planreview.reviewers.common import plan_sql, where
from planreview.reviewers.indexing.knowledge import fully_known, indexes_of, model_for
from planreview.reviewers.indexing.queries import where_keys
from planreview.rules import Hit, RuleContext, rule

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
