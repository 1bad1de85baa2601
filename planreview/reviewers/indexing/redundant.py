"""Indexing rules about redundant indexes."""

from __future__ import annotations

from collections.abc import Iterator

from planreview.artifacts.prisma import PrismaIndex, PrismaModel
from planreview.models import Severity
from planreview.reviewers.common import plan_sql, q, quote, rows_note, where
from planreview.reviewers.indexing.knowledge import _label, index_columns, indexes_of, model_for
from planreview.rules import Hit, RuleContext, rule

# --- redundant indexes --------------------------------------------------------------------------


@rule("indexing/redundant-index", severity=Severity.P3)
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
        cols = index_columns(s)
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
