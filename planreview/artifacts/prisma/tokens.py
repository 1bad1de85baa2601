"""Prisma attributes (`@id`, `@@index(...)`) and the tokenising helpers that read them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Attribute:
    name: str
    """Without the `@`/`@@`: id, unique, default, relation, index, map, db.Decimal."""
    args: str
    """Text inside the parentheses ('' when none)."""

    def arg(self, key: str) -> str | None:
        """A named argument's text (`fields: [a, b]` -> "[a, b]")."""
        for part in split_args(self.args):
            k, sep, v = part.partition(":")
            if sep and k.strip() == key:
                return v.strip()
        return None

    def positional(self) -> str | None:
        """The first argument when it is not named."""
        parts = split_args(self.args)
        if parts and not re.match(r"^\s*\w+\s*:", parts[0]):
            return parts[0].strip()
        return None



# --- tokenising helpers ----------------------------------------------------------------------


def split_args(text: str) -> list[str]:
    """Split on top-level commas (outside brackets, parentheses and strings)."""
    parts: list[str] = []
    depth, cur, quote = 0, [], ""
    for c in text:
        if quote:
            cur.append(c)
            if c == quote:
                quote = ""
            continue
        if c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def bracket_list(text: str | None) -> list[str]:
    """`[a, b(sort: Desc), c]` -> ["a", "b", "c"]."""
    if not text:
        return []
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    return [re.split(r"[\s(]", p.strip(), maxsplit=1)[0] for p in split_args(inner)]


def _unquote(text: str) -> str:
    return text.strip().strip('"')


def strip_comment(line: str) -> str:
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
        elif c == '"':
            quote = c
        elif line.startswith("//", i):
            return line[:i]
    return line


_ATTR = re.compile(r"@@?([A-Za-z_][\w.]*)")


def parse_attributes(text: str) -> list[Attribute]:
    """`@id @default(cuid()) @db.VarChar(20)` -> attributes with their argument text."""
    out: list[Attribute] = []
    i = 0
    while True:
        m = _ATTR.search(text, i)
        if m is None:
            return out
        j = m.end()
        args = ""
        if j < len(text) and text[j] == "(":
            depth, k = 0, j
            while k < len(text):
                if text[k] == "(":
                    depth += 1
                elif text[k] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            args = text[j + 1 : k]
            j = k + 1
        out.append(Attribute(m.group(1), args))
        i = j
