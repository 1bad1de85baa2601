"""The performance specialist: its deterministic rules and its prompt."""

from __future__ import annotations

NAME = "performance"
PROMPT = "performance.md"
FOCUS = "queries, loops, round-trips and transactions on hot paths"
