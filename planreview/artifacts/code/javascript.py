"""The TypeScript/JavaScript scanner."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts.code.js_caches import JsCacheScanner
from planreview.artifacts.code.js_patterns import (
    _DO,
    _FUNCTION,
    ARROW,
    ASSIGN_BEFORE,
    AWAIT,
    DRIZZLE_CALL,
    FOR,
    ITER_CALL,
    METHOD,
    PRISMA_CALL,
    PRISMA_CLIENT,
    PROMISE_ALL,
    RAW_CALL,
    RETURN_TYPE,
    TX_CALL,
    TYPEORM_CALL,
    WHILE,
)
from planreview.artifacts.code.model import Orm
from planreview.artifacts.code.scanner import (
    KEYWORDS,
    Span,
    _names,
)

if TYPE_CHECKING:
    pass



class JsScanner(JsCacheScanner):
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
