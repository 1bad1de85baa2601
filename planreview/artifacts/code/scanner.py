"""The scanning machinery the language scanners share."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planreview.artifacts.code.masking import match_brackets
from planreview.artifacts.code.model import (
    Await,
    CacheCall,
    CacheKind,
    CodeUnit,
    Function,
    Loop,
    Orm,
    QueryCall,
    Transaction,
    TransactionKind,
    Where,
)

if TYPE_CHECKING:
    pass


# --- shared scanning machinery -------------------------------------------------------------

IDENT_CHAIN = r"[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*"
KEYWORDS = frozenset(
    {
        "if",
        "for",
        "while",
        "switch",
        "catch",
        "function",
        "return",
        "await",
        "new",
        "typeof",
        "super",
        "else",
        "do",
        "try",
        "with",
        "yield",
        "import",
        "export",
        "case",
        "throw",
        "delete",
        "void",
        "in",
        "of",
        "instanceof",
    }
)


@dataclass
class Span:
    start: int
    end: int


@dataclass
class _Raw:
    """Offset-based findings, turned into line-based results by `Scanner.finish`."""

    functions: list[tuple[Span, str, str, bool]] = field(default_factory=list)
    loops: list[tuple[int, Span, str, str | None, str | None, bool]] = field(default_factory=list)
    transactions: list[tuple[Span, TransactionKind, str, str | None, str | None]] = field(
        default_factory=list
    )
    queries: list[tuple[int, int, Orm, str, str | None, str, str, str]] = field(
        default_factory=list
    )
    awaits: list[tuple[int, int, str, tuple[str, ...], bool, int]] = field(default_factory=list)
    promise_alls: list[Span] = field(default_factory=list)
    caches: list[tuple[int, int, CacheKind, str, str, float | None, int | None]] = field(
        default_factory=list
    )


class Scanner:
    def __init__(self, text: str, masked: str, first_line: int) -> None:
        self.text = text
        self.m = masked
        self.n = len(masked)
        self.first_line = first_line
        self.match = match_brackets(masked)
        self.line_starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
        self.raw = _Raw()

    def line_of(self, offset: int) -> int:
        return self.first_line + bisect.bisect_right(self.line_starts, offset) - 1

    def line_text(self, offset: int) -> str:
        index = bisect.bisect_right(self.line_starts, offset) - 1
        start = self.line_starts[index]
        end = self.text.find("\n", start)
        return self.text[start : end if end >= 0 else len(self.text)]

    def close_of(self, opener: int) -> int:
        return min(self.match.get(opener, self.n), self.n)

    def skip_ws(self, i: int) -> int:
        while i < self.n and self.m[i] in " \t\r\n":
            i += 1
        return i

    def back_ws(self, i: int) -> int:
        """Offset of the last non-space char before i (-1 if none)."""
        i -= 1
        while i >= 0 and self.m[i] in " \t\r\n":
            i -= 1
        return i

    def receiver_before(self, dot: int) -> tuple[int, str]:
        """The expression ending right before offset `dot` (identifiers, dots, calls)."""
        i = dot - 1
        while i >= 0:
            c = self.m[i]
            if c in ")]" and i in self.match:
                i = self.match[i] - 1
            elif c.isalnum() or c in "_$.?!":
                i -= 1
            else:
                break
        return i + 1, self.text[i + 1 : dot]

    def chain_end(self, close: int) -> int:
        """Extend past chained calls `.x(...)` after the call closing at `close`."""
        end = close + 1
        while True:
            m = re.compile(r"\s*\??\.\s*[A-Za-z_$][\w$]*\s*(?:<[^<>()]*>)?\s*(\(|`)?").match(
                self.m, end
            )
            if not m:
                return end
            if m.group(1) == "(":
                end = self.close_of(m.end() - 1) + 1
            elif m.group(1) == "`":
                closing = self.m.find("`", m.end())
                end = (closing if closing >= 0 else self.n) + 1
            else:
                end = m.end()

    def finish(self, unit: CodeUnit) -> CodeUnit:
        raw = self.raw
        fn_spans = [s for s, *_ in raw.functions]
        loop_spans = [s for _, s, *_ in raw.loops]
        tx_spans = [s for s, *_ in raw.transactions]

        loops_by_start = sorted(enumerate(loop_spans), key=lambda e: e[1].start)
        innermost_tx, innermost_fn = _Innermost(tx_spans), _Innermost(fn_spans)

        def where(offset: int) -> Where:
            loops = tuple(k for k, s in loops_by_start if s.start <= offset < s.end)
            return Where(
                loops=loops,
                transaction=innermost_tx(offset),
                function=innermost_fn(offset),
                in_promise_all=any(s.start <= offset < s.end for s in raw.promise_alls),
            )

        for span, name, params, is_async in raw.functions:
            unit.functions.append(
                Function(
                    name,
                    params,
                    self.line_of(span.start),
                    self.line_of(max(span.start, span.end - 1)),
                    is_async,
                )
            )
        for header, span, kind, variable, iterable, concurrent in raw.loops:
            unit.loops.append(
                Loop(
                    kind,
                    self.line_of(header),
                    self.line_of(max(span.start, span.end - 1)),
                    self.line_text(header).strip(),
                    variable,
                    iterable,
                    concurrent,
                    where(header),
                )
            )
        for span, tkind, receiver, client, options in raw.transactions:
            unit.transactions.append(
                Transaction(
                    tkind,
                    receiver,
                    client,
                    self.line_of(span.start),
                    self.line_of(max(span.start, span.end - 1)),
                    options,
                    where(span.start - 1),
                )
            )
        for start, end, orm, receiver, model, method, args, chain in raw.queries:
            awaited, assigned = self.call_context(start, orm, method, chain)
            unit.queries.append(
                QueryCall(
                    orm,
                    receiver,
                    model,
                    method,
                    args,
                    chain,
                    self.line_of(start),
                    self.line_of(max(start, end - 1)),
                    awaited,
                    assigned,
                    where(start),
                )
            )
        for start, end, expr, assigned, statement, block in raw.awaits:
            unit.awaits.append(
                Await(
                    expr,
                    self.line_of(start),
                    self.line_of(max(start, end - 1)),
                    assigned,
                    statement,
                    block,
                    where(start),
                )
            )
        for span in raw.promise_alls:
            unit.promise_alls.append((self.line_of(span.start), self.line_of(span.end - 1)))
        for start, end, ckind, name, args, ttl, ttl_off in raw.caches:
            unit.caches.append(
                CacheCall(
                    ckind,
                    name,
                    args,
                    self.line_of(start),
                    self.line_of(max(start, end - 1)),
                    ttl,
                    self.line_of(ttl_off) if ttl_off is not None else None,
                    where(start),
                )
            )
        return unit

    def call_context(
        self, start: int, orm: str, method: str, chain: str
    ) -> tuple[bool, tuple[str, ...]]:
        """Whether the call at `start` is awaited/executed, and what its result is bound to."""
        raise NotImplementedError


class _Innermost:
    """Innermost span containing an offset. Spans nest, so walking back from the last
    span starting at or before the offset, the first one that contains it is innermost."""

    def __init__(self, spans: list[Span]) -> None:
        self.order = sorted(range(len(spans)), key=lambda k: spans[k].start)
        self.starts = [spans[k].start for k in self.order]
        self.spans = spans

    def __call__(self, offset: int) -> int | None:
        for pos in range(bisect.bisect_right(self.starts, offset) - 1, -1, -1):
            k = self.order[pos]
            if offset < self.spans[k].end:
                return k
        return None


def _names(target: str) -> tuple[str, ...]:
    """Names bound by an assignment target: `x`, `{ a, b: c }`, `[a, b]`, `a, b`."""
    target = target.strip()
    if target[:1] in "{[":
        inner = target[1:-1]
        names = []
        for part in inner.split(","):
            part = part.split("=")[0]
            part = part.split(":")[-1].strip().lstrip(".")
            if re.fullmatch(r"[A-Za-z_$][\w$]*", part):
                names.append(part)
        return tuple(names)
    return tuple(p.strip() for p in target.split(",") if re.fullmatch(r"\s*[\w$.]+\s*", p))


def _number(expr: str, constants: dict[str, str]) -> float | None:
    """Evaluate `1000 * 60 * 30`, `30_000`, `CACHE_TTL` (a constant of the unit)."""
    expr = expr.strip().rstrip(",")
    for _ in range(3):
        expr = re.sub(
            r"\b[A-Z_a-z][\w]*\b",
            lambda m: f"({constants[m.group()]})" if m.group() in constants else m.group(),
            expr,
        )
    expr = expr.replace("_", "")
    if not re.fullmatch(r"[\d\s.*+()/-]+", expr) or not re.search(r"\d", expr):
        return None
    try:
        value = eval(expr, {"__builtins__": {}}, {})
    except (SyntaxError, ZeroDivisionError, TypeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None
