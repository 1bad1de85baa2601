"""Tolerant scanner for TypeScript/JavaScript and Python: the queries, loops,
transactions and caches that the performance and caching rules read.

No maintained TypeScript parser exists for Python, and plan snippets are rarely whole
programs anyway (`// ... existing code`, a method without its class). So the scanner does
not parse. It blanks out strings, comments and regex literals, keeping every offset and
newline. Then it matches brackets and finds constructs with regexes over the masked text.
Every event carries exact absolute lines and knows which loops, transaction and function
enclose it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts

Language = Literal["typescript", "python"]
Origin = Literal["plan", "repo"]
Orm = Literal["prisma", "drizzle", "typeorm", "sqlalchemy", "django", "raw"]

PLAN_LANGUAGES: dict[str, Language] = {
    **dict.fromkeys(("ts", "typescript", "tsx", "js", "javascript", "jsx", "mjs"), "typescript"),
    **dict.fromkeys(("python", "py", "python3"), "python"),
}
FILE_SUFFIXES: dict[str, Language] = {
    **dict.fromkeys((".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts"), "typescript"),
    ".py": "python",
}

READ_METHODS = frozenset(
    {
        "findMany",
        "findFirst",
        "findFirstOrThrow",
        "findUnique",
        "findUniqueOrThrow",
        "count",
        "aggregate",
        "groupBy",
        # Drizzle / SQLAlchemy / Django
        "select",
        "selectDistinct",
        "query",
        "execute",
        "scalars",
        "scalar",
        "get",
        "filter",
        "all",
        "exclude",
        "exists",
        "first",
        "last",
        "values",
        "values_list",
        "in_bulk",
        "order_by",
    }
)
WRITE_METHODS = frozenset(
    {
        "create",
        "createMany",
        "createManyAndReturn",
        "update",
        "updateMany",
        "updateManyAndReturn",
        "upsert",
        "delete",
        "deleteMany",
        "insert",
        "add",
        "add_all",
        "merge",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "save",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "commit",
        "flush",
        "remove",
    }
)
SINGLE_ROW_WRITES = frozenset(
    {
        "create",
        "update",
        "upsert",
        "delete",
        "insert",
        "add",
        "merge",
        "save",
        "get_or_create",
        "update_or_create",
        "commit",
        "flush",
        "remove",
    }
)
_PRISMA_METHODS = (
    "findMany|findFirstOrThrow|findFirst|findUniqueOrThrow|findUnique|count|aggregate|groupBy|"
    "createManyAndReturn|createMany|create|updateManyAndReturn|updateMany|update|upsert|"
    "deleteMany|delete"
)


# --- the result types ------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """What encloses an event: indexes into its unit's loops/transactions/functions."""

    loops: tuple[int, ...] = ()
    """Enclosing loops, outermost first."""
    transaction: int | None = None
    """Innermost enclosing transaction."""
    function: int | None = None
    """Innermost enclosing function."""
    in_promise_all: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    """'' for an anonymous function (a callback)."""
    params: str
    start_line: int
    end_line: int
    is_async: bool


@dataclass(frozen=True)
class Loop:
    kind: str
    """for, for-of, for-in, while, do, forEach, map, flatMap, ... (Python: for, while)."""
    start_line: int
    """Line of the loop header (`for`, `while`, `.forEach(`)."""
    end_line: int
    header: str
    """The header's line, stripped."""
    variable: str | None
    """The loop variable(s) as written (`pkg`, `{ id, name }`)."""
    iterable: str | None
    """What is iterated, as written (`packages`, `Object.entries(bySegment)`)."""
    concurrent: bool = False
    """An async `.map` inside `Promise.all`: the iterations run at once."""
    where: Where = Where()


TransactionKind = Literal["interactive", "batch", "sqlalchemy", "django"]


@dataclass(frozen=True)
class Transaction:
    kind: TransactionKind
    receiver: str
    """`prisma`, `this.prisma`, `session`, `transaction` (Django)."""
    client: str | None
    """The transaction client's name inside the callback (`tx`), when there is one."""
    start_line: int
    end_line: int
    options: str | None
    """Text of the options object (`{ timeout: 120000 }`); None when absent."""
    where: Where = Where()


