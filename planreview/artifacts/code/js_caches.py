"""The TypeScript/JavaScript scanner, its caching half: cache objects, memoizing helpers,
invalidation and revalidation calls, TTLs (JsScanner in javascript.py adds the rest)."""

from __future__ import annotations

import re

from planreview.artifacts.code.js_patterns import (
    CACHE_HELPER,
    CACHE_METHOD,
    CACHE_NAME,
    CONST,
    INVALIDATE_CALL,
    NEW_CACHE,
    REVALIDATE_CALL,
    REVALIDATE_EXPORT,
    UNSTABLE_CACHE,
)
from planreview.artifacts.code.model import CacheKind
from planreview.artifacts.code.scanner import Scanner, _number


class JsCacheScanner(Scanner):
    """Cache-related scanning; `body_after` lives here as the functions half uses it too."""

    def body_after(self, close_paren: int) -> int | None:
        """Offset of the `{` opening a body after a parameter list (skips a return type)."""
        i = self.skip_ws(close_paren + 1)
        if i < self.n and self.m[i] == ":":
            angle = 0
            i += 1
            while i < self.n:
                c = self.m[i]
                if c == "<":
                    angle += 1
                elif c == ">" and self.m[i - 1] != "=":
                    angle -= 1
                elif c == "{" and angle <= 0:
                    break
                elif c in ";=" or (c == "(" and angle <= 0):
                    return None
                i += 1
        return i if i < self.n and self.m[i] == "{" else None


    # caches

    def caches(self) -> None:  # noqa: C901 -- one branch per cache API it recognises
        constants = {m.group(1): m.group(2) for m in CONST.finditer(self.m)}
        names: set[str] = set()
        for m in NEW_CACHE.finditer(self.m):
            cls = m.group(1)
            i = m.end()
            if i < self.n and self.m[i] == "<":
                depth = 0
                while i < self.n:
                    depth += {"<": 1, ">": -1}.get(self.m[i], 0)
                    i += 1
                    if depth == 0:
                        break
                i = self.skip_ws(i)
            if i >= self.n or self.m[i] != "(":
                continue
            close = self.close_of(i)
            before = self.m[max(0, m.start() - 200) : m.start()]
            target = re.search(r"([\w$]+)\s*(?::[^=\n]+)?=\s*$", before)
            name = target.group(1) if target else ""
            if cls == "Map" and (
                not (CACHE_NAME.search(name) or self.memoizes(name))
                or any(span.start <= m.start() < span.end for span, *_ in self.raw.functions)
            ):
                continue  # a Map built inside a function lives for one call: not a cache
            args = self.text[i + 1 : close]
            ttl, ttl_off = self.ttl_in(i + 1, close, constants, cls)
            names.add(name)
            self.raw.caches.append(
                (m.start(), close + 1, "map" if cls == "Map" else "lru", name, args, ttl, ttl_off)
            )
        for m in CACHE_METHOD.finditer(self.m):
            receiver, method = m.group(1), m.group(2)
            last = receiver.split(".")[-1]
            if last not in names and not CACHE_NAME.search(last):
                continue
            close = self.close_of(m.end() - 1)
            args = self.text[m.end() : close]
            if method == "keys":
                if not args.strip():
                    continue  # Map.prototype.keys(): no pattern, not Redis KEYS
                kind: CacheKind = "redis-keys"
            else:
                kind = {
                    "get": "get",
                    "mget": "get",
                    "hget": "get",
                    "set": "set",
                    "setex": "set",
                    "hset": "set",
                    "clear": "clear",
                    "reset": "clear",
                }.get(method, "delete")  # type: ignore[assignment]
            ttl, ttl_off = (None, None)
            if kind == "set":
                ttl, ttl_off = self.redis_ttl(m.end(), close, method, constants)
            self.raw.caches.append((m.start(), close + 1, kind, receiver, args, ttl, ttl_off))
        for m in CACHE_HELPER.finditer(self.m):
            close = self.close_of(m.end() - 1)
            if self.body_after(close) is not None:
                continue  # the helper's own definition
            name = m.group(1)
            kind = "set" if re.match(r"(?i)(set|write|put|cache(set|write|put))", name) else "get"
            ttl, ttl_off = None, None
            parts = self.m[m.end() : close].split(",")
            if kind == "set" and len(parts) >= 3:  # (key, value, ttlSeconds)
                ttl = _number(parts[-1], constants)
                ttl_off = close - len(parts[-1]) if ttl is not None else None
            self.raw.caches.append(
                (m.start(), close + 1, kind, name, self.text[m.end() : close], ttl, ttl_off)
            )
        for m in UNSTABLE_CACHE.finditer(self.m):
            if m.group(1) == "cache" and not re.search(r"import\s*\{[^}]*\bcache\b", self.m):
                continue
            close = self.close_of(m.end() - 1)
            ttl, ttl_off = self.ttl_in(m.end(), close, constants, "unstable_cache")
            before = self.m[max(0, m.start() - 200) : m.start()]
            target = re.search(r"([\w$]+)\s*(?::[^=\n]+)?=\s*$", before)
            self.raw.caches.append(
                (
                    m.start(),
                    close + 1,
                    "unstable-cache",
                    target.group(1) if target else m.group(1),
                    self.text[m.end() : close],
                    ttl,
                    ttl_off,
                )
            )
        for m in REVALIDATE_EXPORT.finditer(self.m):
            value = _number(m.group(1), constants)
            self.raw.caches.append(
                (
                    m.start(1),
                    m.end(1),
                    "revalidate-export",
                    "revalidate",
                    m.group(1).strip(),
                    value,
                    m.start(1),
                )
            )
        for m in REVALIDATE_CALL.finditer(self.m):
            close = self.close_of(m.end() - 1)
            kind = "revalidate-path" if m.group(1) == "revalidatePath" else "revalidate-tag"
            self.raw.caches.append(
                (m.start(), close + 1, kind, m.group(1), self.text[m.end() : close], None, None)
            )
        for m in INVALIDATE_CALL.finditer(self.m):
            name = m.group(1)
            close = self.close_of(m.end() - 1)
            if self.body_after(close) is not None or re.search(
                r"function\s*$", self.m[: m.start(1)][-30:]
            ):
                continue  # a definition, not a call
            self.raw.caches.append(
                (m.start(1), close + 1, "invalidate", name, self.text[m.end() : close], None, None)
            )

    def memoizes(self, name: str) -> bool:
        """`m.get(k)` then `m.set(k, computed)` on the same Map: a memo cache, whatever its
        name (`badges`, `formatters`)."""
        if not name:
            return False
        member = rf"(?<![\w$]){re.escape(name)}\s*\.\s*"
        return bool(re.search(member + r"(get|has)\s*\(", self.m)) and bool(
            re.search(member + r"set\s*\(", self.m)
        )

    def ttl_in(
        self, start: int, end: int, constants: dict[str, str], cls: str
    ) -> tuple[float | None, int | None]:
        """A TTL option inside an options object, in seconds."""
        text = self.m[start:end]
        keys = {"ttl": 0.001, "maxAge": 0.001, "stdTTL": 1.0, "revalidate": 1.0}
        if cls in ("NodeCache",):
            keys = {"stdTTL": 1.0}
        elif cls == "unstable_cache":
            keys = {"revalidate": 1.0}
        for key, scale in keys.items():
            km = re.search(rf"\b{key}\s*:\s*([^,}}\n]+)", text)
            if km:
                value = _number(km.group(1), constants)
                if value is not None:
                    return value * scale, start + km.start()
        return None, None

    def redis_ttl(
        self, start: int, end: int, method: str, constants: dict[str, str]
    ) -> tuple[float | None, int | None]:
        text = self.m[start:end]
        if method == "setex":
            parts = text.split(",")
            if len(parts) >= 2:
                value = _number(parts[1], constants)
                return value, start + len(parts[0]) + 1 if value is not None else None
            return None, None
        for pattern, scale in (
            (r"['\"]\s*EX\s*['\"]\s*,\s*([^,)]+)", 1.0),
            (r"\bEX\s*:\s*([^,}]+)", 1.0),
            (r"['\"]\s*PX\s*['\"]\s*,\s*([^,)]+)", 0.001),
            (r"\bPX\s*:\s*([^,}]+)", 0.001),
            (r"\bttl\s*:\s*([^,}]+)", 0.001),
        ):
            km = re.search(pattern, self.text[start:end])
            if km:
                value = _number(km.group(1), constants)
                if value is not None:
                    return value * scale, start + km.start()
        return None, None
