"""Migration rules about constraints and enums: NOT VALID, unique without index, removed
enum values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.sql import SqlStatement, Tree, names
from planreview.models import Category, Severity
from planreview.reviewers.common import existing_alters, q, quote, rows_note, scaled, where
from planreview.reviewers.migration.contract import find_usages
from planreview.reviewers.migration.helpers import _constraints
from planreview.reviewers.migration.transactions import transaction_groups
from planreview.rules import Hit, RuleContext, rule

# --- constraints -------------------------------------------------------------------------------


@rule("migration/constraint-without-not-valid", severity=Severity.P2)
def constraint_without_not_valid(ctx: RuleContext) -> Iterator[Hit]:
    """FOREIGN KEY or CHECK added to an existing table without NOT VALID.

    Why: adding the constraint validates every row at once: a FK takes SHARE ROW
    EXCLUSIVE on both tables (writes blocked) and a CHECK holds ACCESS EXCLUSIVE for
    the scan.
    Fix: ADD CONSTRAINT ... NOT VALID (instant), then VALIDATE CONSTRAINT in a separate
    transaction (SHARE UPDATE EXCLUSIVE: writes continue).
    Also fires on a VALIDATE in the same transaction as its NOT VALID add: the add's
    lock is then held through the whole validation scan.
    """
    yield from _validated_in_same_transaction(ctx)
    for s, cmd in existing_alters(ctx, "AT_AddConstraint"):
        con = cmd.get("def", {}).get("Constraint", {})
        kind = {"CONSTR_FOREIGN": "FOREIGN KEY", "CONSTR_CHECK": "CHECK"}.get(
            str(con.get("contype"))
        )
        if kind is None or con.get("skip_validation"):
            continue
        table = s.table or ""
        name = con.get("conname") or kind
        other = con.get("pktable", {}).get("relname") if kind == "FOREIGN KEY" else None
        locked = f"{q(table)} and {q(other)}" if other else q(table)
        yield Hit(
            title=f"{kind} {name} on {table} is validated while writes are blocked",
            locations=[where(ctx, s)],
            issue=(
                f"`ADD CONSTRAINT {name} {kind}` on {q(table)}{rows_note(ctx, table)} has no "
                "NOT VALID, so Postgres checks every existing row inside the locking ALTER."
            ),
            impact=f"Writes to {locked} are blocked for the whole validation scan.",
            recommendation=(
                f"`ALTER TABLE {q(table)} ADD CONSTRAINT {name} ... NOT VALID;` then, in a "
                f"separate transaction, `ALTER TABLE {q(table)} VALIDATE CONSTRAINT {name};`."
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
        )


def _validated_in_same_transaction(ctx: RuleContext) -> Iterator[Hit]:
    for stmts in transaction_groups(ctx).values():
        added: dict[str, SqlStatement] = {}
        for s in stmts:
            for cmd in s.alter_cmds:
                con = cmd.get("def", {}).get("Constraint", {})
                if cmd.get("subtype") == "AT_AddConstraint" and con.get("skip_validation"):
                    added[str(con.get("conname"))] = s
                elif cmd.get("subtype") == "AT_ValidateConstraint" and cmd.get("name") in added:
                    name, first = str(cmd.get("name")), added[str(cmd.get("name"))]
                    yield Hit(
                        title=f"{name} is validated in the transaction that adds it NOT VALID",
                        locations=[where(ctx, s)],
                        issue=(
                            f"`VALIDATE CONSTRAINT {name}` runs in the same transaction as its "
                            f"`ADD CONSTRAINT ... NOT VALID` (line {first.start_line})."
                        ),
                        impact=(
                            "The ADD's lock (SHARE ROW EXCLUSIVE for a FK, blocking writes) is "
                            f"held until COMMIT, i.e. through the whole validation scan of "
                            f"{q(s.table)}: NOT VALID buys nothing."
                        ),
                        recommendation=(
                            "COMMIT after the NOT VALID add and run `VALIDATE CONSTRAINT` in its "
                            "own transaction (it takes only SHARE UPDATE EXCLUSIVE)."
                        ),
                        evidence=[quote(ctx, first), quote(ctx, s)],
                        severity=scaled(ctx, s.table, Severity.P2),
                    )


def _unique_constraints(ctx: RuleContext) -> Iterator[tuple[SqlStatement, Tree, str]]:
    """(statement, Constraint, columns) of UNIQUE/PRIMARY KEY constraints added to existing
    tables: `ADD CONSTRAINT ... UNIQUE (...)`, `ADD PRIMARY KEY (...)`, and inline on a
    new column (`ADD COLUMN ext_ref text UNIQUE`, `ADD COLUMN id serial PRIMARY KEY`)."""
    for s, cmd in existing_alters(ctx, "AT_AddConstraint"):
        con = cmd.get("def", {}).get("Constraint", {})
        yield s, con, ", ".join(names(con.get("keys")))
    for s, cmd in existing_alters(ctx, "AT_AddColumn"):
        col = cmd.get("def", {}).get("ColumnDef", {})
        for con in _constraints(col):
            yield s, con, str(col.get("colname"))


@rule("migration/add-unique-without-index", severity=Severity.P2)
def add_unique_without_index(ctx: RuleContext) -> Iterator[Hit]:
    """UNIQUE or PRIMARY KEY constraint added to an existing table without USING INDEX.

    Why: the constraint's index is built inside the ALTER, under ACCESS EXCLUSIVE: no
    reads or writes for the whole build.
    Fix: CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.
    """
    for s, con, cols in _unique_constraints(ctx):
        kind = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}.get(
            str(con.get("contype"))
        )
        if kind is None or con.get("indexname"):
            continue
        table = s.table or ""
        yield Hit(
            title=f"{kind} ({cols}) on {table} builds its index under ACCESS EXCLUSIVE",
            locations=[where(ctx, s)],
            issue=(
                f"`ADD CONSTRAINT ... {kind} ({cols})` on {q(table)} builds a unique index "
                "inside the ALTER TABLE."
            ),
            impact=f"Reads and writes on {q(table)} wait for the whole index build.",
            recommendation=(
                f"`CREATE UNIQUE INDEX CONCURRENTLY ... ON {q(table)} ({cols});` then "
                f"`ALTER TABLE {q(table)} ADD CONSTRAINT ... {kind} USING INDEX ...;`."
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
            also=(Category.indexing,),
        )


# --- enums ---------------------------------------------------------------------------------------


@rule("migration/enum-value-removed", severity=Severity.P3)
def enum_value_removed(ctx: RuleContext) -> Iterator[Hit]:
    """A Prisma enum loses values that the repository's schema has.

    Why: Postgres cannot drop an enum value; Prisma recreates the type (CREATE TYPE
    new, ALTER COLUMN ... TYPE USING, DROP TYPE) under ACCESS EXCLUSIVE on every table
    using it, and the cast fails if any row still holds a removed value.
    Fix: UPDATE rows off the removed values first, then let the migration swap the type.
    P1 when code in the repository still uses a removed value (old instances write it
    during the rollout).
    """
    schema = ctx.artifacts.prisma
    for enum in schema.enums.values():
        if not enum.removed or enum.origin != "plan":
            continue
        if len(enum.values) == 0:
            continue
        removed = ", ".join(enum.removed)
        users = [
            m for m in schema.models.values()
            if any(f.type == enum.name for f in m.fields.values())
        ]
        tables = ", ".join(m.table for m in users) or "the tables using it"
        big = any(ctx.artifacts.scale.is_large(m.table) for m in users)
        values = "|".join(re.escape(v) for v in enum.removed)
        used = find_usages(ctx, re.compile(rf"""['"`.]({values})\b"""))
        still = (
            " Code still uses them: " + "; ".join(u.describe() for u in used) + "."
            if used else ""
        )
        yield Hit(
            title=f"Enum {enum.name} drops {removed}",
            locations=[ctx.plan_location(enum.line, enum.end_line)],
            issue=(
                f"The plan's `enum {enum.name}` no longer has {removed} (the repository's "
                f"schema does); Postgres has no DROP VALUE, so the type is recreated."
            ),
            impact=(
                f"Recreating the type locks {tables} ACCESS EXCLUSIVE while the column is "
                "re-cast, and the cast fails if any row still holds a removed value."
                + (
                    " Instances still running the old code keep writing the removed values "
                    "during the rollout, and those writes fail."
                    if used else ""
                )
                + still
            ),
            recommendation=(
                f"First ship code that no longer reads or writes {removed}, UPDATE every "
                "row holding them to a kept value, and only then run the enum migration "
                "(expand/contract)."
            ),
            evidence=[ctx.plan_evidence(enum.line)],
            severity=Severity.P1 if used else Severity.P2 if big else None,
        )
