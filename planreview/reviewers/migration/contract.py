"""Migration rules about the expand/contract contract: drops and renames still used by
code, destructive steps without a rollback path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from planreview.artifacts.sql import SqlStatement, names, walk
from planreview.models import Evidence, Location, Severity
from planreview.reviewers.common import is_existing_table, plan_sql, q, quote, where
from planreview.rules import Hit, RuleContext, rule

if TYPE_CHECKING:
    from planreview.artifacts.prisma import PrismaField, PrismaModel


# --- drops and renames still used by code ----------------------------------------------------

CODE_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".py", ".rb", ".go", ".graphql")
MAX_SEARCH_FILES = 3000
MAX_SEARCH_BYTES = 300_000
_GENERIC = frozenset({"id", "name", "type", "data", "value", "status", "key", "createdat"})


_RELATIONS = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "view"}
"""Relations code queries by name: dropped or renamed, each is checked like a table."""


def _removed_identifiers(s: SqlStatement) -> Iterator[tuple[str, str, str]]:
    """(what, table, identifier) removed or renamed by `s`."""
    if s.kind == "DropStmt" and s.tree.get("removeType") in _RELATIONS:
        what = _RELATIONS[str(s.tree.get("removeType"))]
        for obj in s.tree.get("objects", []):
            parts = names(obj.get("List", {}).get("items"))
            if parts:
                yield what, parts[-1], parts[-1]
    elif s.kind == "AlterTableStmt":
        for cmd in s.alter_cmds:
            if cmd.get("subtype") == "AT_DropColumn":
                yield "column", s.table or "", str(cmd.get("name"))
    elif s.kind == "RenameStmt":
        if s.tree.get("renameType") == "OBJECT_COLUMN":
            yield "column", s.table or "", str(s.tree.get("subname"))
        elif s.tree.get("renameType") in _RELATIONS:
            yield _RELATIONS[str(s.tree.get("renameType"))], s.table or "", s.table or ""


def _usage_pattern(what: str, ident: str) -> re.Pattern[str]:
    if what in ("table", "view"):
        delegate = ident[:1].lower() + ident[1:]
        return re.compile(
            rf"\.{re.escape(delegate)}\.(?:find|create|update|upsert|delete|count|aggregate|groupBy)"
            rf"|[\"`]{re.escape(ident)}[\"`]|\b(?:FROM|JOIN|INTO|UPDATE)\s+\"?{re.escape(ident)}\b"
        )
    return re.compile(rf"\b{re.escape(ident)}\b")


def _table_mention(table: str) -> re.Pattern[str]:
    """`AuditLog`, `auditLog`, `audit_log`, `audit_logs`: the files that name the table."""
    words = re.findall(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])", table.strip('"'))
    body = r"_?".join(re.escape(w) for w in words) or re.escape(table)
    return re.compile(rf"\b{body}s?\b", re.IGNORECASE)


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

_TEST_OR_SEED = re.compile(
    r"(?:^|/)(?:tests?|__tests__|__mocks__|mocks?|fixtures|e2e|spec|seeds?)/"
    r"|\.(?:test|spec|stories)\.[cm]?[jt]sx?$|(?:^|/)test_[^/]*\.py$|_test\.(?:py|go|rb)$"
    r"|(?:^|/)[^/]*seed[^/]*\.[cm]?[jt]s$|(?:^|/)conftest\.py$"
)


def is_test_or_seed(path: str) -> bool:
    """Tests, mocks, fixtures and seed scripts: they change with the plan's own code, and a
    stale one fails a build, not production traffic."""
    return _TEST_OR_SEED.search(path) is not None


def find_usages(
    ctx: RuleContext, pattern: re.Pattern[str], limit: int = 6,
    *, file_mentions: re.Pattern[str] | None = None,
) -> list[Usage]:
    """Code files still matching `pattern`: loaded files first, then the repository's
    other source files (bounded: count, size, suffix; no migrations, tests or seed
    scripts). With `file_mentions`, only files that also match it count (a column's
    uses in files that name its table)."""
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
        if is_test_or_seed(path):
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
        if file_mentions is not None and not file_mentions.search(text):
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
    """"table", "view" or "column"."""
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
        return f"{self.table}.{self.ident}" if self.what == "column" else self.ident


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
    Counts uses in application code only (not tests, mocks or seed scripts), for a column
    only in files that also name its table, and stays quiet on a column the repository's
    schema shows the table does not have.
    """
    for d in plan_drops(ctx):
        if len(d.ident) < 3 or d.ident.lower() in _GENERIC:
            continue
        if d.what == "column" and ctx.facts.schema.column_exists(d.table, d.ident) is False:
            continue  # not a column of the table in the repository's schema: nothing uses it
        mentions = _table_mention(d.table) if d.what == "column" and d.table else None
        used = find_usages(ctx, _usage_pattern(d.what, d.ident), file_mentions=mentions)
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
        if d.verb == "dropped" and d.what != "view":  # a view holds no data: recreate it
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
