"""Migration rule about enum values renamed while code still uses the old label (table,
column and view renames: `drop-still-referenced` in contract.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.sql import SqlStatement, names
from planreview.models import Severity
from planreview.reviewers.common import plan_sql, quote, where
from planreview.reviewers.migration.contract import CODE_SUFFIXES, Usage, _enclosing_function
from planreview.rules import Hit, RuleContext, rule

MAX_USAGES = 4


def _created_types(ctx: RuleContext) -> dict[str, int]:
    """Enum types the plan's SQL creates (lower-case name -> line)."""
    out: dict[str, int] = {}
    for s in plan_sql(ctx):
        if s.kind == "CreateEnumStmt":
            parts = names(s.tree.get("typeName"))
            if parts:
                out.setdefault(parts[-1].lower(), s.start_line)
    return out


def _renamed_values(ctx: RuleContext) -> Iterator[tuple[SqlStatement, str, str, str]]:
    """(statement, type, old label, new label) of RENAME VALUE on types the plan did not
    create before the statement."""
    created = _created_types(ctx)
    for s in plan_sql(ctx):
        old, new = s.tree.get("oldVal"), s.tree.get("newVal")
        if s.kind != "AlterEnumStmt" or not old or not new:
            continue
        parts = names(s.tree.get("typeName"))
        if not parts or created.get(parts[-1].lower(), s.start_line + 1) <= s.start_line:
            continue
        yield s, parts[-1], str(old), str(new)


def _type_words(type_name: str) -> re.Pattern[str]:
    """`invoice_state` also as InvoiceState / invoiceState (the ORM's spelling)."""
    words = [w for w in re.split(r"_|(?<=[a-z0-9])(?=[A-Z])", type_name) if w]
    return re.compile("_?".join(re.escape(w) for w in words), re.IGNORECASE)


def _uses(ctx: RuleContext, type_name: str, old: str) -> list[Usage]:
    """Lines of code files the plan references that still use the label `old` of
    `type_name`: as `Type.OLD`, or as a string literal in a file that names the type."""
    member = re.compile(rf"\b{_type_words(type_name).pattern}\.{re.escape(old)}\b", re.I)
    literal = re.compile(rf"""(['"`]){re.escape(old)}\1""")
    out: list[Usage] = []
    for path, loaded in ctx.context.files.items():
        if not path.endswith(CODE_SUFFIXES) or "migrations/" in path:
            continue
        text = loaded.text
        names_type = _type_words(type_name).search(text) is not None
        lines = text.split("\n")
        for index, line in enumerate(lines):
            if member.search(line) or (names_type and literal.search(line)):
                out.append(Usage(path, index + 1, line.strip(), _enclosing_function(lines, index)))
                break  # one line per file; the list shows where
        if len(out) >= MAX_USAGES:
            break
    return out


@rule("migration/enum-value-renamed", severity=Severity.P2, dialects=("postgresql",))
def enum_value_renamed(ctx: RuleContext) -> Iterator[Hit]:
    """ALTER TYPE ... RENAME VALUE while code the plan references still uses the old label.

    Why: the rename is one catalog change, visible to every session at commit (ALTER
    TYPE, RENAME VALUE: "renames a value of an enum type"); the old label stops existing.
    Instances still running the old code fail writing it (`invalid input value for enum`)
    and their reads comparing against it silently match nothing.
    Fix: expand/contract: ADD VALUE the new label, ship code that reads both and writes
    the new one, UPDATE the rows, and only then retire the old label.
    Only fires when a code file the plan references still uses the old label (as
    `Type.OLD`, or as a string literal in a file that names the type); quiet otherwise,
    and on types the plan itself creates.
    """
    for s, type_name, old, new in _renamed_values(ctx):
        used = _uses(ctx, type_name, old)
        if not used:
            continue
        places = "; ".join(u.describe() for u in used)
        yield Hit(
            title=f"Enum value {type_name}.{old} is renamed to {new} while code still uses it",
            locations=[where(ctx, s)] + [ctx.file_location(u.path, u.line) for u in used],
            issue=(
                f"`{s.first_line_text}` renames the label '{old}' of the existing type "
                f"{type_name}, but code the plan references still uses '{old}': {places}."
            ),
            impact=(
                f"Once it commits, '{old}' is no longer a value of {type_name}: writes of it "
                "fail with `invalid input value for enum`, and comparisons with it match no "
                "row, for every instance still running that code during the deploy."
            ),
            recommendation=(
                f"`ALTER TYPE {type_name} ADD VALUE '{new}'` first, ship code that accepts "
                f"both and writes '{new}', UPDATE the rows, and retire '{old}' in a later "
                "release instead of renaming it in place."
            ),
            evidence=[quote(ctx, s)] + [ctx.file_evidence(u.path, u.line) for u in used],
            confidence=75,
        )
