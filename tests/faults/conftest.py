"""The fault-injection kit: the real `planreview review --engine llm` CLI, run as its own
process against the loopback OpenAI-compatible stub, in a real git repository.

One reviewer (caching) meets the fault; the other three answer with a finding each, so
every test can check that nothing else was lost. `Outcome` reads back what a user
would see: the exit code, stderr, and the JSON report written with --out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from planreview.rules import all_rules
from tests.llm.test_llm_pipeline import (
    PLAN,
    PLAN_TEXT,
    REVIEWERS,
    SERVICE,
    SERVICE_TEXT,
    finding,
    findings,
    when,
)
from tests.stub_openai import Reply, StubServer, answer, running_stub

PROJECT = Path(__file__).resolve().parents[2]
FAULTED = "caching"
HEALTHY = {
    "performance": finding("Row-by-row inserts inside the transaction", 12,
                           "await tx.tier.create(", severity="P1"),
    "migration": finding("Transaction exceeds Prisma's 5 s default timeout", 10,
                         "await prisma.$transaction(async (tx) => {", category="migration"),
    "indexing": finding("Booking.tierId has no index", 5, "`tierId String?`",
                        category="indexing", severity="P3"),
}
CLI_GUARD_S = 120
"""A guard against a hung process, not a speed check."""


@pytest.fixture
def stub() -> Iterator[StubServer]:
    """A started stub; fails the test if a scripted reply is never consumed."""
    yield from running_stub()


@pytest.fixture
def repo_root(git_repo: Any) -> Path:
    # Rules off: these tests are about the model path (the rules evolve on their own);
    # one retry keeps transport faults quick.
    disabled = ", ".join(json.dumps(r.id) for r in all_rules())
    config = f"max_retries = 1\ndisable = [{disabled}]\n"
    root: Path = git_repo({PLAN: PLAN_TEXT, SERVICE: SERVICE_TEXT, ".planreview.toml": config})
    return root


def healthy_replies() -> list[Reply]:
    return [answer(findings(item), when=when(name)) for name, item in HEALTHY.items()]


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    report: dict[str, Any] | None
    """The JSON report written with --out (None when none was written, or Markdown)."""
    written: str | None
    """The --out file as written."""
    requests: dict[str, int]
    """Reviewer -> requests the stub received for it."""

    def run_of(self, name: str) -> dict[str, Any]:
        assert self.report is not None, f"no report on disk; stderr: {self.stderr}"
        return next(r for r in self.report["reviewers"] if r["name"] == name)

    @property
    def titles(self) -> set[str]:
        assert self.report is not None
        return {f["title"] for f in self.report["findings"]}


def cli_command(root: Path, out: Path, *args: str, fmt: str = "json") -> list[str]:
    return [sys.executable, "-m", "planreview", "review", str(root / PLAN), "--repo", str(root),
            "--engine", "llm", "--format", fmt, "--out", str(out), *args]


def cli_env(stub: StubServer, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "test-key",
        "PLANREVIEW_MODEL": "stub-model", "PLANREVIEW_CACHE_DIR": str(tmp_path / "cache"),
    }


def review_cli(
    root: Path, stub: StubServer, tmp_path: Path, *args: str, fmt: str = "json"
) -> Outcome:
    """Run `planreview review PLAN --engine llm --format FMT --out FILE` for real."""
    out = tmp_path / f"report.{fmt}"
    out.unlink(missing_ok=True)
    before = len(stub.requests)
    proc = subprocess.run(
        cli_command(root, out, *args, fmt=fmt), env=cli_env(stub, tmp_path), cwd=PROJECT,
        capture_output=True, text=True, timeout=CLI_GUARD_S,
    )
    written = out.read_text(encoding="utf-8") if out.exists() else None
    report = json.loads(written) if written is not None and fmt == "json" else None
    asked = [json.dumps(r.body) for r in stub.requests[before:]]
    requests = {name: sum(when(name) in body for body in asked) for name in REVIEWERS}
    return Outcome(proc.returncode, proc.stdout, proc.stderr, report, written, requests)


def assert_contract(outcome: Outcome, *, code: int, failed: str | None = FAULTED) -> None:
    """What every fault must leave behind: no traceback, the documented exit code, a
    report on disk, usage for every reviewer that got an answer, the healthy
    reviewers' findings, and a one-line reason for the one that failed."""
    assert "Traceback" not in outcome.stderr, outcome.stderr
    assert outcome.code == code, outcome.stderr
    assert outcome.report is not None, "no report on disk"
    for name in HEALTHY:
        run = outcome.run_of(name)
        assert run["status"] == "ok", run
        assert run["usage"]["prompt_tokens"] > 0
    assert {item["title"] for item in HEALTHY.values()} <= outcome.titles
    if failed is not None:
        run = outcome.run_of(failed)
        assert run["status"] == "failed"
        error = run["error"] or ""
        assert error and "\n" not in error and "Traceback" not in error
        assert outcome.report["reviewers"] and "usage" in run
