"""Caching rules about in-process caches: unbounded Maps, one cache per instance behind a
load balancer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.code import CodeUnit
from planreview.models import Severity
from planreview.reviewers.caching.caches import _caches, invalidators
from planreview.reviewers.caching.keys import first_arg
from planreview.reviewers.caching.memo import is_memo_store
from planreview.reviewers.caching.reading import is_browser_code, is_skipped_line, read_units
from planreview.reviewers.common import (
    at,
    evidence,
    is_relevant,
    location,
)
from planreview.rules import Hit, RuleContext, rule

# --- unbounded Map cache -------------------------------------------------------------------


# A key built from a row id grows with the table: one entry per row (and per version).
_ROW_KEY = re.compile(r"(?:[a-z]Id|_id|\bid)\b")


def _key_text(unit: CodeUnit, key: str) -> str:
    """The key expression, with a plain variable replaced by its assignment in the unit."""
    if not re.fullmatch(r"[\w$]+", key):
        return key
    pattern = rf"(?:const|let|var)\s+{re.escape(key)}\s*(?::[^=]+)?=\s*([^;\n]+)"
    m = re.search(pattern, unit.text)
    return m.group(1) if m else key


@rule("caching/unbounded-map-cache", severity=Severity.P2)
def unbounded_map_cache(ctx: RuleContext) -> Iterator[Hit]:
    """A `Map` cache keyed per row is only ever added to: no eviction, no size bound, no TTL.

    A `Map` is a cache only when a function looks a key up and, on a miss, stores a value
    loaded or computed from a source (`await`, a query, `render(...)`); accumulators,
    counters and rate limiters that store literals or arithmetic are not caches, and test
    code and browser code (`localStorage`, `document`, `'use client'`) are not read. It
    fires only when the key grows with the data (a row id: `listingId`, `user_id`); a memo
    keyed by a small domain (a currency, a slug of a name) stays quiet.
    Why: every distinct key stays in process memory until restart; with per-tenant or
    per-user keys memory grows with traffic, and entries are never refreshed (stale forever).
    Fix: `new LRUCache({ max: 1000, ttl: 5 * 60_000 })` from lru-cache, or delete entries on
    write and cap the Map's size.
    """
    units = read_units(ctx)
    for unit in units:
        for c in unit.caches:
            if c.kind != "map" or not c.name or not is_memo_store(units, c.name):
                continue
            uses = [
                other for u in units for other in u.caches if other.name.split(".")[-1] == c.name
            ]
            if not any(u.kind == "set" for u in uses):
                continue
            if any(u.kind in ("delete", "clear") for u in uses):
                continue
            if any(re.search(rf"\b{re.escape(c.name)}\s*\.\s*size\b", u.masked) for u in units):
                continue
            if not is_relevant(ctx, unit, c.start_line, c.where):
                continue
            per_row = any(
                _ROW_KEY.search(_key_text(owner, first_arg(call.args)))
                for owner in units
                for call in owner.caches
                if call.kind == "set" and call.name.split(".")[-1] == c.name
            )
            if not per_row or is_browser_code(unit):
                continue
            yield Hit(
                title=f"`{c.name}` is a Map cache with no eviction, size bound or TTL",
                locations=[location(ctx, unit, c.start_line, c.end_line)],
                issue=(
                    f"`{c.name}` ({at(unit, c.start_line)}) is filled with `set`, one entry "
                    "per row id, but nothing deletes from it, clears it or bounds its size."
                ),
                impact=(
                    "Memory grows with every distinct key until the process restarts, and "
                    "cached values are never refreshed: after a write, readers see the old "
                    "value for the life of the process."
                ),
                recommendation=(
                    "Replace it with `new LRUCache({ max: 1000, ttl: 5 * 60_000 })`, and "
                    "delete the key wherever the underlying data changes."
                ),
                evidence=[evidence(ctx, unit, c.start_line, c.end_line)],
                confidence=100,
            )


# --- in-process cache, many instances ------------------------------------------------------

_INSTANCES = re.compile(
    r"(?i)\b(\d+|multiple|several|many)\s+(?:"
    r"(?:(?:api|app|web|server|service|backend|node(?:\.js)?|gunicorn|uvicorn|puma|unicorn)\s+"
    r"(?:instances|workers|processes|nodes|pods|replicas|containers|servers))"
    r"|(pods|replicas|containers|servers|dynos|machines|ecs\s+tasks))\b"
)
"""Deployment words: "14 pods", "3 API instances", "several replicas". Bare "instances" or
"workers" are not enough ("multiple component instances share one request")."""


def _instances(ctx: RuleContext) -> tuple[int, str] | None:
    """(plan line, count as written) where the plan says the service runs on >1 instance."""
    for n, text in enumerate(ctx.plan.lines, start=1):
        for m in _INSTANCES.finditer(text):
            if not m.group(1).isdigit() or int(m.group(1)) >= 2:
                return n, " ".join(m.group(0).split())
    return None


@rule("caching/in-process-cache-multi-instance", severity=Severity.P2)
def in_process_cache_multi_instance(ctx: RuleContext) -> Iterator[Hit]:
    """Evicting an in-process cache when the service runs on several instances.

    The eviction reaches only the instance that handled the write.
    Why: an LRU or Map lives in one process. `cache.delete(key)` on the pod that served the
    admin request leaves every other pod serving the old value until its TTL expires.
    Fix: broadcast invalidations (Redis pub/sub, Postgres LISTEN/NOTIFY) to every instance,
    move the cache to a shared store (Redis) with delete-on-write, or cap the TTL at the
    staleness the plan accepts.
    The eviction must be the plan's (prose or proposed code, not a test's), of a cache the
    code shows (an LRU, or a `Map` read before its source).
    """
    instances = _instances(ctx)
    if instances is None:
        return
    instance_line, count = instances
    for cache in _caches(ctx):
        if cache.call.kind not in ("lru", "map") or not cache.name:
            continue
        if is_browser_code(cache.unit):
            continue  # one per browser tab, not per server instance
        if not is_relevant(ctx, cache.unit, cache.call.start_line, cache.call.where) and (
            cache.unit.path not in ctx.context.files
        ):
            continue
        evictors = invalidators(ctx, cache)
        mention = re.compile(
            rf"\b{re.escape(cache.name)}\s*\.\s*(?:delete|del|clear|reset)\s*\("
            + "".join(rf"|\b{re.escape(e)}\s*\(" for e in sorted(evictors))
        )
        lines = [
            n
            for n, text in enumerate(ctx.plan.lines, start=1)
            if mention.search(text) and not is_skipped_line(ctx, n)
        ]
        if not lines:
            continue
        decl = (cache.call.start_line, cache.call.end_line)
        ttl = cache.ttl_text()
        yield Hit(
            title=(
                f"Evicting in-process {cache.label} reaches only one of {count} "
                f"({ttl} on the others)"
            ),
            locations=[
                ctx.plan_location(lines[0]),
                ctx.plan_location(instance_line),
                location(ctx, cache.unit, *decl),
            ],
            issue=(
                f"Plan line {lines[0]} keeps {cache.label} fresh by evicting it, but "
                f"{cache.label} ({at(cache.unit, cache.call.start_line)}) lives inside each "
                f"process and plan line {instance_line} says the service runs on {count}."
            ),
            impact=(
                "The eviction clears only the instance that handled the write; every other "
                f"instance keeps serving the old value for up to the {ttl}, so users see "
                "old and new values alternate from request to request."
            ),
            recommendation=(
                "Broadcast the eviction to every instance (Redis pub/sub or Postgres "
                "LISTEN/NOTIFY), move the cache to a shared store such as Redis with "
                "delete-on-write, or cap the TTL at the staleness the plan accepts."
            ),
            evidence=[
                ctx.plan_evidence(lines[0]),
                ctx.plan_evidence(instance_line),
                evidence(ctx, cache.unit, *decl),
            ],
            confidence=75,
        )
