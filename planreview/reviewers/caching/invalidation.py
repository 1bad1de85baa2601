"""Caching rules about invalidation: mutations that leave a cache stale, invalidation wider
than the tenant.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from planreview.artifacts.code import CodeUnit, Function
from planreview.models import Severity
from planreview.plan import Table
from planreview.reviewers.caching.caches import (
    CALL,
    INVALIDATING,
    _Cache,
    _caches,
    _model,
    _reads,
    _singular,
    _span,
    display,
    index_functions,
    invalidators,
    loader_spans,
    prose_models,
)
from planreview.reviewers.caching.keys import TENANT_PARAM, TENANT_WORD
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
    Write paths are the plan's code (functions that write) and the rows of tables that list
    new tools/endpoints and what they write, when neither the row nor its section mentions
    eviction. One finding per cache. Raised to P2 when the cache has no TTL at all.
    """
    by_cache: dict[tuple[str, int], list[_StalePath]] = {}
    for path in stale_paths(ctx):
        by_cache.setdefault((path.cache.unit.path, path.cache.call.start_line), []).append(path)
    for paths in by_cache.values():
        yield _stale_hit(ctx, paths)


@dataclass(frozen=True)
class _StalePath:
    """One write path that leaves a cache stale: plan code or a plan table row."""

    cache: _Cache
    name: str
    """`reorderTiers` or the row's first cell (`manage_tiers`)."""
    models: tuple[str, ...]
    line: int
    end_line: int
    unit: CodeUnit | None
    """The code unit for a code write; None for a plan table row (plan lines)."""
    evictors: frozenset[str]


def stale_paths(ctx: RuleContext) -> list[_StalePath]:
    caches = _caches(ctx)
    if not caches:
        return []
    index = index_functions(ctx)
    writes = [
        (u, q)
        for u in ctx.artifacts.code
        if u.origin == "plan" and not is_batch_job(u)
        for q in u.queries
        if q.is_write and _model(q)
    ]
    rows = _write_rows(ctx)
    candidates = {m for _, q in writes if (m := _model(q))} | {
        w for _, _, words in rows for w in words
    }
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
            name = fn.name if fn else f"line {q.start_line}"
            label = display(q.model or model or "")
            out.append(_StalePath(cache, name, (label,), q.start_line, q.end_line, unit, evictors))
        for line, cells, words in rows:
            named = sorted(display(w) for w in words & held)
            if named and cells:
                name = cells[0].strip(" `") or f"line {line}"
                out.append(_StalePath(cache, name, tuple(named), line, line, None, evictors))
    return out


_WRITE_VERB = re.compile(
    r"(?i)\b(creat|updat|upsert|delet|remov|writ|insert|replac|reorder|renam|edit|attach|"
    r"detach|deactivat|archiv|patch|put|post|set|save|import)\w*"
)
_EVICTION = re.compile(r"(?i)invalidat|\.delete\(|\bdel\(|revalidat|purge|evict|\bbust|cache")


def _write_rows(ctx: RuleContext) -> list[tuple[int, tuple[str, ...], set[str]]]:
    """(plan line, cells, words) of table rows that describe a write path (a tool or an
    endpoint that creates/updates/deletes) and mention no eviction, in sections that say
    nothing about eviction either."""
    out: list[tuple[int, tuple[str, ...], set[str]]] = []
    for table in ctx.plan.tables:
        header_writes = any(_WRITE_VERB.search(h) for h in table.header)
        section = ctx.plan.section_at(table.start_line)
        lo, hi = (section.start_line, section.end_line) if section else (1, len(ctx.plan.lines))
        prose = (
            ctx.plan.line(n)
            for n in range(lo, hi + 1)
            if not table.start_line <= n <= table.end_line
        )
        if any(_EVICTION.search(text) for text in prose):
            continue  # the section says how caches are kept fresh
        for line, cells in _row_lines(ctx, table):
            text = " ".join(cells)
            if (header_writes or _WRITE_VERB.search(" ".join(cells[1:]))) and not (
                _EVICTION.search(text)
            ):
                out.append((line, cells, {_singular(w) for w in re.findall(r"[A-Za-z]+", text)}))
    return out


def _row_lines(ctx: RuleContext, table: Table) -> list[tuple[int, tuple[str, ...]]]:
    """(plan line, cells) of each body row: the line that holds the row's first cell."""
    out: list[tuple[int, tuple[str, ...]]] = []
    n = table.start_line + 1
    for cells in table.rows:
        first = cells[0].strip() if cells else ""
        while n < table.end_line and first not in ctx.plan.line(n + 1):
            n += 1
        n = min(n + 1, table.end_line)
        out.append((n, cells))
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
    where = [
        location(ctx, p.unit, p.line, p.end_line) if p.unit else ctx.plan_location(p.line)
        for p in paths
    ]
    proof = [
        evidence(ctx, p.unit, p.line) if p.unit else ctx.plan_evidence(p.line) for p in paths[:5]
    ]
    decl = (cache.call.start_line, cache.call.end_line)
    lines = ", ".join(str(p.line) for p in paths)
    return Hit(
        title=f"{names} write{'s' if len(paths) == 1 else ''} {models} but never "
        f"invalidate{'s' if len(paths) == 1 else ''} {cache.label} ({ttl})",
        locations=[*where, location(ctx, cache.unit, *decl)],
        issue=(
            f"{names} (plan line{'s' if len(paths) > 1 else ''} {lines}) change {models}, "
            f"which {cache.label} ({at(cache.unit, cache.call.start_line)}, {ttl}) holds, and "
            "nothing on those paths evicts the entry."
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
    """
    tenant = TENANT_PARAM.search(ctx.plan.text)
    if tenant is None:
        return
    scope = re.sub(r"(?i)_?(id|slug)$", "", tenant.group(1))
    for unit in ctx.artifacts.code:
        if unit.origin != "plan" or is_batch_job(unit):
            continue
        for c in unit.caches:
            wildcard = c.kind in ("redis-keys", "delete") and "*" in c.args
            if not (wildcard or c.kind == "clear") or TENANT_WORD.search(c.args):
                continue
            call = f"{c.name}.{'keys' if c.kind == 'redis-keys' else c.kind}({c.args.strip()})"
            yield Hit(
                title=f"Invalidation `{call}` drops every {scope}'s entries, not just the "
                "changed one's",
                locations=[location(ctx, unit, c.start_line, c.end_line)],
                issue=(
                    f"{at(unit, c.start_line)} invalidates with `{call}`, which matches the "
                    f"entries of every {scope}; the data is scoped by `{tenant.group(1)}`."
                ),
                impact=(
                    f"Every write by any {scope} (and every row of a bulk import) empties the "
                    "whole cache: the hit rate collapses under write load and all "
                    f"{scope}s pay cold-cache latency for one {scope}'s change."
                ),
                recommendation=(
                    f"Scope invalidation per {scope}: put `{tenant.group(1)}` in every key and "
                    f"delete only that {scope}'s keys (a per-{scope} key set), or keep a "
                    f"per-{scope} version number in the key and bump it on write."
                ),
                evidence=[evidence(ctx, unit, c.start_line, c.end_line)],
                confidence=75,
            )
