"""A plan's file name is PR content: names that could break out of Markdown are not
reviewed (nor echoed into a comment, a check run or the job summary)."""

from __future__ import annotations

from planreview.github.api import GitHubClient
from planreview.github.pull import PullRequest, PullReviewer
from tests.github.fake_github import FakeGitHub

PLAN = "# Plan\n\nNothing risky.\n"
HOSTILE = (
    "docs/plans/a\n<img src=http://evil.example/x.png>\n.md",
    "docs/plans/`<img src=http://evil.example/y.png>`.md",
)


def test_plans_with_hostile_file_names_are_skipped(github: FakeGitHub) -> None:
    github.commits["h1"] = {"docs/plans/ok.md": PLAN, **dict.fromkeys(HOSTILE, PLAN)}
    github.commits["b1"] = {}
    github.add_pull(7, head="h1", base="b1", files=["docs/plans/ok.md", *HOSTILE])
    client = GitHubClient("gh-token", base_url=github.url)
    reviewer = PullReviewer(client=client, bot_login="github-actions[bot]")

    result = reviewer.run(PullRequest.from_payload(github.pulls[7], "o/r"))

    assert [o.plan for o in result.outcomes] == ["docs/plans/ok.md"]
    assert len(github.comments) == 1 and len(github.check_runs) == 1
    written = str([w.body for w in github.writes])
    assert "evil.example" not in written
