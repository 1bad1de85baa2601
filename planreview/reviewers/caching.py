"""The caching specialist: its deterministic rules and its prompt."""

from __future__ import annotations

NAME = "caching"
PROMPT = "caching.md"
FOCUS = "cache invalidation, TTLs, keys and route caches"
