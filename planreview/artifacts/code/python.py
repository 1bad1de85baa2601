"""The Python scanner."""

from __future__ import annotations

import bisect
import re
from typing import TYPE_CHECKING

from planreview.artifacts.code.js_patterns import CACHE_NAME
from planreview.artifacts.code.model import CacheKind, Orm
from planreview.artifacts.code.scanner import Scanner, Span, _names, _number

if TYPE_CHECKING:
    pass


# --- Python --------------------------------------------------------------------------------

_PY_DEF = re.compile(r"(?m)^([ \t]*)(async[ \t]+)?def[ \t]+(\w+)[ \t]*\(")
_PY_FOR = re.compile(r"(?m)^([ \t]*)(?:async[ \t]+)?for[ \t]+(.+?)[ \t]+in[ \t]+(.+?):[ \t]*$")
_PY_WHILE = re.compile(r"(?m)^([ \t]*)while[ \t]+(.+?):[ \t]*$")
_PY_WITH_TX = re.compile(
    r"(?m)^([ \t]*)(?:async[ \t]+)?with[ \t]+(?:await[ \t]+)?"
    r"((?:\w+\.)*\w*(?:session|conn|connection|engine|db)\w*)"
    r"\.(begin|begin_nested)\(\)"
)
_PY_ATOMIC = re.compile(r"(?m)^([ \t]*)(?:with[ \t]+transaction\.atomic\(|@transaction\.atomic\b)")
_PY_SESSION_CALL = re.compile(
    r"(?<![\w.])((?:(?:self|db)\.)?(?:\w*session\w*|db))\.(query|execute|scalars|scalar|get|add|"
    r"add_all|merge|delete|bulk_save_objects|bulk_insert_mappings|commit|flush)\s*\("
)
_PY_DJANGO_CALL = re.compile(
    r"(?<![\w.])([A-Z]\w*)\.objects\.(filter|all|get|create|update|delete|exclude|bulk_create|"
    r"bulk_update|get_or_create|update_or_create|count|exists|first|last|values|values_list|"
    r"order_by|select_related|prefetch_related|aggregate|annotate|in_bulk)\s*\("
)
_PY_SAVE = re.compile(r"(?<![\w.])([a-z_]\w*)\.save\(\s*(?:update_fields\s*=[^)]*)?\)")
_PY_EXECUTES = re.compile(
    r"\.(all|first|one|one_or_none|scalar|scalar_one|scalar_one_or_none|count|get|exists|"
    r"last|aggregate|in_bulk|delete|update)\s*\("
)
_PY_IMMEDIATE = frozenset(
    {
        "execute",
        "scalars",
        "scalar",
        "get",
        "add",
        "add_all",
        "merge",
        "delete",
        "create",
        "update",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "count",
        "exists",
        "first",
        "last",
        "aggregate",
        "in_bulk",
        "save",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "commit",
        "flush",
    }
)
_PY_CACHE_NEW = re.compile(r"(?<![\w.])(TTLCache|LRUCache|TLRUCache)\s*\(")
_PY_CACHE_METHOD = re.compile(
    r"(?<![\w.])((?:self\.)?\w+(?:\.\w+)*)\.(get|set|setex|delete|delete_many|clear|keys|"
    r"get_many|set_many)\s*\("
)


