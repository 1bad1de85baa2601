"""Real-repository cases: find a case's local git mirror and write its plan and code
state into a temporary folder to review.

Mirror layout (`planreview eval --mirrors DIR`): the repository `owner/name` lives at
`DIR/owner+name`, which is how the `fetch` tool lays mirrors out
(`/work/.mirror/owner+name/repo`, a bare git directory). Accepted, first match wins:

    DIR/owner+name/repo/.git    a clone with a work tree
    DIR/owner+name/repo         a bare git directory (fetch's layout)
    DIR/owner+name/.git         a clone with a work tree
    DIR/owner+name              a bare git directory (`git clone --mirror`)

The code state is written blob by blob from `git ls-tree -r COMMIT` through one
`git cat-file --batch` (the mirror is only read, never written). Snapshots may lack
their largest blobs (fetch leaves out files of 4 MiB and more), so a missing blob is
left out and counted instead of failing the case, as `git archive` would; symlinks and
submodules are left out too. Then the plan at `plan_commit` (when given) replaces the
plan file, so a plan and the code it was written against can come from different
commits.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

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
    missing: tuple[str, ...] = ()
    """Files the mirror lacks the content of (left out of `root`)."""


def find_mirror(mirrors: Path, source: Source) -> Path | None:
    """The git directory of `source.repo` under `mirrors`, or None when it is absent."""
    base = mirrors / source.mirror_name
    for candidate in (base / "repo" / ".git", base / "repo", base / ".git", base):
        if (candidate / "HEAD").is_file() and (candidate / "objects").is_dir():
            return candidate
    return None


def materialize(git_dir: Path, source: Source, into: Path) -> Materialized:
    """Write the repository at `source.commit` into `into` (an empty folder)."""
    blobs = _blobs(git_dir, source.commit)
    missing = _write_blobs(git_dir, blobs, into)
    plan = into / source.plan_path
    if source.plan_commit is not None:
        text = _git(git_dir, "show", f"{source.plan_commit}:{source.plan_path}")
        plan.parent.mkdir(parents=True, exist_ok=True)
        plan.write_bytes(text)
    if not plan.is_file():
        raise MirrorError(f"{source.repo}: no plan {source.plan_path} at "
                          f"{source.plan_commit or source.commit}")
    return Materialized(root=into, plan=plan, missing=tuple(missing))


def _blobs(git_dir: Path, commit: str) -> list[tuple[str, str]]:
    """(sha, path) of every regular file at `commit`; unsafe paths are left out."""
    listing = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    out: list[tuple[str, str]] = []
    for entry in listing.split(b"\0"):
        if not entry:
            continue
        meta, _, raw_path = entry.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split()
        path = raw_path.decode("utf-8", "surrogateescape")
        parts = PurePosixPath(path).parts
        if kind != "blob" or mode == "120000" or path.startswith("/") or ".." in parts:
            continue
        out.append((sha, path))
    return out


def _write_blobs(git_dir: Path, blobs: list[tuple[str, str]], into: Path) -> list[str]:
    request = b"".join(sha.encode("ascii") + b"\n" for sha, _ in blobs)
    data = _git(git_dir, "cat-file", "--batch", stdin=request)
    missing: list[str] = []
    pos = 0
    for _sha, path in blobs:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            missing.append(path)
            continue
        size = int(header[2])
        target = into / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data[pos:pos + size])
        pos += size + 1
    return missing


def _git(git_dir: Path, *args: str, stdin: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", f"--git-dir={git_dir}", *args], capture_output=True, check=False,
            timeout=GIT_TIMEOUT_S, input=stdin,
        )
    except subprocess.TimeoutExpired:
        raise MirrorError(f"git {args[0]} in {git_dir} took over {GIT_TIMEOUT_S} s") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise MirrorError(f"git {args[0]} in {git_dir}: {message[-1] if message else 'failed'}")
    return done.stdout
