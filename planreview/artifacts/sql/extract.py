"""Every SQL statement of a review: the plan's SQL blocks, SQL in code, loaded migrations."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts.sql.dsl import PYTHON_LANGUAGES, RUBY_LANGUAGES, dsl_statements
from planreview.artifacts.sql.in_code import sql_in_code
from planreview.artifacts.sql.model import (
    CODE_LANGUAGES,
    PRISMA_MIGRATION_FILE,
    SQL_LANGUAGES,
    SqlStatement,
)
from planreview.artifacts.sql.parsing import Group, parse_text

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts
    from planreview.plan import CodeBlock, ParsedPlan


# --- extraction -----------------------------------------------------------------------------


def extract_statements(artifacts: Artifacts) -> list[SqlStatement]:
    """Every SQL statement the plan and its loaded files contain, in document order."""
    plan = artifacts.plan
    groups = Group()
    out: list[SqlStatement] = []
    tx_spans = _transaction_spans(artifacts)
    for block in plan.code_blocks:
        if block.language in SQL_LANGUAGES:
            out.extend(
                parse_text(
                    block.text, path=plan.path, first_line=block.start_line, source="plan",
                    group=groups.take(), unparsed=artifacts.unparsed,
                    implied_transaction=is_implied_transaction(plan, block),
                )
            )
        if block.language in CODE_LANGUAGES:
            out.extend(
                _from_code(block.text, plan.path, block.start_line, groups, artifacts, tx_spans)
            )
        if block.language in RUBY_LANGUAGES | PYTHON_LANGUAGES:
            out.extend(
                dsl_statements(
                    block.text, block.language, path=plan.path, first_line=block.start_line,
                    group=groups.take(), unparsed=artifacts.unparsed,
                )
            )
    for path, loaded in artifacts.context.files.items():
        if path.endswith(".sql"):
            out.extend(
                parse_text(
                    loaded.text, path=path, first_line=1, source="file", group=groups.take(),
                    unparsed=artifacts.unparsed,
                    implied_transaction=bool(PRISMA_MIGRATION_FILE.search(path)),
                )
            )
        elif path.rsplit(".", 1)[-1] in {"ts", "tsx", "js", "mjs", "py"}:
            out.extend(_from_code(loaded.text, path, 1, groups, artifacts, tx_spans))
    return out


def _from_code(
    code: str,
    path: str,
    first_line: int,
    groups: Group,
    artifacts: Artifacts,
    tx_spans: dict[str, list[tuple[int, int]]],
) -> list[SqlStatement]:
    out: list[SqlStatement] = []
    for found in sql_in_code(code):
        line = first_line + code.count("\n", 0, found.offset)
        call_line = first_line + code.count("\n", 0, found.call_offset)
        in_tx = any(lo <= call_line <= hi for lo, hi in tx_spans.get(path, []))
        stmts = parse_text(
            found.text, path=path, first_line=line, source="code", group=groups.take(),
            unparsed=artifacts.unparsed,
        )
        out.extend(
            SqlStatement(**{**s.__dict__, "in_transaction": True}) if in_tx else s for s in stmts
        )
    return out


def _transaction_spans(artifacts: Artifacts) -> dict[str, list[tuple[int, int]]]:
    """Line spans of `$transaction(...)` blocks per path, from the code scanner."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for unit in artifacts.code:
        for tx in unit.transactions:
            spans.setdefault(unit.path, []).append((tx.start_line, tx.end_line))
    return spans


_MIGRATION_HINT = re.compile(
    r"migration\.sql|prisma[/ ]migrat|prisma/migrations/|migrate (dev|deploy)", re.IGNORECASE
)
# The section comments `prisma migrate` writes into every generated migration.sql.
_PRISMA_MARKER = re.compile(
    r"^\s*-- (CreateTable|AlterTable|CreateIndex|AddForeignKey|DropIndex|CreateEnum|AlterEnum|"
    r"DropForeignKey|DropTable|RenameIndex)\s*$",
    re.MULTILINE,
)
LOOKBACK_LINES = 6


_TX_HINT = re.compile(
    r"\b(?:wraps?|runs?|executes?)\b[^.]{0,40}\b(?:in|inside)\s+(?:a|one|the same|a single)\s+"
    r"transaction\b",
    re.IGNORECASE,
)


def is_implied_transaction(plan: ParsedPlan, block: CodeBlock) -> bool:
    """A plan SQL block its migration tool runs as one transaction: a Prisma migration,
    or one whose introduction says the tool wraps each file in a transaction."""
    if is_prisma_migration_block(plan, block):
        return True
    before = " ".join(plan.line(block.start_line - d) for d in range(2, 2 + LOOKBACK_LINES))
    return bool(_TX_HINT.search(before))


def is_prisma_migration_block(plan: ParsedPlan, block: CodeBlock) -> bool:
    """A plan SQL block presented as a Prisma migration file (run as one transaction):
    it carries Prisma's generated section comments, or its first line or the paragraph
    just before its fence names a Prisma migration."""
    if _PRISMA_MARKER.search(block.text):
        return True
    before = [plan.line(block.start_line - d) for d in range(2, 2 + LOOKBACK_LINES)]
    lines = [plan.line(block.start_line), *before]
    return any(_MIGRATION_HINT.search(line) for line in lines)
