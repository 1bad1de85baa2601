"""Referenced files from a git repository (working tree or any commit-ish) or a folder.

Never reads outside the repository (`..`, absolute paths, symlinks escaping it), never
reads secrets, skips binaries and huge files, and records every skip with its reason.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from planreview.models import SkippedReference
from planreview.plan import Reference


@dataclass(frozen=True)
class Window:
    """A 1-based inclusive line range of a file kept as context."""

    start_line: int
    end_line: int


@dataclass(frozen=True)
class LoadedFile:
    path: str
    """Repository-relative, forward slashes."""
    text: str
    """The whole file (rules read it all); excerpts for a model come from `windows`."""
    windows: tuple[Window, ...]
    """Cited line ranges plus context, merged, within the byte budget. A file referenced
    without lines gets one window over its head (as much as the budget allows)."""

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()


@dataclass
class RepoContext:
    files: dict[str, LoadedFile] = field(default_factory=dict)
    skipped: list[SkippedReference] = field(default_factory=list)


class Repo(ABC):
    """Where referenced files come from: a git repository at `ref` (None: the working
    tree), a plain folder, or (for the GitHub App) the REST API at a head SHA."""

    root: Path
    ref: str
    """'WORKTREE' for the working tree, else the commit-ish as given."""
    commit: str | None
    """Resolved SHA (HEAD's for the working tree); None for a plain folder."""

    @abstractmethod
    def read_text(self, rel: str) -> str:
        """Read one file; raises SkipError(reason) when it must not or cannot be read."""
        raise NotImplementedError

    @abstractmethod
    def list_files(self) -> list[str]:
        """Every readable text file path (tracked files at ref; walk for a folder)."""
        raise NotImplementedError

    @abstractmethod
    def relpath(self, path: Path) -> str | None:
        """`path` relative to the root (forward slashes), or None when outside it."""
        raise NotImplementedError


class SkipError(Exception):
    """A file that must not or cannot be read; `str(exc)` is the reason recorded."""


def open_repo(path: Path, ref: str | None = None) -> Repo:
    """Open `path` as a git repository (or a plain folder when it is not one).

    Raises UserInputError for a missing folder, a bad ref, or `ref` on a plain folder.
    """
    raise NotImplementedError


def load_context(
    repo: Repo, references: list[Reference], *, byte_budget: int, context_lines: int,
    max_file_bytes: int,
) -> RepoContext:
    raise NotImplementedError
