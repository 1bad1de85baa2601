"""Caching rules about keys: a tenant missing from the cache key, Redis KEYS on a request path."""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.code import CacheCall, CodeUnit, Function
from planreview.models import Severity
from planreview.reviewers.caching.memo import is_get_then_set, split_args
from planreview.reviewers.caching.reading import in_test_code, read_units
from planreview.reviewers.caching.tenancy import (
    TENANT_KEY,
    mentions_tenant,
    scope_of,
    tenant_keys,
    tenant_param,
)
from planreview.reviewers.common import (
    at,
    evidence,
    is_batch_job,
    is_relevant,
    location,
    where_text,
)
from planreview.rules import Hit, RuleContext, rule

# --- tenant in the cache key ---------------------------------------------------------------


def first_arg(args: str) -> str:
    parts = split_args(args)
    return parts[0] if parts else ""


@rule("caching/cache-key-missing-tenant", severity=Severity.P1)
def cache_key_missing_tenant(ctx: RuleContext) -> Iterator[Hit]:
    """A tenant-scoped read-through cache stores under a key that does not include the tenant.

    Why: two tenants asking for the same key (a slug, `"tiers"`) share one entry, so one
    tenant's data is served to another: a tenant-isolation breach, not just staleness.
    Fix: put the tenant id first in every key (`` `tenant:${tenantId}:tiers` ``), and in
    `unstable_cache` pass it as an argument or in the key parts.
    Fires only when the code shows all of it: a tenant key that scopes data elsewhere
    (a query filter, a schema column), a function taking that tenant and loading data by
    it, and a cache it reads before that load and writes after (`get` then `set` of the
    same key, or `unstable_cache`). A key handed to a wrapper together with the tenant
    (`cache.get(sessionId, tenantId)`) includes the tenant.
    """
    tenants = tenant_keys(ctx)
    if not tenants:
        return
    for unit in read_units(ctx):
        # One finding per function and key: its get and set share the flaw.
        found: dict[tuple[int, str], list[CacheCall]] = {}
        tenant_of: dict[tuple[int, str], tuple[Function, str, str]] = {}
        sets = [c for c in unit.caches if c.kind == "set"]
        for c in unit.caches:
            if in_test_code(unit, c.start_line):
                continue
            key = _cached_key(unit, c, sets)
            if not key:
                continue
            fn = enclosing_scope(unit, c.start_line, tenants)
            tenant = tenant_param(fn.params, tenants)
            if tenant is None or not loads_tenant_data(unit, fn, tenant):
                continue  # a global cache read from a tenant-scoped function
            resolved = resolve_key(unit, fn, key)
            if resolved is None or mentions_tenant(resolved, tenants):
                continue
            if not is_relevant(ctx, unit, c.start_line, c.where):
                continue
            slot = (fn.start_line, resolved.strip())
            found.setdefault(slot, []).append(c)
            tenant_of[slot] = (fn, tenant, key)
        for slot, calls in found.items():
            fn, tenant_name, key = tenant_of[slot]
            yield _tenant_key_hit(ctx, unit, fn, tenant_name, key, slot[1], calls)


def _cached_key(unit: CodeUnit, c: CacheCall, sets: list[CacheCall]) -> str | None:
    """The key of a read-through cache access: a `get` followed by a `set` of the same key
    with a loaded value (and that `set`), or the key parts of an `unstable_cache`. None for
    anything else, and when another argument hands the tenant to a wrapper."""
    if c.kind == "unstable-cache":
        return _unstable_cache_key(c.args)
    if c.kind not in ("get", "set"):
        return None
    parts = split_args(c.args)
    if not parts or TENANT_KEY.search(" ".join(parts[1:] if c.kind == "get" else parts[2:])):
        return None  # the wrapper takes the tenant beside the key
    gets = [g for g in unit.caches if g.kind == "get" and split_args(g.args)[:1] == parts[:1]]
    pair = (
        is_get_then_set(unit, c, sets)
        if c.kind == "get"
        else any(g.start_line <= c.start_line and is_get_then_set(unit, g, [c]) for g in gets)
    )
    return parts[0] if pair else None


def enclosing_scope(unit: CodeUnit, line: int, tenants: dict[str, str]) -> Function:
    """The enclosing named function; for a bare snippet, the whole block, whose "params" are
    the tenant ids its calls use (`pages.findPublished(siteId, slug)`)."""
    fn = unit.function_around(line)
    if fn is not None:
        return fn
    used = " ".join([q.args for q in unit.queries] + [a.expr for a in unit.awaits])
    named = dict.fromkeys(
        key
        for m in TENANT_KEY.finditer(used)
        if scope_of(key := m.group(1) or m.group(2)) in tenants
    )
    return Function("", ", ".join(named), unit.start_line, unit.end_line, False)


