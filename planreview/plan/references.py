"""References to repository files in the plan's text: paths, links and cited lines."""

from __future__ import annotations

import posixpath
import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from planreview.plan.model import Reference, ReferenceForm
from planreview.sensitive import refused_citation

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
