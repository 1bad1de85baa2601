"""Markdown plan -> ParsedPlan: sections, code blocks, tables, front matter, references.

Line numbers are 1-based and exact in the original text (CRLF, tabs, `~~~` fences,
nested lists), because every finding cites them.

Line endings: `\\n`, `\\r\\n` and a lone `\\r` end a line — exactly the separators
markdown-it recognises, so its token line maps and `ParsedPlan.lines` always agree.
Other characters that `str.splitlines()` would split on (`\\v`, `\\f`, `\\x1c`-`\\x1e`,
`\\x85`, U+2028, U+2029) stay inside their line, as they do in markdown-it and in git
diffs. A leading UTF-8 BOM is dropped.
"""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from planreview.errors import UserInputError
from planreview.sensitive import refused_citation

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


# --------------------------------------------------------------------------- loading

def load_plan_file(path: Path, *, max_bytes: int, name: str) -> ParsedPlan:
    """Read and parse the plan at `path`, reported as `name`.

    Raises UserInputError (one line) for a missing, unreadable, non-regular, binary,
    non-UTF-8 or oversized file. An empty plan is not an error.
    """
    shown = _shown(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserInputError(f"plan file {shown} does not exist") from None
    except OSError as exc:
        raise UserInputError(f"cannot read plan {shown}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise UserInputError(f"plan {shown} is a directory, not a Markdown file")
    if not path.is_file():
        # A FIFO or device would block or never end; refuse rather than hang.
        raise UserInputError(f"plan {shown} is not a regular file")
    _check_size(shown, info.st_size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise UserInputError(f"cannot read plan {shown}: permission denied") from None
    except OSError as exc:
        raise UserInputError(f"cannot read plan {shown}: {exc.strerror or exc}") from None
    return parse_plan_bytes(data, name=name, max_bytes=max_bytes, shown=shown)


def parse_plan_bytes(
    data: bytes, *, name: str, max_bytes: int, shown: str | None = None
) -> ParsedPlan:
    """Decode and parse plan bytes (from disk or an API); UserInputError when unusable."""
    shown = shown or _shown(name)
    _check_size(shown, len(data), max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserInputError(f"plan {shown} is UTF-16 encoded; planreview reads UTF-8 plans")
    nul = data.find(b"\0")
    if nul >= 0:
        raise UserInputError(
            f"plan {shown} looks like a binary file (NUL byte at offset {nul}), not Markdown"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UserInputError(
            f"plan {shown} is not valid UTF-8: byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start} (line {line})"
        ) from None
    return parse_plan(text, name)


def parse_plan_text(text: str, name: str, *, max_bytes: int | None = None) -> ParsedPlan:
    """Parse plan text a caller already holds, with the same checks as a file on disk."""
    shown = _shown(name)
    if max_bytes is not None:
        _check_size(shown, len(text.encode("utf-8", "surrogatepass")), max_bytes)
    nul = text.find("\0")
    if nul >= 0:
        raise UserInputError(
            f"plan {shown} looks like a binary file (NUL at character {nul}), not Markdown"
        )
    return parse_plan(text, name)


def _check_size(shown: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UserInputError(
            f"plan {shown} is {size:,} bytes, over the {max_bytes:,}-byte limit "
            "(raise it with --max-plan-bytes)"
        )


def _shown(path: Path | str) -> str:
    """The path for a one-line message: repr() when it holds control characters."""
    text = str(path)
    return repr(text) if any(ord(ch) < 32 or ord(ch) == 127 for ch in text) else text


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


# --------------------------------------------------------------------------- references

_KNOWN_EXTENSIONS = frozenset({
    "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "py", "pyi", "sql", "prisma",
    "rb", "go", "rs", "java", "kt", "kts", "scala", "cs", "php", "swift", "c", "h",
    "cc", "cpp", "hpp", "ex", "exs", "erl", "dart", "lua", "md", "mdx", "rst", "txt",
    "json", "jsonc", "json5", "yaml", "yml", "toml", "ini", "cfg", "conf", "env",
    "properties", "xml", "html", "htm", "css", "scss", "sass", "less", "vue", "svelte",
    "astro", "graphql", "gql", "proto", "tf", "hcl", "sh", "bash", "zsh", "ps1", "lock",
    "sum", "mod", "gradle", "csv", "tsv", "ipynb", "dockerfile"
})
_EXTENSIONLESS_FILES = frozenset(
    {"Dockerfile", "Makefile", "Procfile", "Gemfile", "Rakefile", "Justfile", "Brewfile"}
)
# Product names that look like files; nobody means a repo file by them.
_NOT_FILES = frozenset({
    "next.js", "node.js", "nuxt.js", "vue.js", "react.js", "express.js", "nest.js",
    "d3.js", "three.js", "chart.js", "socket.io", "deno.js", "ember.js", "backbone.js"
})
_MIME = re.compile(r"(?:application|text|image|audio|video|font|multipart)/[\w.+-]+")
_BAD_CHARS = re.compile(r"""[\s*?{}<>|"'`=,;\\:^!#%&]""")
_GROUP_SEGMENT = re.compile(r"\([\w.-]+\)")  # Next.js route groups: app/(marketing)/page.tsx
_LETTER = re.compile(r"[A-Za-z]")

_NUM = r"\d{1,7}"
_DASH = r"\s*[-–—]\s*"
_SPEC = rf"{_NUM}(?:{_DASH}{_NUM})?"
_SEP = r"(?:\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*)"
_SPECS = rf"{_SPEC}(?:{_SEP}{_SPEC})*"
_LSPEC = rf"L{_NUM}(?:{_DASH}L?{_NUM})?"
# `:12`, `:12-30`, `:12:5` (line:column, as compilers print it), `#L12`, `#L12-L30`.
_ATTACHED = re.compile(rf":(?P<a>{_NUM})(?:{_DASH}(?P<b>{_NUM})|:\d{{1,5}})?(?![\w:])"
                       rf"|#L(?P<c>{_NUM})(?:-L?(?P<d>{_NUM}))?\b")
_PAREN = re.compile(
    rf"\s*,?\s*\(\s*(?:(?:lines?|ll?\.)\s*(?P<specs>{_SPECS})|(?P<lspec>{_LSPEC}))\s*\)",
    re.IGNORECASE,
)
_WORD = re.compile(
    rf"\s*,?\s*(?:(?:at|on)\s+)?(?:lines?\s+(?P<specs>{_SPECS})(?![\w-])|(?P<lspec>{_LSPEC})\b)",
    re.IGNORECASE,
)
_BEFORE = re.compile(rf"\blines?\s+(?P<specs>{_SPECS})\s+(?:of|in)\s+$", re.IGNORECASE)
_ANCHOR = re.compile(rf"L(?P<a>{_NUM})(?:-L?(?P<b>{_NUM}))?")
_RANGE = re.compile(rf"(?P<a>{_NUM})(?:{_DASH}L?(?P<b>{_NUM}))?")

_TICKS = re.compile(r"`+")
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<label>(?:[^\[\]]|\[[^\[\]]*\])*)\]"
    r"\(\s*(?P<dest><[^<>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)"
    r"(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^()]*\)))?\s*\)"
)
_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(?P<dest><[^<>]*>|\S+)")
_URL = re.compile(r"(?:\b[A-Za-z][A-Za-z0-9+.-]*://|\bwww\.|\bmailto:)\S*|<[^<>\s]*>")
_BARE = re.compile(r"[\w.@~$+\-\[\]/]+")
_PATHLIKE = re.compile(r"[./]|file$")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")

_Found = tuple[int, int, Reference]
"""(plan line, column, reference): sorted to keep references in reading order."""


def find_references(
    lines: Sequence[str], skip: Sequence[int] = b"", *, plan_path: str = ""
) -> tuple[Reference, ...]:
    """References to repository files on every line whose `skip` flag is not set.

    Code-block lines are skipped by the caller: paths in code are code, not citations.
    Identical (path, start, end) references are kept once, at their first occurrence.
    """
    found: list[_Found] = []
    for index, line in enumerate(lines):
        if (index < len(skip) and skip[index]) or not line.strip():
            continue
        found.extend(_line_references(line, index + 1, plan_path))
    found.sort(key=lambda item: (item[0], item[1]))
    seen: set[tuple[str, int | None, int | None]] = set()
    unique: list[Reference] = []
    for _, _, ref in found:
        key = (ref.path, ref.start_line, ref.end_line)
        if key not in seen:
            seen.add(key)
            unique.append(ref)
    return tuple(unique)


def _line_references(line: str, number: int, plan_path: str) -> Iterator[_Found]:
    mask = list(line)

    def blank(start: int, end: int) -> None:
        mask[start:end] = " " * (end - start)

    spans = _code_spans(line)
    # Links are matched with code spans hidden: code binds tighter than link syntax.
    hidden = _hide(line, [(span.start, span.end) for span in spans])
    linked: list[tuple[int, int]] = []
    for link in _LINK.finditer(hidden):
        refs = list(_link_references(link, line, number, plan_path))
        if refs or link.group("bang"):
            # A link to a repo file is cited by its target; its label is just a name.
            linked.append((link.start(), link.end()))
            blank(link.start(), link.end())
        yield from refs
    definition = _DEFINITION.match(hidden)
    if definition:
        target = definition.group("dest").strip("<>")
        yield from _target_references(target, number, definition.start("dest"), plan_path)
    link_starts = [start for start, _ in linked]
    for span in spans:
        blank(span.start, span.end)
        inside = bisect_right(link_starts, span.start) - 1
        if inside >= 0 and span.start < linked[inside][1]:
            continue
        yield from _span_references(line, span, number)
    masked = _URL.sub(lambda m: " " * (m.end() - m.start()), "".join(mask))
    yield from _bare_references(masked, number)


@dataclass(frozen=True)
class _CodeSpan:
    start: int
    end: int
    content: str


def _code_spans(line: str) -> list[_CodeSpan]:
    """Inline code spans as CommonMark reads them: a run of N backticks is closed by the
    next run of exactly N. Linear in the line, where a backtracking regex is not."""
    runs = [(m.start(), m.end()) for m in _TICKS.finditer(line)]
    by_length: dict[int, list[int]] = {}
    for index, (start, end) in enumerate(runs):
        by_length.setdefault(end - start, []).append(index)
    spans: list[_CodeSpan] = []
    index = 0
    while index < len(runs):
        start, end = runs[index]
        same = by_length[end - start]
        later = bisect_right(same, index)
        if later == len(same):
            index += 1  # no closing run: the backticks are literal text
            continue
        close = same[later]
        content = line[end : runs[close][0]].strip()
        if content:
            spans.append(_CodeSpan(start, runs[close][1], content))
        index = close + 1
    return spans


def _hide(line: str, spans: list[tuple[int, int]]) -> str:
    chars = list(line)
    for start, end in spans:
        chars[start:end] = "x" * (end - start)
    return "".join(chars)


def _link_references(
    link: re.Match[str], line: str, number: int, plan_path: str
) -> Iterator[_Found]:
    if link.group("bang"):
        return  # images are pictures, not code the plan cites
    target = link.group("dest").strip("<>")
    found = list(_target_references(target, number, link.start(), plan_path))
    if not found:
        return
    suffix = _suffix_lines(line, link.end())
    if suffix is not None and found[0][2].start_line is None:
        form, ranges = suffix
        path = found[0][2].path
        yield from ((number, link.start(), Reference(path, a, b, number, form))
                    for a, b in ranges)
        return
    yield from found


def _target_references(
    target: str, number: int, column: int, plan_path: str
) -> Iterator[_Found]:
    if not target or target.startswith("#") or _SCHEME.match(target) or "://" in target:
        return
    target, _, anchor = target.partition("#")
    target = unquote(target.partition("?")[0])
    if target.startswith("../") and plan_path and not plan_path.startswith("/"):
        # Markdown resolves `../` against the document's folder, as GitHub renders it.
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(plan_path), target))
        target = target if resolved.startswith("..") else resolved
    elif target.startswith("/"):
        target = target.lstrip("/")  # GitHub renders /x as repository-root-relative
    attached = _split_attached(target)
    if attached is not None:
        path: str | None
        path, start, end = attached
    else:
        path = clean_path(target)
        lines = _ANCHOR.fullmatch(anchor)
        start, end = _bounds(lines.group("a"), lines.group("b")) if lines else (None, None)
    if path is not None:
        yield number, column, Reference(path, start, end, number, "link")


def _span_references(line: str, span: _CodeSpan, number: int) -> Iterator[_Found]:
    content = span.content
    attached = _split_attached(content)
    if attached is not None:
        path, start, end = attached
        yield number, span.start, Reference(path, start, end, number, "colon-range")
        return
    named = clean_path(content) or refused_citation(content)
    if named is None:
        return
    cited = _suffix_lines(line, span.end) or _prefix_lines(line, span.start)
    if cited is None:
        yield number, span.start, Reference(named, None, None, number, "backtick")
        return
    form, ranges = cited
    for first, last in ranges:
        yield number, span.start, Reference(named, first, last, number, form)


def _bare_references(masked: str, number: int) -> Iterator[_Found]:
    """Paths outside code spans and links count only when they cite lines."""
    for run in _BARE.finditer(masked):
        if not _PATHLIKE.search(run.group()):
            continue  # a plain word; cheap to rule out before the full path checks
        lead, end = _trim(run.group())
        path = clean_path(run.group()[lead:end])
        if path is None:
            continue
        end += run.start()
        cited = _suffix_lines(masked, end) or _prefix_lines(masked, run.start())
        if cited is not None:
            form, ranges = cited
            for start, stop in ranges:
                yield number, run.start(), Reference(path, start, stop, number, form)


def _split_attached(content: str) -> tuple[str, int | None, int | None] | None:
    """`path:12-30`, `path:12`, `path#L12-L30` -> (path, start, end); None otherwise."""
    for match in _ATTACHED.finditer(content):
        if match.end() != len(content):
            continue
        path = clean_path(content[: match.start()])
        if path is None:
            return None
        return (path, *_attached_bounds(match))
    return None


def _attached_bounds(match: re.Match[str]) -> tuple[int | None, int | None]:
    return _bounds(match.group("a") or match.group("c"), match.group("b") or match.group("d"))


Cited = tuple[ReferenceForm, list[tuple[int | None, int | None]]]


def _suffix_lines(text: str, position: int) -> Cited | None:
    """Lines cited right after a path: `:12-30`, ` (lines 70-80)`, ` line 128`, ` L12`."""
    attached = _ATTACHED.match(text, position)
    if attached is not None:
        return "colon-range", [_attached_bounds(attached)]
    forms: tuple[tuple[re.Pattern[str], ReferenceForm], ...] = (
        (_PAREN, "lines-paren"), (_WORD, "line-word"))
    for pattern, form in forms:
        match = pattern.match(text, position)
        if match:
            return form, _ranges(match.group("specs") or match.group("lspec"))
    return None


def _prefix_lines(text: str, position: int) -> Cited | None:
    """Lines cited before a path: `line 128 of agent.ts`."""
    match = _BEFORE.search(text, max(0, position - 80), position)
    return ("line-word", _ranges(match.group("specs"))) if match else None


def _ranges(specs: str) -> list[tuple[int | None, int | None]]:
    return [_bounds(m.group("a"), m.group("b")) for m in _RANGE.finditer(specs)]


def _bounds(first: str | None, last: str | None) -> tuple[int | None, int | None]:
    if first is None:
        return None, None
    start = int(first)
    end = int(last) if last else start
    start, end = min(start, end), max(start, end)
    return (start, end) if start >= 1 else (None, None)


def clean_path(raw: str) -> str | None:
    """`raw` normalised as a repository file path, or None when it does not look like one.

    A path has a slash or a known extension, no spaces, and is not a URL, a glob, an
    npm scope (`@prisma/client`), a MIME type or a route (`/api/users`).
    """
    lead, end = _trim(raw)
    path = raw[lead:end]
    while path.startswith("./"):
        path = path[2:]
    if not path or len(path) > 400 or not _LETTER.search(path) or "//" in path:
        return None
    if _BAD_CHARS.search(path) or path.startswith("~"):
        return None
    segments = path.split("/")
    if any(("(" in s or ")" in s) and not _GROUP_SEGMENT.fullmatch(s) for s in segments):
        return None
    if path.endswith("/"):
        return None  # a folder: nothing to read
    name = path.rsplit("/", 1)[-1]
    has_extension = _has_extension(name)
    if "/" not in path:
        return path if has_extension and name.lower() not in _NOT_FILES else None
    if not has_extension and (path.startswith(("/", "@")) or _MIME.fullmatch(path)):
        return None
    return path


_TRAILING = ".,;:!?"
_PAIRS = {")": "(", "]": "["}


def _trim(raw: str) -> tuple[int, int]:
    """[start, end) of `raw` without surrounding quotes, sentence punctuation and
    unbalanced brackets: `(see a.ts).` -> `a.ts`."""
    start, end = 0, len(raw)
    while start < end and (raw[start].isspace() or raw[start] in "\"'"):
        start += 1
    while start < end and (raw[end - 1].isspace() or raw[end - 1] in "\"'"):
        end -= 1
    while True:
        while start < end and raw[end - 1] in _TRAILING:
            end -= 1
        last = raw[end - 1] if end > start else ""
        if last in _PAIRS and raw.count(last, start, end) > raw.count(_PAIRS[last], start, end):
            end -= 1
            continue
        first = raw[start] if end > start else ""
        if first in "([" and raw.count(first, start, end) > raw.count(
            ")" if first == "(" else "]", start, end
        ):
            start += 1
            continue
        return start, end


def _has_extension(name: str) -> bool:
    if name in _EXTENSIONLESS_FILES or name == ".env" or name.startswith(".env."):
        return True
    stem, dot, extension = name.rpartition(".")
    return bool(dot and stem.strip(".") and extension.lower() in _KNOWN_EXTENSIONS)
