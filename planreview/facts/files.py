"""The repository files plan facts are read from: what the review loaded, plus the
configuration and schema files that say which database the repository uses and which
tables it has (found at the reviewed ref, bounded in number and size)."""

from __future__ import annotations

from planreview.facts.dialect import DIALECT_FILE_PATTERNS
from planreview.repo import Repo, RepoContext, SkipError, find_files

SCHEMA_FILE_PATTERNS = (
    "**/schema.prisma", "prisma/schema/*.prisma", "**/migrations/**/*.sql", "**/*.sql",
    "db/schema.rb", "**/doctype/*/*.json",
)
MAX_FILES = 600
MAX_BYTES = 8_000_000


def facts_files(repo: Repo | None, context: RepoContext | None = None) -> dict[str, str]:
    """path -> text: the loaded context files, then dialect and schema files of `repo`.
    Unreadable files are left out; never raises for a file."""
    files: dict[str, str] = {}
    if context is not None:
        files.update({path: loaded.text for path, loaded in context.files.items()})
    if repo is None:
        return files
    try:
        paths = find_files(repo, *DIALECT_FILE_PATTERNS, *SCHEMA_FILE_PATTERNS)
    except (OSError, SkipError):
        return files
    budget = MAX_BYTES
    wanted = [p for p in paths if p not in files and "node_modules/" not in p]
    # Configuration first: it is small and decides the dialect.
    wanted.sort(key=lambda p: (p.endswith((".sql", ".json")), p))
    for path in wanted[:MAX_FILES]:
        try:
            text = repo.read_text(path)
        except (OSError, SkipError):
            continue
        budget -= len(text)
        if budget < 0:
            break
        files[path] = text
    return files