class PyScanner(Scanner):
    def __init__(self, text: str, masked: str, first_line: int) -> None:
        super().__init__(text, masked, first_line)
        self.lines = masked.split("\n")

    def scan(self) -> None:
        for m in _PY_DEF.finditer(self.m):
            params_close = self.close_of(m.end() - 1)
            body = self.m.find(":", params_close)
            body = params_close if body < 0 else body
            self.raw.functions.append(
                (
                    Span(body + 1, self.block_end(m.start(), len(m.group(1)))),
                    m.group(3),
                    self.text[m.end() : params_close],
                    bool(m.group(2)),
                )
            )
        for m in _PY_FOR.finditer(self.m):
            self.raw.loops.append(
                (
                    m.start() + len(m.group(1)),
                    Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
                    "for",
                    m.group(2).strip(),
                    m.group(3).strip(),
                    False,
                )
            )
        for m in _PY_WHILE.finditer(self.m):
            self.raw.loops.append(
                (
                    m.start() + len(m.group(1)),
                    Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
                    "while",
                    None,
                    m.group(2).strip(),
                    False,
                )
            )
        for m in _PY_WITH_TX.finditer(self.m):
            self.raw.transactions.append(
                (
                    Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
                    "sqlalchemy",
                    m.group(2),
                    None,
                    None,
                )
            )
        for m in _PY_ATOMIC.finditer(self.m):
            indent = len(m.group(1))
            start = m.end()
            if m.group().lstrip().startswith("@"):
                d = _PY_DEF.search(self.m, m.end())
                if not d:
                    continue
                start, indent = d.end(), len(d.group(1))
                end = self.block_end(d.start(), indent)
            else:
                end = self.block_end(m.start(), indent)
            self.raw.transactions.append((Span(start, end), "django", "transaction", None, None))
        for m in _PY_SESSION_CALL.finditer(self.m):
            self.add_call(m.start(), m.end() - 1, "sqlalchemy", m.group(1), None, m.group(2))
        for m in _PY_DJANGO_CALL.finditer(self.m):
            self.add_call(
                m.start(), m.end() - 1, "django", f"{m.group(1)}.objects", m.group(1), m.group(2)
            )
        for m in _PY_SAVE.finditer(self.m):
            self.raw.queries.append(
                (
                    m.start(),
                    m.end(),
                    "django",
                    m.group(1),
                    None,
                    "save",
                    "",
                    self.text[m.start() : m.end()],
                )
            )
        for m in re.finditer(r"(?<![\w.])await\s+", self.m):
            end = self.logical_end(m.end())
            before = self.line_before(m.start())
            assigned = self.py_assigned(before)
            statement = before.strip() == "" or before.strip() == "return" or bool(assigned)
            block = self.block_key(m.start())
            self.raw.awaits.append(
                (m.start(), end, self.text[m.end() : end].strip(), assigned, statement, block)
            )
        for m in re.finditer(r"(?<![\w.])asyncio\.gather\s*\(", self.m):
            self.raw.promise_alls.append(Span(m.end(), self.close_of(m.end() - 1) + 1))
        self.py_caches()

    def block_end(self, header: int, indent: int) -> int:
        """End offset of the indented block under the line at `header`."""
        index = bisect.bisect_right(self.line_starts, header) - 1
        # The header may continue over several lines inside brackets.
        colon_line = index
        end_of_header = self.logical_end(header)
        colon_line = bisect.bisect_right(self.line_starts, end_of_header) - 1
        last = colon_line
        for k in range(colon_line + 1, len(self.lines)):
            line = self.lines[k]
            if not line.strip():
                continue
            if len(line) - len(line.lstrip()) <= indent:
                break
            last = k
        end = self.line_starts[last] + len(self.lines[last])
        return end

    def logical_end(self, start: int) -> int:
        """End of the logical line containing `start` (brackets may span lines)."""
        i = start
        while i < self.n:
            c = self.m[i]
            if c in "([{":
                i = self.close_of(i) + 1
                continue
            if c == "\n" and self.m[i - 1] != "\\":
                return i
            i += 1
        return self.n

    def line_before(self, offset: int) -> str:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        return self.m[self.line_starts[index] : offset]

    def block_key(self, offset: int) -> int:
        """The line index of the nearest header above with less indentation."""
        index = bisect.bisect_right(self.line_starts, offset) - 1
        line = self.lines[index]
        indent = len(line) - len(line.lstrip())
        for k in range(index - 1, -1, -1):
            text = self.lines[k]
            if text.strip() and len(text) - len(text.lstrip()) < indent:
                return k
        return -1

    @staticmethod
    def py_assigned(before: str) -> tuple[str, ...]:
        m = re.match(r"\s*([\w.]+(?:\s*,\s*[\w.]+)*)\s*(?::[^=]+)?=\s*$", before)
        return _names(m.group(1)) if m else ()

    def add_call(
        self, start: int, opener: int, orm: Orm, receiver: str, model: str | None, method: str
    ) -> None:
        close = self.close_of(opener)
        end = self.chain_end(close)
        self.raw.queries.append(
            (
                start,
                end,
                orm,
                receiver,
                model,
                method,
                self.text[opener + 1 : close],
                self.text[start:end],
            )
        )

    def call_context(
        self, start: int, orm: str, method: str, chain: str
    ) -> tuple[bool, tuple[str, ...]]:
        before = self.line_before(start)
        awaited = (
            bool(re.search(r"await\s*$", before))
            or method in _PY_IMMEDIATE
            or bool(_PY_EXECUTES.search(chain[chain.find("(") :]))
        )
        return awaited, self.py_assigned(re.sub(r"await\s*$", "", before))

    def py_caches(self) -> None:
        constants = {
            m.group(1): m.group(2)
            for m in re.finditer(r"(?m)^\s*([A-Z_][A-Z0-9_]*)\s*=\s*([^\n#]+)", self.m)
        }
        names: set[str] = set()
        for m in _PY_CACHE_NEW.finditer(self.m):
            close = self.close_of(m.end() - 1)
            target = re.search(r"([\w.]+)\s*(?::[^=\n]+)?=\s*$", self.line_before(m.start()))
            name = target.group(1).split(".")[-1] if target else m.group(1)
            names.add(name)
            km = re.search(r"\bttl\s*=\s*([^,)\n]+)", self.m[m.end() : close])
            life = _number(km.group(1), constants) if km else None
            self.raw.caches.append(
                (
                    m.start(),
                    close + 1,
                    "lru",
                    name,
                    self.text[m.end() : close],
                    life,
                    m.end() + km.start() if km and life is not None else None,
                )
            )
        for m in _PY_CACHE_METHOD.finditer(self.m):
            receiver, method = m.group(1), m.group(2)
            last = receiver.split(".")[-1]
            if last not in names and not CACHE_NAME.search(last):
                continue
            close = self.close_of(m.end() - 1)
            args = self.text[m.end() : close]
            if method == "keys" and not args.strip():
                continue
            kind: CacheKind = (
                "redis-keys"
                if method == "keys"
                else "get"
                if method.startswith("get")
                else "set"
                if method.startswith("set")
                else "clear"
                if method == "clear"
                else "delete"
            )
            ttl: float | None = None
            ttl_off: int | None = None
            if kind == "set":
                km = re.search(r"\b(ex|timeout)\s*=\s*([^,)\n]+)", self.m[m.end() : close])
                if km:
                    ttl = _number(km.group(2), constants)
                    ttl_off = m.end() + km.start() if ttl is not None else None
            self.raw.caches.append((m.start(), close + 1, kind, receiver, args, ttl, ttl_off))
        for m in re.finditer(
            r"(?<![\w])(invalidate\w*|(?:clear|bust|purge|evict)\w*[Cc]ache\w*)\s*\(", self.m
        ):
            if re.search(r"def\s+$", self.m[max(0, m.start() - 10) : m.start()]):
                continue
            close = self.close_of(m.end() - 1)
            self.raw.caches.append(
                (
                    m.start(),
                    close + 1,
                    "invalidate",
                    m.group(1),
                    self.text[m.end() : close],
                    None,
                    None,
                )
            )
