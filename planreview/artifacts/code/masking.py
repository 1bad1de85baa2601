"""Blanking strings, comments and regex literals out of source, keeping every offset."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


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


def mask_js(src: str) -> str:  # noqa: C901 -- a lexer state machine, one branch per state
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
