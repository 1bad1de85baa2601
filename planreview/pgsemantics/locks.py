"""Table-level lock modes: which statement takes which, and what each one blocks.

Source: PostgreSQL documentation, "Explicit Locking", section 13.3.1 "Table-Level Locks"
(Table 13.2 "Conflicting Lock Modes"); per-statement levels from the reference pages
named at each entry (ALTER TABLE, CREATE INDEX, REINDEX, DROP INDEX, ...), which agree
with `AlterTableGetLockLevel` in the server's tablecmds.c.

A lock request that waits queues every later request that conflicts with it: a SHARE
lock waiting behind a long transaction blocks every writer on the table for as long as
it waits, not only while it is held (13.3.1: "conflicting lock modes").
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planreview.artifacts.sql import SqlStatement

DOC_LOCKS = "https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES"


class LockMode(IntEnum):
    """The eight table lock modes, weakest first (the LOCK statement's numbering)."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def sql_name(self) -> str:
        """`SHARE ROW EXCLUSIVE`, as the docs and LOCK TABLE spell it."""
        return self.name.replace("_", " ")

    @property
    def pg_locks_name(self) -> str:
        """`ShareRowExclusiveLock`, as pg_locks.mode shows it."""
        return "".join(part.capitalize() for part in self.name.split("_")) + "Lock"


_M = LockMode
# Table 13.2: each mode -> the modes it conflicts with.
_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    _M.ACCESS_SHARE: frozenset({_M.ACCESS_EXCLUSIVE}),
    _M.ROW_SHARE: frozenset({_M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}),
    _M.ROW_EXCLUSIVE: frozenset(
        {_M.SHARE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}
    ),
    _M.SHARE_UPDATE_EXCLUSIVE: frozenset(
        {_M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE,
         _M.ACCESS_EXCLUSIVE}
    ),
    _M.SHARE: frozenset(
        {_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE_ROW_EXCLUSIVE, _M.EXCLUSIVE,
         _M.ACCESS_EXCLUSIVE}
    ),
    _M.SHARE_ROW_EXCLUSIVE: frozenset(
        {_M.ROW_EXCLUSIVE, _M.SHARE_UPDATE_EXCLUSIVE, _M.SHARE, _M.SHARE_ROW_EXCLUSIVE,
         _M.EXCLUSIVE, _M.ACCESS_EXCLUSIVE}
    ),
    _M.EXCLUSIVE: frozenset(set(LockMode) - {_M.ACCESS_SHARE}),
    _M.ACCESS_EXCLUSIVE: frozenset(LockMode),
}


def conflicts(a: LockMode, b: LockMode) -> bool:
    """Whether two transactions can not hold `a` and `b` on one table at once."""
    return b in _CONFLICTS[a]


def blocks_writes(mode: LockMode) -> bool:
    """INSERT/UPDATE/DELETE take ROW EXCLUSIVE: SHARE and stronger make them wait."""
    return conflicts(mode, LockMode.ROW_EXCLUSIVE)


def blocks_reads(mode: LockMode) -> bool:
    """A plain SELECT takes ACCESS SHARE: only ACCESS EXCLUSIVE makes it wait."""
    return conflicts(mode, LockMode.ACCESS_SHARE)


# What each mode makes wait, in words a reviewer reads (Table 13.2 read for the
# statements applications run).
BLOCKS: dict[LockMode, str] = {
    _M.ACCESS_SHARE: "only ACCESS EXCLUSIVE (DROP, most ALTER TABLE); reads and writes proceed",
    _M.ROW_SHARE: "EXCLUSIVE and ACCESS EXCLUSIVE; reads and writes proceed",
    _M.ROW_EXCLUSIVE: "CREATE INDEX (non-concurrent) and stronger; reads and writes proceed",
    _M.SHARE_UPDATE_EXCLUSIVE: (
        "other schema changes, VACUUM and concurrent index builds; reads and writes proceed"
    ),
    _M.SHARE: "INSERT, UPDATE and DELETE; reads proceed",
    _M.SHARE_ROW_EXCLUSIVE: "INSERT, UPDATE, DELETE and other SHARE ROW EXCLUSIVE; reads proceed",
    _M.EXCLUSIVE: "writes and SELECT ... FOR UPDATE; plain reads proceed",
    _M.ACCESS_EXCLUSIVE: "everything: reads (SELECT) and writes wait",
}


