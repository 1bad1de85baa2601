"""A git repository, read at a ref or its working tree (gitpython)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import git
from git.exc import ODBError

from planreview.errors import UserInputError
from planreview.repo.local import LocalRepo
from planreview.repo.model import DEFAULT_MAX_FILE_BYTES, WORKTREE, SkipError
from planreview.repo.safety import decode_text, normalize_path

_SYMLINK_MODE = 0o120000


class GitRepo(LocalRepo):
    """A git repository: its working tree (ref None) or any commit-ish."""

    def __init__(
        self, repo: git.Repo, ref: str | None, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        work_tree = repo.working_tree_dir
        if work_tree is None and ref is None:
            raise UserInputError(
                f"{repo.git_dir} is a bare git repository: give --ref to review a commit"
            )
        super().__init__(Path(work_tree or repo.git_dir), max_file_bytes=max_file_bytes)
        self._git = repo
        # gitpython's object database talks to one long-lived `git cat-file` process:
        # reviewer branches may read concurrently, so reads take turns.
        self._git_lock = threading.Lock()
        self._tree: git.Tree | None = None
        if ref is None:
            self.ref = WORKTREE
            self.commit = repo.head.commit.hexsha if repo.head.is_valid() else None
        else:
            try:
                commit = repo.commit(ref)
            except (ODBError, ValueError):
                raise UserInputError(f"unknown git ref '{ref}' in {self.root}") from None
            self.ref = ref
            self.commit = commit.hexsha
            self._tree = commit.tree

    def close(self) -> None:
        """Stop gitpython's helper processes (long-running callers open many repos)."""
        self._git.close()

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        if self._tree is None:
            return self._read_disk(rel, max_bytes, "not found in working tree")
        return self._read_blob(normalize_path(rel), max_bytes)

    def _read_blob(self, rel: str, max_bytes: int | None) -> str:
        missing = SkipError(f"not found at {self.ref}")
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        with self._git_lock:
            assert self._tree is not None
            obj: git.Tree | git.Blob | git.Submodule = self._tree
            for part in rel.split("/") if rel else ():
                if not isinstance(obj, git.Tree):
                    if isinstance(obj, git.Blob) and obj.mode == _SYMLINK_MODE:
                        raise SkipError("symlink not followed")
                    raise missing
                try:
                    obj = obj / part
                except KeyError:
                    raise missing from None
            if isinstance(obj, git.Tree):
                raise SkipError("directory")
            if isinstance(obj, git.Submodule):
                raise SkipError("submodule")
            if obj.mode == _SYMLINK_MODE:
                raise SkipError("symlink not followed")
            size = obj.size
            data = obj.data_stream.read() if size <= limit else b""
        return decode_text(data, size=size, max_bytes=limit)

    def _list_files(self) -> Iterable[str]:
        with self._git_lock:
            if self._tree is None:
                output = self._git.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
                paths = [path for path in output.split("\0") if path]
                # Tracked files deleted from the working tree are listed too: drop them.
                return [path for path in paths if (self.root / path).is_file()]
            assert self.commit is not None
            output = self._git.git.ls_tree("-r", "-z", "--full-tree", self.commit)
        return [
            path for mode, path in (_ls_tree_entry(line) for line in output.split("\0") if line)
            if mode in ("100644", "100755")
        ]


def _ls_tree_entry(line: str) -> tuple[str, str]:
    """('100644', 'src/a.ts') from '100644 blob <sha>\\tsrc/a.ts'."""
    meta, _, path = line.partition("\t")
    return meta.split(" ", 1)[0], path
