"""Make Markdown safe to post on a PR: the plan is attacker-controlled text.

Outside code (code blocks and inline code spans, which GitHub renders inert): no raw
HTML (`<` is escaped), no images, no links to hosts other than the repository's (kept
as inert code text), no link reference definitions, no fences the parser did not see,
and `@mentions` wrapped in code so nobody is pinged. Code is left as written.

Which lines are code is decided by a CommonMark parser (markdown-it, the block rules
GitHub's cmark-gfm follows), not by a line regex: a fence inside a list item or quote
ends with its container. The cleaned text is then parsed again and checked (no HTML,
no image, no foreign link, no mention outside code, nothing left open at the end);
text that fails is escaped as plain text, and text that still fails is fenced whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

_PARSER = MarkdownIt("commonmark")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_FENCE_LIKE = re.compile(r"^(\s*(?:>\s*)*(?:[-+*]\s+|\d+[.)]\s+)*)([`~]{3,})")
_NEWLINES = re.compile(r"\r\n?")
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)")
_BARE_URL = re.compile(r"(?i)(?<![`\w])(?:https?://|www\.)[^\s`<>]+")
_MENTION = re.compile(r"(?<![\w/`])@([A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[\w.-]+)?)")
_ESCAPABLE = re.compile(r"(\\*)(`|\](?=[(:\[])|~)")
_SENTINEL = "planreview-end-of-block-sentinel"
_PLACEHOLDER = "\x00{}\x00"
_PLACEHELD = re.compile("\x00(\\d+)\x00")


@dataclass(frozen=True)
class SafeMarkdown:
    allowed_prefixes: tuple[str, ...]
    """URL prefixes links may point at, e.g. 'https://github.com/o/r/'."""

    def clean(self, markdown: str) -> str:
        markdown = _NEWLINES.sub("\n", markdown)
        cleaned = self._clean(markdown, strict=False)
        if self.is_safe(cleaned):
            return cleaned
        cleaned = self._clean(markdown, strict=True)
        if self.is_safe(cleaned):
            return cleaned
        return _fenced_whole(markdown)

    def _clean(self, markdown: str, *, strict: bool) -> str:
        lines = markdown.split("\n")
        code = set() if strict else _code_block_lines(markdown)
        return "\n".join(line if index in code else self._clean_line(line, strict=strict)
                         for index, line in enumerate(lines))

    def _clean_line(self, line: str, *, strict: bool) -> str:
        spans = [] if strict else _code_spans(line)
        pieces: list[str] = []
        last = 0
        for start, end in spans:
            pieces.append(self._clean_text(line[last:start]))
            pieces.append(line[start:end])
            last = end
        pieces.append(self._clean_text(line[last:]))
        # Backticks we add next to a kept code span would merge into one longer run and
        # change how GitHub pairs them: keep a space between.
        out = pieces[0]
        for piece in pieces[1:]:
            if out.endswith("`") and piece.startswith("`"):
                out += " "
            out += piece
        return out

    def _clean_text(self, text: str) -> str:
        held: list[str] = []

        def hold(match: re.Match[str]) -> str:
            held.append(self._link(match))
            return _PLACEHOLDER.format(len(held) - 1)

        text = text.replace("\x00", "")
        text = _LINK.sub(hold, text)
        # Escape what could still start code, a link, an image or a definition: every
        # backtick and tilde, and `]` before `(`, `:` or `[` (links that span lines or
        # nest are never matched above, so their brackets must not pair either).
        text = _ESCAPABLE.sub(_escape_once, text).replace("<", "&lt;")
        text = _BARE_URL.sub(self._bare_url, text)
        text = _MENTION.sub(lambda m: f"`@{m.group(1)}`", text)
        return _PLACEHELD.sub(lambda m: held[int(m.group(1))], text)

    def _allowed(self, url: str) -> bool:
        lowered = url.lower()
        if lowered.startswith("#"):
            return True
        if "://" not in lowered and not lowered.startswith(("//", "www.")) and ":" not in lowered:
            return True  # relative: resolves inside the repository
        return any(lowered.startswith(prefix.lower()) for prefix in self.allowed_prefixes)

    def _link(self, match: re.Match[str]) -> str:
        image, text, url = match.group(1), match.group(2), match.group(3)
        label = self._clean_text(text)
        if image:
            return f"{label} (image removed)" if text else "(image removed)"
        if self._allowed(url) and label == text:
            return match.group(0)
        return f"{label} (link removed: {_inert(url)})"

    def _bare_url(self, match: re.Match[str]) -> str:
        url = match.group(0)
        if self._allowed(url) and "://" in url:
            return url
        return _inert(url)

    def is_safe(self, markdown: str) -> bool:
        """Whether GitHub would render `markdown` with no HTML, no image, no link
        outside the repository, no mention outside code, and nothing left open."""
        tokens = _PARSER.parse(markdown + "\n\n" + _SENTINEL + "\n")
        if not _ends_at_top_level(tokens):
            return False
        for token in _walk(tokens):
            if token.type in ("html_block", "html_inline", "image"):
                return False
            if token.type == "link_open" and not self._allowed(str(token.attrGet("href"))):
                return False
            if token.type == "text" and (_MENTION.search(token.content) or any(
                    not self._allowed(url.group(0)) or "://" not in url.group(0)
                    for url in _BARE_URL.finditer(token.content))):
                return False
        return True


def _escape_once(match: re.Match[str]) -> str:
    """Escape the character unless an odd run of backslashes already escapes it."""
    slashes, char = match.group(1), match.group(2)
    return match.group(0) if len(slashes) % 2 else f"{slashes}\\{char}"


def _inert(url: str) -> str:
    return "`" + url.replace("`", "") + "`"


def _code_block_lines(markdown: str) -> set[int]:
    """0-based lines inside fenced or indented code blocks, as CommonMark parses them."""
    lines: set[int] = set()
    for token in _PARSER.parse(markdown):
        if token.type in ("fence", "code_block") and token.map:
            lines.update(range(token.map[0], token.map[1]))
    return lines


def _code_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of inline code spans on one line, CommonMark-style: a backslash
    escapes the next character outside code, and a backtick run closes only on a run
    of the same length."""
    spans: list[tuple[int, int]] = []
    i, n = 0, len(line)
    while i < n:
        char = line[i]
        if char == "\\":
            i += 2
            continue
        if char != "`":
            i += 1
            continue
        run_end = i
        while run_end < n and line[run_end] == "`":
            run_end += 1
        closing = _closing_run(line, run_end, run_end - i)
        if closing is None:
            i = run_end  # no partner: the run is literal
        else:
            spans.append((i, closing))
            i = closing
    return spans


