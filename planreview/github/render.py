"""Make Markdown safe to post on a PR: the plan is attacker-controlled text.

Outside code (fenced blocks and inline code spans, which GitHub renders inert):
no raw HTML (`<` is escaped), no images, no links or autolinks to hosts other than
the repository's (kept as inert code text), no link reference definitions, and
`@mentions` wrapped in code so nobody is pinged. Code is left as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)")
_LINK = re.compile(r"(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)")
_BARE_URL = re.compile(r"(?i)(?<![`\w])(?:https?://|www\.)[^\s`<>]+")
_MENTION = re.compile(r"(?<![\w/])@([A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[\w.-]+)?)")
_REF_DEF = re.compile(r"^( {0,3})\[(?=[^\]]*\]:)")


@dataclass(frozen=True)
class SafeMarkdown:
    allowed_prefixes: tuple[str, ...]
    """URL prefixes links may point at, e.g. 'https://github.com/o/r/'."""

    def clean(self, markdown: str) -> str:
        return "\n".join(line if in_code else self._clean_line(line)
                         for line, in_code, _open in _fenced(markdown))

    def _clean_line(self, line: str) -> str:
        line = _REF_DEF.sub(r"\1\\[", line)
        pieces: list[str] = []
        last = 0
        for span in _CODE_SPAN.finditer(line):
            pieces.append(self._clean_text(line[last:span.start()]))
            pieces.append(span.group(0))
            last = span.end()
        pieces.append(self._clean_text(line[last:]))
        return "".join(pieces)

    def _clean_text(self, text: str) -> str:
        # A lone backtick would pair with the backticks we add below: escape it first.
        text = text.replace("`", "\\`").replace("<", "&lt;")
        text = _LINK.sub(self._link, text)
        text = _BARE_URL.sub(self._bare_url, text)
        return _MENTION.sub(lambda m: f"`@{m.group(1)}`", text)

    def _allowed(self, url: str) -> bool:
        lowered = url.lower()
        if lowered.startswith("#"):
            return True
        if "://" not in lowered and not lowered.startswith(("//", "www.")) and ":" not in lowered:
            return True  # relative: resolves inside the repository
        return any(lowered.startswith(prefix.lower()) for prefix in self.allowed_prefixes)

    def _link(self, match: re.Match[str]) -> str:
        image, text, url = match.group(1), match.group(2), match.group(3)
        if image:
            return f"{text} (image removed)" if text else "(image removed)"
        if self._allowed(url):
            return match.group(0)
        return f"{text} (link removed: {_inert(url)})"

    def _bare_url(self, match: re.Match[str]) -> str:
        url = match.group(0)
        if self._allowed(url) and "://" in url:
            return url
        return _inert(url)


def _inert(url: str) -> str:
    return "`" + url.replace("`", "") + "`"


def _closes(line: str, fence: str) -> bool:
    stripped = line.lstrip(" ")
    if len(line) - len(stripped) > 3:
        return False
    run = len(stripped) - len(stripped.lstrip(fence[0]))
    return run >= len(fence) and stripped[run:].strip() == ""


def _fenced(markdown: str) -> Iterator[tuple[str, bool, str | None]]:
    """Each line, whether it belongs to a fenced code block (fences included), and the
    fence still open after it."""
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
