"""The REST client: retries what GitHub says to retry, and nothing else."""

from __future__ import annotations

import pytest

from planreview.github.api import GitHubClient, PermissionDeniedError
from tests.github.fake_github import FakeGitHub


def client(github: FakeGitHub, sleeps: list[float], token: str = "gh-token") -> GitHubClient:
    return GitHubClient(token, base_url=github.url, sleep=sleeps.append)


def test_a_502_is_retried(github: FakeGitHub) -> None:
    github.add_pull(1, head="h", base="b", files=["docs/plans/x.md"])
    github.fail_once("GET", "/repos/o/r/pulls/1", 502)
    sleeps: list[float] = []
    assert client(github, sleeps).pull("o/r", 1)["number"] == 1
    assert len(sleeps) == 1


def test_a_secondary_rate_limit_waits_for_retry_after(github: FakeGitHub) -> None:
    github.add_pull(1, head="h", base="b", files=[])
    github.fail_once("POST", "/repos/o/r/issues/1/comments", 403, {"Retry-After": "1"},
                     "You have exceeded a secondary rate limit")
    sleeps: list[float] = []
    comment = client(github, sleeps).create_comment("o/r", 1, "hello")
    assert sleeps == [1.0]
    assert [c["id"] for c in github.comments] == [comment["id"]]


def test_a_403_without_rate_limit_signs_is_a_permission_error(github: FakeGitHub) -> None:
    github.tokens["gh-token"].can_write = False
    sleeps: list[float] = []
    with pytest.raises(PermissionDeniedError):
        client(github, sleeps).create_comment("o/r", 1, "hello")
    assert sleeps == []


def test_pagination_follows_next_links(github: FakeGitHub) -> None:
    files = [f"docs/plans/p{i}.md" for i in range(150)]
    github.add_pull(2, head="h", base="b", files=files)
    got = client(github, []).pull_files("o/r", 2)
    assert [f.filename for f in got] == files


def test_token_never_appears_in_error_messages(github: FakeGitHub) -> None:
    github.fail_once("GET", "/repos/o/r/pulls/9", 500, message="boom")
    with pytest.raises(Exception) as info:
        client(github, []).pull("o/r", 9)
    assert "gh-token" not in str(info.value)
