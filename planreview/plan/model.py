"""A parsed plan: sections, code blocks, tables and references, with exact lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ReferenceForm = Literal["backtick", "link", "colon-range", "lines-paren", "line-word"]


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    """Titles from the top heading down to this one, e.g. ("Plan", "Phase 7: Migration")."""
    level: int
    start_line: int
    """Line of the heading itself."""
    end_line: int
    """Last line before the next heading of the same or a higher level (or end of file)."""


@dataclass(frozen=True)
class CodeBlock:
    language: str
    """Info string's first word, lower-cased ('' when none, and for indented blocks)."""
    text: str
    """The block's content, newline-terminated lines, without the fences."""
    start_line: int
    """Line of the first content line (the line after the opening fence)."""
    end_line: int
    """Line of the last content line (== start_line - 1 for an empty block)."""
    heading_path: tuple[str, ...] = ()
    """The section the block sits in."""

    def line_of(self, offset: int) -> int:
        """Absolute plan line of the block's `offset`-th content line (0-based)."""
        return self.start_line + offset


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    start_line: int
    end_line: int


@dataclass(frozen=True)
class Reference:
    """A repository file the plan points at, with the lines it cites (if any)."""

    path: str
    """As written, normalised: no leading './', forward slashes, no trailing punctuation."""
    start_line: int | None
    end_line: int | None
    plan_line: int
    """Plan line where the reference appears."""
    form: ReferenceForm
    """How the lines were cited when there are any — "colon-range" (`path:12-30`,
    `path:12`, `path#L12-L30`), "lines-paren" (`path (lines 70-80)`, `path (L12)`),
    "line-word" (`path lines 70-80`, `path line 128`, `path L12-L30`,
    `line 128 of path`) — else how the path was written: "backtick" or "link".
    A Markdown link whose target carries the lines (`#L12-L30`, `:12`) is "link"."""


@dataclass(frozen=True)
class ParsedPlan:
    path: str
    """Repository-relative path of the plan (or as given when outside any repository)."""
    text: str
    lines: tuple[str, ...]
    """The plan's lines without their line endings; lines[0] is line 1."""
    front_matter: dict[str, Any] = field(default_factory=dict)
    sections: tuple[Section, ...] = ()
    code_blocks: tuple[CodeBlock, ...] = ()
    tables: tuple[Table, ...] = ()
    references: tuple[Reference, ...] = ()

    def line(self, number: int) -> str:
        """Text of 1-based line `number` ('' when out of range)."""
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def section_at(self, line: int) -> Section | None:
        """The innermost section containing `line`."""
        best: Section | None = None
        for section in self.sections:
            if section.start_line <= line <= section.end_line and (
                best is None or section.level >= best.level
            ):
                best = section
        return best

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()
