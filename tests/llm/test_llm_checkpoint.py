"""Checkpoints of LLM runs: state survives the round-trip; thread ids name the review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planreview.config import Settings
from planreview.graph.checkpoint import run_thread_id, serializer
from planreview.models import SkippedReference
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from planreview.review import ReviewRequest

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
