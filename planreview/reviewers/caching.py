"""The caching specialist: its deterministic rules and its prompt.

The rules join three sources: caches the code declares (`new LRUCache`, a Map named like
a cache, Redis, `unstable_cache`, `export const revalidate`), the writes and routes the
plan introduces, and what the plan's prose promises (a freshness bound, a route rename).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from planreview.artifacts.code import CacheCall, CodeUnit, Function, QueryCall, route_of
from planreview.models import Evidence, Location, Severity
from planreview.plan import Table
from planreview.repo import SkipError
from planreview.reviewers.performance import (
    at,
    evidence,
    is_batch_job,
    is_relevant,
    location,
    where_text,
)
from planreview.rules import Hit, RuleContext, rule

NAME = "caching"
PROMPT = "caching.md"
FOCUS = "cache invalidation, TTLs, keys and route caches"

_STORES = ("lru", "map", "unstable-cache")
_INVALIDATING = ("delete", "clear", "invalidate", "revalidate-path", "revalidate-tag")


@dataclass(frozen=True)
class _Cache:
    unit: CodeUnit
    call: CacheCall

    @property
    def name(self) -> str:
        return self.call.name

    @property
    def stem(self) -> str:
        """`bootstrapCache` -> `bootstrap`; the word the plan uses for this cache."""
        if self.call.kind == "revalidate-export":
            return ""
        stem = re.sub(r"(?i)^_+|_?(cache|lru|memo|store)$|^(get|cached)_?", "", self.name)
        return stem if len(stem) >= 4 else ""

    @property
    def label(self) -> str:
        if self.call.kind != "revalidate-export":
            return f"`{self.name}`"
        route = self.unit.route
        return f"the ISR page `{route.url}`" if route else "the ISR page"

    def eviction(self) -> str:
        """The call that evicts this cache's entry."""
        if self.call.kind == "revalidate-export":
            url = self.unit.route.url if self.unit.route else "/path"
            return f"`revalidatePath('{url}')` (or `revalidateTag`)"
        return f"`{self.name}.delete(key)`"

    def ttl_text(self) -> str:
        if self.call.kind == "revalidate-export":
            return f"revalidate = {self.call.args}"
        ttl = self.call.ttl_seconds
        if ttl is None:
            return "no TTL"
        return f"{_duration(ttl)} TTL"


def _duration(seconds: float) -> str:
    if seconds >= 3600 and seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"


def _caches(ctx: RuleContext) -> list[_Cache]:
    return [
        _Cache(u, c)
        for u in ctx.artifacts.code
        for c in u.caches
        if c.kind in _STORES
        or (c.kind == "revalidate-export" and (c.ttl_seconds or 0) > 0 and u.route is not None)
    ]


def _span(unit: CodeUnit, line: int) -> tuple[int, int]:
    fn = unit.function_around(line)
    return (fn.start_line, fn.end_line) if fn else (unit.start_line, unit.end_line)


def _model(q: QueryCall) -> str | None:
    """Lower-case singular entity a query touches (`tier` for prisma.tier / "Tier")."""
    name = q.model
    if q.orm == "raw":
        m = re.search(r'(?i)\b(?:into|update|from)\s+"?([\w]+)"?', q.args)
        name = m.group(1) if m else None
    return _singular(name) if name else None


def _display(model: str) -> str:
    """`tierAddOn` -> `TierAddOn`: Prisma delegates are the model name, camel-cased."""
    return model[:1].upper() + model[1:]


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


_CALL = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")


def _index_functions(ctx: RuleContext) -> dict[str, list[tuple[CodeUnit, Function]]]:
    out: dict[str, list[tuple[CodeUnit, Function]]] = {}
    for unit in ctx.artifacts.code:
        for fn in unit.functions:
            if fn.name:
                out.setdefault(fn.name, []).append((unit, fn))
    return out


