"""The pre-commit hook (.pre-commit-hooks.yaml), run the way pre-commit runs it.

`pre-commit try-repo` would build the hook's environment by installing this package,
which needs the network; so the test does what pre-commit does once the environment
exists: pick the staged files `files` matches, and run `entry + args + filenames` in the
repository's root with the environment's bin directory first on PATH.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import GitRepoFactory

ROOT = Path(__file__).resolve().parent.parent
HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
HOOK: dict[str, Any] = HOOKS[0]
BIN = Path(sys.executable).parent

P1_PLAN = """# Orders: require a region

The `orders` table has 40M rows in production.

## Migration

```sql
ALTER TABLE orders ADD COLUMN region text NOT NULL;
```
"""
P3_PLAN = """# Orders: add a note column

## Migration

```sql
ALTER TABLE orders ADD COLUMN note text;
```
"""
CLEAN_PLAN = """# Orders: rename the admin page title

Change the heading of the orders admin page from "Orders" to "All orders".
"""


def test_the_hooks_file_has_the_fields_pre_commit_requires() -> None:
    assert isinstance(HOOKS, list) and len(HOOKS) == 1
    for key in ("id", "name", "entry", "language"):  # required by pre-commit's manifest
        assert isinstance(HOOK[key], str) and HOOK[key], key
    assert HOOK["id"] == "planreview"
    assert HOOK["language"] == "python"
    assert HOOK["entry"] == "planreview review"
    assert HOOK["pass_filenames"] is True
    assert HOOK["args"][:4] == ["--engine", "rules", "--fail-on", "P1"]
    assert all(isinstance(a, str) for a in HOOK["args"])
    files = re.compile(HOOK["files"])
    assert files.search("docs/plans/2026-03-01-orders.md")
    assert files.search("docs/plans/team/orders.md")
    assert not files.search("docs/plans/orders.txt")
    assert not files.search("docs/orders.md")
    assert not files.search("src/docs/plans/orders.md")


def run_hook(repo: Path) -> subprocess.CompletedProcess[str]:
    """pre-commit's run: the staged files `files` matches, passed after entry + args."""
    staged = subprocess.run(["git", "diff", "--cached", "--name-only", "-z"], cwd=repo,
                            check=True, capture_output=True, text=True).stdout.split("\0")
    matched = [f for f in staged if f and re.search(HOOK["files"], f)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    if shutil.which(shlex.split(HOOK["entry"])[0], path=env["PATH"]) is None:
        pytest.skip("the planreview console script is not installed next to this Python")
    return subprocess.run([*shlex.split(HOOK["entry"]), *HOOK["args"], *matched], cwd=repo,
                          env=env, capture_output=True, text=True, check=False, timeout=300)


def staged_repo(git_repo: GitRepoFactory, files: dict[str, str | bytes]) -> Path:
    repo = git_repo({"README.md": "# Shop\n"})
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(str(text), encoding="utf-8")
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    return repo


def test_a_p1_plan_fails_the_commit(git_repo: GitRepoFactory) -> None:
    repo = staged_repo(git_repo, {"docs/plans/region.md": P1_PLAN,
                                  "docs/plans/note.md": P3_PLAN,
                                  "docs/notes.md": P1_PLAN})  # not a plan: not reviewed

    done = run_hook(repo)

    assert done.returncode == 1, done.stderr
    assert done.stdout.count("# Plan Review -- Findings") == 2  # one report per plan
    assert "P1-1: orders.region is added NOT NULL without a default" in done.stdout
    assert "`docs/plans/region.md`" in done.stdout and "docs/notes.md" not in done.stdout


@pytest.mark.parametrize("plan", [CLEAN_PLAN, P3_PLAN], ids=["clean", "p3-only"])
def test_a_plan_without_p1_findings_passes(git_repo: GitRepoFactory, plan: str) -> None:
    repo = staged_repo(git_repo, {"docs/plans/orders.md": plan})

    done = run_hook(repo)

    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stderr == ""  # --quiet: no progress lines in pre-commit's output