def from_pg_locks(name: str) -> LockMode | None:
    """`ShareLock` (pg_locks.mode) -> LockMode.SHARE; None for other lock types' modes."""
    return _BY_PG_LOCKS_NAME.get(name)


_BY_PG_LOCKS_NAME = {m.pg_locks_name: m for m in LockMode}


# ALTER TABLE subcommands (libpg_query's AlterTableType) -> the lock on the altered table.
# ALTER TABLE reference page, "Description": "An ACCESS EXCLUSIVE lock is acquired unless
# explicitly noted"; the exceptions it notes are listed here.
_ALTER_LOCKS: dict[str, LockMode] = {
    "AT_SetStatistics": _M.SHARE_UPDATE_EXCLUSIVE,  # "SET STATISTICS acquires SHARE UPDATE
    "AT_SetOptions": _M.SHARE_UPDATE_EXCLUSIVE,  # EXCLUSIVE"; n_distinct options likewise
    "AT_ResetOptions": _M.SHARE_UPDATE_EXCLUSIVE,
    "AT_ValidateConstraint": _M.SHARE_UPDATE_EXCLUSIVE,  # "VALIDATE CONSTRAINT ... SHARE
    "AT_ClusterOn": _M.SHARE_UPDATE_EXCLUSIVE,  # UPDATE EXCLUSIVE lock on the table"
    "AT_DropCluster": _M.SHARE_UPDATE_EXCLUSIVE,
    "AT_AttachPartition": _M.SHARE_UPDATE_EXCLUSIVE,  # on the parent, PG 12+
    "AT_EnableTrig": _M.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrig": _M.SHARE_ROW_EXCLUSIVE,
    "AT_EnableAlwaysTrig": _M.SHARE_ROW_EXCLUSIVE,
    "AT_EnableReplicaTrig": _M.SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigAll": _M.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigAll": _M.SHARE_ROW_EXCLUSIVE,
    "AT_EnableTrigUser": _M.SHARE_ROW_EXCLUSIVE,
    "AT_DisableTrigUser": _M.SHARE_ROW_EXCLUSIVE,
}


def _light_rel_options(cmd: dict[str, Any]) -> bool:
    """SET/RESET (storage_parameter ...): "Changing fillfactor, toast and autovacuum storage
    parameters, as well as the planner parameter parallel_workers, acquires a SHARE UPDATE
    EXCLUSIVE lock" (ALTER TABLE, SET ( storage_parameter ... )); others, ACCESS EXCLUSIVE."""
    items = cmd.get("def", {}).get("List", {}).get("items", [])
    params = [i.get("DefElem", {}) for i in items if isinstance(i, dict)]
    return bool(params) and all(
        p.get("defnamespace") == "toast"
        or str(p.get("defname", "")) in ("fillfactor", "parallel_workers")
        or str(p.get("defname", "")).startswith(("autovacuum_", "toast_"))
        for p in params
    )


def alter_cmd_lock(cmd: dict[str, Any]) -> LockMode:
    """The lock one ALTER TABLE subcommand takes on the altered table."""
    subtype = str(cmd.get("subtype"))
    if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions") and _light_rel_options(cmd):
        return _M.SHARE_UPDATE_EXCLUSIVE
    if subtype == "AT_AddConstraint":
        con = cmd.get("def", {}).get("Constraint", {})
        # "ADD FOREIGN KEY ... requires a SHARE ROW EXCLUSIVE lock on the referenced table,
        # in addition to the lock on the table on which the constraint is declared";
        # the declaring table's lock for a foreign key is SHARE ROW EXCLUSIVE as well.
        if con.get("contype") == "CONSTR_FOREIGN":
            return _M.SHARE_ROW_EXCLUSIVE
        return _M.ACCESS_EXCLUSIVE
    if subtype == "AT_DetachPartition":
        part = cmd.get("def", {}).get("PartitionCmd", {})
        concurrent = isinstance(part, dict) and part.get("concurrent")
        return _M.SHARE_UPDATE_EXCLUSIVE if concurrent else _M.ACCESS_EXCLUSIVE
    return _ALTER_LOCKS.get(subtype, _M.ACCESS_EXCLUSIVE)


