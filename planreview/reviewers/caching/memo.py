"""Is this store a cache? Only when the code reads it before the source and writes the
source's result after.

A `Map` or a `get`/`set` pair is a cache when one function looks the key up (`get`/`has`)
and later stores a value that came from somewhere else: an `await`, a query, a computed
call (`render(page)`, `new Intl.NumberFormat(locale)`). A metrics accumulator
(`metrics.set(name, [])`), a rate limiter (`hits.set(ip, count + 1)`) or a flag read
(`kv.get('kill-switch')`) stores literals or arithmetic, or never stores: not a cache.
"""

from __future__ import annotations

import re

from planreview.artifacts.code import CacheCall, CodeUnit

_BUILTIN_CALL = re.compile(
    r"(?<![\w$.])(?:Date|Math|JSON|Object|Array|Number|String|Boolean|Symbol)\s*\.\s*\w+\s*\("
    r"|(?<![\w$.])(?:new\s+)?(?:Map|Set|Array|Date|WeakMap|Object|Number|String|Boolean)\s*\("
)
_ANY_CALL = re.compile(r"(?<![\w$])(?:await\b|[A-Za-z_$][\w$.]*\s*(?:<[^<>()]*>)?\s*\()")
_LITERAL = re.compile(
    r"(?:-?\d[\d_.]*|'[^']*'|\"[^\"]*\"|`[^`$]*`|true|false|null|undefined|None|True|False"
    r"|\[\s*\]|\{\s*\}|\(\s*\))"
)


def split_args(args: str) -> list[str]:
    """Top-level comma-separated arguments of a call's text."""
    out: list[str] = []
    depth, start = 0, 0
    for i, c in enumerate(args):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            out.append(args[start:i].strip())
            start = i + 1
    if args[start:].strip():
        out.append(args[start:].strip())
    return out


_ASSIGN = re.compile(r"(?<![\w$.])([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=(?!=)\s*([^;\n]+)")


def is_source(value: str, unit: CodeUnit, start: int, end: int, lookup: re.Pattern[str]) -> bool:
    """The stored value came from a source (a load or a computation on the inputs), not a
    literal, not an object of literals (`{ count: 1, resetAt: Date.now() + w }`) and not
    arithmetic on the looked-up entry (`entry.count + 1`)."""
    value = value.strip()
    assigned = [(m.group(1), m.group(2)) for m in _ASSIGN.finditer(unit.masked_between(start, end))]
    if re.fullmatch(r"[A-Za-z_$][\w$]*", value):
        sources = [rhs for name, rhs in assigned if name == value and not lookup.search(rhs)]
        if any(name == value for name, _ in assigned):
            return any(_computed(rhs, lookup, set()) for rhs in sources)
        return True  # a parameter or an outer value handed in
    entries = {name for name, rhs in assigned if lookup.search(rhs)}
    return _computed(value, lookup, entries)


def _computed(value: str, lookup: re.Pattern[str], entries: set[str]) -> bool:
    value = value.strip()
    uses_entry = any(re.search(rf"(?<![\w$]){re.escape(e)}\b", value) for e in entries)
    if uses_entry or lookup.search(value):
        return False  # derived from the entry itself: a counter, not a cache
    if _LITERAL.fullmatch(value):
        return False
    if value[:1] in "{[":
        return bool(_ANY_CALL.search(_BUILTIN_CALL.sub("", value)))
    return True


def _span(unit: CodeUnit, line: int) -> tuple[int, int]:
    fn = unit.function_around(line, named=False)
    return (fn.start_line, fn.end_line) if fn else (unit.start_line, unit.end_line)


def memo_sets(unit: CodeUnit, name: str) -> list[CacheCall]:
    """`set`s of the store `name` in `unit` that follow a lookup of it in the same function
    and store a value from a source."""
    lookup = _lookup_of(name)
    out: list[CacheCall] = []
    for c in unit.caches:
        if c.kind != "set" or c.name.split(".")[-1] != name:
            continue
        start, end = _span(unit, c.start_line)
        before = unit.masked_between(start, c.start_line)
        parts = split_args(c.args)
        stored = parts[1] if len(parts) >= 2 else None
        if lookup.search(before) and stored and is_source(stored, unit, start, end, lookup):
            out.append(c)
    return out


def is_memo_store(units: list[CodeUnit], name: str) -> bool:
    """Some unit reads the store `name` before its source and writes the result after."""
    return any(memo_sets(u, name) for u in units)


def is_get_then_set(unit: CodeUnit, get: CacheCall, sets: list[CacheCall]) -> bool:
    """A `get` followed, in its function, by a `set` of the same key whose value came from
    a source: a read-through cache (not a flag read, not a counter)."""
    start, end = _span(unit, get.start_line)
    key = split_args(get.args)[:1]
    for s in sets:
        if not (get.start_line <= s.start_line <= end):
            continue
        parts = split_args(s.args)
        lookup = _lookup_of(get.name, direct=True)
        if parts[:1] == key and len(parts) >= 2 and is_source(parts[1], unit, start, end, lookup):
            return True
    return False


def _lookup_of(name: str, *, direct: bool = False) -> re.Pattern[str]:
    """A lookup of the store `name`: `name.get(` / `name.has(`, or the helper `name(` itself."""
    store = re.escape(name)
    helper = rf"|(?<![\w$.]){store}\s*(?:<[^<>()]*>)?\s*\(" if direct else ""
    return re.compile(rf"(?<![\w$]){store}\s*\.\s*(?:get|has|peek|mget|hget)\s*\({helper}")
