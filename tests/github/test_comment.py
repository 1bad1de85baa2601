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
