"""kill -9 in the middle of a review, through the real CLI: `--resume` (with or without
the answer cache) asks the model only for the reviewers that had not finished, and a
second process reviewing the same plan neither clears nor takes the first one's run."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from tests.faults.conftest import (
    FAULTED,
    HEALTHY,
    PROJECT,
    assert_contract,
    cli_command,
    cli_env,
    healthy_replies,
    review_cli,
)
from tests.llm.test_llm_pipeline import REVIEWER_WRITES, findings, when
from tests.stub_openai import StubServer, answer

GUARD_S = 60
"""How long a started run may take to finish its three quick reviewers (a hang guard)."""


def finished_reviewers(tmp_path: Path) -> int:
    """Reviewer results saved in the checkpoint database, over every run in it."""
    db = tmp_path / "cache" / "runs.sqlite3"
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db, timeout=30)) as conn:
        try:
            row = conn.execute(REVIEWER_WRITES).fetchone()
        except sqlite3.OperationalError:  # tables not created yet
            return 0
    return int(row[0])


@contextmanager
def run_stuck_on_caching(root: Path, stub: StubServer, tmp_path: Path) -> Iterator[None]:
    """A CLI run whose caching reviewer never gets its answer; yields once the other
    three have finished, and is killed with SIGKILL on the way out."""
    stub.script(*healthy_replies(), answer(findings(), when=when(FAULTED), delay_s=60))
    proc = subprocess.Popen(
        cli_command(root, tmp_path / "killed.json", "--no-cache"), env=cli_env(stub, tmp_path),
        cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + GUARD_S
        while finished_reviewers(tmp_path) < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "three reviewers never finished"
            time.sleep(0.05)
        yield
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def test_resume_without_the_cache_asks_only_the_reviewer_that_had_not_finished(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    with run_stuck_on_caching(repo_root, stub, tmp_path):
        pass
    stub.script(answer(findings(), when=when(FAULTED)))
    outcome = review_cli(repo_root, stub, tmp_path, "--resume", "--no-cache")
    assert_contract(outcome, code=0, failed=None)
    assert outcome.requests == {**{name: 0 for name in HEALTHY}, FAULTED: 1}
    assert finished_reviewers(tmp_path) == 0  # the finished run cleared its checkpoint


def test_a_second_process_on_the_same_plan_leaves_the_first_ones_checkpoint(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    with run_stuck_on_caching(repo_root, stub, tmp_path):
        stub.script(*healthy_replies(), answer(findings(), when=when(FAULTED)))
        second = review_cli(repo_root, stub, tmp_path, "--no-cache")
        assert_contract(second, code=0, failed=None)
        assert finished_reviewers(tmp_path) == 3  # the live run's results are still there
        stub.script(*healthy_replies(), answer(findings(), when=when(FAULTED)))
        third = review_cli(repo_root, stub, tmp_path, "--no-cache", "--resume")
        assert_contract(third, code=0, failed=None)
        assert third.requests[FAULTED] == 1 and sum(third.requests.values()) == 4  # not taken
    stub.script(answer(findings(), when=when(FAULTED)))
    resumed = review_cli(repo_root, stub, tmp_path, "--resume", "--no-cache")
    assert_contract(resumed, code=0, failed=None)
    assert sum(resumed.requests.values()) == resumed.requests[FAULTED] == 1
