"""Referenced files from a git repository (working tree or any commit-ish) or a folder.

Never reads outside the repository (`..`, absolute paths, symlinks escaping it), never
reads secrets, skips binaries and huge files, and records every skip with its reason.
At a ref, files are read as blobs from the object database: nothing is checked out.
"""

from __future__ import annotations

from planreview.repo.context import load_context
from planreview.repo.folder import FolderRepo
from planreview.repo.git import GitRepo
from planreview.repo.local import LocalRepo
from planreview.repo.model import (
    BUDGET_EXHAUSTED,
    DEFAULT_MAX_FILE_BYTES,
    WORKTREE,
    LoadedFile,
    Repo,
    RepoContext,
    SkipError,
    Window,
)
from planreview.repo.opening import open_repo
from planreview.repo.safety import (
    check_allowed,
    decode_text,
    find_files,
    glob_regex,
    huge_file,
    is_plan_path,
    is_secret_name,
    normalize_path,
    read_optional,
)

__all__ = [
    "BUDGET_EXHAUSTED",
    "DEFAULT_MAX_FILE_BYTES",
    "WORKTREE",
    "FolderRepo",
    "GitRepo",
    "LoadedFile",
    "LocalRepo",
    "Repo",
    "RepoContext",
    "SkipError",
    "Window",
    "check_allowed",
    "decode_text",
    "find_files",
    "glob_regex",
    "huge_file",
    "is_plan_path",
    "is_secret_name",
    "load_context",
    "normalize_path",
    "open_repo",
    "read_optional",
]
