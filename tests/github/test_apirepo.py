"""The App's repository view: files at the head SHA through the contents API, with the
same refusals as a local repository (nothing is checked out or executed)."""

from __future__ import annotations

import pytest

from planreview.github.api import GitHubClient
from planreview.github.apirepo import ApiRepo
from planreview.repo import SkipError
from tests.github.fake_github import FakeGitHub


def repo_at(github: FakeGitHub, files: dict[str, str | bytes]) -> ApiRepo:
    github.commits["h1"] = files
    return ApiRepo(GitHubClient("gh-token", base_url=github.url), "o/r", "h1")


def test_a_file_is_read_at_the_head_sha(github: FakeGitHub) -> None:
    repo = repo_at(github, {"src/a.ts": "export const a = 1;\n"})

    assert repo.read_text("./src/a.ts") == "export const a = 1;\n"
    assert github.requests == [("GET", "/repos/o/r/contents/src/a.ts")]


def test_a_missing_file_is_skipped_with_the_sha(github: FakeGitHub) -> None:
    with pytest.raises(SkipError, match="not found at h1"):
        repo_at(github, {}).read_text("src/gone.ts")


def test_secrets_and_paths_outside_the_repository_are_refused_without_a_request(
    github: FakeGitHub,
) -> None:
    repo = repo_at(github, {".env": "KEY=1"})

    for path, reason in ((".env", "secrets"), ("../other/x.ts", "outside"),
                         ("/etc/passwd", "outside"), (".git/config", "git metadata")):
        with pytest.raises(SkipError, match=reason):
            repo.read_text(path)
    assert github.requests == []


def test_a_symlink_is_not_followed_even_to_a_file_in_the_repository(
    github: FakeGitHub,
) -> None:
    repo = repo_at(github, {"config/prod.yml": "password: hunter2\n"})
    github.symlinks["docs/notes.md"] = "config/prod.yml"

    with pytest.raises(SkipError, match="symlink"):
        repo.read_text("docs/notes.md")


def test_binary_and_huge_files_are_skipped(github: FakeGitHub) -> None:
    repo = repo_at(github, {"logo.png": b"\x89PNG\0\0", "big.sql": "x" * 2_000})
    repo.max_file_bytes = 1_000

    with pytest.raises(SkipError, match="binary"):
        repo.read_text("logo.png")
    with pytest.raises(SkipError, match="huge"):
        repo.read_text("big.sql")


def test_listing_leaves_out_secrets_and_git_metadata(github: FakeGitHub) -> None:
    repo = repo_at(github, {"src/a.ts": "", ".env": "", "keys/app.pem": "", "b.sql": ""})

    assert repo.list_files() == ["b.sql", "src/a.ts"]
