"""The TypeScript/JavaScript scanner."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts.code.js_patterns import (
    _DO,
    _FUNCTION,
    ARROW,
    ASSIGN_BEFORE,
    AWAIT,
    CACHE_HELPER,
    CACHE_METHOD,
    CACHE_NAME,
    CONST,
    DRIZZLE_CALL,
    FOR,
    INVALIDATE_CALL,
    ITER_CALL,
    METHOD,
    NEW_CACHE,
    PRISMA_CALL,
    PRISMA_CLIENT,
    PROMISE_ALL,
    RAW_CALL,
    RETURN_TYPE,
    REVALIDATE_CALL,
    REVALIDATE_EXPORT,
    TX_CALL,
    TYPEORM_CALL,
    UNSTABLE_CACHE,
    WHILE,
)
from planreview.artifacts.code.model import CacheKind, Orm
from planreview.artifacts.code.scanner import (
    KEYWORDS,
    Scanner,
    Span,
    _names,
    _number,
)

if TYPE_CHECKING:
    pass



class JsScanner(Scanner):
    def scan(self) -> None:
        self.functions()
        self.loops()
        self.transactions()
        self.queries()
        self.awaits()
        for m in PROMISE_ALL.finditer(self.m):
            self.raw.promise_alls.append(Span(m.end(), self.close_of(m.end() - 1) + 1))
        self.caches()

    # functions

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

    def functions(self) -> None:
        seen: set[int] = set()
        for m in _FUNCTION.finditer(self.m):
            body = self.body_after(self.close_of(m.end() - 1))
            if body is not None and body not in seen:
                seen.add(body)
                params = self.text[m.end() : self.close_of(m.end() - 1)]
                self.raw.functions.append(
                    (Span(body, self.close_of(body) + 1), m.group(2), params, bool(m.group(1)))
                )
        for m in METHOD.finditer(self.m):
            name = m.group(2)
            if name in KEYWORDS:
                continue
            close = self.close_of(m.end() - 1)
            body = self.body_after(close)
            if body is None or body in seen:
                continue
            seen.add(body)
            self.raw.functions.append(
                (
                    Span(body, self.close_of(body) + 1),
                    name,
                    self.text[m.end() : close],
                    "async" in m.group(1),
                )
            )
        for m in ARROW.finditer(self.m):
            self.arrow(m.start(), seen)

    def arrow(self, arrow: int, seen: set[int]) -> None:
        j = self.back_ws(arrow)
        if j < 0:
            return
        window = self.m[max(0, arrow - 300) : arrow]
        typed = RETURN_TYPE.search(window)
        if typed and self.m[j] != ")":
            j = arrow - len(window) + typed.start()
        if self.m[j] == ")" and j in self.match:
            params_start = self.match[j]
            params = self.text[params_start + 1 : j]
        else:
            k = j
            while k >= 0 and (self.m[k].isalnum() or self.m[k] in "_$"):
                k -= 1
            params_start = k + 1
            params = self.text[params_start : j + 1]
        before = self.m[max(0, params_start - 200) : params_start]
        is_async = bool(re.search(r"async\s*$", before))
        before = re.sub(r"async\s*$", "", before)
        named = re.search(
            r"(?:(?:const|let|var)\s+)?([A-Za-z_$][\w$]*)\s*(?::[^=:\n]+)?[=:]\s*$", before
        )
        name = named.group(1) if named else ""
        body = self.skip_ws(arrow + 2)
        if body < self.n and self.m[body] == "{":
            span = Span(body, self.close_of(body) + 1)
        else:
            span = Span(body, self.expr_end(body))
        if span.start in seen:
            return
        seen.add(span.start)
        self.raw.functions.append((span, name, params, is_async))

    # loops

    def loops(self) -> None:
        for m in FOR.finditer(self.m):
            close = self.close_of(m.end() - 1)
            header = self.text[m.end() : close]
            variable = iterable = None
            kind = "for"
            hm = re.match(
                r"\s*(?:const|let|var)?\s*([\w$]+|\{[^}]*\}|\[[^\]]*\])\s+(of|in)\s+([\s\S]+?)\s*$",
                header,
            )
            if hm:
                kind = "for-" + hm.group(2)
                variable, iterable = hm.group(1), hm.group(3)
            self.raw.loops.append(
                (m.start(), self.statement_body(close), kind, variable, iterable, False)
            )
        for m in WHILE.finditer(self.m):
            close = self.close_of(m.end() - 1)
            before = self.back_ws(m.start())
            if before >= 0 and self.m[before] == "}":
                continue  # the tail of a do { } while (...)
            cond = self.text[m.end() : close]
            self.raw.loops.append(
                (m.start(), self.statement_body(close), "while", None, cond, False)
            )
        for m in _DO.finditer(self.m):
            body = m.end() - 1
            self.raw.loops.append(
                (m.start(), Span(body, self.close_of(body) + 1), "do", None, None, False)
            )
        for m in ITER_CALL.finditer(self.m):
            method = m.group(1)
            open_paren = m.end() - 1
            after = self.m[open_paren + 1 : open_paren + 200]
            is_async = bool(re.match(r"\s*async\b", after))
            if method != "forEach" and not is_async:
                continue
            _, receiver = self.receiver_before(m.start())
            if not receiver:
                continue
            var = re.match(r"\s*(?:async\s*)?\(?\s*([\w$]+|\{[^}]*\})", self.text[open_paren + 1 :])
            concurrent = bool(
                re.search(
                    r"Promise\s*\.\s*all(Settled)?\s*\(\s*$",
                    self.m[max(0, m.start() - len(receiver) - 40) : m.start() - len(receiver)],
                )
            )
            self.raw.loops.append(
                (
                    m.start() + m.group().index(method),
                    Span(open_paren + 1, self.close_of(open_paren) + 1),
                    method,
                    var.group(1) if var else None,
                    receiver,
                    concurrent,
                )
            )

    def statement_body(self, close_paren: int) -> Span:
        body = self.skip_ws(close_paren + 1)
        if body < self.n and self.m[body] == "{":
            return Span(body, self.close_of(body) + 1)
        return Span(body, self.expr_end(body))

    def expr_end(self, p: int) -> int:
        """End offset of the expression/statement starting at p."""
        i = p
        m = self.m
        while i < self.n:
            c = m[i]
            if c in "([{":
                i = self.close_of(i) + 1
                continue
            if c in ")]};,":
                return i
            if c == "\n":
                nxt = self.skip_ws(i)
                prev = self.back_ws(i + 1)
                if (nxt < self.n and m[nxt] in ".?:+*/&|=") or (
                    prev >= p and m[prev] in "=(,+-*/&|?:"
                ):
                    i += 1
                    continue
                return i
            i += 1
        return self.n

    # transactions

    def transactions(self) -> None:
        for m in TX_CALL.finditer(self.m):
            receiver = m.group(1)
            open_paren = m.end() - 1
            close = self.close_of(open_paren)
            first = self.skip_ws(open_paren + 1)
            if first < self.n and self.m[first] == "[":
                if "$transaction" in m.group():
                    self.raw.transactions.append(
                        (Span(open_paren + 1, close + 1), "batch", receiver, None, None)
                    )
                continue
            inner = self.m[first:close]
            cb = re.match(r"(async\s*)?(?:function\s*[\w$]*\s*)?\(?\s*([\w$]*)", inner)
            if not cb or not (cb.group(1) or "=>" in inner[:120] or inner.startswith("function")):
                continue
            options = None
            arrow = self.m.find("=>", first, close)
            body_start = self.skip_ws(arrow + 2) if arrow >= 0 else self.m.find("{", first, close)
            if 0 <= body_start < close and self.m[body_start] == "{":
                after = self.close_of(body_start) + 1
                rest = self.m[after:close]
                comma = re.match(r"\s*,\s*", rest)
                if comma and rest[comma.end() :].strip():
                    opt_start = after + comma.end()
                    options = self.text[opt_start:close].strip().rstrip(",").rstrip()
            self.raw.transactions.append(
                (
                    Span(open_paren + 1, close + 1),
                    "interactive",
                    receiver,
                    cb.group(2) or None,
                    options,
                )
            )

    # queries

    def queries(self) -> None:
        for m in PRISMA_CALL.finditer(self.m):
            receiver, model, method = m.group(1), m.group(2), m.group(3)
            if not PRISMA_CLIENT.search(receiver) or model.startswith("$"):
                continue
            orm: Orm = "drizzle" if receiver.endswith(".query") else "prisma"
            self.add_call(m.start(), m.end() - 1, orm, receiver, model, method)
        for m in RAW_CALL.finditer(self.m):
            opener = m.end() - 1
            if self.m[opener] == "`":
                closing = self.m.find("`", opener + 1)
                closing = self.n if closing < 0 else closing
                args = self.text[opener + 1 : closing]
                self.raw.queries.append(
                    (
                        m.start(),
                        closing + 1,
                        "raw",
                        m.group(1),
                        None,
                        m.group(2),
                        args,
                        self.text[m.start() : closing + 1],
                    )
                )
            else:
                self.add_call(m.start(), opener, "raw", m.group(1), None, m.group(2), raw=True)
        for m in DRIZZLE_CALL.finditer(self.m):
            self.add_call(m.start(), m.end() - 1, "drizzle", m.group(1), None, m.group(2))
        for m in TYPEORM_CALL.finditer(self.m):
            entity = re.sub(r"(?i)^(this\.)|_?repo(sitory)?$", "", m.group(1)) or None
            self.add_call(m.start(), m.end() - 1, "typeorm", m.group(1), entity, m.group(2))

    def add_call(
        self,
        start: int,
        opener: int,
        orm: Orm,
        receiver: str,
        model: str | None,
        method: str,
        raw: bool = False,
    ) -> None:
        close = self.close_of(opener)
        args = self.text[opener + 1 : close]
        if raw:
            args = re.sub(r"^\s*[`'\"]|[`'\"][\s\S]*$", "", args.strip())
        end = self.chain_end(close)
        self.raw.queries.append(
            (start, end, orm, receiver, model, method, args, self.text[start:end])
        )

    def call_context(
        self, start: int, orm: str, method: str, chain: str
    ) -> tuple[bool, tuple[str, ...]]:
        before = self.m[max(0, start - 300) : start]
        awaited = bool(re.search(r"(?<![\w$])await\s*\(?\s*$", before))
        assigned = self.assigned_before(re.sub(r"(?<![\w$])await\s*\(?\s*$", "", before))
        return awaited, assigned

    def assigned_before(self, before: str) -> tuple[str, ...]:
        # Only the current statement matters; a short tail keeps the $-anchored search cheap.
        cut = max(before.rfind(";"), before.rfind("{\n"), before.rfind("}\n"))
        m = ASSIGN_BEFORE.search(before[cut + 1 :])
        if not m:
            return ()
        return _names(m.group(1)) if m.group(1) else (m.group(2),)

    # awaits

    def awaits(self) -> None:
        for m in AWAIT.finditer(self.m):
            start = m.end()
            end = self.expr_end(start)
            before = self.m[max(0, m.start() - 300) : m.start()]
            assigned = self.assigned_before(before)
            block = self.enclosing_bracket(m.start())
            line_start = self.m.rfind("\n", 0, m.start()) + 1
            lead = self.m[max(line_start, block + 1) : m.start()].strip()
            statement = (block < 0 or self.m[block] == "{") and (
                lead in ("", "return")
                or bool(re.fullmatch(r"(?:(?:export\s+)?(?:const|let|var)\s+)?[^;(]+=", lead))
            )
            self.raw.awaits.append(
                (m.start(), end, self.text[start:end].strip(), assigned, statement, block)
            )

    def enclosing_bracket(self, offset: int) -> int:
        """Offset of the innermost bracket enclosing `offset` (-1 at top level)."""
        j = offset - 1
        while j >= 0:
            c = self.m[j]
            if c in ")]}" and j in self.match and self.match[j] < j:
                j = self.match[j] - 1
                continue
            if c in "([{":
                return j
            j -= 1
        return -1

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