@dataclass(frozen=True)
class QueryCall:
    orm: Orm
    receiver: str
    """`prisma`, `tx`, `this.prisma`, `session`, `Booking.objects`, `db`."""
    model: str | None
    """Prisma delegate / Django model (`package`, `Booking`); None when not visible."""
    method: str
    args: str
    """Text inside the call's parentheses (the template for raw tagged templates)."""
    chain: str
    """The whole expression from the receiver through chained calls
    (`db.select().from(users).where(...)`)."""
    start_line: int
    end_line: int
    awaited: bool
    """Awaited (TS), or a Python call that runs the query right away."""
    assigned_to: tuple[str, ...]
    where: Where = Where()

    @property
    def is_write(self) -> bool:
        if self.orm == "raw":
            return bool(re.match(r"\s*(insert|update|delete|merge)\b", self.args, re.I))
        return self.method in WRITE_METHODS

    @property
    def is_read(self) -> bool:
        return not self.is_write


@dataclass(frozen=True)
class Await:
    expr: str
    """The awaited expression (without `await`)."""
    start_line: int
    end_line: int
    assigned_to: tuple[str, ...]
    statement_level: bool
    """A statement of its own: `await x;`, `const a = await x;`, `return await x;`."""
    block: int
    """Identifies the enclosing block; statements in the same block share it."""
    where: Where = Where()


CacheKind = Literal[
    "lru",
    "map",
    "get",
    "set",
    "delete",
    "clear",
    "redis-keys",
    "unstable-cache",
    "revalidate-export",
    "revalidate-path",
    "revalidate-tag",
    "invalidate",
]


@dataclass(frozen=True)
class CacheCall:
    kind: CacheKind
    name: str
    """The cache's variable (`bootstrapCache`), receiver (`redis`) or called function."""
    args: str
    start_line: int
    end_line: int
    ttl_seconds: float | None = None
    """For caches and writes that state a lifetime (`ttl`, `EX`, `revalidate`)."""
    ttl_line: int | None = None
    where: Where = Where()


@dataclass(frozen=True)
class Route:
    """A Next.js route file: `app/t/[slug]/book/[packageSlug]/page.tsx`."""

    url: str
    """`/t/[slug]/book/[packageSlug]` (route groups and slots removed)."""
    kind: str
    """page, layout, route (app router) or page for the pages router."""
    params: tuple[str, ...]


@dataclass
class CodeUnit:
    """One code block of the plan or one loaded repository file, scanned."""

    path: str
    language: Language
    origin: Origin
    start_line: int
    """Absolute line of the unit's first line (the block's first content line)."""
    end_line: int
    text: str
    masked: str
    """`text` with strings, comments and regex literals blanked (offsets preserved)."""
    functions: list[Function] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    queries: list[QueryCall] = field(default_factory=list)
    awaits: list[Await] = field(default_factory=list)
    promise_alls: list[tuple[int, int]] = field(default_factory=list)
    """(start_line, end_line) of each `Promise.all(...)` / `asyncio.gather(...)`."""
    caches: list[CacheCall] = field(default_factory=list)
    route: Route | None = None
    heading_path: tuple[str, ...] = ()
    """For plan blocks: the section the block sits in."""

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def _masked_lines(self) -> list[str]:
        return self.masked.split("\n")

    def line(self, number: int) -> str:
        """Text of absolute line `number` within this unit ('' outside it)."""
        index = number - self.start_line
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def masked_between(self, start_line: int, end_line: int) -> str:
        """Masked text of the absolute lines start..end (inclusive)."""
        first = max(0, start_line - self.start_line)
        return "\n".join(self._masked_lines[first : end_line - self.start_line + 1])

    def function_at(self, where: Where) -> Function | None:
        return self.functions[where.function] if where.function is not None else None

    def named_function(self, where: Where) -> Function | None:
        """The innermost enclosing function that has a name (skips callbacks)."""
        if where.function is None:
            return None
        return self.function_around(self.functions[where.function].start_line)

    def function_around(self, line: int, *, named: bool = True) -> Function | None:
        """The innermost function (with a name, unless `named=False`) containing `line`."""
        best: Function | None = None
        for fn in self.functions:
            inside = fn.start_line <= line <= fn.end_line and (fn.name or not named)
            if inside and (best is None or fn.start_line >= best.start_line):
                best = fn
        return best


