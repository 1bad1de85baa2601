"""Which repository a case is reviewed against."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from planreview.config import Settings
from planreview.evals.case import load_case
from planreview.evals.case_repo import open_case_repo
from tests.evals.evalkit import case_data, write_case

GitRepo = Callable[[dict[str, str | bytes]], Path]


def test_a_case_repo_inside_a_bigger_checkout_is_its_own_plain_folder(git_repo: GitRepo) -> None:
    outer = git_repo({"src/orders.ts": "outer\n", "cases/.keep": ""})
    folder = write_case(outer / "cases", "c1", case_data("c1", repo="repo"))
    (folder / "repo" / "src").mkdir(parents=True)
    (folder / "repo" / "src" / "orders.ts").write_text("inner\n", encoding="utf-8")
    repo = open_case_repo(load_case(folder), Settings())
    assert repo.root.resolve() == (folder / "repo").resolve()
    assert repo.commit is None
    assert repo.read_text("src/orders.ts") == "inner\n"


def test_a_case_repo_that_is_a_git_repository_opens_as_one(
    git_repo: GitRepo, tmp_path: Path,
) -> None:
    inner = git_repo({"src/orders.ts": "inner\n"})
    folder = write_case(tmp_path / "cases", "c1", case_data("c1", repo=str(inner)))
    repo = open_case_repo(load_case(folder), Settings())
    assert repo.commit is not None
    assert repo.root.resolve() == inner.resolve()


def test_a_case_without_repo_is_reviewed_against_its_own_folder(tmp_path: Path) -> None:
    folder = write_case(tmp_path / "cases", "c1", case_data("c1"))
    repo = open_case_repo(load_case(folder), Settings())
    assert repo.root.resolve() == folder.resolve()
