"""Lock modes as pg_locks reports them, named and explained from pgsemantics.locks."""

from __future__ import annotations

from planreview.pgsemantics.locks import BLOCKS, LockMode, from_pg_locks


def describe(mode: str) -> str:
    """`ACCESS EXCLUSIVE (blocks everything: ...)`; unknown modes are returned as is."""
    known = from_pg_locks(mode)
    return f"{known.sql_name} (blocks {BLOCKS[known]})" if known else mode


def sql_name(mode: str) -> str:
    """`AccessExclusiveLock` -> `ACCESS EXCLUSIVE`; unknown modes are returned as is."""
    known = from_pg_locks(mode)
    return known.sql_name if known else mode


def strongest(modes: list[str]) -> str | None:
    """The strongest of the pg_locks mode names given, or None when none is a table mode."""
    known: list[LockMode] = [m for m in map(from_pg_locks, modes) if m is not None]
    return max(known).pg_locks_name if known else None
