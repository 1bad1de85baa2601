"""The migration specialist: its deterministic rules and its prompt."""

from __future__ import annotations

NAME = "migration"
PROMPT = "migration.md"
FOCUS = "DDL locks, rewrites, backfills, transactions and rollback paths"
