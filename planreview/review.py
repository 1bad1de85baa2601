"""The pipeline as a library: one call reviews one plan and returns the Report.

The CLI, the GitHub bot and the evaluation harness all come through here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from planreview.config import Settings
from planreview.models import Report
from planreview.repo import Repo

if TYPE_CHECKING:
    from planreview.llm import LLMClient


@dataclass(frozen=True)
class ProgressEvent:
    reviewer: str
    phase: str
    """'start', 'done' or 'failed'."""
    detail: str = ""


ProgressFn = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class ReviewRequest:
    plan_path: Path
    """The plan file on disk (ignored when `plan_text` is given)."""
    repo: Repo
    settings: Settings
    plan_text: str | None = None
    """Plan content when it does not come from disk (e.g. fetched through an API)."""
    plan_name: str | None = None
    """Repository-relative plan path to report; derived from plan_path when None."""
    repo_label: str | None = None
    """How the report names the repository (e.g. '.' as the user typed it); root when None."""


def run_review(
    request: ReviewRequest,
    *,
    progress: ProgressFn | None = None,
    now: Callable[[], datetime] | None = None,
    llm: LLMClient | None = None,
) -> Report:
    """Review one plan. Raises UserInputError for bad input; never for a reviewer failure.

    With an LLM configured (settings.use_llm) the run is checkpointed so `resume` can
    finish a crashed run without paying again; `llm` supplies a ready client (tests,
    benchmarks, LangSmith-wrapped), else one is made from the settings.
    """
    from planreview.graph.build import build_graph
    from planreview.graph.state import ReviewState, RunContext

    # The repo is opened before settings exist (they are read from its root).
    request.repo.max_file_bytes = request.settings.max_file_bytes
    ctx = RunContext(
        settings=request.settings, repo=request.repo, plan_path=request.plan_path,
        plan_text=request.plan_text, plan_name=request.plan_name,
        repo_label=request.repo_label, progress=progress, now=now,
    )
    if request.settings.use_llm:
        from planreview.graph.checkpoint import run_checkpointed
        from planreview.graph.llm_review import CLIENT_KEY
        from planreview.llm import LLMClient

        ctx.extras[CLIENT_KEY] = llm or LLMClient.from_settings(request.settings)
        final = run_checkpointed(request, ctx)
    else:
        graph = build_graph()
        final = graph.invoke(
            ReviewState(), context=ctx, config={"max_concurrency": request.settings.concurrency}
        )
    report = final["report"]
    assert isinstance(report, Report)
    return report
