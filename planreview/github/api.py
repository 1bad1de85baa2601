"""A small GitHub REST client on httpx: the dozen calls the bot makes, nothing more.

Retries 502/503/504 and rate limits (429, and 403 when GitHub says it is a rate limit)
honouring `Retry-After` / `X-RateLimit-Reset`, with an injectable sleep so tests do
not wait. Works against any base URL (GitHub Enterprise Server, a local fake). The
token is sent in a header and never appears in an exception message or a log line.
"""

from __future__ import annotations

import base64
import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.github.com"
_RETRY_STATUSES = frozenset({502, 503, 504})
_NEXT_LINK = re.compile(r'<([^>]+)>;\s*rel="next"')
Sleep = Callable[[float], None]


class GitHubError(Exception):
    """GitHub answered with an error we do not retry (or retries ran out)."""

    def __init__(self, method: str, path: str, status: int, message: str) -> None:
        super().__init__(f"GitHub {method} {path}: {status} {message}")
        self.status = status


class PermissionDeniedError(GitHubError):
    """The token may not do this (a fork PR's read-only GITHUB_TOKEN, a missing App
    permission): callers degrade instead of failing."""


class NotFoundError(GitHubError):
    pass


@dataclass(frozen=True)
class PullFile:
    filename: str
    status: str
    """added, modified, removed, renamed, ..."""


class GitHubClient:
    def __init__(
        self, token: str, *, base_url: str = DEFAULT_API_URL, max_retries: int = 3,
        sleep: Sleep = time.sleep, timeout_s: float = 30.0, max_wait_s: float = 120.0,
        auth_scheme: str = "token",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._max_retries = max_retries
        self._sleep = sleep
        self._max_wait_s = max_wait_s
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout_s, trust_env=False,
            headers={
                "Authorization": f"{auth_scheme} {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
                "User-Agent": "planreview",
            },
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> GitHubClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- transport -------------------------------------------------------------------

    def request(self, method: str, path: str, *, json: Any = None,
                params: dict[str, Any] | None = None) -> httpx.Response:
        for attempt in range(self._max_retries + 1):
            response = self._http.request(method, path, json=json, params=params)
            wait = self._retry_after(response)
            if wait is None or attempt == self._max_retries:
                break
            log.warning("github retry method=%s path=%s status=%d wait_s=%.1f attempt=%d",
                        method, _path_only(path), response.status_code, wait, attempt + 1)
            self._sleep(wait)
        if response.is_success:
            return response
        raise _error(method, _path_only(path), response)

    def _retry_after(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or None when the answer is final."""
        status = response.status_code
        rate_limited = status == 429 or (status == 403 and _is_rate_limit(response))
        if status not in _RETRY_STATUSES and not rate_limited:
            return None
        header = response.headers.get("Retry-After")
        if header is not None and header.strip().isdigit():
            return min(float(header), self._max_wait_s)
        reset = response.headers.get("X-RateLimit-Reset")
        if rate_limited and reset and reset.isdigit():
            return min(max(0.0, int(reset) - time.time()), self._max_wait_s)
        return 1.0 if status in _RETRY_STATUSES else 60.0

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.request("GET", path, params=params).json()

    def paginate(self, path: str, params: dict[str, Any] | None = None) -> Iterator[Any]:
        url: str | None = path
        query: dict[str, Any] | None = {"per_page": 100, **(params or {})}
        while url is not None:
            response = self.request("GET", url, params=query)
            yield from response.json()
            match = _NEXT_LINK.search(response.headers.get("Link", ""))
            # The next link is absolute and carries the query. Only follow it on our own
            # base URL: the token must never travel to another host.
            nxt = match.group(1) if match else ""
            url = nxt.removeprefix(self.base_url) if nxt.startswith(self.base_url + "/") else None
            query = None

    # --- the calls the bot makes ---------------------------------------------------------

    def authenticated_login(self) -> str | None:
        """The token's user login; None for tokens that have no user (GITHUB_TOKEN and
        installation tokens answer 403 on /user)."""
        try:
            return str(self.get_json("/user")["login"])
        except (PermissionDeniedError, NotFoundError):
            return None
        except GitHubError as exc:
            if exc.status == 401:
                return None
            raise

    def pull(self, repo: str, number: int) -> dict[str, Any]:
        result: dict[str, Any] = self.get_json(f"/repos/{repo}/pulls/{number}")
        return result

    def pull_files(self, repo: str, number: int) -> list[PullFile]:
        return [PullFile(str(f["filename"]), str(f.get("status", "modified")))
                for f in self.paginate(f"/repos/{repo}/pulls/{number}/files")]

    def file_bytes(self, repo: str, path: str, ref: str) -> tuple[bytes, int]:
        """A file's bytes and size at `ref`; NotFoundError when absent, ValueError when it
        is not a regular file (a directory, symlink or submodule)."""
        data = self.get_json(f"/repos/{repo}/contents/{quote(path)}", {"ref": ref})
        if not isinstance(data, dict) or data.get("type") != "file":
            raise ValueError("not a regular file")
        if data.get("path", path) != path:
            # GitHub answers a symlink to a file with the target's content: never follow
            # it (a harmless name could point at a secret).
            raise ValueError("symlink not followed")
        size = int(data.get("size", 0))
        if data.get("encoding") == "base64" and data.get("content"):
            return base64.b64decode(data["content"]), size
        # Files over 1 MB come without content: fetch the blob itself.
        blob = self.get_json(f"/repos/{repo}/git/blobs/{data['sha']}")
        return base64.b64decode(blob.get("content", "")), size

    def tree_paths(self, repo: str, ref: str) -> list[str]:
        data = self.get_json(f"/repos/{repo}/git/trees/{quote(ref)}", {"recursive": "1"})
        if data.get("truncated"):
            log.warning("github tree truncated repo=%s", repo)
        return [str(e["path"]) for e in data.get("tree", []) if e.get("type") == "blob"]

    def issue_comments(self, repo: str, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"/repos/{repo}/issues/{number}/comments"))

    def create_comment(self, repo: str, number: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/repos/{repo}/issues/{number}/comments", json={"body": body}).json()
        return result

    def update_comment(self, repo: str, comment_id: int, body: str) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "PATCH", f"/repos/{repo}/issues/comments/{comment_id}", json={"body": body}).json()
        return result

    def create_check_run(self, repo: str, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.request(
            "POST", f"/repos/{repo}/check-runs", json=payload).json()
        return result

    def update_check_run(self, repo: str, run_id: int, payload: dict[str, Any]) -> None:
        self.request("PATCH", f"/repos/{repo}/check-runs/{run_id}", json=payload)


def _is_rate_limit(response: httpx.Response) -> bool:
    if response.headers.get("Retry-After") is not None:
        return True
    if response.headers.get("X-RateLimit-Remaining") == "0":
        return True
    return "rate limit" in response.text.lower()


def _error(method: str, path: str, response: httpx.Response) -> GitHubError:
    try:
        message = str(response.json().get("message", ""))[:200]
    except ValueError:
        message = response.reason_phrase
    status = response.status_code
    if status == 403:
        return PermissionDeniedError(method, path, status, message)
    if status == 404:
        return NotFoundError(method, path, status, message)
    return GitHubError(method, path, status, message)


def _path_only(path: str) -> str:
    """The request path without a query string (queries may carry refs, never secrets,
    but logs stay small and uniform)."""
    return path.split("?", 1)[0]
