"""Splitting SQL text into statements (quotes, comments and dollar-quoting respected)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


@dataclass
class _Scanned:
    text: str
    start: int
    end: int


def split_statements(sql: str) -> list[_Scanned]:
    """Split on top-level `;`, respecting quotes, dollar-quotes and comments.

    Leading whitespace and comments are left out of each statement; chunks that hold only
    comments are dropped. An unterminated quote runs to the end (the parser reports it).
    """
    out: list[_Scanned] = []
    i, n = 0, len(sql)
    begin: int | None = None  # first significant offset of the current statement
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and sql.startswith("/*", i):
            i = _comment_end(sql, i)
            continue
        if c.isspace():
            i += 1
            continue
        if begin is None:
            begin = i
        if c == ";":
            if begin < i:
                out.append(_Scanned(sql[begin:i], begin, i))
            begin = None
            i += 1
            continue
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum())
            i = _quote_end(sql, i, "'", backslash=escaped)
            continue
        if c == '"':
            i = _quote_end(sql, i, '"', backslash=False)
            continue
        if c == "$":
            m = _DOLLAR.match(sql, i)
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = m.group(0)
                j = sql.find(tag, m.end())
                i = n if j < 0 else j + len(tag)
                continue
        i += 1
    if begin is not None and sql[begin:].strip():
        out.append(_Scanned(sql[begin:].rstrip(), begin, begin + len(sql[begin:].rstrip())))
    return out


_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def _comment_end(sql: str, i: int) -> int:
    depth, i, n = 0, i, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def _quote_end(sql: str, i: int, q: str, *, backslash: bool) -> int:
    i += 1
    n = len(sql)
    while i < n:
        c = sql[i]
        if backslash and c == "\\":
            i += 2
            continue
        if c == q:
            if i + 1 < n and sql[i + 1] == q:
                i += 2
                continue
            return i + 1
        i += 1
    return n
