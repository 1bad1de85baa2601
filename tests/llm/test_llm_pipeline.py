"""Whole reviews with LLM specialists, through the stub server and a real git repository."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from planreview.config import Settings
from planreview.errors import UserInputError
from planreview.llm import LLMClient
from planreview.models import Report
from planreview.repo import open_repo
from planreview.report.markdown import render_markdown
from planreview.review import ProgressEvent, ReviewRequest, run_review
from planreview.reviewers import all_rules
from tests.llm import reference01 as ref
from tests.llm.conftest import SleepLog
from tests.stub_openai import StubServer, answer, fail

PLAN = "docs/plans/tiers-plan.md"
SERVICE = "server/src/services/catalog.service.ts"
PLAN_TEXT = f"""# Tiers plan

## Phase 1: schema

Bookings get a tier: `tierId String?` on Booking.

## Phase 7: migration

```typescript
await prisma.$transaction(async (tx) => {{
  for (const p of packages) {{
    await tx.tier.create({{ data: {{ id: createId(), name: p.name }} }});
  }}
}});
```

Completion checks packages through `{SERVICE}:70-80`.
We expect <1000 packages and <10000 bookings.
"""
SERVICE_TEXT = "\n".join(
    "  async getAllPackages(tenantId: string) {" if n == 70
    else "    return this.repository.getAllPackagesWithAddOns(tenantId);" if n == 72
    else f"  // {n}"
    for n in range(1, 101)
) + "\n"

REVIEWERS = ("performance", "migration", "indexing", "caching")


def when(name: str) -> str:
    return f"**{name}** specialist"


def finding(title: str, line: int, quote: str, *, path: str = PLAN, severity: str = "P2",
            category: str = "performance", confidence: int = 75) -> dict[str, Any]:
    return {
        "severity": severity, "title": title, "categories": [category],
        "locations": [{"path": path, "start_line": line, "end_line": line}],
        "issue": f"{title}: issue.", "impact": f"{title}: impact.",
        "recommendation": f"{title}: recommendation.",
        "evidence": [{"path": path, "start_line": line, "end_line": line, "quote": quote}],
        "confidence": confidence, "confirms_rule": None,
    }


def findings(*items: dict[str, Any]) -> dict[str, Any]:
    return {"findings": list(items)}


@pytest.fixture
def repo_root(git_repo: Any) -> Path:
    root: Path = git_repo({PLAN: PLAN_TEXT, SERVICE: SERVICE_TEXT})
    return root


def review(root: Path, stub: StubServer, tmp_path: Path, sleeps: SleepLog | None = None,
           events: list[ProgressEvent] | None = None, **overrides: Any) -> Report:
    values: dict[str, Any] = {
        "base_url": stub.base_url, "api_key": "k", "model": "stub-model",
        "cache_dir": tmp_path / "cache", "max_retries": 1,
        # The deterministic rules evolve on their own; these tests are about the LLM path.
        "disable": tuple(r.id for r in all_rules()),
    }
    values.update(overrides)
    settings = Settings(**values)
    client = LLMClient.from_settings(settings, sleep=sleeps or SleepLog())
    request = ReviewRequest(plan_path=root / PLAN, repo=open_repo(root), settings=settings)
    return run_review(request, llm=client, progress=events.append if events is not None else None)


def test_four_llm_reviewers_review_a_plan_end_to_end(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(
        answer(findings(finding("Row-by-row inserts inside the transaction", 12,
                                "await tx.tier.create(", severity="P1")),
               when=when("performance")),
        answer(findings(finding("Transaction exceeds Prisma's 5 s default timeout", 10,
                                "await prisma.$transaction(async (tx) => {", severity="P1",
                                category="migration")), when=when("migration")),
        answer(findings(finding("Booking.tierId has no index", 5, "`tierId String?`",
                                category="indexing")), when=when("indexing")),
        answer(findings(), when=when("caching")),
    )
    events: list[ProgressEvent] = []
    report = review(repo_root, stub, tmp_path, events=events)
    assert report.engine == "llm"
    assert [(r.name, r.status, r.engine) for r in report.reviewers] == [
        (name, "ok", "llm") for name in REVIEWERS
    ]
    assert {r.structured_output for r in report.reviewers} == {"json_schema_strict"}
    assert all(r.usage.prompt_tokens > 0 for r in report.reviewers)
    assert [f.id for f in report.findings] == ["P1-1", "P1-2", "P2-1"]
    assert report.findings[2].title == "Booking.tierId has no index"
    assert {e.reviewer for e in events if e.phase == "done"} == set(REVIEWERS)
    coverage = render_markdown(report).split("## Coverage")[1]
    assert "| indexing | ok | llm (stub-model), json_schema_strict | 1 | 1 |" in coverage
    total = sum(r.usage.prompt_tokens for r in report.reviewers)
    assert f"Tokens for this review: {total:,} prompt" in coverage
    prefixes = {r.messages[1]["content"] for r in stub.requests}
    assert len(stub.requests) == 4 and len(prefixes) == 1
    assert f"path={SERVICE} lines=" in next(iter(prefixes))


def test_one_reviewer_failing_does_not_stop_the_others(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(
        answer(findings(finding("Row-by-row inserts inside the transaction", 12,
                                "await tx.tier.create(")), when=when("performance")),
        answer(findings(), when=when("migration")),
        answer(findings(), when=when("indexing")),
        fail(503, "overloaded", when=when("caching")),
        fail(503, "overloaded", when=when("caching")),
    )
    report = review(repo_root, stub, tmp_path)
    runs = {r.name: r for r in report.reviewers}
    assert runs["caching"].status == "failed" and "HTTP 503" in (runs["caching"].error or "")
    assert all(runs[n].status == "ok" for n in ("performance", "migration", "indexing"))
    assert report.incomplete
    assert [f.title for f in report.findings] == ["Row-by-row inserts inside the transaction"]
    assert runs["caching"].usage.prompt_tokens == 0  # 503s cost nothing
    text = render_markdown(report)
    assert text.index("Incomplete review") < text.index("## P2")
    assert "**caching**: HTTP 503" in text


def test_a_hallucinated_citation_is_dropped_and_counted(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(
        answer(findings(
            finding("Real problem", 12, "await tx.tier.create("),
            finding("Invented quote", 12, "await tx.tier.createMany("),
            finding("Line past the end", 4000, "anything"),
            finding("Made-up file", 3, "x", path="server/src/nowhere.ts"),
        ), when=when("performance")),
        *(answer(findings(), when=when(n)) for n in ("migration", "indexing", "caching")),
    )
    report = review(repo_root, stub, tmp_path)
    assert [f.title for f in report.findings] == ["Real problem"]
    perf = next(r for r in report.reviewers if r.name == "performance")
    assert perf.dropped.ungrounded == 3 and perf.findings == 4


def test_keep_ungrounded_keeps_the_hallucination_flagged(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(
        answer(findings(finding("Invented quote", 12, "await tx.tier.createMany(")),
               when=when("performance")),
        *(answer(findings(), when=when(n)) for n in ("migration", "indexing", "caching")),
    )
    report = review(repo_root, stub, tmp_path, keep_ungrounded=True)
    assert [(f.title, f.grounded) for f in report.findings] == [("Invented quote", False)]
    assert next(r for r in report.reviewers if r.name == "performance").dropped.ungrounded == 1
    assert "UNGROUNDED" in render_markdown(report)


def test_two_specialists_raising_the_same_problem_merge_and_gain_confidence(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    shared = "await prisma.$transaction(async (tx) => {"
    stub.script(
        answer(findings(finding("Migration transaction exceeds Prisma 5 s timeout", 10, shared,
                                severity="P2")), when=when("performance")),
        answer(findings(finding("Migration transaction exceeds the Prisma 5 s timeout", 10,
                                shared, severity="P1", category="migration")),
               when=when("migration")),
        *(answer(findings(), when=when(n)) for n in ("indexing", "caching")),
    )
    report = review(repo_root, stub, tmp_path)
    assert len(report.findings) == 1
    merged = report.findings[0]
    assert merged.severity.value == "P1" and merged.confidence == 100
    assert merged.reviewers == ["migration", "performance"]
    assert len(merged.merged_from) == 2


def test_a_reviewer_failing_after_a_repair_still_reports_the_tokens_it_spent(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    usage = {"prompt_tokens": 700, "completion_tokens": 20, "total_tokens": 720}
    stub.script(*(answer({"findings": "none"}, usage=usage, when=when("indexing"))
                  for _ in range(2)))
    report = review(repo_root, stub, tmp_path, reviewers=("indexing",),
                    structured_output="json_schema")
    run = report.reviewers[0]
    assert run.status == "failed" and "did not match the schema" in (run.error or "")
    assert (run.usage.prompt_tokens, run.usage.completion_tokens) == (1400, 40)


def test_token_ceiling_skips_the_reviewers_after_it_and_says_so(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    usage = {"prompt_tokens": 5000, "completion_tokens": 10, "total_tokens": 5010}
    stub.script(answer(findings(), usage=usage, when=when("performance")))
    report = review(repo_root, stub, tmp_path, max_tokens_per_run=1000, concurrency=1,
                    reviewers=("performance", "migration"))
    runs = {r.name: r for r in report.reviewers}
    assert runs["performance"].status == "ok"
    assert runs["migration"].status == "skipped"
    assert "token ceiling" in (runs["migration"].error or "")
    assert any("token ceiling" in note for note in report.notes)


def test_second_review_of_an_unchanged_plan_makes_no_requests(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS))
    review(repo_root, stub, tmp_path)
    again = review(repo_root, stub, tmp_path)
    assert len(stub.requests) == 4
    assert all(r.structured_output == "json_schema_strict (cached)" for r in again.reviewers)
    assert all(r.usage.prompt_tokens == 0 for r in again.reviewers)


def test_engine_llm_without_a_key_or_base_url_is_a_user_error(
    repo_root: Path, tmp_path: Path
) -> None:
    settings = Settings(engine="llm", cache_dir=tmp_path / "cache")
    request = ReviewRequest(plan_path=repo_root / PLAN, repo=open_repo(repo_root),
                            settings=settings)
    with pytest.raises(UserInputError, match="OPENAI_API_KEY"):
        run_review(request)


_CRASHING_RUN = """
import sys
from pathlib import Path
from planreview.config import Settings
from planreview.repo import open_repo
from planreview.review import ReviewRequest, run_review
from planreview.reviewers import all_rules

