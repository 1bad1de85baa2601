"""PostgreSQL table lock modes: their SQL names and what each one blocks."""

from __future__ import annotations

SQL_NAME = {
    "AccessShareLock": "ACCESS SHARE",
    "RowShareLock": "ROW SHARE",
    "RowExclusiveLock": "ROW EXCLUSIVE",
    "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
    "ShareLock": "SHARE",
    "ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE",
    "ExclusiveLock": "EXCLUSIVE",
    "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}

BLOCKS = {
    "AccessShareLock": "only ACCESS EXCLUSIVE (DROP, most ALTER TABLE); reads and writes proceed",
    "RowShareLock": "EXCLUSIVE and ACCESS EXCLUSIVE; reads and writes proceed",
    "RowExclusiveLock": "CREATE INDEX (non-concurrent) and stronger; reads and writes proceed",
    "ShareUpdateExclusiveLock": (
        "other schema changes, VACUUM and concurrent index builds; reads and writes proceed"
    ),
    "ShareLock": "INSERT, UPDATE and DELETE; reads proceed",
    "ShareRowExclusiveLock": "INSERT, UPDATE, DELETE and other SHARE ROW EXCLUSIVE; reads proceed",
    "ExclusiveLock": "writes and SELECT ... FOR UPDATE; plain reads proceed",
    "AccessExclusiveLock": "everything: reads (SELECT) and writes wait",
}

STRENGTH = list(SQL_NAME)
"""Weakest first."""


def describe(mode: str) -> str:
    """`ACCESS EXCLUSIVE (blocks everything: ...)`; unknown modes are returned as is."""
    if mode not in SQL_NAME:
        return mode
    return f"{SQL_NAME[mode]} (blocks {BLOCKS[mode]})"


def strongest(modes: list[str]) -> str | None:
    known = [m for m in modes if m in SQL_NAME]
    return max(known, key=STRENGTH.index) if known else None