def _reads(
    unit: CodeUnit,
    start: int,
    end: int,
    index: dict[str, list[tuple[CodeUnit, Function]]],
    depth: int = 2,
) -> set[str]:
    """Models read between the lines, following called functions by name `depth` levels."""
    models: set[str] = set()
    for q in unit.queries:
        if start <= q.start_line <= end and q.is_read and (m := _model(q)):
            models.add(m)
            included = re.search(r"\binclude\s*:\s*\{(.*)", q.args, re.S)
            if included:  # relations loaded with the row are cached with it
                models |= {_singular(k) for k in re.findall(r"(\w+)\s*:", included.group(1))}
    if depth:
        for name in set(_CALL.findall(unit.masked_between(start, end))):
            for other, fn in index.get(name, []):
                if (other, fn.start_line) != (unit, start):
                    models |= _reads(other, fn.start_line, fn.end_line, index, depth - 1)
    return models


def _loader_spans(cache: _Cache) -> list[tuple[int, int]]:
    """Line spans whose reads fill the cache: functions that `set` it, or the function
    `unstable_cache` wraps."""
    unit = cache.unit
    if cache.call.kind == "revalidate-export":
        return [(unit.start_line, unit.end_line)]  # the page: everything it renders
    if cache.call.kind == "unstable-cache":
        return [(cache.call.start_line, cache.call.end_line)]
    return [
        _span(unit, c.start_line)
        for c in unit.caches
        if c.kind == "set" and c.name.split(".")[-1] == cache.name
    ]


def _invalidators(ctx: RuleContext, cache: _Cache) -> set[str]:
    """Functions that evict from this cache (by body or by name)."""
    names: set[str] = set()
    for unit in ctx.artifacts.code:
        for c in unit.caches:
            if c.kind in ("delete", "clear") and c.name.split(".")[-1] == cache.name:
                fn = unit.function_around(c.start_line)
                if fn:
                    names.add(fn.name)
        for fn in unit.functions:
            stem = cache.stem.lower()
            if (
                stem
                and re.match(r"(?i)(invalidate|clear|bust|purge|evict)", fn.name)
                and (stem in fn.name.lower())
            ):
                names.add(fn.name)
    return names


def _prose_models(ctx: RuleContext, cache: _Cache, candidates: set[str]) -> set[str]:
    """Models the plan says the cache holds: named on a line that names the cache."""
    if not cache.stem:
        return set()
    found: set[str] = set()
    for text in ctx.plan.lines:
        if cache.stem.lower() not in text.lower():
            continue
        words = {_singular(w) for w in re.findall(r"[A-Za-z]+", text)}
        found |= candidates & words
    return found


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
    for path in _stale_paths(ctx):
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


def _stale_paths(ctx: RuleContext) -> list[_StalePath]:
    caches = _caches(ctx)
    if not caches:
        return []
    index = _index_functions(ctx)
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
        for start, end in _loader_spans(cache):
            held |= _reads(cache.unit, start, end, index)
        held |= _prose_models(ctx, cache, candidates)
        if not held & candidates:
            continue
        evictors = frozenset(_invalidators(ctx, cache))
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
            label = _display(q.model or model or "")
            out.append(_StalePath(cache, name, (label,), q.start_line, q.end_line, unit, evictors))
        for line, cells, words in rows:
            named = sorted(_display(w) for w in words & held)
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
    if any(c.kind in _INVALIDATING and start <= c.start_line <= end for c in unit.caches):
        return True
    called = set(_CALL.findall(unit.masked_between(start, end)))
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


# --- route rename --------------------------------------------------------------------------

_ROUTE_TOKEN = re.compile(r"[\w./()\[\]@-]*\[[\w.]+\][\w./()\[\]@-]*")
_RENAME = re.compile(r"(?i)\b(renam\w*|mov\w*|replac\w*|becom\w*|chang\w*|migrat\w*)\b|→|->")
_REMOVE = re.compile(r"(?i)\b(remov\w*|delet\w*|drop\w*)\b")
_NOT_DECIDED = re.compile(r"(?i)open question|alternative|future|out of scope|non-goal|consider")
_REDIRECT = re.compile(r"(?i)\bredirect|permanentRedirect|\b30[178]\b")


def _segments(token: str) -> list[str]:
    token = token.strip("`'\"()., ")
    if "app/" in token:
        token = token.split("app/", 1)[1]
    token = re.sub(r"/?(page|layout|route)\.(tsx|ts|jsx|js|mdx)$", "", token)
    return [
        s
        for s in token.split("/")
        if s and not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")
    ]


def _suffix_of(short: list[str], full: list[str]) -> bool:
    return 0 < len(short) <= len(full) and full[-len(short) :] == short