def _closing_run(line: str, start: int, length: int) -> int | None:
    k, n = start, len(line)
    while k < n:
        if line[k] != "`":
            k += 1
            continue
        end = k
        while end < n and line[end] == "`":
            end += 1
        if end - k == length:
            return end
        k = end
    return None


def _walk(tokens: list[Token]) -> Iterator[Token]:
    for token in tokens:
        yield token
        if token.children:
            yield from _walk(token.children)


def _ends_at_top_level(tokens: list[Token]) -> bool:
    """Whether the sentinel paragraph appended after the text is a top-level paragraph:
    else the text left a fence or container open that would swallow what follows."""
    for index, token in enumerate(tokens):
        if token.type == "inline" and token.content == _SENTINEL:
            return token.level == 1 and tokens[index - 1].level == 0
    return False


def _fenced_whole(markdown: str) -> str:
    """The last resort: the whole text as one code block, inert whatever it holds."""
    longest = max((len(m) for m in re.findall(r"`+", markdown)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{markdown}\n{fence}"


def _closes(line: str, fence: str) -> bool:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = len(stripped) - len(stripped.lstrip(fence[0]))
    return run >= len(fence) and stripped[run:].strip() == ""


def _fenced(markdown: str) -> Iterator[tuple[str, bool, str | None]]:
    """Each line, whether it belongs to a top-level fenced code block (fences included),
    and the fence still open after it. Used on our own output when cutting it."""
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is not None:
            if _closes(line, fence):
                fence = None
            yield line, True, fence
            continue
        match = _FENCE.match(line)
        # A backtick fence whose info string holds a backtick is not a fence (CommonMark).
        if match and not (match.group(1)[0] == "`" and "`" in line[match.end():]):
            fence = match.group(1)
        yield line, fence is not None, fence


def open_fence_at_end(markdown: str) -> str | None:
    """The fence left open at the end of `markdown` (after truncation), if any."""
    last: tuple[str, bool, str | None] = ("", False, None)
    for last in _fenced(markdown):  # noqa: B007 (the walk's final state is the answer)
        pass
    return last[2]
