"""What a repository is to a review: the Repo interface, loaded files and their windows."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from planreview.models import SkippedReference
from planreview.plan import split_lines

DEFAULT_MAX_FILE_BYTES = 1_000_000
WORKTREE = "WORKTREE"

BUDGET_EXHAUSTED = "context budget exhausted"


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

    @cached_property
    def lines(self) -> list[str]:
        """Lines split exactly as the plan's are (\\n, \\r\\n, lone \\r), so that line
        numbers agree with editors and git, whatever form feeds or U+2028 the file holds."""
        return list(split_lines(self.text))


@dataclass
class RepoContext:
    files: dict[str, LoadedFile] = field(default_factory=dict)
    skipped: list[SkippedReference] = field(default_factory=list)


class Repo(ABC):
    """Where referenced files come from: a git repository at `ref` (None: the working
    tree), a plain folder, or (for the GitHub App) the REST API at a head SHA."""

    root: Path
    ref: str
    """'WORKTREE' for the working tree (and a plain folder), else the commit-ish as given."""
    commit: str | None
    """Resolved SHA (HEAD's for the working tree); None for a plain folder."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Files larger than this are skipped as huge by `read_text`."""

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