def _route_files(ctx: RuleContext) -> dict[str, str | None]:
    """Route file path -> its text (None when it cannot be read)."""
    out: dict[str, str | None] = {p: f.text for p, f in ctx.context.files.items() if route_of(p)}
    if ctx.repo is not None:
        for path in ctx.repo.list_files():
            if path not in out and route_of(path):
                try:
                    out[path] = ctx.repo.read_text(path)
                except SkipError:
                    out[path] = None
    return out


_CACHED_ROUTE = re.compile(r"(?m)^\s*export\s+const\s+revalidate\s*=\s*([1-9]\d*)")


@rule("caching/route-renamed-without-redirect", severity=Severity.P2)
def route_renamed_without_redirect(ctx: RuleContext) -> Iterator[Hit]:
    """A cached (ISR) route is renamed or removed, and the plan commits to no redirect.

    Why: the old URLs live on in search results, emails and shared links, and the CDN/ISR
    cache keeps serving the old page until it revalidates. Then the page's data lookup
    fails (its slug or model is gone) and visitors get a 404 or 500.
    Fix: keep the old route as a redirect (`redirect()`/`permanentRedirect()` to the new
    URL, `revalidate = 0`), and purge the old paths on deploy (`revalidatePath`).
    A redirect mentioned only under open questions or alternatives does not count.
    """
    redirects = [
        text
        for n, text in enumerate(ctx.plan.lines, start=1)
        if _REDIRECT.search(text) and not _undecided(ctx, n)
    ]
    for move in _moved_routes(ctx):
        if any(_redirects_old(r, _segments(move.path)) for r in redirects):
            continue
        yield _route_hit(ctx, move)


@dataclass(frozen=True)
class _Move:
    """A cached route file the plan renames (`new` set) or removes."""

    line: int
    path: str
    source: str
    cached: re.Match[str]
    old: str
    new: str | None


def _moved_routes(ctx: RuleContext) -> list[_Move]:
    mentions = any(
        _ROUTE_TOKEN.search(text) and (_RENAME.search(text) or _REMOVE.search(text))
        for text in ctx.plan.lines
    )
    routes = _route_files(ctx) if mentions else {}  # reading route files costs I/O
    out: list[_Move] = []
    seen: set[str] = set()
    for n, text in enumerate(ctx.plan.lines, start=1):
        tokens = _ROUTE_TOKEN.findall(text)
        for path, source in routes.items():
            if path in seen:
                continue
            full = _segments(path)
            old = [t for t in tokens if _names_route(t, full)]
            if not old:
                continue
            new = [t for t in tokens if t not in old and ("/" in t or "/" not in old[0])]
            renamed = bool(new) and bool(_RENAME.search(text))
            if not renamed and not _REMOVE.search(text):
                continue
            cached = _CACHED_ROUTE.search(source or "")
            if not cached:
                continue
            seen.add(path)
            out.append(_Move(n, path, source or "", cached, old[0], new[0] if new else None))
    return out


@rule("caching/revalidation-targets-old-route", severity=Severity.P2)
def revalidation_targets_old_route(ctx: RuleContext) -> Iterator[Hit]:
    """A cached route moves, but the code that revalidates it still names the old path.

    Why: `revalidatePath('/blog/...')` after the move purges a path nothing serves, so
    publishes and fixes never refresh the new pages: they stay stale for the whole
    `revalidate` interval.
    Fix: update every `revalidatePath`/`revalidateTag` caller (webhooks, admin actions) to
    the new paths in the same change, and test a publish end to end.
    """
    for move in _moved_routes(ctx):
        if move.new is None:
            continue
        old_prefix = _static_prefix(_segments(move.path))
        new_prefix = _static_prefix(_segments(move.new))
        if not old_prefix or old_prefix == new_prefix:
            continue
        updated = any(
            re.search(r"(?i)revalidat", text) and new_prefix and new_prefix in text
            for text in ctx.plan.lines
        )
        if updated:
            continue
        old_path = re.compile(rf"[`'\"]{re.escape(old_prefix)}(?:[/`'\"$]|$)")
        for unit in ctx.artifacts.code:
            calls = [
                c for c in unit.caches if c.kind == "revalidate-path" and old_path.search(c.args)
            ]
            if not calls:
                continue
            seconds = int(move.cached.group(1))
            first = calls[0]
            yield Hit(
                title=f"Revalidation still targets `{old_prefix}` after the move to `{new_prefix}`",
                locations=[ctx.plan_location(move.line)]
                + [location(ctx, unit, c.start_line, c.end_line) for c in calls],
                issue=(
                    f"Plan line {move.line} moves `{move.old}` to `{move.new}`, but "
                    f"{at(unit, first.start_line)} still calls "
                    f"`revalidatePath({first.args.strip()})` and the plan does not update it."
                ),
                impact=(
                    "Publishes and corrections purge a path nothing serves any more: the new "
                    f"pages stay stale for up to their `revalidate = {seconds}` s after every "
                    "edit."
                ),
                recommendation=(
                    f"Change the revalidation calls to the new paths (`{new_prefix}/...`) in the "
                    "same PR as the move, and add a publish-then-view check to the tests."
                ),
                evidence=[ctx.plan_evidence(move.line)]
                + [evidence(ctx, unit, c.start_line, c.end_line) for c in calls],
                confidence=75,
            )


