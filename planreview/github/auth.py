"""GitHub App authentication: an RS256 JWT, exchanged for installation tokens.

Each token is scoped to the one repository an event came from, kept in memory only,
and reused until five minutes before it expires. The JWT and tokens are never logged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import jwt

from planreview.github.api import DEFAULT_API_URL, GitHubClient, Sleep

Clock = Callable[[], float]

_JWT_BACKDATE_S = 60
"""GitHub rejects a JWT issued "in the future"; backdating absorbs clock skew."""
_JWT_LIFETIME_S = 540
"""GitHub allows at most ten minutes."""
_TOKEN_MARGIN_S = 300


def app_jwt(app_id: str, private_key: str, *, now: Clock = time.time) -> str:
    """A JWT that authenticates as the App itself (not as an installation)."""
    issued = int(now())
    claims = {"iat": issued - _JWT_BACKDATE_S, "exp": issued + _JWT_LIFETIME_S, "iss": app_id}
    return jwt.encode(claims, private_key, algorithm="RS256")


@dataclass(frozen=True)
class _Token:
    value: str
    expires_at: float


class AppAuth:
    """Mints installation tokens for one App; safe to share between threads."""

    def __init__(
        self, app_id: str, private_key: str, *, base_url: str = DEFAULT_API_URL,
        now: Clock = time.time, sleep: Sleep = time.sleep,
    ) -> None:
        self.app_id = app_id
        self._key = private_key
        self.base_url = base_url
        self._now = now
        self._sleep = sleep
        self._tokens: dict[tuple[int, str], _Token] = {}
        self._login: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # the key must never reach a log line or traceback
        return f"AppAuth(app_id={self.app_id!r}, base_url={self.base_url!r})"

    def _app_client(self) -> GitHubClient:
        token = app_jwt(self.app_id, self._key, now=self._now)
        return GitHubClient(token, base_url=self.base_url, auth_scheme="Bearer",
                            sleep=self._sleep)

    def installation_token(self, installation_id: int, repo_full_name: str) -> str:
        """A token for `installation_id` that can reach only `repo_full_name`."""
        key = (installation_id, repo_full_name)
        with self._lock:
            cached = self._tokens.get(key)
            if cached is not None and cached.expires_at - _TOKEN_MARGIN_S > self._now():
                return cached.value
        name = repo_full_name.split("/", 1)[-1]
        with self._app_client() as app:
            data = app.request(
                "POST", f"/app/installations/{installation_id}/access_tokens",
                json={"repositories": [name]},
            ).json()
        token = _Token(str(data["token"]), _expiry(str(data.get("expires_at", "")), self._now))
        with self._lock:
            self._tokens[key] = token
        return token.value

    def client_for(self, installation_id: int, repo_full_name: str) -> GitHubClient:
        token = self.installation_token(installation_id, repo_full_name)
        return GitHubClient(token, base_url=self.base_url, sleep=self._sleep)

    def bot_login(self) -> str:
        """The login the App's comments are authored by: `<slug>[bot]`."""
        with self._lock:
            if self._login is not None:
                return self._login
        with self._app_client() as app:
            slug = str(app.get_json("/app")["slug"])
        with self._lock:
            self._login = f"{slug}[bot]"
            return self._login


def _expiry(text: str, now: Clock) -> float:
    """Seconds since the epoch of GitHub's `expires_at`; an hour from now if unreadable."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return now() + 3600
