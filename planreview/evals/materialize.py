"""Real-repository cases: find a case's local git mirror and write its plan and code
state into a temporary folder to review.

Mirror layout (`planreview eval --mirrors DIR`): the repository `owner/name` lives at
`DIR/owner+name`, which is how the `fetch` tool lays mirrors out
(`/work/.mirror/owner+name/repo`, a bare git directory). Accepted, first match wins:

    DIR/owner+name/repo/.git    a clone with a work tree
    DIR/owner+name/repo         a bare git directory (fetch's layout)
    DIR/owner+name/.git         a clone with a work tree
    DIR/owner+name              a bare git directory (`git clone --mirror`)

The code state is written with `git archive COMMIT` (the mirror is only read, never
written), then the plan at `plan_commit` (when given) replaces the plan file, so a
plan and the code it was written against can come from different commits.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from planreview.evals.case import Source

GIT_TIMEOUT_S = 300


class MirrorError(Exception):
    """The mirror exists but cannot give what the case names (a missing commit or
    path): the case is wrong or the mirror is stale, so the case fails, loudly."""


@dataclass(frozen=True)
class Materialized:
    root: Path
    """The repository's files at `source.commit`."""
    plan: Path
    """The plan inside `root` (at `plan_commit` when given)."""


def find_mirror(mirrors: Path, source: Source) -> Path | None:
    """The git directory of `source.repo` under `mirrors`, or None when it is absent."""
    base = mirrors / source.mirror_name
    for candidate in (base / "repo" / ".git", base / "repo", base / ".git", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def materialize(git_dir: Path, source: Source, into: Path) -> Materialized:
    """Write the repository at `source.commit` into `into` (an empty folder)."""
    archive = _git(git_dir, "archive", "--format=tar", source.commit)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    plan = into / source.plan_path
    if source.plan_commit is not None:
        text = _git(git_dir, "show", f"{source.plan_commit}:{source.plan_path}")
        plan.parent.mkdir(parents=True, exist_ok=True)
        plan.write_bytes(text)
    if not plan.is_file():
        raise MirrorError(f"{source.repo}: no plan {source.plan_path} at "
                          f"{source.plan_commit or source.commit}")
    return Materialized(root=into, plan=plan)


def _git(git_dir: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False,
            timeout=GIT_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise MirrorError(f"git {args[0]} in {git_dir} took over {GIT_TIMEOUT_S} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MirrorError(f"git {args[0]} in {git_dir}: {message[-1] if message else 'failed'}")
    return done.stdout