# --- masking -----------------------------------------------------------------------------


class Unterminated(Exception):
    """A string, template literal or comment that never closes (offset in args[1])."""


_REGEX_AFTER = set("(,=:[!&|?{};+-*%<>~^")
_REGEX_AFTER_WORDS = frozenset(
    {
        "return",
        "typeof",
        "case",
        "in",
        "of",
        "yield",
        "await",
        "void",
        "delete",
        "throw",
        "new",
        "else",
        "do",
        "instanceof",
    }
)


def _blank(out: list[str], start: int, end: int) -> None:
    for k in range(start, end):
        if out[k] != "\n":
            out[k] = " "


def _prev_significant(out: list[str], i: int) -> tuple[str, str]:
    """The last non-space character before i, and the word it ends (if a letter)."""
    j = i - 1
    while j >= 0 and out[j] in " \t\r\n":
        j -= 1
    if j < 0:
        return "", ""
    k = j
    while k >= 0 and (out[k].isalnum() or out[k] in "_$"):
        k -= 1
    return out[j], "".join(out[k + 1 : j + 1])


_CODE_SPECIAL = re.compile(r"[/\"'`{}]")
_TEMPLATE_SPECIAL = re.compile(r"[\\`$]")


def mask_js(src: str) -> str:
    """Blank string/template/comment/regex contents; keep quotes, `${`, `}` and newlines.

    Code inside `${...}` stays visible (it may hold a query call). Raises Unterminated
    for a block comment or template literal that never ends.
    """
    out = list(src)
    n = len(src)
    # Frames: -1 is a template literal; a number >= 0 is the brace depth of code (the
    # bottom frame, or the code inside a `${`).
    frames: list[int] = [0]
    i = 0
    while i < n:
        # Jump straight to the next character that can change state.
        special = (_TEMPLATE_SPECIAL if frames[-1] == -1 else _CODE_SPECIAL).search(src, i)
        if special is None:
            if frames[-1] == -1:
                _blank(out, i, n)
            break
        if frames[-1] == -1:
            _blank(out, i, special.start())
        i = special.start()
        c = src[i]
        nxt = src[i + 1] if i + 1 < n else ""
        if frames[-1] == -1:
            if c == "\\":
                _blank(out, i, min(i + 2, n))
                i += 2
            elif c == "`":
                frames.pop()
                i += 1
            elif c == "$" and nxt == "{":
                frames.append(0)
                i += 2
            else:
                if c != "\n":
                    out[i] = " "
                i += 1
            continue
        if c == "/" and nxt == "/":
            end = src.find("\n", i)
            end = n if end < 0 else end
            _blank(out, i, end)
            i = end
        elif c == "/" and nxt == "*":
            end = src.find("*/", i + 2)
            if end < 0:
                raise Unterminated("unterminated block comment", i)
            _blank(out, i, end + 2)
            i = end + 2
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c and src[j] != "\n":
                j += 2 if src[j] == "\\" else 1
            j = min(j, n)
            _blank(out, i + 1, j)
            i = j + 1 if j < n and src[j] == c else j
        elif c == "`":
            frames.append(-1)
            i += 1
        elif c == "{":
            frames[-1] += 1
            i += 1
        elif c == "}":
            if frames[-1] == 0 and len(frames) > 1:
                frames.pop()
            else:
                frames[-1] = max(0, frames[-1] - 1)
            i += 1
        elif c == "/":
            prev, word = _prev_significant(out, i)
            end = (
                _regex_end(src, i)
                if (not prev or prev in _REGEX_AFTER or word in _REGEX_AFTER_WORDS)
                else -1
            )
            if end > 0:
                _blank(out, i + 1, end)
                i = end + 1
            else:
                i += 1
        else:
            i += 1
    if len(frames) > 1 and -1 in frames:
        raise Unterminated("unterminated template literal", src.rfind("`"))
    return "".join(out)


def _regex_end(src: str, i: int) -> int:
    """Offset of the `/` closing a regex literal that starts at i, or -1 if none."""
    j = i + 1
    in_class = False
    while j < len(src) and src[j] != "\n":
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            in_class = True
        elif c == "]":
            in_class = False
        elif c == "/" and not in_class:
            return j if j > i + 1 else -1
        j += 1
    return -1


