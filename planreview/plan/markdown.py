"""Parsing the plan's Markdown (markdown-it-py): front matter, sections, code blocks, tables."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from planreview.plan.model import CodeBlock, ParsedPlan, Section, Table
from planreview.plan.references import find_references

# --------------------------------------------------------------------------- parsing

# Block structure only: inline parsing of every paragraph is most of markdown-it's time
# and nothing here needs it; heading titles and table cells are parsed one by one.
_BLOCKS = MarkdownIt("commonmark").enable("table").disable("inline")
_INLINE = MarkdownIt("commonmark")
_NEWLINE = re.compile(r"\r\n?")
_MARKUP = re.compile(r"[`*_\[\]!<>&\\~]")


def parse_plan(text: str, path: str) -> ParsedPlan:
    """Parse Markdown `text`. Never raises on any text."""
    text = text.removeprefix("\ufeff")
    lines = split_lines(text)
    front_matter, fm_lines = _front_matter(lines)
    # Front matter becomes blank lines so markdown-it's line maps stay those of the file.
    source = "\n" * fm_lines + "\n".join(lines[fm_lines:]) + "\n"
    tokens = _BLOCKS.parse(source)
    walk = _Walk(len(lines))
    walk.run(tokens)
    skip = bytearray(len(lines))
    skip[:fm_lines] = b"\1" * fm_lines
    for first, last in walk.code_ranges:
        skip[first:last] = b"\1" * (last - first)
    return ParsedPlan(
        path=path,
        text=text,
        lines=lines,
        front_matter=front_matter,
        sections=walk.sections(),
        code_blocks=tuple(walk.blocks),
        tables=tuple(walk.tables),
        references=find_references(lines, skip, plan_path=path),
    )


def split_lines(text: str) -> tuple[str, ...]:
    """Lines as markdown-it sees them: split on \\n, \\r\\n and lone \\r only."""
    parts = _NEWLINE.sub("\n", text).split("\n")
    if parts[-1] == "":
        parts.pop()  # "a\n" is one line, "" none: str.splitlines() semantics
    return tuple(parts)


def _front_matter(lines: Sequence[str]) -> tuple[dict[str, Any], int]:
    """(data, number of lines) of a leading `---` ... `---` block; ({}, 0) when none."""
    if not lines or lines[0].rstrip() != "---":
        return {}, 0
    for index in range(1, len(lines)):
        if lines[index].rstrip() in ("---", "..."):
            try:
                data = yaml.safe_load("\n".join(lines[1:index]))
            except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
                # Broken front matter must not stop a review; ValueError covers bad dates.
                data = None
            return (data if isinstance(data, dict) else {}), index + 1
    return {}, 0


@dataclass
class _OpenSection:
    heading_path: tuple[str, ...]
    level: int
    start_line: int
    end_line: int


class _Walk:
    """One pass over the token stream, keeping the heading stack as it goes."""

    def __init__(self, line_count: int) -> None:
        self.line_count = line_count
        self.all_sections: list[_OpenSection] = []
        self.stack: list[_OpenSection] = []
        self.blocks: list[CodeBlock] = []
        self.tables: list[Table] = []
        self.code_ranges: list[tuple[int, int]] = []
        """0-based [first, last) source lines of every code block, fences included."""

    def run(self, tokens: list[Token]) -> None:
        index = 0
        while index < len(tokens):
            token = tokens[index]
            if token.type == "heading_open" and token.level == 0 and token.map:
                # Headings quoted in a blockquote or list are content, not structure.
                self._heading(token, tokens[index + 1])
            elif token.type in ("fence", "code_block") and token.map:
                self._code(token)
            elif token.type == "table_open" and token.map:
                index = self._table(tokens, index)
            index += 1
        for section in self.stack:
            section.end_line = self.line_count

    def sections(self) -> tuple[Section, ...]:
        return tuple(
            Section(s.heading_path, s.level, s.start_line, max(s.end_line, s.start_line))
            for s in self.all_sections
        )

    def _heading(self, token: Token, inline: Token) -> None:
        assert token.map is not None
        level = int(token.tag[1:])
        start = token.map[0] + 1
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop().end_line = start - 1
        parent = self.stack[-1].heading_path if self.stack else ()
        section = _OpenSection((*parent, _plain(inline)), level, start, self.line_count)
        self.stack.append(section)
        self.all_sections.append(section)

    def _code(self, token: Token) -> None:
        assert token.map is not None
        first, last = token.map
        self.code_ranges.append((first, last))
        content = token.content
        count = content.count("\n") + (0 if content.endswith("\n") or not content else 1)
        if content and not content.endswith("\n"):
            content += "\n"  # an unclosed fence at EOF
        if token.type == "fence":
            language = token.info.split()[0].lower() if token.info.strip() else ""
            start = first + 2
        else:
            language, start = "", first + 1
        heading = self.stack[-1].heading_path if self.stack else ()
        self.blocks.append(CodeBlock(language, content, start, start + count - 1, heading))

    def _table(self, tokens: list[Token], index: int) -> int:
        """Collect the table opening at `index`; returns the index of its close."""
        opening = tokens[index]
        assert opening.map is not None
        header: tuple[str, ...] = ()
        rows: list[tuple[str, ...]] = []
        row: list[str] = []
        in_head = False
        while index + 1 < len(tokens):
            index += 1
            token = tokens[index]
            if token.type == "table_close":
                break
            if token.type in ("thead_open", "thead_close"):
                in_head = token.type == "thead_open"
            elif token.type == "tr_open":
                row = []
            elif token.type == "inline":
                row.append(_plain(token))
            elif token.type == "tr_close":
                if in_head:
                    header = tuple(row)
                else:
                    rows.append(tuple(row))
        self.tables.append(Table(header, tuple(rows), opening.map[0] + 1, opening.map[1]))
        return index


def _plain(inline: Token) -> str:
    """An inline token as plain text: code spans keep their content, markup goes."""
    if not _MARKUP.search(inline.content):
        return " ".join(inline.content.split())  # most titles and cells: skip the parser
    parts: list[str] = []
    parsed = _INLINE.parseInline(inline.content)
    children = (parsed[0].children or []) if parsed else []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return " ".join("".join(parts).split())
