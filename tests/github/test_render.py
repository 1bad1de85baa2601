"""Safe Markdown for PR comments: plan text cannot inject HTML, images, foreign links
or pings; code stays as written."""

from __future__ import annotations

from markdown_it import MarkdownIt

from planreview.github.render import SafeMarkdown, open_fence_at_end

SAFE = SafeMarkdown(("https://github.com/o/r/",))


def test_raw_html_is_escaped() -> None:
    assert "<" not in SAFE.clean("see <img src=http://evil/x.png> <script>x</script>")


def test_images_are_removed_whatever_their_host() -> None:
    out = SAFE.clean("![diagram](https://github.com/o/r/raw/a.png) ![x](http://evil/p.png)")
    assert "![" not in out and "](http" not in out


def test_links_to_other_hosts_become_inert_text() -> None:
    out = SAFE.clean("[click](http://evil.com/a) and http://evil.com/b and www.evil.com")
    assert "](http://evil" not in out
    assert "`http://evil.com/b`" in out and "`www.evil.com`" in out


def test_links_into_the_repository_are_kept() -> None:
    text = "[plan](https://github.com/o/r/blob/main/docs/plans/x.md) [rel](docs/a.md)"
    assert SAFE.clean(text) == text


def test_mentions_are_wrapped_in_code_but_emails_are_not() -> None:
    out = SAFE.clean("cc @alice and @org/team, mail a@b.com")
    assert out == "cc `@alice` and `@org/team`, mail a@b.com"


def test_code_is_left_as_written() -> None:
    text = "```ts\nconst a = '<img src=http://evil>'; // @bob\n```\nuse `Map<K, V>` here"
    assert SAFE.clean(text) == text


def test_a_lone_backtick_cannot_open_a_code_span_around_what_follows() -> None:
    out = SAFE.clean("a ` <b>bold</b> @x")
    assert "<b>" not in out and "`@x`" in out


def test_link_reference_definitions_are_defused() -> None:
    html = MarkdownIt("commonmark").render(SAFE.clean("[x]: http://evil/\n\n[x]"))
    assert "href" not in html


def test_open_fence_is_reported_after_a_cut() -> None:
    assert open_fence_at_end("text\n````sql\nSELECT 1;\n") == "````"
    assert open_fence_at_end("```\nx\n```\n") is None
