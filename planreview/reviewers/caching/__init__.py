"""The caching specialist: its deterministic rules and its prompt.

The rules join three sources: caches the code declares (`new LRUCache`, a Map named like
a cache, Redis, `unstable_cache`, `export const revalidate`), the writes and routes the
plan introduces, and what the plan's prose promises (a freshness bound, a route rename).
"""

from __future__ import annotations

import re

from planreview.reviewers.caching import instances, invalidation, keys, routes, ttl
from planreview.rules import Specialist, rules_in

SPECIALIST = Specialist(
    name="caching",
    prompt="caching.md",
    focus="cache invalidation, TTLs, keys and route caches",
    relevant=re.compile(r"cache|redis|revalidat|route\.|page\.tsx|layout\.|ttl|lru", re.I),
    rules=rules_in(instances, invalidation, keys, routes, ttl),
)