def _tenant_key_hit(
    ctx: RuleContext,
    unit: CodeUnit,
    fn: Function,
    tenant: str,
    key: str,
    resolved: str,
    calls: list[CacheCall],
) -> Hit:
    lines = ", ".join(str(c.start_line) for c in calls)
    return Hit(
        title=f"Cache key `{key}` in {_scope_name(unit, fn)} does not include `{tenant}`",
        locations=[location(ctx, unit, c.start_line, c.end_line) for c in calls],
        issue=(
            f"{_scope_name(unit, fn)} is scoped by `{tenant}` but reads/writes "
            f"`{calls[0].name}` under the key `{resolved}` ({where_text(unit)} line"
            f"{'s' if len(calls) > 1 else ''} {lines}), which has no `{tenant}` in it."
        ),
        impact=(
            "Two tenants with the same key share one cache entry: one tenant's data is "
            "served to another (a tenant-isolation breach)."
        ),
        recommendation=(
            f"Put the tenant first in the key: `` `${{{tenant}}}:...` ``, in every get, set "
            "and delete of this cache."
        ),
        evidence=[evidence(ctx, unit, c.start_line, c.end_line) for c in calls],
        confidence=75,
    )


def _scope_name(unit: CodeUnit, fn: Function) -> str:
    return f"`{fn.name}`" if fn.name else f"the code at {at(unit, fn.start_line)}"


def loads_tenant_data(unit: CodeUnit, fn: Function, param: str) -> bool:
    """The function loads data scoped by the tenant parameter (what ends up cached)."""
    mentions = re.compile(rf"(?<![\w$]){re.escape(param)}\b")
    inside = range(fn.start_line, fn.end_line + 1)
    return any(q.start_line in inside and mentions.search(q.args) for q in unit.queries) or any(
        a.start_line in inside and mentions.search(a.expr) for a in unit.awaits
    )


def _unstable_cache_key(args: str) -> str | None:
    """Key parts of `unstable_cache(fn, keyParts)` when the wrapped fn closes over a tenant
    it does not take as a parameter (arguments are part of the key; closures are not)."""
    fn_text = first_arg(args)
    params = re.match(r"\s*(?:async\s*)?\(([^)]*)\)|\s*(?:async\s+)?([\w$]+)\s*=>", fn_text)
    param_text = (params.group(1) or params.group(2) or "") if params else ""
    if TENANT_KEY.search(param_text) or not TENANT_KEY.search(fn_text):
        return None
    rest = args[len(args.split(fn_text, 1)[0]) + len(fn_text) :].lstrip(" ,\n")
    return first_arg(rest) or "(none)"


def resolve_key(unit: CodeUnit, fn: Function, key: str) -> str | None:
    """The key's text; a plain variable is replaced by its assignment in the function.
    None when the key cannot be known (a parameter that is not a tenant)."""
    if not re.fullmatch(r"[\w$]+", key):
        return key
    if TENANT_KEY.fullmatch(key):
        return key
    body = "\n".join(unit.line(n) for n in range(fn.start_line, fn.end_line + 1))
    m = re.search(rf"(?:const|let|var)\s+{re.escape(key)}\s*(?::[^=]+)?=\s*([^;\n]+)", body)
    if m:
        return m.group(1)
    if re.search(rf"(?<![\w$]){re.escape(key)}\b", fn.params):
        return key  # a non-tenant parameter used as the whole key
    return None


# --- Redis KEYS ----------------------------------------------------------------------------


@rule("caching/redis-keys-in-request-path", severity=Severity.P2)
def redis_keys_in_request_path(ctx: RuleContext) -> Iterator[Hit]:
    """Redis `KEYS pattern` on a request path.

    Why: KEYS walks the whole keyspace in one blocking call (O(N) over every key); on a
    production Redis with millions of keys it stalls every other client for the duration.
    Fix: `SCAN` with `MATCH`/`COUNT` (`scanStream`, `scanIterator`, `scan_iter`), or keep a
    Set of the keys per tenant and read that.
    Read in the plan's proposal and the repository's application code; test code, scripts
    and code the plan quotes as current or rejected are skipped.
    """
    for unit in read_units(ctx):
        if is_batch_job(unit):
            continue
        for c in unit.caches:
            if c.kind != "redis-keys" or not re.search(r"(?i)redis|client|cache|kv|conn", c.name):
                continue
            if in_test_code(unit, c.start_line):
                continue
            if not is_relevant(ctx, unit, c.start_line, c.where):
                continue
            yield Hit(
                title=f"`{c.name}.keys({c.args.strip()})` scans the whole Redis keyspace",
                locations=[location(ctx, unit, c.start_line, c.end_line)],
                issue=(
                    f"{at(unit, c.start_line)} calls Redis `KEYS` with "
                    f"`{c.args.strip()}` on a request path."
                ),
                impact=(
                    "KEYS is O(total keys) and blocks Redis while it runs: with millions of "
                    "keys every other request waits on it."
                ),
                recommendation=(
                    "Use `SCAN` with `MATCH` and `COUNT` (ioredis `scanStream`, node-redis "
                    "`scanIterator`, redis-py `scan_iter`), or track the keys in a Set per "
                    "tenant and delete from it."
                ),
                evidence=[evidence(ctx, unit, c.start_line, c.end_line)],
                confidence=100,
            )