def mask_py(src: str) -> str:
    """Blank Python string and comment contents (f-strings included)."""
    out = list(src)
    n = len(src)
    i = 0
    while i < n:
        c = src[i]
        if c == "#":
            end = src.find("\n", i)
            end = n if end < 0 else end
            _blank(out, i, end)
            i = end
        elif c in "\"'":
            quote = src[i : i + 3] if src.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not src.startswith(quote, j):
                if src[j] == "\\":
                    j += 2
                    continue
                if len(quote) == 1 and src[j] == "\n":
                    break
                j += 1
            if j >= n and len(quote) == 3:
                raise Unterminated("unterminated triple-quoted string", i)
            _blank(out, i + len(quote), min(j, n))
            i = j + len(quote) if j < n and src.startswith(quote, j) else j
        else:
            i += 1
    return "".join(out)


def match_brackets(masked: str) -> dict[int, int]:
    """Opener offset <-> closer offset for (), [], {}. Tolerant: a stray closer is
    ignored, an opener never closed closes at the end of the text."""
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[int] = []
    match: dict[int, int] = {}
    for m in re.finditer(r"[()\[\]{}]", masked):
        i, c = m.start(), m.group()
        if c in "([{":
            stack.append(i)
            continue
        for k in range(len(stack) - 1, max(-1, len(stack) - 4), -1):
            if masked[stack[k]] == pairs[c]:
                for unclosed in stack[k + 1 :]:
                    match[unclosed] = i
                match[stack[k]] = i
                match[i] = stack[k]
                del stack[k:]
                break
    for unclosed in stack:
        match[unclosed] = len(masked)
    return match


# --- shared scanning machinery -------------------------------------------------------------

