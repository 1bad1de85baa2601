"""A Repo read through the REST API at one commit: nothing is checked out or executed.

The same checks as a local repository apply (no path outside the root, no secrets, no
git metadata, no binaries or huge files); symlinks and submodules are not followed.
"""

from __future__ import annotations

import threading
from pathlib import Path

from planreview.github.api import GitHubClient, GitHubError, NotFoundError
from planreview.repo import Repo, SkipError, check_allowed, decode_text, normalize_path


class ApiRepo(Repo):
    def __init__(self, client: GitHubClient, full_name: str, sha: str) -> None:
        # A virtual root: reports name the repository, nothing on disk is read.
        self.root = Path(f"/github/{full_name}")
        self.ref = sha
        self.commit = sha
        self._client = client
        self._repo = full_name
        self._cache: dict[str, str | SkipError] = {}
        self._files: list[str] | None = None
        self._lock = threading.Lock()

    def read_text(self, rel: str) -> str:
        rel = normalize_path(rel)
        with self._lock:
            cached = self._cache.get(rel)
        if cached is None:
            cached = self._fetch(rel)
            with self._lock:
                self._cache[rel] = cached
        if isinstance(cached, SkipError):
            raise cached
        return cached

    def _fetch(self, rel: str) -> str | SkipError:
        try:
            data, size = self._client.file_bytes(self._repo, rel, self.ref)
        except NotFoundError:
            return SkipError(f"not found at {self.ref[:12]}")
        except ValueError as exc:
            return SkipError(str(exc))
        except GitHubError as exc:
            return SkipError(f"unreadable (GitHub {exc.status})")
        try:
            return decode_text(data, size=size, max_bytes=self.max_file_bytes)
        except SkipError as exc:
            return exc

    def list_files(self) -> list[str]:
        with self._lock:
            if self._files is None:
                self._files = sorted(p for p in self._client.tree_paths(self._repo, self.ref)
                                     if _readable(p))
            return list(self._files)

    def relpath(self, path: Path) -> str | None:
        text = path.as_posix()
        prefix = str(self.root) + "/"
        if text.startswith(prefix):
            return text[len(prefix):]
        return None if text.startswith("/") else text


def _readable(path: str) -> bool:
    try:
        check_allowed(path)
    except SkipError:
        return False
    return True
