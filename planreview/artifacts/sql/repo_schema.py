"""The repository's own migrations: which tables and indexes already exist."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planreview.artifacts.sql.model import SqlStatement
from planreview.artifacts.sql.parsing import Group, parse_text

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts


# --- the repository's own migrations (what indexes exist) ------------------------------------

MAX_REPO_SQL_FILES = 400
MAX_REPO_SQL_BYTES = 2_000_000
_SCHEMA_KINDS = frozenset({"CreateStmt", "IndexStmt", "AlterTableStmt"})


def repo_schema_statements(artifacts: Artifacts) -> list[SqlStatement]:
    """CREATE TABLE / CREATE INDEX / ALTER TABLE statements of the repository's .sql files
    that the context did not load: they say which tables and indexes already exist.
    Bounded (file count and total bytes); unreadable files are skipped."""
    repo = artifacts.repo
    if repo is None:
        return []
    from planreview.repo import SkipError

    try:
        listed = repo.list_files()
    except (OSError, SkipError):
        return []
    paths = [
        p for p in listed
        if p.endswith(".sql") and p not in artifacts.context.files and "node_modules/" not in p
    ][:MAX_REPO_SQL_FILES]
    out: list[SqlStatement] = []
    budget = MAX_REPO_SQL_BYTES
    groups = Group()
    for path in sorted(paths):
        try:
            text = repo.read_text(path)
        except (OSError, SkipError):
            continue
        budget -= len(text)
        if budget < 0:
            break
        stmts = parse_text(
            text, path=path, first_line=1, source="file", group=groups.take(), unparsed=[]
        )
        out.extend(s for s in stmts if s.kind in _SCHEMA_KINDS)
    return out
