"""Migration rule about lock waits: DDL whose lock blocks writes, with no lock_timeout
set before it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planreview.artifacts.sql import SqlStatement, names
from planreview.models import Severity
from planreview.pgsemantics.locks import (
    LockMode,
    blocks_reads,
    blocks_writes,
    referenced_table_lock,
    statement_lock,
)
from planreview.reviewers.common import is_existing_table, plan_sql, q, quote, where
from planreview.reviewers.migration.transactions import _drop_table, transaction_groups
from planreview.rules import Hit, RuleContext, rule

_ZERO = re.compile(r"^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$", re.IGNORECASE)
_HEAVY = frozenset({"AT_AlterColumnType", "AT_SetNotNull", "AT_DropColumn"})
_OTHER_DDL = frozenset({"CreateTrigStmt"})
"""DDL that libpg_query's statement kinds do not count as such (DDL_KINDS) but that
locks an existing table."""


def _const_text(node: Any) -> str | None:
    value = node.get("A_Const", {}) if isinstance(node, dict) else {}
    for key in ("sval", "ival", "fval"):
        raw = value.get(key)
        if isinstance(raw, dict):
            return str(next(iter(raw.values()), "0"))  # ival {} is 0
    return None


def _timeout_setting(s: SqlStatement) -> tuple[bool, bool] | None:
    """(bounds, local) when `s` sets the real `lock_timeout` GUC, None otherwise.

    `bounds`: a non-zero value; `SET ... = 0`, `= DEFAULT`, `RESET lock_timeout` and
    `RESET ALL` turn the timeout off (runtime-config-client, lock_timeout: "A value of zero
    (the default) turns this off"). `SET foo.lock_timeout` is another (custom) setting.
    `SELECT set_config('lock_timeout', '5s', is_local)` counts as a SET.
    """
    tree = s.tree
    if s.kind == "VariableSetStmt":
        kind = tree.get("kind")
        if kind == "VAR_RESET_ALL":
            return False, False
        if tree.get("name") != "lock_timeout":
            return None
        local = bool(tree.get("is_local"))
        if kind != "VAR_SET_VALUE":
            return False, local
        text = _const_text((tree.get("args") or [{}])[0])
        return (text is not None and not _ZERO.match(text)), local
    if s.kind == "SelectStmt" and len(tree.get("targetList", [])) == 1:
        call = tree["targetList"][0].get("ResTarget", {}).get("val", {}).get("FuncCall", {})
        parts = [n.get("String", {}).get("sval") for n in call.get("funcname", [])]
        args = call.get("args", [])
        if parts[-1:] != ["set_config"] or len(args) != 3 or _const_text(args[0]) != "lock_timeout":
            return None
        text = _const_text(args[1])
        local = args[2].get("A_Const", {}).get("boolval", {}).get("boolval") is True
        return (text is not None and not _ZERO.match(text)), local
    return None


@dataclass(frozen=True)
class _Lock:
    """A lock on one table; for DROP INDEX / REINDEX INDEX of an index the plan did not
    create, the table is known only as the index's."""

    table: str | None
    mode: LockMode
    index: str | None = None

    @property
    def key(self) -> str:
        return (self.table or f"index {self.index}").lower()

    @property
    def shown(self) -> str:
        return q(self.table) if self.table else f"the table of index {q(self.index)}"

    @property
    def title(self) -> str:
        return self.table or f"the table of index {self.index}"


@dataclass(frozen=True)
class _Wait:
    """A statement that queues writers while it waits, and the tables it locks."""

    s: SqlStatement
    locks: tuple[_Lock, ...]

    @property
    def heavy(self) -> bool:
        return (self.s.kind == "DropStmt" and _drop_table(self.s) is not None) or any(
            c.get("subtype") in _HEAVY for c in self.s.alter_cmds
        )


def _plan_indexes(ctx: RuleContext) -> dict[str, str]:
    """Index (lower-case name) -> table, for the indexes the plan's SQL creates."""
    return {
        str(s.tree["idxname"]).lower(): s.table
        for s in plan_sql(ctx)
        if s.kind == "IndexStmt" and s.tree.get("idxname") and s.table
    }


def _locked(s: SqlStatement, mode: LockMode, indexes: dict[str, str]) -> list[_Lock]:
    """The tables `s` takes `mode` on (DROP and TRUNCATE may name several)."""
    def by_index(index: str) -> _Lock:
        table = indexes.get(index.lower())
        return _Lock(table, mode, None if table else index)

    if s.kind == "DropStmt":
        objects = [names(o.get("List", {}).get("items")) for o in s.tree.get("objects", [])]
        if s.tree.get("removeType") == "OBJECT_INDEX":
            return [by_index(parts[-1]) for parts in objects if parts]
        return [_Lock(parts[-1], mode) for parts in objects if parts]
    if s.kind == "TruncateStmt":
        return [
            _Lock(str(r["RangeVar"]["relname"]), mode)
            for r in s.tree.get("relations", [])
            if "RangeVar" in r
        ]
    if s.kind == "ReindexStmt":
        kind = s.tree.get("kind")
        if kind not in ("REINDEX_OBJECT_TABLE", "REINDEX_OBJECT_INDEX") or not s.table:
            return []  # REINDEX SCHEMA/DATABASE/SYSTEM: no one table named
        return [by_index(s.table) if kind == "REINDEX_OBJECT_INDEX" else _Lock(s.table, mode)]
    return [_Lock(s.table, mode)] if s.table else []


def _write_blocking(ctx: RuleContext, s: SqlStatement, indexes: dict[str, str]) -> _Wait | None:
    """The write-blocking locks `s` takes on tables that exist before the plan, if any."""
    if not (s.is_ddl or s.kind in _OTHER_DDL):
        return None
    mode = statement_lock(s)
    found = _locked(s, mode, indexes) if mode is not None and blocks_writes(mode) else []
    found += [_Lock(t, m) for t, m in referenced_table_lock(s)]
    found = [
        lock for lock in found
        if lock.table is None or is_existing_table(ctx, lock.table, s.start_line)
    ]
    return _Wait(s, tuple(found)) if found else None


_Key = tuple[str, int, int]


def _unbounded(ctx: RuleContext) -> dict[_Key, list[_Wait]]:
    """Write-blocking DDL on existing tables that no earlier lock_timeout bounds, by block.

    A session-level SET holds for the rest of its block or migration file; SET LOCAL
    only for the rest of its transaction (the block's own, for a tool that wraps each
    migration in one). A SET placed after the statement bounds nothing before it.
    """
    in_tx = {id(s): key for key, stmts in transaction_groups(ctx).items() for s in stmts}
    session: dict[_Key, bool] = {}
    local: dict[_Key, bool] = {}
    out: dict[_Key, list[_Wait]] = {}
    indexes = _plan_indexes(ctx)
    for s in sorted(plan_sql(ctx), key=lambda s: (s.start_line, s.index)):
        tx = in_tx.get(id(s), (s.path, s.group, s.transaction))
        # A `$transaction` callback's raw statements share its connection: one block.
        block = tx if tx[1] == -1 else (s.path, s.group, -1)
        setting = _timeout_setting(s)
        if setting is not None:
            bounds, is_local = setting
            if is_local:
                local[tx] = bounds
            else:
                session[block] = bounds
                local.pop(tx, None)
            continue
        if local.get(tx, session.get(block, False)):
            continue
        wait = _write_blocking(ctx, s, indexes)
        if wait is not None:
            out.setdefault(block, []).append(wait)
    return out


def _blocks(mode: LockMode) -> str:
    return "reads and writes" if blocks_reads(mode) else "writes (INSERT, UPDATE, DELETE)"


@rule("migration/missing-lock-timeout", severity=Severity.P3, dialects=("postgresql",))
def missing_lock_timeout(ctx: RuleContext) -> Iterator[Hit]:
    """DDL whose lock blocks writes on an existing table, with no `SET lock_timeout` before it.

    Why: a lock request that waits queues every later request that conflicts with it
    (PostgreSQL docs, 13.3.1 "Table-Level Locks"). ACCESS EXCLUSIVE (most ALTER TABLE,
    DROP, RENAME) queues reads and writes; SHARE (plain CREATE INDEX) and SHARE ROW
    EXCLUSIVE (ADD FOREIGN KEY, on the altered and the referenced table; CREATE TRIGGER)
    queue every INSERT, UPDATE and DELETE. Behind one long transaction a short migration
    becomes an outage. CREATE INDEX CONCURRENTLY and VALIDATE CONSTRAINT (SHARE UPDATE
    EXCLUSIVE) let writes through and are not flagged.
    Only a non-zero `SET [LOCAL] lock_timeout` run before the statement, in the same
    block/file (SET LOCAL: the same transaction), bounds the wait; one after it, zero,
    `RESET` or `SET foo.lock_timeout` do not (docs, 20.11 "Client Connection Defaults",
    lock_timeout: "A value of zero (the default) turns this off").
    Fix: `SET lock_timeout = '5s';` first, and retry the migration when it times out.
    Tables the plan creates are exempt. Once per block and table; P2 when the DDL
    rewrites, scans or drops (type change, SET NOT NULL, DROP).
    """
    reported: set[str] = set()
    for waits in _unbounded(ctx).values():
        fresh = [w for w in waits if any(lock.key not in reported for lock in w.locks)]
        if not fresh:
            continue
        reported.update(lock.key for w in fresh for lock in w.locks)
        yield _hit(ctx, fresh[0], heavy=any(w.heavy for w in fresh))


def _hit(ctx: RuleContext, w: _Wait, *, heavy: bool) -> Hit:
    s, first = w.s, w.locks[0]
    what = " and ".join(f"{lock.mode.sql_name} on {lock.shown}" for lock in w.locks)
    on = " and ".join(lock.shown for lock in w.locks)
    verb = "the ALTER" if s.kind == "AlterTableStmt" else "the statement"
    if all(lock.mode is LockMode.ACCESS_EXCLUSIVE for lock in w.locks):
        impact = (
            f"Behind one long query on {on} {verb} waits, and every later read and write "
            f"on the table queues behind {verb}: an outage until it gets in."
        )
    else:
        blocked = "; ".join(f"{_blocks(lock.mode)} on {lock.shown}" for lock in w.locks)
        impact = (
            f"Behind one long transaction on {on} the statement waits for its lock, and "
            f"while it waits it blocks {blocked}: they queue until it gets in and finishes."
        )
    return Hit(
        title=(
            f"No lock_timeout before the {first.mode.sql_name} DDL on "
            + " and ".join(lock.title for lock in w.locks)
        ),
        locations=[where(ctx, s)],
        issue=(
            f"`{s.first_line_text}` needs {what} and nothing bounds how long it waits for "
            f"{'that lock' if len(w.locks) == 1 else 'those locks'}."
        ),
        impact=impact,
        recommendation=(
            "Start the migration with `SET lock_timeout = '5s';` (and a "
            "statement_timeout) and retry on timeout instead of queueing traffic."
        ),
        evidence=[quote(ctx, s)],
        severity=Severity.P2 if heavy else None,
    )
