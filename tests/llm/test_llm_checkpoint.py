"""Checkpoints of LLM runs: state survives the round-trip; thread ids name the review;
runs of the same review in several processes keep to their own threads."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from planreview.config import Settings
from planreview.graph.checkpoint import (
    FILE_NAME,
    LOCKS_DIR,
    STALE_AFTER_S,
    release,
    run_thread_id,
    serializer,
    try_lock,
)
from planreview.llm import LLMClient
from planreview.models import Report, SkippedReference
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from planreview.review import ProgressEvent, ReviewRequest, run_review
from planreview.rules import all_rules
from tests.llm.conftest import SleepLog
from tests.llm.test_llm_pipeline import PLAN as PIPELINE_PLAN
from tests.llm.test_llm_pipeline import (
    PLAN_TEXT,
    REVIEWERS,
    SERVICE,
    SERVICE_TEXT,
    findings,
    when,
)
from tests.stub_openai import StubServer, answer

PLAN = """---
date: 2026-02-11
---
# Plan

See `a.ts:3`.

```sql
SELECT 1;
```

| a | b |
|---|---|
| 1 | 2 |
"""


def test_plan_and_context_come_back_from_a_checkpoint_exactly() -> None:
    plan = parse_plan(PLAN, "docs/plan.md")
    context = RepoContext(
        files={"a.ts": LoadedFile("a.ts", "x\ny\nz\n", (Window(1, 3),))},
        skipped=[SkippedReference(path="b.env", reason="secret")],
    )
    serde = serializer()
    for value in (plan, context):
        back = serde.loads_typed(serde.dumps_typed(value))
        assert back == value
    revived = serde.loads_typed(serde.dumps_typed(plan))
    assert {revived.sections[0]} and isinstance(revived.lines, tuple)  # hashable again


def test_thread_id_is_stable_for_a_review_and_changes_with_the_model(
    git_repo: Any, tmp_path: Path
) -> None:
    root: Path = git_repo({"docs/plan.md": PLAN})
    repo = open_repo(root)

    def thread(**settings: Any) -> str:
        request = ReviewRequest(plan_path=root / "docs/plan.md", repo=repo,
                                settings=Settings(base_url="http://127.0.0.1:9/v1", **settings))
        return run_thread_id(request)

    assert thread(model="a") == thread(model="a")
    assert thread(model="a") != thread(model="b")


# --- runs of the same review in several processes -------------------------------------

class _Died(Exception):
    """Stands in for a process dying mid-review (kill -9 is tested through the CLI)."""


def _run(root: Path, stub: StubServer, tmp_path: Path, *, die_at: str | None = None,
         resume: bool = False) -> Report:
    settings = Settings(
        base_url=stub.base_url, api_key="k", model="stub-model", cache=False,
        cache_dir=tmp_path / "cache", concurrency=1, resume=resume,
        disable=tuple(r.id for r in all_rules()),
    )

    def progress(event: ProgressEvent) -> None:
        if event.reviewer == die_at and event.phase == "start":
            raise _Died(event.reviewer)

    request = ReviewRequest(plan_path=root / PIPELINE_PLAN, repo=open_repo(root),
                            settings=settings)
    return run_review(request, llm=LLMClient.from_settings(settings, sleep=SleepLog()),
                      progress=progress)


def _asked(stub: StubServer, since: int = 0) -> list[str]:
    return [name for r in stub.requests[since:] for name in REVIEWERS
            if when(name) in json.dumps(r.body)]


def _died_after_three(root: Path, stub: StubServer, tmp_path: Path) -> None:
    stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS[:3]))
    with pytest.raises(_Died):
        _run(root, stub, tmp_path, die_at="caching")
    assert _asked(stub) == list(REVIEWERS[:3])


def _threads(tmp_path: Path) -> list[str]:
    with closing(sqlite3.connect(tmp_path / "cache" / FILE_NAME)) as conn:
        return [row[0] for row in conn.execute("SELECT thread_id FROM planreview_runs")]


@pytest.fixture
def pipeline_repo(git_repo: Any) -> Path:
    root: Path = git_repo({PIPELINE_PLAN: PLAN_TEXT, SERVICE: SERVICE_TEXT})
    return root


def test_a_fresh_run_does_not_clear_a_crashed_runs_checkpoint(
    stub: StubServer, pipeline_repo: Path, tmp_path: Path
) -> None:
    _died_after_three(pipeline_repo, stub, tmp_path)
    stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS))
    fresh = _run(pipeline_repo, stub, tmp_path)
    assert [r.status for r in fresh.reviewers] == ["ok"] * 4
    stub.script(answer(findings(), when=when("caching")))
    before = len(stub.requests)
    resumed = _run(pipeline_repo, stub, tmp_path, resume=True)
    assert _asked(stub, before) == ["caching"]
    assert [r.status for r in resumed.reviewers] == ["ok"] * 4
    assert _threads(tmp_path) == []  # both finished runs cleared their own threads


def test_resume_leaves_the_thread_of_a_live_run_alone(
    stub: StubServer, pipeline_repo: Path, tmp_path: Path
) -> None:
    _died_after_three(pipeline_repo, stub, tmp_path)
    [crashed] = _threads(tmp_path)
    lock = tmp_path / "cache" / LOCKS_DIR / f"{crashed}.lock"
    held = try_lock(lock)  # as if its process were still running
    assert held is not None
    try:
        stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS))
        before = len(stub.requests)
        _run(pipeline_repo, stub, tmp_path, resume=True)
        assert sorted(_asked(stub, before)) == sorted(REVIEWERS)  # started its own
    finally:
        release(held, lock)
    assert _threads(tmp_path) == [crashed]


def test_a_crashed_run_nobody_resumed_for_a_week_is_swept(
    stub: StubServer, pipeline_repo: Path, tmp_path: Path
) -> None:
    _died_after_three(pipeline_repo, stub, tmp_path)
    with closing(sqlite3.connect(tmp_path / "cache" / FILE_NAME)) as conn, conn:
        conn.execute("UPDATE planreview_runs SET started = started - ?", (STALE_AFTER_S + 1,))
    stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS))
    _run(pipeline_repo, stub, tmp_path, resume=True)  # nothing left to resume: all four asked
    assert len(_asked(stub)) == 3 + 4
    assert _threads(tmp_path) == []
