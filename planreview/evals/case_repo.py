"""The repository a case is reviewed against: its `repo:` folder, else the case folder."""

from __future__ import annotations

from planreview.evals.case import Case
from planreview.repo import Repo, open_repo


def open_case_repo(case: Case) -> Repo:
    folder = case.repo if case.repo is not None else case.folder
    return open_repo(folder)
