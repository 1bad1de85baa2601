"""The caches a plan's code declares, what loads them and what invalidates them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from planreview.artifacts.code import CacheCall, CodeUnit, Function, QueryCall
from planreview.reviewers.caching.memo import is_memo_store
from planreview.reviewers.caching.reading import read_units
from planreview.rules import RuleContext

STORES = ("lru", "map", "unstable-cache")
INVALIDATING = ("delete", "clear", "invalidate", "revalidate-path", "revalidate-tag")


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
    """Caches the code shows: an LRU/TTL cache, `unstable_cache`, an ISR page, or a `Map`
    that some function reads before its source and writes after; declared in the plan's
    proposal or in the repository's application code."""
    units = read_units(ctx)
    return [
        _Cache(u, c)
        for u in units
        for c in u.caches
        if (c.kind in STORES and (c.kind != "map" or is_memo_store(units, c.name)))
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


def display(model: str) -> str:
    """`tierAddOn` -> `TierAddOn`: Prisma delegates are the model name, camel-cased."""
    return model[:1].upper() + model[1:]


def _singular(word: str) -> str:
    word = word.lower()
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


CALL = re.compile(r"(?<![\w$])([A-Za-z_$][\w$]*)\s*\(")


def index_functions(ctx: RuleContext) -> dict[str, list[tuple[CodeUnit, Function]]]:
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
        for name in set(CALL.findall(unit.masked_between(start, end))):
            for other, fn in index.get(name, []):
                if (other, fn.start_line) != (unit, start):
                    models |= _reads(other, fn.start_line, fn.end_line, index, depth - 1)
    return models


def loader_spans(cache: _Cache) -> list[tuple[int, int]]:
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


def invalidators(ctx: RuleContext, cache: _Cache) -> set[str]:
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


def prose_models(ctx: RuleContext, cache: _Cache, candidates: set[str]) -> set[str]:
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
