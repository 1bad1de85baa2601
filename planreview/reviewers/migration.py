"""The migration specialist: its deterministic rules and its prompt.

The SQL rules read the statements the plan itself writes (SQL blocks and raw SQL in its
code blocks): migrations already in the repository have run, and are not the plan's
problem. A table counts as existing unless the plan creates it (CREATE TABLE earlier in
the plan, or a Prisma model the plan adds): DDL on a brand-new, empty table is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planreview.artifacts.scale import LARGE_ROWS
from planreview.artifacts.sql import SqlStatement, Tree, names, type_name, walk
from planreview.models import Category, Evidence, Location, Severity
from planreview.rules import Hit, RuleContext, rule

if TYPE_CHECKING:
    from planreview.artifacts.code import CodeUnit, Transaction
    from planreview.artifacts.prisma import PrismaField, PrismaModel

NAME = "migration"
PROMPT = "migration.md"
FOCUS = "DDL locks, rewrites, backfills, transactions and rollback paths"


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
    rows = ctx.artifacts.scale.rows_for(table) if table else None
    return f" (the plan states about {rows:,} rows)" if rows else ""


def q(name: str | None) -> str:
    """An identifier as Postgres needs it quoted for mixed case."""
    if name is None:
        return ""
    return f'"{name}"' if name != name.lower() else name


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


def _transaction_name(ctx: RuleContext, s: SqlStatement) -> str:
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


# --- index builds ----------------------------------------------------------------------------


@rule("migration/create-index-not-concurrently", severity=Severity.P2)
def create_index_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """Index built without CONCURRENTLY on a table that already exists.

    Why: CREATE INDEX takes a SHARE lock: every INSERT/UPDATE/DELETE on the table waits
    for the whole build (minutes on millions of rows). Prisma generates exactly this.
    Fix: CREATE INDEX CONCURRENTLY, in its own migration outside a transaction.
    P1 when the plan states the table is large.
    """
    seen: set[str] = set()
    for s in plan_sql(ctx):
        if s.kind != "IndexStmt" or s.concurrent:
            continue
        if not is_existing_table(ctx, s.table, s.start_line):
            continue
        # A plan often shows the generated SQL and then its edited version: report once.
        key = " ".join(s.text.split())
        if key in seen:
            continue
        seen.add(key)
        table = s.table or ""
        name = s.tree.get("idxname") or "the index"
        yield Hit(
            title=f"Index {name} on {table} is built without CONCURRENTLY",
            locations=[where(ctx, s)],
            issue=(
                f"`CREATE INDEX` on the existing table {q(table)}{rows_note(ctx, table)} takes a "
                "SHARE lock for the whole build."
            ),
            impact=(
                f"Every INSERT, UPDATE and DELETE on {q(table)} waits until the index is built; "
                "on a large table that is minutes of failed or queued writes."
            ),
            recommendation=(
                f"Use `CREATE INDEX CONCURRENTLY {name} ON {q(table)} (...)` in a migration of "
                "its own that does not run inside a transaction (for Prisma: a separate "
                "migration.sql holding only this statement)." + index_fix_hint(ctx, s)
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
            also=(Category.indexing,),
        )


def _is_concurrent(s: SqlStatement) -> bool:
    if s.kind == "ReindexStmt":
        return any(
            p.get("DefElem", {}).get("defname") == "concurrently" for p in s.tree.get("params", [])
        )
    return s.kind in ("IndexStmt", "DropStmt") and s.concurrent


@rule("migration/concurrently-in-transaction", severity=Severity.P1)
def concurrently_in_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """CONCURRENTLY inside a transaction block or a multi-statement Prisma migration.

    Why: Postgres refuses `CREATE/DROP INDEX CONCURRENTLY` and `REINDEX CONCURRENTLY`
    inside a transaction (ERROR 25001); Prisma runs each migration file as one
    transaction, so the deploy fails (prisma/orm#14456).
    Fix: put the statement alone in its own migration file, outside BEGIN/COMMIT.
    """
    for s in plan_sql(ctx):
        if not (_is_concurrent(s) and s.in_transaction):
            continue
        inside = (
            _transaction_name(ctx, s) if s.explicit_transaction or s.source == "code"
            else "a multi-statement migration its tool runs as one transaction"
        )
        yield Hit(
            title=f"CONCURRENTLY at line {s.start_line} runs inside a transaction",
            locations=[where(ctx, s)],
            issue=f"`{s.first_line_text}` runs inside {inside}.",
            impact=(
                "Postgres rejects it: `ERROR: CREATE INDEX CONCURRENTLY cannot run inside a "
                "transaction block`, so the migration fails at deploy time."
            ),
            recommendation=(
                "Move the statement into a migration of its own with nothing else in it, "
                "outside any BEGIN/COMMIT or `$transaction`." + index_fix_hint(ctx, s)
            ),
            evidence=[quote(ctx, s)],
        )


# --- column changes -----------------------------------------------------------------------------

VOLATILE_FUNCTIONS = frozenset(
    {
        "gen_random_uuid", "uuid_generate_v4", "uuid_generate_v1", "random", "clock_timestamp",
        "timeofday", "nextval", "txid_current", "gen_random_bytes",
    }
)
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


def _volatile_reason(col: dict[str, object]) -> str | None:
    tn = col.get("typeName")
    if isinstance(tn, dict) and type_name(tn) in SERIAL_TYPES:
        return f"a `{type_name(tn)}` column (filled from a sequence, row by row)"
    for c in _constraints(col):
        if c.get("contype") == "CONSTR_GENERATED":
            return "a GENERATED ... STORED column"
        if c.get("contype") == "CONSTR_DEFAULT":
            # Anywhere in the expression: md5(random()::text) is as volatile as random().
            for node in walk(c.get("raw_expr")):
                call = node.get("FuncCall")
                fn = names(call.get("funcname")) if isinstance(call, dict) else []
                if fn and fn[-1].lower() in VOLATILE_FUNCTIONS:
                    return f"the volatile default `{fn[-1]}()`"
    return None


@rule("migration/add-column-volatile-default", severity=Severity.P1)
def add_column_volatile_default(ctx: RuleContext) -> Iterator[Hit]:
    """ADD COLUMN with a volatile default, a serial type or GENERATED STORED.

    Why: since PG 11 a constant default is stored in the catalog, but a volatile one
    (gen_random_uuid(), clock_timestamp(), nextval) is evaluated per row: the whole table
    is rewritten under ACCESS EXCLUSIVE, blocking reads and writes.
    Fix: add the column without a default, set the default for new rows, backfill in batches.
    """
    for s, cmd in existing_alters(ctx, "AT_AddColumn"):
        col = cmd.get("def", {}).get("ColumnDef", {})
        reason = _volatile_reason(col)
        if reason is None:
            continue
        table, name = s.table or "", str(col.get("colname"))
        yield Hit(
            title=f"Adding {table}.{name} rewrites the table",
            locations=[where(ctx, s)],
            issue=f"`ADD COLUMN {name}` on the existing table {q(table)} uses {reason}.",
            impact=(
                f"Postgres rewrites every row of {q(table)}{rows_note(ctx, table)} under an "
                "ACCESS EXCLUSIVE lock: all reads and writes on the table wait until it ends."
            ),
            recommendation=(
                f"Add `{name}` without a default, then `ALTER TABLE {q(table)} ALTER COLUMN "
                f"{q(name)} SET DEFAULT ...` for new rows, and backfill existing rows in "
                "batches of a few thousand."
            ),
            evidence=[quote(ctx, s)],
            severity=Severity.P2 if ctx.artifacts.scale.is_small(table) else None,
        )


@rule("migration/add-column-not-null-without-default", severity=Severity.P1)
def add_column_not_null_without_default(ctx: RuleContext) -> Iterator[Hit]:
    """NOT NULL column added to an existing table without a default.

    Why: the ALTER fails on any non-empty table ("column contains null values"), and
    code deployed before the change cannot INSERT once it succeeds.
    Fix: add it nullable (or with a constant default), backfill, then enforce NOT NULL
    through a CHECK ... NOT VALID + VALIDATE.
    """
    for s, cmd in existing_alters(ctx, "AT_AddColumn"):
        col = cmd.get("def", {}).get("ColumnDef", {})
        kinds = {c.get("contype") for c in _constraints(col)}
        if "CONSTR_NOTNULL" not in kinds or kinds & {
            "CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED",
        }:
            continue
        tn = col.get("typeName")
        if isinstance(tn, dict) and type_name(tn) in SERIAL_TYPES:
            continue
        table, name = s.table or "", str(col.get("colname"))
        yield Hit(
            title=f"{table}.{name} is added NOT NULL without a default",
            locations=[where(ctx, s)],
            issue=(
                f"`ADD COLUMN {name} ... NOT NULL` on the existing table {q(table)} has no "
                "DEFAULT, so existing rows would hold NULL."
            ),
            impact=(
                f"The migration fails with `column \"{name}\" contains null values` as soon "
                f"as {q(table)} has a row; if it did pass, the running code's INSERTs "
                "(which do not set the column) would fail."
            ),
            recommendation=(
                f"Add `{name}` as nullable (or with a constant DEFAULT), backfill it, then "
                f"add `CHECK ({q(name)} IS NOT NULL) NOT VALID`, VALIDATE it and only then "
                "SET NOT NULL."
            ),
            evidence=[quote(ctx, s)],
        )


@rule("migration/set-not-null", severity=Severity.P2)
def set_not_null(ctx: RuleContext) -> Iterator[Hit]:
    """ALTER COLUMN ... SET NOT NULL on an existing table.

    Why: Postgres scans the whole table to check for NULLs while holding ACCESS
    EXCLUSIVE: no reads or writes for the duration of the scan.
    Fix: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT (SHARE
    UPDATE EXCLUSIVE); then SET NOT NULL, which PG 12+ proves from the check without a scan.
    """
    for s, cmd in existing_alters(ctx, "AT_SetNotNull"):
        table, name = s.table or "", str(cmd.get("name"))
        if _has_validated_check(ctx, table, name, s.start_line):
            continue
        yield Hit(
            title=f"SET NOT NULL on {table}.{name} scans the table under ACCESS EXCLUSIVE",
            locations=[where(ctx, s)],
            issue=(
                f"`ALTER COLUMN {name} SET NOT NULL` on {q(table)}{rows_note(ctx, table)} "
                "verifies every row while holding ACCESS EXCLUSIVE."
            ),
            impact=f"All reads and writes on {q(table)} wait for the full-table scan.",
            recommendation=(
                f"`ALTER TABLE {q(table)} ADD CONSTRAINT {name}_not_null CHECK ({q(name)} "
                f"IS NOT NULL) NOT VALID;` then `VALIDATE CONSTRAINT {name}_not_null;` in a "
                "separate transaction, then SET NOT NULL (no scan on PG 12+)."
            ),
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
        )


def _has_validated_check(ctx: RuleContext, table: str, column: str, before: int) -> bool:
    for s in plan_sql(ctx):
        if s.start_line >= before or s.table != table:
            continue
        for cmd in s.alter_cmds:
            if cmd.get("subtype") == "AT_ValidateConstraint":
                return True
            con = cmd.get("def", {}).get("Constraint", {})
            if con.get("contype") == "CONSTR_CHECK" and column in s.text and "NULL" in s.text:
                return True
    return False


# Binary-coercible or metadata-only changes Postgres does without a rewrite.
_NO_REWRITE_TARGETS = frozenset({"text", "varchar"})


@rule("migration/column-type-change", severity=Severity.P1)
def column_type_change(ctx: RuleContext) -> Iterator[Hit]:
    """ALTER COLUMN ... TYPE on an existing table.

    Why: most type changes rewrite the table and rebuild its indexes under ACCESS
    EXCLUSIVE (varchar -> text and widening varchar(n) are the exceptions).
    Fix: expand/contract: add a new column, dual-write, backfill in batches, switch
    reads, drop the old column.
    P2 when the plan states the table is small.
    """
    for s, cmd in existing_alters(ctx, "AT_AlterColumnType"):
        col = cmd.get("def", {}).get("ColumnDef", {})
        target = type_name(col.get("typeName"))
        if target in _NO_REWRITE_TARGETS:
            continue
        table, name = s.table or "", str(cmd.get("name"))
        yield Hit(
            title=f"Changing the type of {table}.{name} to {target} rewrites the table",
            locations=[where(ctx, s)],
            issue=(
                f"`ALTER COLUMN {name} TYPE {target}` on {q(table)}{rows_note(ctx, table)} "
                "rewrites every row and rebuilds the table's indexes."
            ),
            impact=(
                f"{q(table)} is locked ACCESS EXCLUSIVE for the whole rewrite: every read and "
                "write on it waits; a failed cast aborts the migration halfway."
            ),
            recommendation=(
                f"Add a new column of type {target}, write both, backfill it in batches, "
                f"switch reads, then drop `{name}` in a later release."
            ),
            evidence=[quote(ctx, s)],
            severity=Severity.P2 if ctx.artifacts.scale.is_small(table) else None,
        )


@rule("migration/prisma-column-type-change", severity=Severity.P2)
def prisma_column_type_change(ctx: RuleContext) -> Iterator[Hit]:
    """A Prisma field of an existing model changes type (e.g. Decimal -> Int).

    Why: `prisma migrate` turns it into ALTER COLUMN TYPE (a rewrite under ACCESS
    EXCLUSIVE) or DROP + ADD COLUMN (data lost); Decimal -> Int also drops the
    fraction unless values are converted (price * 100).
    Fix: add the new column, convert existing rows explicitly
    (`UPDATE ... SET "priceCents" = ROUND(price * 100)`), then drop the old one.
    """
    schema = ctx.artifacts.prisma
    for model in schema.models.values():
        if model.status != "changed" or model.plan_line is None:
            continue
        for f in list(model.fields.values()):
            if f.origin != "plan":
                continue
            old = _old_version(model, f)
            if old is None or _base(old.type) == _base(f.type) or old.is_list or f.is_list:
                continue
            if old.relation is not None or _is_model(ctx, old.type) or _is_model(ctx, f.type):
                continue
            yield _type_change_hit(ctx, model, old, f)


def _base(t: str) -> str:
    return t.split("(")[0]


def _is_model(ctx: RuleContext, name: str) -> bool:
    schema = ctx.artifacts.prisma
    return name in schema.models or name in schema.enums


def _old_version(model: PrismaModel, f: PrismaField) -> PrismaField | None:
    """The repo field `f` replaces: the same name, or a renamed one (price -> priceCents)
    that the plan's model no longer has."""
    if f.previous is not None:
        return f.previous
    if f.status != "new":
        return None
    for name, old in model.repo_fields.items():
        if name in model.fields or len(name) < 3:
            continue
        if f.name.startswith(name) and f.name[len(name) :][:1].isupper():
            return old
    return None


def _type_change_hit(
    ctx: RuleContext, model: PrismaModel, old: PrismaField, new: PrismaField
) -> Hit:
    old_desc = f"{old.name} {old.type}" + (f" @db.{old.native_type}" if old.native_type else "")
    renamed = old.name != new.name
    locations = [ctx.plan_location(new.line)]
    evidence = [ctx.plan_evidence(new.line)]
    if old.path in ctx.context.files:
        locations.append(ctx.file_location(old.path, old.line))
        evidence.append(ctx.file_evidence(old.path, old.line))
    lossy = _base(old.type) in ("Decimal", "Float") and _base(new.type) in ("Int", "BigInt")
    return Hit(
        title=(
            f"{model.name}.{old.name} {old.type} becomes {new.name} {new.type}"
            + (" (precision loss)" if lossy else "")
        ),
        locations=locations,
        issue=(
            f"The repository's {model.name} has `{old_desc}` (line {old.line} of {old.path}); "
            f"the plan {'replaces it with' if renamed else 'changes it to'} "
            f"`{new.name} {new.type}` "
            "and no step converts the existing values."
        ),
        impact=(
            ("Prisma drops the old column and adds the new one: existing values are lost. "
             if renamed else
             f"Prisma emits `ALTER COLUMN TYPE`, rewriting {model.table} under ACCESS EXCLUSIVE. ")
            + ("Decimal amounts such as 350.00 silently lose their fraction or unit when cast "
               "to Int." if lossy else "")
        ).strip(),
        recommendation=(
            f"Add `{new.name}` alongside `{old.name}`, convert existing rows explicitly (e.g. "
            f'`UPDATE "{model.table}" SET "{new.name}" = ROUND("{old.name}" * 100)::int`'
            f"), switch the code, then drop `{old.name}` in a later migration — or state that "
            f"existing {model.name} rows are discarded."
        ),
        evidence=evidence,
        severity=scaled(ctx, model.table, Severity.P2),
    )


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
    for stmts in _transaction_groups(ctx).values():
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


@rule("migration/add-unique-without-index", severity=Severity.P2)
def add_unique_without_index(ctx: RuleContext) -> Iterator[Hit]:
    """UNIQUE or PRIMARY KEY constraint added to an existing table without USING INDEX.

    Why: the constraint's index is built inside the ALTER, under ACCESS EXCLUSIVE: no
    reads or writes for the whole build.
    Fix: CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.
    """
    for s, cmd in existing_alters(ctx, "AT_AddConstraint"):
        con = cmd.get("def", {}).get("Constraint", {})
        kind = {"CONSTR_UNIQUE": "UNIQUE", "CONSTR_PRIMARY": "PRIMARY KEY"}.get(
            str(con.get("contype"))
        )
        if kind is None or con.get("indexname"):
            continue
        table = s.table or ""
        cols = ", ".join(names(con.get("keys")))
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


# --- drops and renames still used by code ----------------------------------------------------

CODE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py", ".rb", ".go", ".graphql")
MAX_SEARCH_FILES = 3000
MAX_SEARCH_BYTES = 300_000
_GENERIC = frozenset({"id", "name", "type", "data", "value", "status", "key", "createdat"})


def _removed_identifiers(s: SqlStatement) -> Iterator[tuple[str, str, str]]:
    """(what, table, identifier) removed or renamed by `s`."""
    if s.kind == "DropStmt" and s.tree.get("removeType") == "OBJECT_TABLE":
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if parts:
                yield "table", parts[-1], parts[-1]
    elif s.kind == "AlterTableStmt":
        for cmd in s.alter_cmds:
            if cmd.get("subtype") == "AT_DropColumn":
                yield "column", s.table or "", str(cmd.get("name"))
    elif s.kind == "RenameStmt":
        if s.tree.get("renameType") == "OBJECT_COLUMN":
            yield "column", s.table or "", str(s.tree.get("subname"))
        elif s.tree.get("renameType") == "OBJECT_TABLE":
            yield "table", s.table or "", s.table or ""


def _usage_pattern(what: str, ident: str) -> re.Pattern[str]:
    if what == "table":
        delegate = ident[:1].lower() + ident[1:]
        return re.compile(
            rf"\.{re.escape(delegate)}\.(?:find|create|update|upsert|delete|count|aggregate|groupBy)"
            rf"|[\"`]{re.escape(ident)}[\"`]|\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?{re.escape(ident)}\b"
        )
    return re.compile(rf"\b{re.escape(ident)}\b")


@dataclass(frozen=True)
class Usage:
    path: str
    line: int
    code: str
    """The matching line, stripped."""
    function: str | None
    """The function or method it sits in, when one is recognisable above it."""

    def describe(self) -> str:
        inside = f" in `{self.function}()`" if self.function else ""
        return f"`{self.path}` line {self.line}{inside} (`{self.code[:80]}`)"


_FUNCTION_HEADER = re.compile(
    r"^\s*(?:export\s+)?(?:default\s+)?(?:(?:public|private|protected|static|async)\s+)*"
    r"(?:function\s*\*?\s*(\w+)|def\s+(\w+)|(?:const|let)\s+(\w+)\s*=\s*(?:async\s*)?\(|"
    r"(?!if\b|for\b|while\b|switch\b|catch\b|return\b)(\w+)\s*\([^)]*\)\s*(?::\s*[^{]+)?\{)"
)
FUNCTION_LOOKBACK = 60


def _enclosing_function(lines: list[str], index: int) -> str | None:
    for i in range(index, max(index - FUNCTION_LOOKBACK, -1), -1):
        m = _FUNCTION_HEADER.match(lines[i])
        if m:
            return next(g for g in m.groups() if g)
    return None


PER_FILE = 2


def find_usages(ctx: RuleContext, pattern: re.Pattern[str], limit: int = 6) -> list[Usage]:
    """Code files still matching `pattern`: loaded files first, then the repository's
    other source files (bounded: count, size, suffix; no migrations)."""
    seen: set[str] = set()
    out: list[Usage] = []
    candidates: list[tuple[str, str | None]] = [
        (p, f.text) for p, f in ctx.context.files.items()
    ]
    repo = ctx.repo
    if repo is not None:
        from planreview.repo import SkipError

        try:
            listed = repo.list_files()
        except (OSError, SkipError):
            listed = []
        candidates += [(p, None) for p in listed[:MAX_SEARCH_FILES]]
    for path, text in candidates:
        if path in seen or not path.endswith(CODE_SUFFIXES) or "migrations/" in path:
            continue
        if "node_modules/" in path or path.endswith(".d.ts") or "/generated/" in path:
            continue
        seen.add(path)
        if text is None and repo is not None:
            from planreview.repo import SkipError

            try:
                text = repo.read_text(path)
            except (OSError, SkipError):
                continue
        if not text or len(text) > MAX_SEARCH_BYTES:
            continue
        functions: set[str | None] = set()
        lines: list[str] = []
        for m in pattern.finditer(text):
            lines = lines or text.split("\n")
            index = text.count("\n", 0, m.start())
            function = _enclosing_function(lines, index)
            if function in functions:
                continue  # one line per function is enough to show it
            if len(functions) >= PER_FILE:
                break  # show other files too
            functions.add(function)
            out.append(Usage(path, index + 1, lines[index].strip(), function))
            if len(out) >= limit:
                return out
    return out


@dataclass(frozen=True)
class Drop:
    """A table or column the plan drops or renames, in SQL or in its Prisma schema."""

    what: str
    """"table" or "column"."""
    table: str
    ident: str
    verb: str
    """"dropped" or "renamed"."""
    line: int
    end_line: int
    path: str
    text: str
    """The statement's first line, or the plan's Prisma line."""

    @property
    def label(self) -> str:
        return self.ident if self.what == "table" else f"{self.table}.{self.ident}"


def plan_drops(ctx: RuleContext) -> Iterator[Drop]:
    """Drops and renames of existing tables and columns the plan makes."""
    for s in plan_sql(ctx):
        for what, table, ident in _removed_identifiers(s):
            if what == "table" and not is_existing_table(ctx, table, s.start_line):
                continue
            verb = "renamed" if s.kind == "RenameStmt" else "dropped"
            yield Drop(what, table, ident, verb, s.start_line, s.end_line, s.path,
                       s.first_line_text)
    for model in ctx.artifacts.prisma.models.values():
        for name, line in model.removed_fields.items():
            yield Drop("column", model.table, name, "dropped", line, line, ctx.plan.path,
                       ctx.plan.line(line).strip())


def _drop_location(ctx: RuleContext, d: Drop) -> tuple[Location, Evidence]:
    return ctx.location(d.path, d.line, d.end_line), ctx.evidence(d.path, d.line, d.end_line)


_PRESENT = {"dropped": "drops", "renamed": "renames"}


@rule("migration/drop-still-referenced", severity=Severity.P2)
def drop_still_referenced(ctx: RuleContext) -> Iterator[Hit]:
    """A dropped or renamed table or column that code in the repository still uses.

    Why: old application instances keep running during and after the deploy; the first
    query naming the old table or column fails (and Prisma Client fails on a missing
    column of a selected model).
    Fix: expand/contract: remove every use of it, deploy, then drop it in a later release.
    """
    for d in plan_drops(ctx):
        if len(d.ident) < 3 or d.ident.lower() in _GENERIC:
            continue
        used = find_usages(ctx, _usage_pattern(d.what, d.ident))
        if not used:
            continue
        places = "; ".join(u.describe() for u in used)
        location, quoted = _drop_location(ctx, d)
        locations, evidence = [location], [quoted]
        for u in used:
            if u.path in ctx.context.files:
                locations.append(ctx.file_location(u.path, u.line))
                evidence.append(ctx.file_evidence(u.path, u.line))
        yield Hit(
            title=f"{d.what.capitalize()} {d.label} is {d.verb} while code still uses it",
            locations=locations,
            issue=(
                f"The plan {_PRESENT[d.verb]} {d.what} "
                f"{q(d.ident)}, but code still refers to it: {places}."
            ),
            impact=(
                "Those code paths fail at run time once the migration runs (and old "
                "instances still serving traffic during the deploy fail immediately)."
            ),
            recommendation=(
                f"Remove or migrate every use of `{d.ident}` first (listed above), deploy "
                f"that, and {d.verb.removesuffix('d')} the {d.what} in a later release "
                "(expand/contract)."
            ),
            evidence=evidence,
            confidence=75,
        )


_RENAME_WORDS = re.compile(r"\brenam(e|es|ed|ing)\b", re.IGNORECASE)


@rule("migration/prisma-field-renamed", severity=Severity.P1)
def prisma_field_renamed(ctx: RuleContext) -> Iterator[Hit]:
    """A Prisma field renamed in the schema: `prisma migrate` drops the old column.

    Why: Prisma cannot tell a rename from a removal plus an addition; the generated
    migration is `DROP COLUMN old; ADD COLUMN new`, and every existing value is lost.
    Fix: keep the column name with `@map("old")`, or edit the generated migration into
    `ALTER TABLE ... RENAME COLUMN` (expand/contract if old code still reads it).
    Fires when the plan says "rename" near both names and the new field has no
    `@map` to the old column.
    """
    renamed_in_sql = {
        (str(s.table).lower(), str(name))
        for s in plan_sql(ctx)
        if s.kind == "RenameStmt" and s.tree.get("renameType") == "OBJECT_COLUMN"
        for name in (s.tree.get("subname"), s.tree.get("newname"))
    }
    for model in ctx.artifacts.prisma.models.values():
        if model.status != "changed":
            continue
        for f in model.fields.values():
            if f.status != "new" or f.origin != "plan" or not _is_scalar(ctx, f):
                continue
            if (model.table.lower(), f.name) in renamed_in_sql:
                continue
            mapped = f.attribute("map")
            for old_name, old in model.repo_fields.items():
                if old_name == f.name or (model.table.lower(), old_name) in renamed_in_sql:
                    continue
                if not _is_scalar(ctx, old):
                    continue
                if mapped is not None and (mapped.positional() or "").strip('"') == old_name:
                    continue
                said = _rename_statement(ctx, old_name, f.name)
                if said is None:
                    continue
                yield _rename_hit(ctx, model, old_name, f, said)


def _is_scalar(ctx: RuleContext, f: PrismaField) -> bool:
    return not f.is_list and f.relation is None and f.type not in ctx.artifacts.prisma.models


def _rename_statement(ctx: RuleContext, old: str, new: str) -> int | None:
    """A plan line saying `old` is renamed to `new`: the rename word, then `new`, with
    `old` before it on that line or the line above ("`Contact.phone` holds ... We rename
    it to `phoneE164`")."""
    old_rx = re.compile(rf"\b{re.escape(old)}\b")
    new_rx = re.compile(rf"\b{re.escape(new)}\b")
    lines = ctx.plan.lines
    for i, text in enumerate(lines):
        word = _RENAME_WORDS.search(text)
        if word is None:
            continue
        target = new_rx.search(text, word.end())
        if target is None:
            continue
        before = lines[i - 1] + "\n" + text[: target.start()] if i else text[: target.start()]
        if old_rx.search(before):
            return i + 1
    return None


def _rename_hit(
    ctx: RuleContext, model: PrismaModel, old: str, new: PrismaField, said: int
) -> Hit:
    rows = ctx.artifacts.scale.rows_for(model.table) or ctx.artifacts.scale.rows_for(model.name)
    lost = f"all {rows:,} existing values" if rows else "every existing value"
    return Hit(
        title=f"Renaming {model.name}.{old} to {new.name} in Prisma drops the column and its data",
        locations=[ctx.plan_location(new.line), ctx.plan_location(said)],
        issue=(
            f"The plan renames `{old}` to `{new.name}` (line {said}) by editing the Prisma "
            f"model (line {new.line}); `prisma migrate` generates `DROP COLUMN \"{old}\"` and "
            f"`ADD COLUMN \"{new.name}\"` for that."
        ),
        impact=(
            f"{lost.capitalize()} of {model.name}.{old} are deleted by the migration, before "
            "any script can read or convert them; old instances reading the column fail."
        ),
        recommendation=(
            f'Keep the data: declare `{new.name} {new.type}{"?" if new.optional else ""} '
            f'@map("{old}")`, or edit the generated migration to `ALTER TABLE "{model.table}" '
            f'RENAME COLUMN "{old}" TO "{new.name}"`; better, add `{new.name}` next to `{old}`, '
            f"backfill it, switch the code, and drop `{old}` in a later release."
        ),
        evidence=[ctx.plan_evidence(new.line), ctx.plan_evidence(said)],
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


# --- transactions ----------------------------------------------------------------------------

DML_KINDS = frozenset({"UpdateStmt", "InsertStmt", "DeleteStmt"})


def _transaction_groups(ctx: RuleContext) -> dict[tuple[str, int, int], list[SqlStatement]]:
    """Plan statements grouped by the transaction they run in."""
    spans = [
        (unit.path, tx.start_line, tx.end_line)
        for unit in ctx.artifacts.code
        for tx in unit.transactions
    ]
    out: dict[tuple[str, int, int], list[SqlStatement]] = {}
    for s in plan_sql(ctx):
        if not s.in_transaction:
            continue
        key = (s.path, s.group, s.transaction)
        if s.source == "code":
            for path, lo, hi in spans:
                if path == s.path and lo <= s.start_line <= hi:
                    key = (path, -1, lo)
        out.setdefault(key, []).append(s)
    return out


@rule("migration/ddl-and-dml-in-one-transaction", severity=Severity.P2)
def ddl_and_dml_in_one_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """Schema changes and data changes in the same transaction.

    Why: the DDL's ACCESS EXCLUSIVE lock is held until COMMIT, so every read and write
    on the altered table waits for all the data migration that follows it.
    Fix: one short transaction for the DDL (with lock_timeout), the backfill in its
    own batched transactions, destructive DDL last and separately.
    P1 when a table it touches is stated to be large, or the transaction loops over
    queries (its locks are then held for O(rows) round-trips).
    """
    looping = _looping_transactions(ctx)
    for key, stmts in _transaction_groups(ctx).items():
        ddl = [s for s in stmts if takes_access_exclusive(s)]
        dml = [s for s in stmts if s.kind in DML_KINDS]
        if not ddl or not dml:
            continue
        if not any(is_existing_table(ctx, s.table or _drop_table(s), s.start_line) for s in ddl):
            continue
        first, last = min(stmts, key=lambda s: s.start_line), max(stmts, key=lambda s: s.end_line)
        tables = sorted({t for s in ddl + dml for t in [s.table or _drop_table(s)] if t})
        big = any(ctx.artifacts.scale.is_large(t) for t in tables)
        yield Hit(
            title=(
                f"DDL and data migration share one transaction (lines {first.start_line}-"
                f"{last.end_line})"
            ),
            locations=[ctx.plan_location(first.start_line, last.end_line)],
            issue=(
                f"{len(ddl)} schema change(s) (`{ddl[0].first_line_text}` ...) and {len(dml)} "
                f"data change(s) run in one transaction ({_transaction_name(ctx, first)}) over "
                f"{', '.join(q(t) for t in tables)}."
            ),
            impact=(
                "The ALTER/DROP's ACCESS EXCLUSIVE lock is held until COMMIT: reads and writes "
                "on those tables wait for every UPDATE/INSERT after it, and one failure rolls "
                "the whole migration back."
            ),
            recommendation=(
                "Split it: (a) additive DDL in a short transaction with `SET lock_timeout = "
                "'5s'`, (b) the data migration in batched transactions, (c) verification, then "
                "destructive DDL (DROP) in its own final step."
            ),
            evidence=[quote(ctx, ddl[0]), quote(ctx, dml[0])],
            severity=Severity.P1 if big or key in looping else None,
        )


def _looping_transactions(ctx: RuleContext) -> set[tuple[str, int, int]]:
    """Keys (as in _transaction_groups) of code transactions that run queries in a loop."""
    out: set[tuple[str, int, int]] = set()
    for unit in ctx.artifacts.code:
        for index, tx in enumerate(unit.transactions):
            if any(x.where.transaction == index and x.where.loops for x in unit.queries):
                out.add((unit.path, -1, tx.start_line))
    return out


def _drop_table(s: SqlStatement) -> str | None:
    if s.kind == "DropStmt" and s.tree.get("removeType") == "OBJECT_TABLE":
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if parts:
                return parts[-1]
    return None


_TIMEOUT_KEY = re.compile(r"\btimeout\s*:")


def _is_migration_like(ctx: RuleContext, unit: CodeUnit, tx: Transaction) -> tuple[bool, str]:
    """Whether the transaction holds DDL, a loop of queries, or many statements."""
    sql = [
        s for s in plan_sql(ctx)
        if s.source == "code"
        and s.path == unit.path
        and tx.start_line <= s.start_line <= tx.end_line
    ]
    if any(s.is_ddl for s in sql):
        return True, "DDL"
    index = unit.transactions.index(tx)
    queries = [x for x in unit.queries if x.where.transaction == index]
    if any(x.where.loops for x in queries):
        return True, "a loop of queries"
    # Raw queries appear both as query calls and as SQL statements: count each once.
    count = max(len(queries), len(sql))
    if count >= 5:
        return True, f"{count} statements"
    return False, ""


@rule("migration/interactive-transaction-timeout", severity=Severity.P1)
def interactive_transaction_timeout(ctx: RuleContext) -> Iterator[Hit]:
    """Long interactive Prisma `$transaction(async (tx) => ...)` without a `timeout`.

    Why: Prisma aborts an interactive transaction after 5 s by default (maxWait 2 s); a
    migration or batch job inside one fails with "Transaction already closed", possibly
    after side effects outside the database.
    Fix: pass `{ timeout: 120_000, maxWait: 30_000 }` sized to the measured duration, or
    split the work into short transactions.
    Fires when the transaction holds DDL, a loop of queries or at least 5 statements;
    P2 unless it holds DDL or a loop.
    """
    for unit in ctx.artifacts.code:
        if unit.origin != "plan":
            continue
        for tx in unit.transactions:
            if tx.kind != "interactive":
                continue
            if tx.options is not None and _TIMEOUT_KEY.search(tx.options):
                continue
            long, why = _is_migration_like(ctx, unit, tx)
            if not long:
                continue
            header = unit.line(tx.start_line).strip()
            yield Hit(
                title=(
                    f"Interactive $transaction at line {tx.start_line} has no timeout "
                    "(Prisma default 5 s)"
                ),
                locations=[ctx.plan_location(tx.start_line)],
                issue=(
                    f"`{header}` opens an interactive transaction holding {why} with no "
                    "options; Prisma's default interactive-transaction timeout is 5 seconds."
                ),
                impact=(
                    "Once the work takes longer than 5 s Prisma aborts it with `Transaction "
                    "already closed` / `Transaction timed out`, failing the migration part-way "
                    "(anything done outside the database is not rolled back)."
                ),
                recommendation=(
                    f"Pass options sized to the measured run time: `{tx.receiver}.$transaction("
                    "async (tx) => { ... }, { timeout: 120000, maxWait: 30000 })` — or split "
                    "the work into short transactions."
                ),
                evidence=[ctx.plan_evidence(tx.start_line)],
                severity=None if why in ("DDL", "a loop of queries") else Severity.P2,
                also=(Category.performance,),
            )


# --- backfills, lock timeouts, destructive steps ---------------------------------------------


def _batched(s: SqlStatement) -> bool:
    text = s.text.upper()
    return "LIMIT" in text or "BETWEEN" in text or re.search(r"\bid\s*[<>]=?", s.text) is not None


@rule("migration/unbatched-backfill", severity=Severity.P1)
def unbatched_backfill(ctx: RuleContext) -> Iterator[Hit]:
    """One UPDATE or DELETE over a large table, not batched.

    Why: a single statement locks every row it touches until it commits, bloats the
    table and WAL, and replicas lag; concurrent writers to those rows wait.
    Fix: loop over primary-key ranges (`WHERE id IN (SELECT id ... LIMIT 5000)`),
    committing each batch.
    Only fires on tables the plan states hold at least 100,000 rows.
    """
    for s in plan_sql(ctx):
        if s.kind not in ("UpdateStmt", "DeleteStmt") or _batched(s):
            continue
        table = s.table or ""
        rows = ctx.artifacts.scale.rows_for(table)
        if rows is None or rows < LARGE_ROWS:
            continue
        verb = "UPDATE" if s.kind == "UpdateStmt" else "DELETE"
        yield Hit(
            title=f"Backfill {verb} on {table} runs as one statement over {rows:,} rows",
            locations=[where(ctx, s)],
            issue=(
                f"`{s.first_line_text}` touches {q(table)} ({rows:,} rows stated) in one "
                "statement."
            ),
            impact=(
                "Every touched row stays locked until the statement commits, writers to those "
                "rows queue behind it, and the table bloats; replicas lag by the whole batch."
            ),
            recommendation=(
                f"Batch it: repeat `{verb} ... WHERE id IN (SELECT id FROM {q(table)} WHERE "
                "<not yet migrated> LIMIT 5000)` until it affects 0 rows, each batch in its "
                "own transaction."
            ),
            evidence=[quote(ctx, s)],
        )


def _sets_lock_timeout(s: SqlStatement) -> bool:
    return s.kind == "VariableSetStmt" and s.tree.get("name") in ("lock_timeout",)


@rule("migration/missing-lock-timeout", severity=Severity.P3)
def missing_lock_timeout(ctx: RuleContext) -> Iterator[Hit]:
    """ACCESS EXCLUSIVE DDL on an existing table with no `SET lock_timeout` before it.

    Why: the ALTER waits behind any long-running query, and while it waits every new
    query on the table queues behind it: a short migration becomes an outage.
    Fix: `SET lock_timeout = '5s';` first, and retry the migration when it times out.
    P2 when the DDL rewrites, scans or drops (type change, SET NOT NULL, DROP).
    """
    if re.search(r"lock_timeout", ctx.plan.text, re.IGNORECASE):
        return
    groups: dict[tuple[str, int, int], list[SqlStatement]] = {}
    reported: set[str] = set()
    in_tx = {id(s): key for key, stmts in _transaction_groups(ctx).items() for s in stmts}
    for s in plan_sql(ctx):
        groups.setdefault(in_tx.get(id(s), (s.path, s.group, 0)), []).append(s)
    for stmts in groups.values():
        for s in stmts:
            if _sets_lock_timeout(s):
                break
            table = s.table or _drop_table(s)
            if not takes_access_exclusive(s) or not is_existing_table(ctx, table, s.start_line):
                continue
            if (table or "").lower() in reported:
                break  # once per table: the fix is one SET at the top of the migration
            reported.add((table or "").lower())
            heavy = s.kind == "DropStmt" or any(
                c.get("subtype") in ("AT_AlterColumnType", "AT_SetNotNull", "AT_DropColumn")
                for c in s.alter_cmds
            )
            yield Hit(
                title=f"No lock_timeout before the ACCESS EXCLUSIVE DDL on {table}",
                locations=[where(ctx, s)],
                issue=(
                    f"`{s.first_line_text}` needs ACCESS EXCLUSIVE on {q(table)} and nothing "
                    "bounds how long it waits for that lock."
                ),
                impact=(
                    f"Behind one long query on {q(table)} the ALTER waits, and every later read "
                    "and write on the table queues behind the ALTER: an outage until it gets in."
                ),
                recommendation=(
                    "Start the migration with `SET lock_timeout = '5s';` (and a "
                    "statement_timeout) and retry on timeout instead of queueing traffic."
                ),
                evidence=[quote(ctx, s)],
                severity=Severity.P2 if heavy else None,
            )
            break


_ROLLBACK_WORDS = re.compile(
    r"\b(roll ?back|revert|restore|backup|back up|pg_dump|snapshot|down migration)\b",
    re.IGNORECASE,
)


_NEGATION = re.compile(r"\b(no|not|without|never|cannot|can't|isn't|won't|nor)\b", re.IGNORECASE)


def has_rollback_plan(ctx: RuleContext) -> bool:
    """The plan mentions a backup, restore or rollback, and not to say there is none
    ("There is no down migration" is the opposite of a rollback plan)."""
    for text in ctx.plan.lines:
        for m in _ROLLBACK_WORDS.finditer(text):
            sentence = re.split(r"[.;!?]\s", text[: m.start()])[-1]
            if not _NEGATION.search(sentence):
                return True
    return False


@dataclass(frozen=True)
class Destructive:
    title: str
    location: Location
    evidence: Evidence
    text: str


def _destructive_steps(ctx: RuleContext) -> Iterator[Destructive]:
    for d in plan_drops(ctx):
        if d.verb == "dropped":
            location, quoted = _drop_location(ctx, d)
            yield Destructive(f"Dropping {d.what} {d.label}", location, quoted, d.text)
    for s in plan_sql(ctx):
        for cmd in s.alter_cmds:
            col = cmd.get("def", {}).get("ColumnDef", {})
            if cmd.get("subtype") != "AT_AlterColumnType" or not col.get("raw_default"):
                continue
            lossy = any(
                names(n["FuncCall"].get("funcname"))[-1:] in (["round"], ["trunc"], ["floor"])
                for n in walk(col["raw_default"]) if "FuncCall" in n
            )
            if lossy and is_existing_table(ctx, s.table, s.start_line):
                title = f"Converting {s.table}.{cmd.get('name')} with rounding"
                yield Destructive(title, where(ctx, s), quote(ctx, s), s.first_line_text)
    for enum in ctx.artifacts.prisma.enums.values():
        if enum.removed and enum.origin == "plan" and enum.values:
            title = f"Removing {', '.join(enum.removed)} from enum {enum.name}"
            yield Destructive(
                title, ctx.plan_location(enum.line, enum.end_line),
                ctx.plan_evidence(enum.line), f"enum {enum.name} {{ ... }}",
            )


@rule("migration/destructive-without-rollback", severity=Severity.P2)
def destructive_without_rollback(ctx: RuleContext) -> Iterator[Hit]:
    """A destructive step (DROP, a rounding type conversion, enum values removed) in a plan
    with no backup, verification or rollback procedure.

    Why: dropped or rounded data cannot be brought back by redeploying the old code;
    without a backup or a verification query before the step, a bad migration loses data.
    A plan saying "there is no down migration" counts as having none.
    Fix: verify the migrated data (counts) before dropping, take a backup or keep the old
    column/table for a release, and write the rollback steps in the plan.
    """
    if has_rollback_plan(ctx):
        return
    for step in _destructive_steps(ctx):
        yield Hit(
            title=f"{step.title} has no rollback path",
            locations=[step.location],
            issue=(
                f"`{step.text}` destroys data, and the plan names no backup, verification "
                "before the step, or rollback procedure."
            ),
            impact=(
                "If the migration or the new code turns out wrong, the lost data is gone; "
                "redeploying the previous release does not bring it back."
            ),
            recommendation=(
                "Before the step: verify the migrated data (row counts match), take a backup "
                "(`pg_dump -t`) or keep the old column/table/values for a release, and add a "
                "Rollback section to the plan."
            ),
            evidence=[step.evidence],
        )
        return


# --- maintenance statements that lock (squawk's require-concurrent-* and ban-truncate-cascade)


def _created_indexes(ctx: RuleContext) -> dict[str, int]:
    return {
        str(s.tree.get("idxname")).lower(): s.start_line
        for s in plan_sql(ctx)
        if s.kind == "IndexStmt" and s.tree.get("idxname")
    }


@rule("migration/drop-index-not-concurrently", severity=Severity.P3)
def drop_index_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """DROP INDEX without CONCURRENTLY on an index the plan did not just create.

    Why: DROP INDEX takes ACCESS EXCLUSIVE on the index's table; quick once granted, but
    while it waits for a long query every read and write on the table queues behind it.
    Fix: DROP INDEX CONCURRENTLY, alone, outside a transaction.
    """
    created = _created_indexes(ctx)
    for s in plan_sql(ctx):
        if s.kind != "DropStmt" or s.tree.get("removeType") != "OBJECT_INDEX" or s.concurrent:
            continue
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if not parts or created.get(parts[-1].lower(), s.start_line + 1) < s.start_line:
                continue
            yield Hit(
                title=f"Index {parts[-1]} is dropped without CONCURRENTLY",
                locations=[where(ctx, s)],
                issue=f"`{s.first_line_text}` needs ACCESS EXCLUSIVE on the index's table.",
                impact=(
                    "While it waits for running queries, every new read and write on the table "
                    "queues behind it."
                ),
                recommendation=(
                    f"`DROP INDEX CONCURRENTLY {q(parts[-1])};` in a migration of its own, "
                    "outside any transaction."
                ),
                evidence=[quote(ctx, s)],
            )


@rule("migration/reindex-not-concurrently", severity=Severity.P2)
def reindex_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """REINDEX without CONCURRENTLY.

    Why: plain REINDEX blocks writes to the table and locks out every query that would
    use the index for the whole rebuild.
    Fix: REINDEX ... CONCURRENTLY (PG 12+), outside a transaction.
    """
    for s in plan_sql(ctx):
        if s.kind != "ReindexStmt" or _is_concurrent(s):
            continue
        target = s.table or (s.tree.get("name") or "the index")
        yield Hit(
            title=f"REINDEX of {target} without CONCURRENTLY",
            locations=[where(ctx, s)],
            issue=f"`{s.first_line_text}` rebuilds under locks that block writes and index use.",
            impact="Writes (and queries planned on the index) wait for the whole rebuild.",
            recommendation=f"`REINDEX ... CONCURRENTLY {target};` outside a transaction.",
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, s.table, Severity.P2),
        )


@rule("migration/detach-partition-not-concurrently", severity=Severity.P2)
def detach_partition_not_concurrently(ctx: RuleContext) -> Iterator[Hit]:
    """DETACH PARTITION without CONCURRENTLY.

    Why: a plain detach takes ACCESS EXCLUSIVE on the partitioned table: every query on
    any partition waits.
    Fix: ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PG 14+), outside a transaction.
    """
    for s in plan_sql(ctx):
        for cmd in s.alter_cmds:
            part = cmd.get("def", {}).get("PartitionCmd")
            if cmd.get("subtype") != "AT_DetachPartition" or not isinstance(part, dict):
                continue
            if part.get("concurrent"):
                continue
            table = s.table or ""
            yield Hit(
                title=f"Partition detached from {table} without CONCURRENTLY",
                locations=[where(ctx, s)],
                issue=f"`{s.first_line_text}` takes ACCESS EXCLUSIVE on {q(table)}.",
                impact=f"Every read and write on {q(table)} (all partitions) waits.",
                recommendation="Add CONCURRENTLY (PG 14+) and run it outside a transaction.",
                evidence=[quote(ctx, s)],
            )


@rule("migration/truncate-cascade", severity=Severity.P1)
def truncate_cascade(ctx: RuleContext) -> Iterator[Hit]:
    """TRUNCATE ... CASCADE.

    Why: CASCADE also empties every table with a foreign key to the truncated one, and
    their referencing tables in turn: data loss well beyond the table named.
    Fix: truncate the tables explicitly by name, or DELETE with a WHERE.
    """
    for s in plan_sql(ctx):
        if s.kind != "TruncateStmt" or s.tree.get("behavior") != "DROP_CASCADE":
            continue
        tables = [
            str(r["RangeVar"]["relname"]) for r in s.tree.get("relations", []) if "RangeVar" in r
        ]
        label = ", ".join(tables)
        yield Hit(
            title=f"TRUNCATE {label} CASCADE empties every referencing table too",
            locations=[where(ctx, s)],
            issue=(
                f"`{s.first_line_text}` also truncates every table with a foreign key to "
                f"{label}, recursively."
            ),
            impact="Rows in tables the plan never names are deleted, with no undo.",
            recommendation=(
                "Name every table to truncate explicitly (no CASCADE), or DELETE the rows meant."
            ),
            evidence=[quote(ctx, s)],
        )