def _static_prefix(segments: list[str]) -> str:
    """`['blog', '[slug]']` -> `/blog`: the leading segments before the first parameter."""
    static = []
    for segment in segments:
        if segment.startswith("["):
            break
        static.append(segment)
    return "/" + "/".join(static) if static else ""


def _names_route(token: str, full: list[str]) -> bool:
    """The token names this route: a path ending like it, or its last dynamic segment."""
    segments = _segments(token)
    if "/" in token.strip("/"):
        return _suffix_of(segments, full)
    return len(segments) == 1 and bool(full) and segments[0] == full[-1] and "[" in full[-1]


_OLD_URL = re.compile(
    r"(?i)\b(old|legacy|previous|existing|former)\b[^.]{0,40}\b(url|route|path|link|page)s?"
)


def _redirects_old(text: str, full: list[str]) -> bool:
    """A committed redirect line that is about this route's old URLs."""
    dynamic = [s.strip("[]") for s in full if s.startswith("[")]
    return (
        any(_names_route(t, full) for t in _ROUTE_TOKEN.findall(text))
        or any(re.search(rf"\b{re.escape(d)}\b", text) for d in dynamic[-1:])
        or bool(_OLD_URL.search(text))
    )


def _undecided(ctx: RuleContext, line: int) -> bool:
    section = ctx.plan.section_at(line)
    return bool(section and any(_NOT_DECIDED.search(h) for h in section.heading_path))


def _route_hit(ctx: RuleContext, move: _Move) -> Hit:
    line, path, source, cached = move.line, move.path, move.source, move.cached
    old, new = move.old, move.new
    seconds = int(cached.group(1))
    revalidate_line = source.count("\n", 0, cached.start(1)) + 1
    locations: list[Location] = [ctx.plan_location(line)]
    proof: list[Evidence] = [ctx.plan_evidence(line)]
    if path in ctx.context.files:
        locations.append(ctx.file_location(path, revalidate_line))
        proof.append(ctx.file_evidence(path, revalidate_line))
    change = f"renamed to `{new}`" if new else "removed"
    return Hit(
        title=f"Cached route `{old}` is {change.split(' to ')[0]} with no redirect or purge",
        locations=locations,
        issue=(
            f"Plan line {line}: `{old}` is {change}. The current page `{path}` is cached "
            f"with `revalidate = {seconds}`, and no phase keeps the old URL as a redirect "
            "or purges its cached pages."
        ),
        impact=(
            f"For up to {seconds} s after deploy the cache serves old pages whose data may "
            "be gone, and after that every old link (search results, emails, shared "
            "booking links) returns 404 or 500."
        ),
        recommendation=(
            f"Keep `{old}` as a redirect page (`permanentRedirect` to the new URL, "
            "`export const revalidate = 0`) for a transition period, make it part of a "
            "phase's acceptance criteria, and purge the old paths on deploy "
            "(`revalidatePath`)."
        ),
        evidence=proof,
        confidence=75,
    )


# --- tenant in the cache key ---------------------------------------------------------------

