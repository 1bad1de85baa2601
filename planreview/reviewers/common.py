"""Helpers more than one specialist's rules use: where a statement or code unit is, its
quote, the plan's stated scale.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from planreview.artifacts.code import CodeUnit, Where
from planreview.artifacts.sql import SqlStatement, Tree
from planreview.models import Evidence, Location, Severity
from planreview.rules import RuleContext

if TYPE_CHECKING:
    from planreview.artifacts.code import CodeUnit


# --- helpers shared with the indexing rules -----------------------------------------------


def plan_sql(ctx: RuleContext) -> list[SqlStatement]:
    """Statements written in the plan (its SQL blocks and its code blocks' raw SQL)."""
    return [s for s in ctx.artifacts.sql if s.path == ctx.plan.path]


def where(ctx: RuleContext, s: SqlStatement) -> Location:
    return ctx.location(s.path, s.start_line, s.end_line)


def quote(ctx: RuleContext, s: SqlStatement, end: int | None = None) -> Evidence:
    return ctx.evidence(s.path, s.start_line, end if end is not None else s.end_line)


def created_tables(ctx: RuleContext) -> dict[str, int]:
    """Tables the plan's SQL creates (lower-case name -> line)."""
    out: dict[str, int] = {}
    for s in plan_sql(ctx):
        if s.kind == "CreateStmt" and s.table:
            out.setdefault(s.table.lower(), s.start_line)
    return out


def is_existing_table(ctx: RuleContext, table: str | None, line: int) -> bool:
    """True unless the plan creates `table` before `line` or adds it as a new model."""
    if not table:
        return False
    created = created_tables(ctx).get(table.lower())
    if created is not None and created <= line:
        return False
    model = ctx.artifacts.prisma.model_for_table(table)
    return not (model is not None and model.status == "new")


def existing_alters(ctx: RuleContext, subtype: str) -> Iterator[tuple[SqlStatement, Tree]]:
    """(statement, AlterTableCmd) of the plan's ALTER TABLEs of `subtype` on existing tables."""
    for s in plan_sql(ctx):
        if s.kind != "AlterTableStmt" or not is_existing_table(ctx, s.table, s.start_line):
            continue
        for cmd in s.alter_cmds:
            if cmd.get("subtype") == subtype:
                yield s, cmd


def scaled(ctx: RuleContext, table: str | None, base: Severity) -> Severity:
    """P1 on a table the plan states is large; P3 never rises."""
    if table and ctx.artifacts.scale.is_large(table) and base is not Severity.P3:
        return Severity.P1
    return base


def rows_note(ctx: RuleContext, table: str | None) -> str:
    """` (the plan states about 6,000,000 rows)`, or what was assumed when it states none."""
    rows = ctx.artifacts.scale.rows_for(table) if table else None
    if rows:
        return f" (the plan states about {rows:,} rows)"
    if table and rows is None:
        return " (the plan states no size for it: assumed to hold production data)"
    return ""


def q(name: str | None) -> str:
    """An identifier as Postgres needs it quoted for mixed case."""
    if name is None:
        return ""
    return f'"{name}"' if name != name.lower() else name


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


_BATCH_CONTEXT = re.compile(
    r"(?i)migrat|backfill|script|seed|one[- ]off|maintenance|management\s+command"
)


def is_batch_job(unit: CodeUnit) -> bool:
    """A migration/backfill/seed script: it runs once, off the request path."""
    if unit.origin == "plan":
        return any(_BATCH_CONTEXT.search(h) for h in unit.heading_path)
    return bool(re.search(
        r"(^|/)(scripts?|migrations?|seeds?|bin)/|seed\.|(^|/)management/commands/", unit.path
    ))
