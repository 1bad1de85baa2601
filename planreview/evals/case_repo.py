"""The repository a case is reviewed against: its `repo:` folder, else the case folder."""

from __future__ import annotations

from planreview.config import Settings
from planreview.evals.case import Case
from planreview.repo import Repo, open_repo


def open_case_repo(case: Case, settings: Settings) -> Repo:
    """Cases live inside this project's own git checkout, so a case's folder must not
    open the enclosing repository: only a git repository rooted at the folder itself
    counts; anything else is a plain folder."""
    folder = case.repo if case.repo is not None else case.folder
    return open_repo(folder, search_parents=False, max_file_bytes=settings.max_file_bytes)