_IDENT_CHAIN = r"[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)*"
_KEYWORDS = frozenset(
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
class _Span:
    start: int
    end: int


@dataclass
class _Raw:
    """Offset-based findings, turned into line-based results by `_Scanner.finish`."""

    functions: list[tuple[_Span, str, str, bool]] = field(default_factory=list)
    loops: list[tuple[int, _Span, str, str | None, str | None, bool]] = field(default_factory=list)
    transactions: list[tuple[_Span, TransactionKind, str, str | None, str | None]] = field(
        default_factory=list
    )
    queries: list[tuple[int, int, Orm, str, str | None, str, str, str]] = field(
        default_factory=list
    )
    awaits: list[tuple[int, int, str, tuple[str, ...], bool, int]] = field(default_factory=list)
    promise_alls: list[_Span] = field(default_factory=list)
    caches: list[tuple[int, int, CacheKind, str, str, float | None, int | None]] = field(
        default_factory=list
    )


class _Scanner:
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

    def __init__(self, spans: list[_Span]) -> None:
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


# --- TypeScript / JavaScript -------------------------------------------------------------

_PRISMA_CALL = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.([A-Za-z_$][\w$]*)\.({_PRISMA_METHODS})\s*\("
)
_PRISMA_CLIENT = re.compile(
    r"(?i)(^|\.)(prisma\w*|\w*prisma|tx|trx|transaction|db|client|database)$"
)
_RAW_CALL = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.\$(queryRawUnsafe|queryRaw|executeRawUnsafe|executeRaw)"
    r"\s*(\(|`)"
)
_DRIZZLE_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?(?:db|tx|trx|database))\.(select|selectDistinct|insert|update|delete)"
    r"\s*\("
)
_TYPEORM_CALL = re.compile(
    r"(?<![\w$.])((?:this\.)?[\w$]*(?:Repository|repository|Repo|repo))\.(find|findBy|findOne|"
    r"findOneBy|findAndCount|findAndCountBy|count|countBy|exists|save|insert|update|delete|remove|"
    r"upsert)\s*\("
)
_TX_CALL = re.compile(rf"(?<![\w$.])({_IDENT_CHAIN})\.\$?transaction\s*\(")
_FOR = re.compile(r"(?<![\w$.])for\s*(await\s*)?\(")
_WHILE = re.compile(r"(?<![\w$.])while\s*\(")
_DO = re.compile(r"(?<![\w$.])do\s*\{")
_ITER_CALL = re.compile(r"\??\.\s*(forEach|map|flatMap|filter|reduce|some|every|find)\s*\(")
_FUNCTION = re.compile(r"(?<![\w$.])(async\s+)?function\b\s*\*?\s*([\w$]*)\s*(?:<[^>(]*>)?\s*\(")
_METHOD = re.compile(
    r"(?m)^[ \t]*((?:(?:public|private|protected|static|readonly|override|async|get|set)\s+)*)"
    r"([A-Za-z_$][\w$]*)\s*(?:<[^>\n]*>)?\s*\("
)
_ARROW = re.compile(r"=>")
# `): Promise<{ ok: boolean }> =>`: the return type between the parameters and the arrow.
_RETURN_TYPE = re.compile(r"\)\s*:[^;=(){}]*(?:\{[^{}]*\}[^;=(){}]*)?\s*$")
_AWAIT = re.compile(r"(?<![\w$.])await\s+")
_PROMISE_ALL = re.compile(r"(?<![\w$.])Promise\s*\.\s*(all|allSettled)\s*\(")
_NEW_CACHE = re.compile(
    r"(?<![\w$.])new\s+(LRUCache|LRU|QuickLRU|NodeCache|TTLCache|Keyv|Map)\b\s*"
)
_CACHE_METHOD = re.compile(
    rf"(?<![\w$.])({_IDENT_CHAIN})\.(get|set|setex|delete|del|unlink|clear|reset|keys|mget|hget|"
    r"hset|purgeStale)\s*\("
)
_CACHE_NAME = re.compile(r"(?i)(cache|redis|kv|memo)")
# Project helpers around a cache client: getJson(key), setCached(key, value, ttlSeconds).
_CACHE_HELPER = re.compile(
    r"(?<![\w$.])((?:get|set|read|write|put)(?:Json|Cached?|FromCache|ToCache|Redis)[\w$]*|"
    r"cache(?:Get|Set|Read|Write|Put)[\w$]*)\s*(?:<[^<>()]*>)?\s*\("
)
_UNSTABLE_CACHE = re.compile(r"(?<![\w$.])(unstable_cache|cache)\s*\(")
_REVALIDATE_EXPORT = re.compile(
    r"(?m)^\s*export\s+const\s+revalidate\s*(?::\s*\w+\s*)?=\s*([^;\n]+)"
)
_REVALIDATE_CALL = re.compile(r"(?<![\w$.])(revalidatePath|revalidateTag|updateTag)\s*\(")
_INVALIDATE_CALL = re.compile(
    r"(?<![\w$])(invalidate[\w$]*|(?:clear|bust|purge|evict|flush)[\w$]*Cache[\w$]*)\s*\("
)
_CONST = re.compile(
    r"(?m)(?:const|let|var|readonly|static)\s+([A-Za-z_$][\w$]*)\s*(?::[^=\n]+)?=\s*([^;\n]+)"
)
_ASSIGN_BEFORE = re.compile(
    r"(?:(?:const|let|var)\s+([\w$]+|\{[^}]*\}|\[[^\]]*\])\s*(?::[^=]+)?|"
    r"((?:this\.)?[\w$]+(?:\.[\w$]+)*))\s*=\s*$"
)