_TENANT_PARAM = re.compile(
    r"(?<![\w$])((?:tenant|org|organization|workspace|account|team|shop|store|merchant|company|"
    r"site)"
    r"(?:_?[Ii]d|_?[Ss]lug)?)\b"
)
_TENANT_WORD = re.compile(r"(?i)tenant|org|workspace|account|team|shop|store|merchant|company|site")


def _first_arg(args: str) -> str:
    depth = 0
    for i, c in enumerate(args):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return args[:i].strip()
    return args.strip()


@rule("caching/cache-key-missing-tenant", severity=Severity.P1)
def cache_key_missing_tenant(ctx: RuleContext) -> Iterator[Hit]:
    """A tenant-scoped function caches under a key that does not include the tenant.

    Why: two tenants asking for the same key (a slug, `"tiers"`) share one entry, so one
    tenant's data is served to another: a tenant-isolation breach, not just staleness.
    Fix: put the tenant id first in every key (`` `tenant:${tenantId}:tiers` ``), and in
    `unstable_cache` pass it as an argument or in the key parts.
    """
    for unit in ctx.artifacts.code:
        # One finding per function and key: its get and set share the flaw.
        found: dict[tuple[int, str], list[CacheCall]] = {}
        tenants: dict[tuple[int, str], tuple[Function, str, str]] = {}
        for c in unit.caches:
            key: str | None
            if c.kind in ("get", "set"):
                key = _first_arg(c.args)
            elif c.kind == "unstable-cache":
                key = _unstable_cache_key(c.args)
                if key is None:
                    continue
            else:
                continue
            fn = _scope(unit, c.start_line)
            tenant = _TENANT_PARAM.search(fn.params)
            if tenant is None or not key:
                continue
            if not _loads_tenant_data(unit, fn, tenant.group(1)):
                continue  # a global cache read from a tenant-scoped function
            resolved = _resolve_key(unit, fn, key)
            if resolved is None or _TENANT_WORD.search(resolved):
                continue
            if not is_relevant(ctx, unit, c.start_line, c.where):
                continue
            slot = (fn.start_line, resolved.strip())
            found.setdefault(slot, []).append(c)
            tenants[slot] = (fn, tenant.group(1), key)
        for slot, calls in found.items():
            fn, tenant_name, key = tenants[slot]
            yield _tenant_key_hit(ctx, unit, fn, tenant_name, key, slot[1], calls)


def _scope(unit: CodeUnit, line: int) -> Function:
    """The enclosing named function; for a bare snippet, the whole block, whose "params" are
    the tenant ids its calls use (`pages.findPublished(siteId, slug)`)."""
    fn = unit.function_around(line)
    if fn is not None:
        return fn
    used = " ".join([q.args for q in unit.queries] + [a.expr for a in unit.awaits])
    tenants = dict.fromkeys(m.group(1) for m in _TENANT_PARAM.finditer(used))
    return Function("", ", ".join(tenants), unit.start_line, unit.end_line, False)


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


def _loads_tenant_data(unit: CodeUnit, fn: Function, param: str) -> bool:
    """The function loads data scoped by the tenant parameter (what ends up cached)."""
    mentions = re.compile(rf"(?<![\w$]){re.escape(param)}\b")
    inside = range(fn.start_line, fn.end_line + 1)
    return any(q.start_line in inside and mentions.search(q.args) for q in unit.queries) or any(
        a.start_line in inside and mentions.search(a.expr) for a in unit.awaits
    )


def _unstable_cache_key(args: str) -> str | None:
    """Key parts of `unstable_cache(fn, keyParts)` when the wrapped fn closes over a tenant
    it does not take as a parameter (arguments are part of the key; closures are not)."""
    fn_text = _first_arg(args)
    params = re.match(r"\s*(?:async\s*)?\(([^)]*)\)|\s*(?:async\s+)?([\w$]+)\s*=>", fn_text)
    param_text = (params.group(1) or params.group(2) or "") if params else ""
    if _TENANT_PARAM.search(param_text) or not _TENANT_PARAM.search(fn_text):
        return None
    rest = args[len(args.split(fn_text, 1)[0]) + len(fn_text) :].lstrip(" ,\n")
    return _first_arg(rest) or "(none)"