def _has_param(tree: dict[str, Any], name: str) -> bool:
    return any(p.get("DefElem", {}).get("defname") == name for p in tree.get("params", []))


def statement_lock(s: SqlStatement) -> LockMode | None:
    """The strongest table lock `s` takes on the table it names (for DROP INDEX and
    REINDEX: the index's table); None for statements that lock no table (SET, CREATE
    TABLE of a new table, ALTER TYPE ... ADD VALUE)."""
    tree = s.tree
    kind = s.kind
    if kind == "AlterTableStmt":
        locks = [alter_cmd_lock(c) for c in s.alter_cmds]
        return max(locks) if locks else None
    if kind == "IndexStmt":  # CREATE INDEX: "SHARE"; CONCURRENTLY: "SHARE UPDATE EXCLUSIVE"
        return _M.SHARE_UPDATE_EXCLUSIVE if s.concurrent else _M.SHARE
    if kind == "ReindexStmt":  # REINDEX "locks out writes but not reads" of the table
        return _M.SHARE_UPDATE_EXCLUSIVE if _has_param(tree, "concurrently") else _M.SHARE
    if kind == "DropStmt":
        if tree.get("removeType") == "OBJECT_INDEX":
            return _M.SHARE_UPDATE_EXCLUSIVE if s.concurrent else _M.ACCESS_EXCLUSIVE
        if tree.get("removeType") in ("OBJECT_TABLE", "OBJECT_MATVIEW"):
            return _M.ACCESS_EXCLUSIVE
        return None
    if kind in ("TruncateStmt", "ClusterStmt"):
        return _M.ACCESS_EXCLUSIVE
    if kind == "RenameStmt":
        return _M.ACCESS_EXCLUSIVE if tree.get("relation") else None
    if kind == "RefreshMatViewStmt":  # CONCURRENTLY: EXCLUSIVE (reads go on)
        return _M.EXCLUSIVE if tree.get("concurrent") else _M.ACCESS_EXCLUSIVE
    if kind == "VacuumStmt":
        full = any(o.get("DefElem", {}).get("defname") == "full" for o in tree.get("options", []))
        return _M.ACCESS_EXCLUSIVE if full else _M.SHARE_UPDATE_EXCLUSIVE
    if kind == "CreateTrigStmt":
        return _M.SHARE_ROW_EXCLUSIVE
    if kind == "LockStmt":
        mode = tree.get("mode")
        return LockMode(mode) if isinstance(mode, int) and 1 <= mode <= 8 else None
    if kind in ("UpdateStmt", "DeleteStmt", "InsertStmt", "MergeStmt"):
        return _M.ROW_EXCLUSIVE
    return None


def referenced_table_lock(s: SqlStatement) -> list[tuple[str, LockMode]]:
    """(table, lock) on the tables an ALTER TABLE ... ADD FOREIGN KEY references, also
    through a column added with an inline `REFERENCES` (ADD COLUMN ... REFERENCES t)."""
    out: list[tuple[str, LockMode]] = []
    for cmd in s.alter_cmds:
        definition = cmd.get("def", {})
        if cmd.get("subtype") == "AT_AddConstraint":
            cons = [definition.get("Constraint", {})]
        elif cmd.get("subtype") == "AT_AddColumn":
            raw = definition.get("ColumnDef", {}).get("constraints", [])
            cons = [c.get("Constraint", {}) for c in raw if isinstance(c, dict)]
        else:
            continue
        for con in cons:
            name = con.get("pktable", {}).get("relname")
            if con.get("contype") == "CONSTR_FOREIGN" and name:
                out.append((str(name), _M.SHARE_ROW_EXCLUSIVE))
    return out
