"""The pipeline as a library: one call reviews one plan and returns the Report.

The CLI, the GitHub bot and the evaluation harness all come through here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from planreview.models import Report
from planreview.request import ProgressEvent, ProgressFn, ReviewRequest

if TYPE_CHECKING:
    from planreview.llm import LLMClient

__all__ = ["ProgressEvent", "ProgressFn", "ReviewRequest", "run_review"]


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
    from planreview.graph.state import ReviewState, RunContext

    # The repo is opened before settings exist (they are read from its root).
    request.repo.max_file_bytes = request.settings.max_file_bytes
    ctx = RunContext(request=request, progress=progress, now=now)
    if request.settings.use_llm:
        from planreview.graph.checkpoint import run_checkpointed
        from planreview.llm import LLMClient

        ctx.llm = llm or LLMClient.from_settings(request.settings)
        final = run_checkpointed(request, ctx)
    else:
        from planreview.graph import direct

        if direct.is_blank(ctx):  # nothing to review: the same nodes, without LangGraph
            return direct.run_nodes(ctx)
        from planreview.graph.build import build_graph

        graph = build_graph()
        final = graph.invoke(
            ReviewState(), context=ctx, config={"max_concurrency": request.settings.concurrency}
        )
    report = final["report"]
    assert isinstance(report, Report)
    return report
