from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.github.fake_github import FakeGitHub, FakeServer, Token


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    """A running fake GitHub API; a scripted failure left unused fails the test."""
    fake = FakeGitHub()
    fake.tokens["gh-token"] = Token(login=None)
    server = FakeServer(fake)
    try:
        yield fake
        fake.assert_scripts_consumed()
    finally:
        server.stop()