def _resolve_key(unit: CodeUnit, fn: Function, key: str) -> str | None:
    """The key's text; a plain variable is replaced by its assignment in the function.
    None when the key cannot be known (a parameter that is not a tenant)."""
    if not re.fullmatch(r"[\w$]+", key):
        return key
    if _TENANT_PARAM.fullmatch(key):
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
    """
    for unit in ctx.artifacts.code:
        if is_batch_job(unit):
            continue
        for c in unit.caches:
            if c.kind != "redis-keys" or not re.search(r"(?i)redis|client|cache|kv|conn", c.name):
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


# --- TTL vs stated staleness ---------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "thirty": 30,
    "sixty": 60,
}
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
}
_AMOUNT = (
    r"(\d+(?:\.\d+)?|an?|one|two|five|ten|fifteen|thirty|sixty)\s*-?\s*"
    r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
)
_BUDGET = (
    re.compile(
        r"(?i)\b(?:visible|reflected|propagated?|show(?:s|n)? up|appear|fresh|up[- ]to[- ]date|"
        r"consistent|see|apply|applied|take effect|effective)\b[^.]{0,60}?\bwithin\s+" + _AMOUNT
    ),
    re.compile(
        r"(?i)\b(?:stale|staleness|out of date|lag)\b[^.]{0,80}?\b(?:at most|no more than|"
        r"up to|max(?:imum)?|under|less than|<=?)\s+" + _AMOUNT
    ),
    re.compile(
        r"(?i)\b(?:at most|no more than|max(?:imum)?)\s+"
        + _AMOUNT
        + r"\s+(?:stale|old|behind|of staleness|of lag)"
    ),
)


def _budgets(ctx: RuleContext) -> list[tuple[int, float]]:
    """(plan line, seconds) for every freshness bound the plan states. A sentence may wrap
    across lines, so each paragraph is searched as one string."""
    out: list[tuple[int, float]] = []
    for first, paragraph in _paragraphs(ctx.plan.lines):
        flat = paragraph.replace("\n", " ").replace("*", " ")
        for pattern in _BUDGET:
            for m in pattern.finditer(flat):
                amount, unit = m.group(1).lower(), m.group(2).lower().rstrip("s") or "s"
                value = float(_NUMBER_WORDS.get(amount, 0) or amount)
                line = first + paragraph.count("\n", 0, m.start(1))
                out.append((line, value * _UNIT_SECONDS.get(unit, 1)))
    return out


def _paragraphs(lines: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(first line, text) of each run of non-blank lines."""
    start: int | None = None
    for n, text in enumerate((*lines, ""), start=1):
        if text.strip() and start is None:
            start = n
        elif not text.strip() and start is not None:
            yield start, "\n".join(lines[start - 1 : n - 1])
            start = None


@rule("caching/ttl-exceeds-staleness-budget", severity=Severity.P2)
def ttl_exceeds_staleness_budget(ctx: RuleContext) -> Iterator[Hit]:
    """A cache's TTL is longer than the staleness the plan says it accepts.

    Why: the plan promises changes are visible within N, but an entry lives for its whole
    TTL unless something evicts it; with no eviction on the write path the promise is broken
    by design.
    Fix: lower the TTL to the budget, or evict on every write (and keep the TTL as a backstop).
    Not flagged when the plan's code invalidates that cache on every write path it adds.
    """
    budgets = _budgets(ctx)
    if not budgets:
        return
    line, budget = min(budgets, key=lambda b: b[1])
    stale = _stale_paths(ctx)
    plan_invalidates = {
        c.name
        for u in ctx.artifacts.code
        if u.origin == "plan"
        for c in u.caches
        if c.kind in _INVALIDATING
    }
    for unit in ctx.artifacts.code:
        for c in unit.caches:
            if c.ttl_seconds is None or c.ttl_seconds <= budget:
                continue
            if c.kind not in (*_STORES, "revalidate-export", "set"):
                continue
            cache = _Cache(unit, c)
            evicted = (
                any(cache.stem and cache.stem.lower() in name.lower() for name in plan_invalidates)
                or any(name.split(".")[-1] == c.name for name in plan_invalidates)
                or (
                    c.kind == "revalidate-export"
                    and bool(plan_invalidates & {"revalidatePath", "revalidateTag"})
                )
            ) and not any(w.cache.call == c for w in stale)
            if evicted:
                continue
            ttl_line = c.ttl_line or c.start_line
            label = "the page's `revalidate`" if c.kind == "revalidate-export" else f"`{c.name}`"
            yield Hit(
                title=(
                    f"{label} keeps entries for {_duration(c.ttl_seconds)} but the plan accepts "
                    f"{_duration(budget)} of staleness"
                ),
                locations=[location(ctx, unit, ttl_line), ctx.plan_location(line)],
                issue=(
                    f"Plan line {line} requires changes to be visible within "
                    f"{_duration(budget)}, but {label} "
                    f"({at(unit, ttl_line)}) lives {_duration(c.ttl_seconds)} "
                    "and not every write path of the plan evicts it."
                ),
                impact=(
                    f"Updates can stay invisible for up to {_duration(c.ttl_seconds)}, "
                    f"{c.ttl_seconds / budget:.0f}x the stated budget."
                ),
                recommendation=(
                    f"Evict on every write path (delete the key / `revalidateTag`), or lower "
                    f"the TTL to at most {budget:g} s."
                ),
                evidence=[evidence(ctx, unit, ttl_line), ctx.plan_evidence(line)],
                confidence=75,
            )


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


