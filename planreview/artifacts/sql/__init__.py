"""SQL statements from plans, code blocks and migration files, parsed with libpg_query.

Each statement is split out and parsed on its own (pgparse, BSD-3), so one broken or
pseudo-code statement never hides the others (squawk's failure mode: one syntax error
silences a whole file). Statements inside `DO $$ ... $$` bodies are found through the
PL/pgSQL parser. Template holes (`${...}`) in TypeScript raw queries become `$1`, a
parameter placeholder Postgres accepts wherever a value goes.
"""

from __future__ import annotations

from planreview.artifacts.sql.dsl import PYTHON_LANGUAGES, RUBY_LANGUAGES, dsl_statements
from planreview.artifacts.sql.extract import (
    LOOKBACK_LINES,
    extract_statements,
    is_implied_transaction,
    is_prisma_migration_block,
)
from planreview.artifacts.sql.in_code import CodeSql, sql_in_code
from planreview.artifacts.sql.model import (
    CODE_LANGUAGES,
    DDL_KINDS,
    SQL_LANGUAGES,
    Source,
    SqlStatement,
    Tree,
)
from planreview.artifacts.sql.parsing import parse_text
from planreview.artifacts.sql.repo_schema import (
    MAX_REPO_SQL_BYTES,
    MAX_REPO_SQL_FILES,
    repo_schema_statements,
)
from planreview.artifacts.sql.split import split_statements
from planreview.artifacts.sql.tree import column_refs, names, type_name, walk

__all__ = [
    "CODE_LANGUAGES",
    "DDL_KINDS",
    "LOOKBACK_LINES",
    "MAX_REPO_SQL_BYTES",
    "MAX_REPO_SQL_FILES",
    "PYTHON_LANGUAGES",
    "RUBY_LANGUAGES",
    "SQL_LANGUAGES",
    "CodeSql",
    "Source",
    "SqlStatement",
    "Tree",
    "column_refs",
    "dsl_statements",
    "extract_statements",
    "is_implied_transaction",
    "is_prisma_migration_block",
    "names",
    "parse_text",
    "repo_schema_statements",
    "split_statements",
    "sql_in_code",
    "type_name",
    "walk",
]
