"""Repositories on this machine: the reading and the checks a folder and a git ref share."""

from __future__ import annotations

import os
import stat
import threading
from abc import abstractmethod
from collections.abc import Iterable
from pathlib import Path

from planreview.repo.model import Repo, SkipError
from planreview.repo.safety import check_allowed, decode_text, huge_file, normalize_path

# --- local repositories -----------------------------------------------------------------


class LocalRepo(Repo):
    """A repository on this machine's disk (git or plain folder)."""

    def __init__(self, root: Path, *, max_file_bytes: int) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes
        self._real_root = Path(os.path.realpath(root))
        self._files: list[str] | None = None
        self._files_lock = threading.Lock()

    @abstractmethod
    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        """As Repo.read_text; `max_bytes` overrides `max_file_bytes` for this read."""
        raise NotImplementedError

    def list_files(self) -> list[str]:
        with self._files_lock:
            if self._files is None:
                self._files = sorted(
                    {path for path in self._list_files() if not _never_readable(path)}
                )
            return list(self._files)

    @abstractmethod
    def _list_files(self) -> Iterable[str]:
        raise NotImplementedError

    def relpath(self, path: Path) -> str | None:
        real = Path(os.path.realpath(path))
        try:
            return real.relative_to(self._real_root).as_posix()
        except ValueError:
            return None

    def _read_disk(self, rel: str, max_bytes: int | None, missing: str) -> str:
        """Read `rel` from the folder on disk, refusing symlinks that lead outside it or
        to a secret, and anything that is not a regular file (a FIFO would block)."""
        rel = normalize_path(rel)
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        real = Path(os.path.realpath(self.root / rel))
        try:
            real_rel = real.relative_to(self._real_root).as_posix()
        except ValueError:
            raise SkipError("symlink outside repository") from None
        if real_rel != rel and real_rel != ".":
            check_allowed(real_rel)
        try:
            info = real.stat()
            if stat.S_ISDIR(info.st_mode):
                raise SkipError("directory")
            if not stat.S_ISREG(info.st_mode):
                raise SkipError("not a regular file")
            if info.st_size > limit:
                raise huge_file(info.st_size, limit)
            with real.open("rb") as handle:
                data = handle.read(limit + 1)
        except (FileNotFoundError, NotADirectoryError):
            raise SkipError(missing) from None
        except OSError as exc:
            raise SkipError(f"unreadable ({(exc.strerror or 'I/O error').lower()})") from None
        return decode_text(data, size=max(len(data), info.st_size), max_bytes=limit)


def _never_readable(path: str) -> bool:
    try:
        normalize_path(path)
    except SkipError:
        return True
    return False
