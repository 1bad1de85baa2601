"""GitHub App authentication against the fake GitHub: JWT, scoped installation tokens."""

from __future__ import annotations

import jwt

from planreview.github.auth import AppAuth, app_jwt
from tests.github.app_kit import app_keys
from tests.github.fake_github import FakeGitHub


def test_the_app_jwt_is_rs256_backdated_and_lives_under_ten_minutes() -> None:
    private, public = app_keys()

    token = app_jwt("123", private, now=lambda: 1_800_000_000.0)
    claims = jwt.decode(token, public, algorithms=["RS256"],
                        options={"verify_exp": False, "verify_iat": False})

    assert claims["iss"] == "123"
    assert claims["iat"] < 1_800_000_000 < claims["exp"]
    assert claims["exp"] - claims["iat"] <= 600


def test_an_installation_token_is_scoped_to_the_one_repository(github: FakeGitHub) -> None:
    github.app_public_key = app_keys()[1]
    auth = AppAuth("123", app_keys()[0], base_url=github.url)

    token = auth.installation_token(42, "o/r")

    assert token == "ghs_installation_0"
    assert github.installation_tokens == [
        {"installation": 42, "request": {"repositories": ["r"]}}
    ]


def test_an_installation_token_is_reused_per_repository(github: FakeGitHub) -> None:
    github.app_public_key = app_keys()[1]
    auth = AppAuth("123", app_keys()[0], base_url=github.url)

    first = auth.installation_token(42, "o/r")
    again = auth.installation_token(42, "o/r")
    other_repo = auth.installation_token(42, "o/other")

    assert first == again != other_repo
    assert len(github.installation_tokens) == 2


def test_the_bot_login_is_the_apps_slug_with_bot(github: FakeGitHub) -> None:
    github.app_public_key = app_keys()[1]
    auth = AppAuth("123", app_keys()[0], base_url=github.url)

    assert auth.bot_login() == "planreview-test[bot]"
    assert auth.bot_login() == "planreview-test[bot]"
    assert github.requests.count(("GET", "/app")) == 1


def test_the_private_key_is_not_in_the_auth_objects_repr() -> None:
    private = app_keys()[0]

    assert "PRIVATE KEY" not in repr(AppAuth("123", private))
