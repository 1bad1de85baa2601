"""A plain folder (no git): its working files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from planreview.repo.local import LocalRepo
from planreview.repo.model import DEFAULT_MAX_FILE_BYTES, WORKTREE

_FOLDER_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "dist", "build", "__pycache__"})


class FolderRepo(LocalRepo):
    """A plain folder: files as they are on disk."""

    def __init__(self, root: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        super().__init__(root, max_file_bytes=max_file_bytes)
        self.ref = WORKTREE
        self.commit = None

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        return self._read_disk(rel, max_bytes, "not found")

    def _list_files(self) -> Iterable[str]:
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [name for name in dirs if name not in _FOLDER_SKIP_DIRS]
            base = Path(folder).relative_to(self.root)
            for name in files:
                yield (base / name).as_posix()
