"""Migration rules about column changes: volatile defaults, NOT NULL, type changes (SQL and
Prisma).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from planreview.artifacts.sql import names, type_name
from planreview.models import Severity
from planreview.pgsemantics.versions import Feature
from planreview.pgsemantics.volatility import KNOWN_VOLATILE, Volatility, expression_volatility
from planreview.reviewers.common import (
    existing_alters,
    plan_sql,
    q,
    quote,
    rows_note,
    scaled,
    where,
)
from planreview.reviewers.migration.helpers import _constraints, has, version_note
from planreview.rules import Hit, RuleContext, rule

if TYPE_CHECKING:
    from planreview.artifacts.prisma import PrismaField, PrismaModel


# --- column changes -----------------------------------------------------------------------------

SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})


def _is_null(expr: object) -> bool:
    return isinstance(expr, dict) and expr.get("A_Const", {}).get("isnull") is True


def _volatile_reason(col: dict[str, object], ctx: RuleContext) -> str | None:
    tn = col.get("typeName")
    if isinstance(tn, dict) and type_name(tn) in SERIAL_TYPES:
        return f"a `{type_name(tn)}` column (filled from a sequence, row by row)"
    for c in _constraints(col):
        if c.get("contype") == "CONSTR_GENERATED":
            return "a GENERATED ... STORED column"
        if c.get("contype") == "CONSTR_DEFAULT":
            # Anywhere in the expression: md5(random()::text) is as volatile as random();
            # a function not known to be stable or immutable is volatile (pgsemantics).
            level, culprit = expression_volatility(c.get("raw_expr"))
            if level is Volatility.VOLATILE:
                known = (culprit or "").lower() in KNOWN_VOLATILE or culprit == "a subquery"
                what = culprit if culprit == "a subquery" else f"`{culprit}()`"
                return (
                    f"the volatile default {what}" if known else
                    f"the default {what}, a function not known to be stable or immutable "
                    "(PostgreSQL assumes VOLATILE unless it is declared otherwise)"
                )
            if not has(ctx, Feature.CONSTANT_DEFAULT_NO_REWRITE) and not _is_null(
                c.get("raw_expr")
            ):
                return (
                    "a DEFAULT: before PostgreSQL 11 every non-null default is written into "
                    f"each existing row{version_note(ctx)}"
                )
    return None


@rule("migration/add-column-volatile-default", severity=Severity.P1)
def add_column_volatile_default(ctx: RuleContext) -> Iterator[Hit]:
    """ADD COLUMN with a volatile default, a serial type or GENERATED STORED.

    Why: since PG 11 a constant (or stable: now()) default is stored in the catalog, but a
    volatile one (gen_random_uuid(), clock_timestamp(), nextval) is evaluated per row: the
    whole table is rewritten under ACCESS EXCLUSIVE, blocking reads and writes. Before
    PG 11 any non-null default rewrites: on a configured or detected PostgreSQL 10 or
    older, a constant default fires too (PostgreSQL 11 release notes; ALTER TABLE, Notes).
    Fix: add the column without a default, set the default for new rows, backfill in batches.
    """
    for s, cmd in existing_alters(ctx, "AT_AddColumn"):
        col = cmd.get("def", {}).get("ColumnDef", {})
        reason = _volatile_reason(col, ctx)
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
                f"Add `{name}` as nullable{_constant_default_hint(ctx)}, backfill it, then "
                f"add `CHECK ({q(name)} IS NOT NULL) NOT VALID`, VALIDATE it and only then "
                "SET NOT NULL."
            ),
            evidence=[quote(ctx, s)],
        )


def _constant_default_hint(ctx: RuleContext) -> str:
    if has(ctx, Feature.CONSTANT_DEFAULT_NO_REWRITE):
        return " (or with a constant DEFAULT)"
    return f" (not with a DEFAULT: before PostgreSQL 11 it rewrites the table{version_note(ctx)})"


@rule("migration/set-not-null", severity=Severity.P2)
def set_not_null(ctx: RuleContext) -> Iterator[Hit]:
    """ALTER COLUMN ... SET NOT NULL on an existing table.

    Why: Postgres scans the whole table to check for NULLs while holding ACCESS
    EXCLUSIVE: no reads or writes for the duration of the scan.
    Fix: ADD CONSTRAINT ... CHECK (col IS NOT NULL) NOT VALID; VALIDATE CONSTRAINT (SHARE
    UPDATE EXCLUSIVE); then SET NOT NULL, which PG 12+ proves from the check without a scan
    (PostgreSQL 12 release notes; ALTER TABLE, SET/DROP NOT NULL). On a configured or
    detected PostgreSQL 11 or older the check does not help: it fires even after one, and
    recommends keeping the validated CHECK instead of SET NOT NULL. The finding names the
    version it assumed.
    """
    check_proves = has(ctx, Feature.SET_NOT_NULL_USES_CHECK)
    for s, cmd in existing_alters(ctx, "AT_SetNotNull"):
        table, name = s.table or "", str(cmd.get("name"))
        validated = _has_validated_check(ctx, table, name, s.start_line)
        if validated and check_proves:
            continue
        if check_proves:
            fix = (
                f"`ALTER TABLE {q(table)} ADD CONSTRAINT {name}_not_null CHECK ({q(name)} "
                f"IS NOT NULL) NOT VALID;` then `VALIDATE CONSTRAINT {name}_not_null;` in a "
                "separate transaction, then SET NOT NULL, which skips the scan on PostgreSQL "
                f"12+{version_note(ctx)}."
            )
        else:
            fix = (
                ("The plan's validated CHECK does not help: b" if validated else "B")
                + "efore PostgreSQL 12 SET NOT NULL always scans"
                + f"{version_note(ctx)}. Keep a validated `CHECK ({q(name)} IS NOT NULL)` "
                "constraint instead of SET NOT NULL until the server is upgraded, or run it "
                "in a maintenance window."
            )
        yield Hit(
            title=f"SET NOT NULL on {table}.{name} scans the table under ACCESS EXCLUSIVE",
            locations=[where(ctx, s)],
            issue=(
                f"`ALTER COLUMN {name} SET NOT NULL` on {q(table)}{rows_note(ctx, table)} "
                "verifies every row while holding ACCESS EXCLUSIVE."
            ),
            impact=f"All reads and writes on {q(table)} wait for the full-table scan.",
            recommendation=fix,
            evidence=[quote(ctx, s)],
            severity=scaled(ctx, table, Severity.P2),
        )


def _proves_not_null(expr: object, column: str) -> bool:
    """`col IS NOT NULL` (alone or as one AND arm): the CHECK that proves SET NOT NULL."""
    if not isinstance(expr, dict):
        return False
    test = expr.get("NullTest")
    if isinstance(test, dict):
        ref = test.get("arg", {}).get("ColumnRef", {})
        fields = names(ref.get("fields")) if isinstance(ref, dict) else []
        return test.get("nulltesttype") == "IS_NOT_NULL" and fields[-1:] == [column]
    bool_expr = expr.get("BoolExpr")
    if isinstance(bool_expr, dict) and bool_expr.get("boolop") == "AND_EXPR":
        return any(_proves_not_null(arg, column) for arg in bool_expr.get("args", []))
    return False


def _has_validated_check(ctx: RuleContext, table: str, column: str, before: int) -> bool:
    """A CHECK (column IS NOT NULL) on `table`, added before `before` and VALID: added
    without NOT VALID, or validated by name afterwards (ALTER TABLE, SET/DROP NOT NULL:
    the scan is skipped "if a valid CHECK constraint exists ... which proves no NULL can
    exist"). A NOT VALID check never validated, or one on another column, proves nothing."""
    pending: set[str] = set()
    for s in plan_sql(ctx):
        if s.start_line >= before or s.table != table:
            continue
        for cmd in s.alter_cmds:
            if cmd.get("subtype") == "AT_ValidateConstraint":
                if str(cmd.get("name")) in pending:
                    return True
                continue
            con = cmd.get("def", {}).get("Constraint", {})
            if cmd.get("subtype") != "AT_AddConstraint" or con.get("contype") != "CONSTR_CHECK":
                continue
            if not _proves_not_null(con.get("raw_expr"), column):
                continue
            if not con.get("skip_validation"):
                return True
            pending.add(str(con.get("conname")))
    return False


def _using_changes_values(col: dict[str, Any], cmd: dict[str, Any]) -> bool:
    """A USING expression other than the column itself (optionally cast): ALTER TABLE,
    Notes: a rewrite is skipped only "if the USING clause does not change the column
    contents"."""
    expr = col.get("raw_default")
    if not isinstance(expr, dict):
        return False
    if "TypeCast" in expr:
        expr = expr["TypeCast"].get("arg", {})
    ref = expr.get("ColumnRef") if isinstance(expr, dict) else None
    fields = names(ref.get("fields")) if isinstance(ref, dict) else []
    return fields[-1:] != [str(cmd.get("name"))]


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
        if target in _NO_REWRITE_TARGETS and not _using_changes_values(col, cmd):
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
