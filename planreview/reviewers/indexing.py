"""The indexing specialist: its deterministic rules and its prompt."""

from __future__ import annotations

NAME = "indexing"
PROMPT = "indexing.md"
FOCUS = "missing, redundant and misordered indexes for the plan's queries"
