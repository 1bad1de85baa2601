"""A parsed SQL statement and the languages and statement kinds the SQL analysis knows."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    pass


Source = Literal["plan", "file", "code"]
SQL_LANGUAGES = frozenset({"sql", "postgresql", "postgres", "pgsql", "psql", "plpgsql"})
CODE_LANGUAGES = frozenset(
    {"ts", "typescript", "tsx", "js", "javascript", "jsx", "mjs", "python", "py", "python3"}
)
PRISMA_MIGRATION_FILE = re.compile(r"(^|/)migrations/[^/]+/migration\.sql$")

Tree = dict[str, Any]


@dataclass(frozen=True)
class SqlStatement:
    kind: str
    """libpg_query node type: IndexStmt, AlterTableStmt, UpdateStmt, DoStmt, ..."""
    tree: Tree
    """The node's own dict (the value under `kind`)."""
    text: str
    """The statement as written (template holes replaced), without its `;`."""
    path: str
    start_line: int
    end_line: int
    source: Source
    in_transaction: bool
    """Inside BEGIN ... COMMIT, a `$transaction` block, or a multi-statement Prisma
    migration file (Prisma runs each file as one transaction)."""
    group: int
    """Statements of the same block or file share a group number."""
    index: int = 0
    """Position within its group (0-based)."""
    in_do: bool = False
    """Found inside a `DO $$ ... $$` body."""
    explicit_transaction: bool = False
    """Inside a BEGIN ... COMMIT the text itself opens (not an implied one)."""
    transaction: int = 0
    """Which BEGIN ... COMMIT of its group it belongs to (1, 2, ...); 0 outside any."""

    @property
    def table(self) -> str | None:
        """The table the statement acts on (relation name, unquoted), when it has one."""
        rel = self.tree.get("relation")
        if isinstance(rel, dict):
            name = rel.get("relname")
            return str(name) if name else None
        return None

    @property
    def concurrent(self) -> bool:
        return bool(self.tree.get("concurrent"))

    @property
    def alter_cmds(self) -> list[Tree]:
        """AlterTableCmd dicts of an ALTER TABLE (empty for other statements)."""
        if self.kind != "AlterTableStmt":
            return []
        return [c["AlterTableCmd"] for c in self.tree.get("cmds", []) if "AlterTableCmd" in c]

    @property
    def is_ddl(self) -> bool:
        return self.kind in DDL_KINDS

    @property
    def first_line_text(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""


DDL_KINDS = frozenset(
    {
        "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "CreateStmt", "AlterEnumStmt",
        "CreateEnumStmt", "TruncateStmt", "ReindexStmt", "AlterDomainStmt", "CreateDomainStmt",
        "ClusterStmt", "VacuumStmt", "RefreshMatViewStmt",
    }
)