class _JsScanner(_Scanner):
    def scan(self) -> None:
        self.functions()
        self.loops()
        self.transactions()
        self.queries()
        self.awaits()
        for m in _PROMISE_ALL.finditer(self.m):
            self.raw.promise_alls.append(_Span(m.end(), self.close_of(m.end() - 1) + 1))
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
                    (_Span(body, self.close_of(body) + 1), m.group(2), params, bool(m.group(1)))
                )
        for m in _METHOD.finditer(self.m):
            name = m.group(2)
            if name in _KEYWORDS:
                continue
            close = self.close_of(m.end() - 1)
            body = self.body_after(close)
            if body is None or body in seen:
                continue
            seen.add(body)
            self.raw.functions.append(
                (
                    _Span(body, self.close_of(body) + 1),
                    name,
                    self.text[m.end() : close],
                    "async" in m.group(1),
                )
            )
        for m in _ARROW.finditer(self.m):
            self.arrow(m.start(), seen)

    def arrow(self, arrow: int, seen: set[int]) -> None:
        j = self.back_ws(arrow)
        if j < 0:
            return
        window = self.m[max(0, arrow - 300) : arrow]
        typed = _RETURN_TYPE.search(window)
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
            span = _Span(body, self.close_of(body) + 1)
        else:
            span = _Span(body, self.expr_end(body))
        if span.start in seen:
            return
        seen.add(span.start)
        self.raw.functions.append((span, name, params, is_async))

    # loops

    def loops(self) -> None:
        for m in _FOR.finditer(self.m):
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
        for m in _WHILE.finditer(self.m):
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
                (m.start(), _Span(body, self.close_of(body) + 1), "do", None, None, False)
            )
        for m in _ITER_CALL.finditer(self.m):
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
                    _Span(open_paren + 1, self.close_of(open_paren) + 1),
                    method,
                    var.group(1) if var else None,
                    receiver,
                    concurrent,
                )
            )

    def statement_body(self, close_paren: int) -> _Span:
        body = self.skip_ws(close_paren + 1)
        if body < self.n and self.m[body] == "{":
            return _Span(body, self.close_of(body) + 1)
        return _Span(body, self.expr_end(body))

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
        for m in _TX_CALL.finditer(self.m):
            receiver = m.group(1)
            open_paren = m.end() - 1
            close = self.close_of(open_paren)
            first = self.skip_ws(open_paren + 1)
            if first < self.n and self.m[first] == "[":
                if "$transaction" in m.group():
                    self.raw.transactions.append(
                        (_Span(open_paren + 1, close + 1), "batch", receiver, None, None)
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
                    _Span(open_paren + 1, close + 1),
                    "interactive",
                    receiver,
                    cb.group(2) or None,
                    options,
                )
            )

    # queries

    def queries(self) -> None:
        for m in _PRISMA_CALL.finditer(self.m):
            receiver, model, method = m.group(1), m.group(2), m.group(3)
            if not _PRISMA_CLIENT.search(receiver) or model.startswith("$"):
                continue
            orm: Orm = "drizzle" if receiver.endswith(".query") else "prisma"
            self.add_call(m.start(), m.end() - 1, orm, receiver, model, method)
        for m in _RAW_CALL.finditer(self.m):
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
        for m in _DRIZZLE_CALL.finditer(self.m):
            self.add_call(m.start(), m.end() - 1, "drizzle", m.group(1), None, m.group(2))
        for m in _TYPEORM_CALL.finditer(self.m):
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
        m = _ASSIGN_BEFORE.search(before[cut + 1 :])
        if not m:
            return ()
        return _names(m.group(1)) if m.group(1) else (m.group(2),)

    # awaits

    def awaits(self) -> None:
        for m in _AWAIT.finditer(self.m):
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

    def caches(self) -> None:
        constants = {m.group(1): m.group(2) for m in _CONST.finditer(self.m)}
        names: set[str] = set()
        for m in _NEW_CACHE.finditer(self.m):
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
                not (_CACHE_NAME.search(name) or self.memoizes(name))
                or any(span.start <= m.start() < span.end for span, *_ in self.raw.functions)
            ):
                continue  # a Map built inside a function lives for one call: not a cache
            args = self.text[i + 1 : close]
            ttl, ttl_off = self.ttl_in(i + 1, close, constants, cls)
            names.add(name)
            self.raw.caches.append(
                (m.start(), close + 1, "map" if cls == "Map" else "lru", name, args, ttl, ttl_off)
            )
        for m in _CACHE_METHOD.finditer(self.m):
            receiver, method = m.group(1), m.group(2)
            last = receiver.split(".")[-1]
            if last not in names and not _CACHE_NAME.search(last):
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
        for m in _CACHE_HELPER.finditer(self.m):
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
        for m in _UNSTABLE_CACHE.finditer(self.m):
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
        for m in _REVALIDATE_EXPORT.finditer(self.m):
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
        for m in _REVALIDATE_CALL.finditer(self.m):
            close = self.close_of(m.end() - 1)
            kind = "revalidate-path" if m.group(1) == "revalidatePath" else "revalidate-tag"
            self.raw.caches.append(
                (m.start(), close + 1, kind, m.group(1), self.text[m.end() : close], None, None)
            )
        for m in _INVALIDATE_CALL.finditer(self.m):
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


