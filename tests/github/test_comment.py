"""The sticky comment's marker and ownership."""

from __future__ import annotations

from planreview.github.comment import Marker, find_sticky, parse_marker


def test_marker_round_trips_odd_plan_paths_and_findings() -> None:
    marker = Marker(plan="docs/plans/a --> b.md", hash="abc",
                    findings={"f1": "P1 Title with --> inside"})
    parsed = parse_marker(marker.render() + "\n## body")
    assert parsed == marker


def test_a_marker_quoted_lower_in_the_body_is_not_taken() -> None:
    assert parse_marker("hello\n<!-- planreview:plan=docs/plans/x.md hash=1 -->") is None


def test_the_sticky_comment_must_be_authored_by_the_bot() -> None:
    body = Marker(plan="docs/plans/x.md", hash="h").render()
    comments = [
        {"id": 1, "body": body, "user": {"login": "mallory"}},
        {"id": 2, "body": body, "user": {"login": "github-actions[bot]"}},
    ]
    sticky = find_sticky(comments, "docs/plans/x.md", "github-actions[bot]")
    assert sticky is not None and sticky.comment_id == 2
    assert find_sticky(comments, "docs/plans/y.md", "github-actions[bot]") is None


def test_one_finding_larger_than_the_limit_is_cut_with_its_fence_closed() -> None:
    from planreview.github.comment import CommentParts, render_comment
    from planreview.github.render import SafeMarkdown, open_fence_at_end
    from tests.github.factories import finding, report

    huge = report([finding(quote="SELECT 1;\n" * 20_000)])
    body = render_comment(huge, Marker(plan="docs/plans/x.md", hash="h"),
                          CommentParts(commit="abc", full_report_hint="See the summary."),
                          SafeMarkdown(()))
    assert len(body) <= 65_536
    assert open_fence_at_end(body) is None
    assert "**Truncated**: 0 of 1 findings" in body and "See the summary." in body
