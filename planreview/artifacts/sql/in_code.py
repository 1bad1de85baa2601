"""Raw SQL written inside TypeScript/Python code (template literals, strings)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


# --- SQL inside code ------------------------------------------------------------------------

_RAW_CALL = re.compile(
    r"(?P<fn>\$(?:executeRaw|queryRaw)(?:Unsafe)?|Prisma\.sql|\bsql|\btext|\.execute|"
    r"\bop\.execute|\.raw|\.query)\s*(?:<[^>()]*>)?\s*(?P<open>`|\(\s*(?:`|\"\"\"|'''|\"|'))"
)


@dataclass(frozen=True)
class CodeSql:
    text: str
    """The SQL with template holes replaced by `$1` (newlines kept)."""
    offset: int
    """Offset of the SQL's first character in the code text."""
    call_offset: int


def sql_in_code(code: str) -> list[CodeSql]:
    """Raw SQL in tagged templates and string arguments of raw-query calls."""
    out: list[CodeSql] = []
    pos = 0
    while True:
        m = _RAW_CALL.search(code, pos)
        if m is None:
            return out
        opener = m.group("open").lstrip("(").strip()
        body_start = m.end()
        if opener == "`":
            text, end = _template(code, body_start)
        else:
            text, end = _string(code, body_start, opener)
        pos = max(end, m.end())
        if text is not None and _looks_like_sql(text):
            out.append(CodeSql(text, body_start, m.start()))


_SQL_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|ALTER|CREATE|DROP|TRUNCATE|"
    r"BEGIN|COMMIT|SET|VACUUM|REINDEX|REFRESH|DO|COPY|LOCK|ANALYZE|COMMENT|GRANT)\b",
    re.IGNORECASE,
)


def _looks_like_sql(text: str) -> bool:
    return bool(_SQL_START.match(text))


def _template(code: str, i: int) -> tuple[str | None, int]:
    """Template literal body from `i` (after the backtick) with `${...}` holes as `$1`."""
    out: list[str] = []
    n = len(code)
    while i < n:
        c = code[i]
        if c == "\\" and i + 1 < n:
            out.append(code[i + 1])
            i += 2
            continue
        if c == "`":
            return "".join(out), i + 1
        if c == "$" and i + 1 < n and code[i + 1] == "{":
            depth, j = 1, i + 2
            while j < n and depth:
                if code[j] == "{":
                    depth += 1
                elif code[j] == "}":
                    depth -= 1
                j += 1
            hole = code[i:j]
            out.append("$1" + "\n" * hole.count("\n"))
            i = j
            continue
        out.append(c)
        i += 1
    return None, n


def _string(code: str, i: int, quote: str) -> tuple[str | None, int]:
    n = len(code)
    if len(quote) == 3:
        j = code.find(quote, i)
        return (None, n) if j < 0 else (code[i:j], j + 3)
    out: list[str] = []
    while i < n:
        c = code[i]
        if c == "\\" and i + 1 < n:
            nxt = code[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        if c == quote:
            return "".join(out), i + 1
        if c == "\n":
            return None, i
        out.append(c)
        i += 1
    return None, n
