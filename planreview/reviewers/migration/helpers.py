"""What several migration rules ask of a statement: existing tables, lock levels, the
migration framework's way to say CONCURRENTLY.
"""

from __future__ import annotations

import re

from planreview.artifacts.sql import SqlStatement
from planreview.pgsemantics.versions import Feature, supports
from planreview.rules import RuleContext


def index_fix_hint(ctx: RuleContext, s: SqlStatement) -> str:
    """How to say CONCURRENTLY in the migration framework the plan's line uses."""
    line = ctx.plan.line(s.start_line) if s.path == ctx.plan.path else ""
    if re.search(r"\badd_index\b|\badd_reference\b", line):
        return (
            " In Rails: `add_index ..., algorithm: :concurrently` with "
            "`disable_ddl_transaction!` in that migration."
        )
    if "op.create_index" in line:
        return (
            " In Alembic: `postgresql_concurrently=True` inside "
            "`with op.get_context().autocommit_block():`."
        )
    return ""


def has(ctx: RuleContext, feature: Feature) -> bool:
    """Whether the PostgreSQL version the review assumes has `feature`."""
    return supports(ctx.pg_version.major, feature)


def version_note(ctx: RuleContext) -> str:
    """` (assuming PostgreSQL 16: ...)` or ` (PostgreSQL 15, from ...)`, for a finding
    whose claim depends on the server version."""
    return " " + ctx.pg_version.note()


def transaction_name(ctx: RuleContext, s: SqlStatement) -> str:
    if s.explicit_transaction:
        return "BEGIN ... COMMIT"
    in_callback = any(
        unit.path == s.path and tx.start_line <= s.start_line <= tx.end_line
        for unit in ctx.artifacts.code
        for tx in unit.transactions
    )
    if in_callback:
        return "the `$transaction` callback"
    return "the migration's own transaction (the tool wraps each migration in one)"


ACCESS_EXCLUSIVE_SUBTYPES = frozenset(
    {
        "AT_AddColumn", "AT_DropColumn", "AT_AlterColumnType", "AT_SetNotNull", "AT_DropNotNull",
        "AT_ColumnDefault", "AT_DropConstraint", "AT_AddConstraint", "AT_SetTableSpace",
    }
)


def takes_access_exclusive(s: SqlStatement) -> bool:
    if s.kind == "AlterTableStmt":
        return any(c.get("subtype") in ACCESS_EXCLUSIVE_SUBTYPES for c in s.alter_cmds)
    if s.kind == "DropStmt":
        return s.tree.get("removeType") in ("OBJECT_TABLE", "OBJECT_INDEX") and not s.concurrent
    return s.kind in ("RenameStmt", "TruncateStmt", "AlterEnumStmt")


def _constraints(col: dict[str, object]) -> list[dict[str, object]]:
    raw = col.get("constraints")
    items = raw if isinstance(raw, list) else []
    return [c["Constraint"] for c in items if isinstance(c, dict) and "Constraint" in c]
