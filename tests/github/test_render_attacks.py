"""Hostile Markdown through the comment sanitizer: each case is cleaned, then rendered by
an independent CommonMark parser, and the HTML must carry no image, no raw HTML, no link
off the repository and no live @mention."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from planreview.github.render import SafeMarkdown

SAFE = SafeMarkdown(("https://github.com/o/r/",))
_RENDER = MarkdownIt("commonmark")
EVIL_IMG = "<img src=http://evil.example/x.png>"

ATTACKS = {
    "escaped backtick opens no code span": f"Note \\`{EVIL_IMG}` here",
    "definition inside a quote": "> [r]: //evil.example/x.png\n\n![a][r] and [b][r]",
    "definition inside a list": "- [r]: //evil.example/p\n\n[click][r]",
    "definition label over two lines": "[r\nx]: //evil.example/p\n\n[go][r\nx]",
    "fence closed by its list item": f"- a\n  ```\n{EVIL_IMG}\n```",
    "tilde fence inside an html block": f"<pre>\n~~~\n</pre>\n~~~\n{EVIL_IMG}\n~~~",
    "link text over two lines": "[click\nhere](//evil.example/p)",
    "link destination on the next line": "[click](\n//evil.example/p)",
    "image inside a link": "[![a](//evil.example/x.png)](https://github.com/o/r/)",
    "image with alt over two lines": "![a\nb](//evil.example/x.png)",
    "merged backtick runs": f"``a``@b`{EVIL_IMG}`",
    "escaped backslash before a code span": f"\\\\`{EVIL_IMG}`",
    "definition then indented code": f"[x]: /url\n    {EVIL_IMG}",
    "autolink": "<https://evil.example/p> and <//evil.example/q>",
    "html comment and script": "<!-- x --><script>alert(1)</script>",
    "mention after a code span": "`x`@alice and (@bob)",
}


def _unsafe(html: str) -> list[str]:
    problems = []
    if "<img" in html:
        problems.append("image")
    for href in re.findall(r'href="([^"]*)"', html):
        if not (href.startswith("https://github.com/o/r/") or href.startswith("#")
                or "evil" not in href):
            problems.append(f"link {href}")
    text_outside_code = re.sub(r"<code>.*?</code>", "", html, flags=re.S)
    if re.search(r"<(script|img|iframe|svg|details|!--)", text_outside_code):
        problems.append("raw html")
    if re.search(r"(?<![\w`])@(alice|bob)\b", text_outside_code):
        problems.append("live mention")
    return problems


@pytest.mark.parametrize("name", list(ATTACKS))
def test_hostile_markdown_renders_harmless(name: str) -> None:
    html = _RENDER.render(SAFE.clean(ATTACKS[name]))

    assert _unsafe(html) == [], html


def test_a_block_that_leaves_a_fence_open_cannot_swallow_what_follows() -> None:
    block = SAFE.clean("**Issue:** text\n```\nunclosed")

    html = _RENDER.render(block + "\n\n```\n" + EVIL_IMG + "\n```\n")

    assert html.count("<pre>") == 1 and EVIL_IMG not in html.split("</pre>", 1)[1]


def test_ordinary_findings_keep_their_code_and_links() -> None:
    text = ("Use `Map<K, V>` in [the plan](docs/plans/x.md).\n\n"
            "```sql\nSELECT '<b>' -- @carol\n```")

    assert SAFE.clean(text) == text


def test_a_bare_url_into_the_repository_stays_a_plain_url() -> None:
    text = "See https://github.com/o/r/blob/main/docs/plans/x.md for the plan."

    assert SAFE.clean(text) == text
