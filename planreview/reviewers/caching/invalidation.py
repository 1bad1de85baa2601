"""Caching rules about invalidation: mutations that leave a cache stale, invalidation wider
than the tenant.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from planreview.artifacts.code import CacheCall, CodeUnit, Function
from planreview.models import Severity
from planreview.reviewers.caching.caches import (
    CALL,
    INVALIDATING,
    _Cache,
    _caches,
    _model,
    _reads,
    _span,
    display,
    index_functions,
    invalidators,
    loader_spans,
    prose_models,
)
from planreview.reviewers.caching.keys import first_arg, loads_tenant_data, resolve_key
from planreview.reviewers.caching.memo import split_args
from planreview.reviewers.caching.reading import in_test_code, read_units
from planreview.reviewers.caching.tenancy import (
    mentions_tenant,
    scope_of,
    tenant_keys,
    tenant_param,
)
from planreview.reviewers.common import (
    at,
    evidence,
    is_batch_job,
    location,
)
from planreview.rules import Hit, RuleContext, rule


@rule("caching/mutation-without-invalidation", severity=Severity.P3)
def mutation_without_invalidation(ctx: RuleContext) -> Iterator[Hit]:
    """The plan writes data a cache holds, and that write path never invalidates the cache.

    Why: readers keep getting the cached copy until the TTL expires (or forever for a Map
    with no TTL): the change the user just made is invisible to them and to agents reading
    the cache.
    Fix: call the cache's invalidation (`invalidateBootstrapCache(tenantId)`, `cache.delete(
    key)`, `revalidateTag`) after every mutation of the data it holds, in the same path.
    A write path is a function of the plan's proposed code that writes (an ORM create/
    update/delete/upsert/save, SQL INSERT/UPDATE/DELETE), never a bare snippet, a table
    cell, a checklist line or a test; a cache is one the code shows (an LRU,
    `unstable_cache`, an ISR page, a `Map` read before its source and written after).
    One finding per cache. Raised to P2 when the cache has no TTL at all.
    """
    by_cache: dict[tuple[str, int], list[_StalePath]] = {}
    for path in stale_paths(ctx):
        by_cache.setdefault((path.cache.unit.path, path.cache.call.start_line), []).append(path)
    for paths in by_cache.values():
        yield _stale_hit(ctx, paths)


@dataclass(frozen=True)
class _StalePath:
    """One write path of the plan's code that leaves a cache stale."""

    cache: _Cache
    name: str
    """The writing function (`reorderTiers`)."""
    models: tuple[str, ...]
    line: int
    end_line: int
    unit: CodeUnit
    evictors: frozenset[str]


def stale_paths(ctx: RuleContext) -> list[_StalePath]:
    caches = _caches(ctx)
    if not caches:
        return []
    index = index_functions(ctx)
    writes = [
        (u, q)
        for u in read_units(ctx)
        if u.origin == "plan" and not is_batch_job(u)
        for q in u.queries
        if q.is_write
        and _model(q)
        and not in_test_code(u, q.start_line)
        and u.function_around(q.start_line) is not None  # a write path, not a bare snippet
    ]
    candidates = {m for _, q in writes if (m := _model(q))}
    out: list[_StalePath] = []
    for cache in caches:
        held: set[str] = set()
        for start, end in loader_spans(cache):
            held |= _reads(cache.unit, start, end, index)
        held |= prose_models(ctx, cache, candidates)
        if not held & candidates:
            continue
        evictors = frozenset(invalidators(ctx, cache))
        reported: set[tuple[str, int]] = set()
        for unit, q in writes:
            model = _model(q)
            if model not in held:
                continue
            start, end = _span(unit, q.start_line)
            if (unit.path, start) in reported or _invalidates(unit, start, end, evictors, index):
                continue
            reported.add((unit.path, start))
            fn = unit.function_around(q.start_line)
            name = fn.name if fn else ""
            label = display(q.model or model or "")
            out.append(_StalePath(cache, name, (label,), q.start_line, q.end_line, unit, evictors))
    return out


def _invalidates(
    unit: CodeUnit,
    start: int,
    end: int,
    evictors: frozenset[str],
    index: dict[str, list[tuple[CodeUnit, Function]]],
    depth: int = 1,
) -> bool:
    if any(c.kind in INVALIDATING and start <= c.start_line <= end for c in unit.caches):
        return True
    called = set(CALL.findall(unit.masked_between(start, end)))
    if called & evictors:
        return True
    if depth:
        for name in called:
            for other, fn in index.get(name, []):
                if (other, fn.start_line) != (unit, start) and _invalidates(
                    other, fn.start_line, fn.end_line, evictors, index, depth - 1
                ):
                    return True
    return False


def _stale_hit(ctx: RuleContext, paths: list[_StalePath]) -> Hit:
    cache = paths[0].cache
    names = ", ".join(dict.fromkeys(f"`{p.name}`" for p in paths))
    models = ", ".join(dict.fromkeys(m for p in paths for m in p.models))
    evict = sorted(paths[0].evictors)[0] if paths[0].evictors else None
    call = f"`{evict}(...)`" if evict else cache.eviction()
    no_ttl = cache.call.ttl_seconds is None and cache.call.kind in ("lru", "map")
    ttl = cache.ttl_text()
    where = [location(ctx, p.unit, p.line, p.end_line) for p in paths]
    proof = [evidence(ctx, p.unit, p.line) for p in paths[:5]]
    decl = (cache.call.start_line, cache.call.end_line)
    lines = ", ".join(str(p.line) for p in paths)
    return Hit(
        title=f"{names} write{'s' if len(paths) == 1 else ''} {models} but never "
        f"invalidate{'s' if len(paths) == 1 else ''} {cache.label} ({ttl})",
        locations=[*where, location(ctx, cache.unit, *decl)],
        issue=(
            f"{names} (plan line{'s' if len(paths) > 1 else ''} {lines}) "
            f"change{'s' if len(paths) == 1 else ''} {models}, which {cache.label} "
            f"({at(cache.unit, cache.call.start_line)}, {ttl}) holds, and nothing on "
            f"{'that path' if len(paths) == 1 else 'those paths'} evicts the entry."
        ),
        impact=(
            "Readers keep the stale copy "
            + (
                "until the process restarts or the entry is evicted."
                if no_ttl
                else f"for up to the {ttl}: the change is invisible until then."
            )
        ),
        recommendation=(
            f"Call {call} right after every write on these paths, as the existing mutations "
            "of this data should; put it in one shared helper the new tools/endpoints all "
            "call, and add it to the acceptance criteria."
        ),
        evidence=[*proof, evidence(ctx, cache.unit, *decl)],
        severity=Severity.P2 if no_ttl else None,
        confidence=75,
    )


# --- invalidation wider than the tenant ------------------------------------------------------


@rule("caching/invalidation-clears-all-tenants", severity=Severity.P2)
def invalidation_clears_all_tenants(ctx: RuleContext) -> Iterator[Hit]:
    """A write path invalidates every tenant's entries (wildcard or `clear()`), not one's.

    In a multi-tenant plan, invalidation should be scoped to the tenant whose data changed.
    Why: each product edit (or each row of a bulk import) empties the whole cache, so the
    hit rate collapses exactly when traffic is high, and every tenant pays the cold-cache
    cost for one tenant's change.
    Fix: scope invalidation to the tenant: tenant-prefixed keys and a per-tenant key set or
    a per-tenant version number in the key (bump it on write), or `revalidateTag(tenantTag)`.
    Fires only on the plan's proposed code (never a test's `setUp`/`tearDown` or a script),
    and only when the code shows tenancy: the same cache (the wildcard's key prefix, or the
    receiver of `clear()`) is filled by a function that takes a tenant key and loads data
    by it, and that key scopes data elsewhere (a query filter, a schema column).
    """
    tenants = tenant_keys(ctx)
    if not tenants:
        return
    units = read_units(ctx)
    filled = _tenant_filled(units, tenants)
    for unit in units:
        if unit.origin != "plan" or is_batch_job(unit):
            continue
        for c in unit.caches:
            wildcard = c.kind in ("redis-keys", "delete") and "*" in c.args
            if not (wildcard or c.kind == "clear") or in_test_code(unit, c.start_line):
                continue
            if mentions_tenant(c.args, tenants):
                continue
            tenant = _filled_by_tenant(c, filled)
            if tenant is None:
                continue
            yield _all_tenants_hit(ctx, unit, c, tenant)


def _tenant_filled(
    units: list[CodeUnit], tenants: dict[str, str]
) -> list[tuple[CacheCall, str, str]]:
    """(set call, its key's text, tenant key) for every cache write in a function that
    takes a tenant key and loads data by it."""
    out: list[tuple[CacheCall, str, str]] = []
    for unit in units:
        for c in unit.caches:
            if c.kind != "set" or in_test_code(unit, c.start_line):
                continue
            fn = unit.function_around(c.start_line)
            tenant = tenant_param(fn.params, tenants) if fn else None
            if fn and tenant and loads_tenant_data(unit, fn, tenant):
                key = resolve_key(unit, fn, first_arg(c.args)) or ""
                out.append((c, key, tenant))
    return out


def _filled_by_tenant(c: CacheCall, filled: list[tuple[CacheCall, str, str]]) -> str | None:
    """The tenant key of the tenant-scoped writes this invalidation drops: those whose key
    starts with the wildcard's prefix, or, for `clear()`, those of the same receiver."""
    if c.kind == "clear":
        for s, _, tenant in filled:
            if s.name == c.name:
                return tenant
        return None
    pattern = split_args(c.args)[:1]
    prefix = pattern[0].strip("`'\"").split("*", 1)[0] if pattern else ""
    if not prefix:
        return None
    for _, key, tenant in filled:
        if key.strip("`'\"").startswith(prefix):
            return tenant
    return None


def _all_tenants_hit(ctx: RuleContext, unit: CodeUnit, c: CacheCall, tenant: str) -> Hit:
    scope = scope_of(tenant)
    call = f"{c.name}.{'keys' if c.kind == 'redis-keys' else c.kind}({c.args.strip()})"
    return Hit(
        title=f"Invalidation `{call}` drops every {scope}'s entries, not just the "
        "changed one's",
        locations=[location(ctx, unit, c.start_line, c.end_line)],
        issue=(
            f"{at(unit, c.start_line)} invalidates with `{call}`, which matches the "
            f"entries of every {scope}; the cached data is loaded per `{tenant}`."
        ),
        impact=(
            f"Every write by any {scope} (and every row of a bulk import) empties the "
            "whole cache: the hit rate collapses under write load and all "
            f"{scope}s pay cold-cache latency for one {scope}'s change."
        ),
        recommendation=(
            f"Scope invalidation per {scope}: put `{tenant}` in every key and "
            f"delete only that {scope}'s keys (a per-{scope} key set), or keep a "
            f"per-{scope} version number in the key and bump it on write."
        ),
        evidence=[evidence(ctx, unit, c.start_line, c.end_line)],
        confidence=75,
    )