root, base_url, cache_dir = sys.argv[1:4]
settings = Settings(base_url=base_url, api_key="k", model="stub-model", cache=False,
                    cache_dir=Path(cache_dir), disable=tuple(r.id for r in all_rules()))
run_review(ReviewRequest(plan_path=Path(root) / sys.argv[4], repo=open_repo(Path(root)),
                         settings=settings))
"""


REVIEWER_WRITES = """
SELECT COUNT(*) FROM writes w WHERE w.channel = 'reviewer_runs' AND NOT EXISTS (
  SELECT 1 FROM writes v
  WHERE v.thread_id = w.thread_id AND v.task_id = w.task_id AND v.channel = 'findings')
"""
"""Writes of finished `review` tasks (the run's input writes every field, findings too)."""


def _finished_reviewers(db: Path) -> int:
    if not db.exists():
        return 0
    with closing(sqlite3.connect(db)) as conn:
        try:
            row = conn.execute(REVIEWER_WRITES).fetchone()
        except sqlite3.OperationalError:  # tables not created yet
            return 0
    return int(row[0])


def test_resume_after_a_killed_run_calls_only_the_unfinished_reviewer(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(
        answer(findings(finding("Row-by-row inserts inside the transaction", 12,
                                "await tx.tier.create(")), when=when("performance")),
        answer(findings(), when=when("migration")),
        answer(findings(), when=when("indexing")),
        answer(findings(), when=when("caching"), delay_s=20),  # still running at the kill
    )
    cache_dir = tmp_path / "cache"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CRASHING_RUN, str(repo_root), stub.base_url, str(cache_dir),
         PLAN],
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        deadline = time.monotonic() + 60  # a guard against hanging, not a speed check
        while _finished_reviewers(cache_dir / "runs.sqlite3") < 3:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline, "three reviewers never finished"
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert len(stub.requests) == 4

    stub.script(answer(findings(), when=when("caching")))
    report = review(repo_root, stub, tmp_path, cache=False, resume=True)
    asked_again = [
        name for r in stub.requests[4:] for name in REVIEWERS if when(name) in json.dumps(r.body)
    ]
    assert asked_again == ["caching"]
    assert [r.status for r in report.reviewers] == ["ok"] * 4
    assert [f.title for f in report.findings] == ["Row-by-row inserts inside the transaction"]


def test_without_resume_a_new_run_starts_from_scratch(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(answer(findings(), when=when(n)) for n in REVIEWERS for _ in range(2)))
    review(repo_root, stub, tmp_path, cache=False)
    report = review(repo_root, stub, tmp_path, cache=False)
    assert len(stub.requests) == 8 and len(report.reviewers) == 4


def test_stub_scripted_with_reference_review_01_reproduces_it_in_the_report(
    stub: StubServer, git_repo: Any, tmp_path: Path
) -> None:
    root: Path = git_repo({ref.PLAN: ref.PLAN_TEXT, **ref.FILES})
    stub.script(*(answer(body, when=when(name)) for name, body in ref.answers().items()))
    values: dict[str, Any] = {
        "base_url": stub.base_url, "api_key": "k", "model": "stub-model",
        "cache_dir": tmp_path / "cache", "disable": tuple(r.id for r in all_rules()),
    }
    settings = Settings(**values)
    report = run_review(
        ReviewRequest(plan_path=root / ref.PLAN, repo=open_repo(root), settings=settings),
        llm=LLMClient.from_settings(settings, sleep=SleepLog()),
    )
    assert (report.summary.P1, report.summary.P2, report.summary.P3) == (4, 7, 6)
    expected = {(severity, title) for _, severity, title, *_ in ref.REVIEW_01}
    assert {(f.severity.value, f.title) for f in report.findings} == expected
    text = render_markdown(report)
    p1, p2, p3 = (text.index(f"## {s} -- ") for s in ("P1", "P2", "P3"))
    assert p1 < p2 < p3 < text.index("## Summary")
    for finding in report.findings:
        block = text[text.index(f"### {finding.id}: {finding.title}"):]
        block = block[: block.index("\n---\n")]
        for part in ("**Location:** `", "**Issue:** ", "**Impact:** ", "**Recommendation:** "):
            assert part in block, (finding.id, part)
    assert "| P1 | 4 |" in text and "| P2 | 7 |" in text and "| P3 | 6 |" in text
    assert "| **Total** | **17** |" in text
    assert f"`{ref.CATALOG}` (line 72)" in text


@pytest.mark.parametrize("concurrency", [4, 2])
def test_reviewers_call_the_model_in_parallel_up_to_the_concurrency_cap(
    stub: StubServer, repo_root: Path, tmp_path: Path, concurrency: int
) -> None:
    stub.script(*(answer(findings(), when=when(n), delay_s=1.0) for n in REVIEWERS))
    review(repo_root, stub, tmp_path, concurrency=concurrency)
    assert stub.max_in_flight == concurrency
