"""Opening the repository a review names: git when it is one, else a folder."""

from __future__ import annotations

from pathlib import Path

import git

from planreview.errors import UserInputError
from planreview.repo.folder import FolderRepo
from planreview.repo.git import GitRepo
from planreview.repo.model import DEFAULT_MAX_FILE_BYTES, Repo


def open_repo(
    path: Path, ref: str | None = None, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    search_parents: bool = True,
) -> Repo:
    """Open `path` as a git repository (or a plain folder when it is not one).

    A folder inside a git repository opens the whole repository (its top level), unless
    `search_parents` is False: then only a repository rooted at `path` counts, and a
    subfolder of one is a plain folder (an eval case's `repo/` inside this project).

    Raises UserInputError for a missing folder, a bad ref, or `ref` on a plain folder.
    """
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"repository path {path} does not exist")
    if not path.is_dir():
        raise UserInputError(f"repository path {path} is not a directory")
    try:
        repo = git.Repo(path, search_parent_directories=search_parents)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        if ref is not None:
            raise UserInputError(
                f"--ref needs a git repository: {path} is a plain folder"
            ) from None
        return FolderRepo(path.absolute(), max_file_bytes=max_file_bytes)
    return GitRepo(repo, ref, max_file_bytes=max_file_bytes)