@rule("caching/unbounded-map-cache", severity=Severity.P3)
def unbounded_map_cache(ctx: RuleContext) -> Iterator[Hit]:
    """A `Map` used as a cache is only ever added to: no eviction, no size bound, no TTL.

    Why: every distinct key stays in process memory until restart; with per-tenant or
    per-user keys memory grows with traffic, and entries are never refreshed (stale forever).
    Fix: `new LRUCache({ max: 1000, ttl: 5 * 60_000 })` from lru-cache, or delete entries on
    write and cap the Map's size.
    """
    units = ctx.artifacts.code
    for unit in units:
        for c in unit.caches:
            if c.kind != "map" or not c.name:
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
                _ROW_KEY.search(_key_text(owner, _first_arg(call.args)))
                for owner in units
                for call in owner.caches
                if call.kind == "set" and call.name.split(".")[-1] == c.name
            )
            yield Hit(
                severity=Severity.P2 if per_row else None,
                title=f"`{c.name}` is a Map cache with no eviction, size bound or TTL",
                locations=[location(ctx, unit, c.start_line, c.end_line)],
                issue=(
                    f"`{c.name}` ({at(unit, c.start_line)}) is filled with `set` but nothing "
                    "deletes from it, clears it or bounds its size."
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
    r"(?i)\b(\d+|multiple|several|many)\s+(?:api\s+|app\s+|web\s+|server\s+)?"
    r"(pods|instances|replicas|containers|servers|nodes|workers|processes|dynos|machines)\b"
)


def _instances(ctx: RuleContext) -> tuple[int, str] | None:
    """(plan line, count as written) where the plan says the service runs on >1 instance."""
    for n, text in enumerate(ctx.plan.lines, start=1):
        for m in _INSTANCES.finditer(text):
            if not m.group(1).isdigit() or int(m.group(1)) >= 2:
                return n, f"{m.group(1)} {m.group(2)}"
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
    """
    instances = _instances(ctx)
    if instances is None:
        return
    instance_line, count = instances
    for cache in _caches(ctx):
        if cache.call.kind not in ("lru", "map") or not cache.name:
            continue
        if not is_relevant(ctx, cache.unit, cache.call.start_line, cache.call.where) and (
            cache.unit.path not in ctx.context.files
        ):
            continue
        evictors = _invalidators(ctx, cache)
        mention = re.compile(
            rf"\b{re.escape(cache.name)}\s*\.\s*(?:delete|del|clear|reset)\s*\("
            + "".join(rf"|\b{re.escape(e)}\s*\(" for e in sorted(evictors))
        )
        lines = [n for n, text in enumerate(ctx.plan.lines, start=1) if mention.search(text)]
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
    tenant = _TENANT_PARAM.search(ctx.plan.text)
    if tenant is None:
        return
    scope = re.sub(r"(?i)_?(id|slug)$", "", tenant.group(1))
    for unit in ctx.artifacts.code:
        if unit.origin != "plan" or is_batch_job(unit):
            continue
        for c in unit.caches:
            wildcard = c.kind in ("redis-keys", "delete") and "*" in c.args
            if not (wildcard or c.kind == "clear") or _TENANT_WORD.search(c.args):
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