class _PyScanner(_Scanner):
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
                    _Span(body + 1, self.block_end(m.start(), len(m.group(1)))),
                    m.group(3),
                    self.text[m.end() : params_close],
                    bool(m.group(2)),
                )
            )
        for m in _PY_FOR.finditer(self.m):
            self.raw.loops.append(
                (
                    m.start() + len(m.group(1)),
                    _Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
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
                    _Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
                    "while",
                    None,
                    m.group(2).strip(),
                    False,
                )
            )
        for m in _PY_WITH_TX.finditer(self.m):
            self.raw.transactions.append(
                (
                    _Span(m.end(), self.block_end(m.start(), len(m.group(1)))),
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
            self.raw.transactions.append((_Span(start, end), "django", "transaction", None, None))
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
            self.raw.promise_alls.append(_Span(m.end(), self.close_of(m.end() - 1) + 1))
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
            if last not in names and not _CACHE_NAME.search(last):
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


# --- entry points ------------------------------------------------------------------------

_APP_ROUTE = re.compile(r"(?:^|/)app/((?:.*/)?)(page|layout|route)\.(?:tsx|ts|jsx|js|mdx)$")
_PAGES_ROUTE = re.compile(r"(?:^|/)pages/(.*?)\.(?:tsx|ts|jsx|js)$")


def route_of(path: str) -> Route | None:
    """The Next.js route a file serves, from its path alone."""
    m = _APP_ROUTE.search(path)
    if m:
        segments = [
            s
            for s in m.group(1).split("/")
            if s and not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")
        ]
        kind = m.group(2)
    else:
        m = _PAGES_ROUTE.search(path)
        if not m or m.group(1).startswith(("_", "api/")):
            return None
        segments = [s for s in m.group(1).split("/") if s and s != "index"]
        kind = "page"
    url = "/" + "/".join(segments)
    params = tuple(
        re.sub(r"^\.\.\.", "", s[1:-1].strip("[]")) for s in segments if s.startswith("[")
    )
    return Route(url=url, kind=kind, params=params)


def scan(
    text: str,
    language: Language,
    path: str = "<snippet>",
    first_line: int = 1,
    origin: Origin = "repo",
) -> CodeUnit:
    """Scan one snippet or file. Raises Unterminated when a comment/string never ends."""
    masked = mask_js(text) if language == "typescript" else mask_py(text)
    scanner: _Scanner = (
        _JsScanner(text, masked, first_line)
        if language == "typescript"
        else _PyScanner(text, masked, first_line)
    )
    unit = CodeUnit(
        path=path,
        language=language,
        origin=origin,
        start_line=first_line,
        end_line=first_line + text.count("\n") - (1 if text.endswith("\n") else 0),
        text=text,
        masked=masked,
        route=route_of(path) if origin == "repo" else None,
    )
    assert isinstance(scanner, (_JsScanner, _PyScanner))
    scanner.scan()
    return scanner.finish(unit)


def _sources(
    artifacts: Artifacts,
) -> Iterator[tuple[str, str, Language, int, Origin, tuple[str, ...]]]:
    for block in artifacts.plan.code_blocks:
        language = PLAN_LANGUAGES.get(block.language)
        if language:
            yield (
                artifacts.plan.path,
                block.text,
                language,
                block.start_line,
                "plan",
                block.heading_path,
            )
    for path, loaded in artifacts.context.files.items():
        suffix = path[path.rfind(".") :] if "." in path else ""
        language = FILE_SUFFIXES.get(suffix)
        if language:
            yield path, loaded.text, language, 1, "repo", ()


def extract_code(artifacts: Artifacts) -> list[CodeUnit]:
    """Every ts/js/python code block of the plan and every loaded source file, scanned."""
    from planreview.artifacts import Unparsed

    units: list[CodeUnit] = []
    for path, text, language, first_line, origin, heading in _sources(artifacts):
        try:
            unit = scan(text, language, path, first_line, origin)
        except Unterminated as exc:
            offset = exc.args[1] if len(exc.args) > 1 else 0
            line = first_line + text.count("\n", 0, max(0, offset))
            artifacts.unparsed.append(Unparsed(path, line, "code", str(exc.args[0])))
            continue
        unit.heading_path = heading
        units.append(unit)
    return units
