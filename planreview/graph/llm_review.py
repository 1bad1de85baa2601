"""The LLM half of the `review` node: one specialist asks the model, never raises.

The specialist gets its rule findings as evidence. Its answer is verified here, before
the fan-in, so a hallucinated quote cannot ride into a merged rule finding: ungrounded
findings are dropped and counted (under --keep-ungrounded they go on, and the verify
node flags and counts them). An LLM finding that confirms a rule finding is folded into
it. When the model fails, the reviewer is recorded as failed with the reason (one line,
control characters removed), and its rule findings -- deterministic facts -- still
reach the report.
"""

from __future__ import annotations

import time

from planreview import merge as merging
from planreview import verify as verifying
from planreview.errors import BudgetExceededError, ReviewerError
from planreview.graph.state import ReviewTask, RunContext
from planreview.llm import LLMClient, Spend
from planreview.llm_transport import one_line
from planreview.models import Dropped, ReviewerRun
from planreview.prompts import PromptError
from planreview.specialist import SpecialistResult, make_nonce, review_with_llm

NodeUpdate = dict[str, object]
_REASON_CHARS = 600


def llm_client(ctx: RunContext) -> LLMClient:
    """The run's client (one per run: its token ceiling is the run's)."""
    assert ctx.llm is not None, "run_review sets the client of every LLM run"
    return ctx.llm


def review_llm(task: ReviewTask, ctx: RunContext) -> tuple[NodeUpdate, ReviewerRun]:
    started = time.perf_counter()
    name = task.reviewer
    spend = Spend()
    try:
        client = llm_client(ctx)
        result = review_with_llm(
            name, task.plan, task.context, task.rule_findings, client,
            make_nonce(task.plan, task.context), spend=spend,
        )
    except (ReviewerError, PromptError) as exc:
        skipped = isinstance(exc, BudgetExceededError)
        reason = one_line(str(exc), _REASON_CHARS)  # may quote a server: one plain line
        run = ReviewerRun(
            name=name, status="skipped" if skipped else "failed", engine="llm",
            model=ctx.settings.model, duration_ms=_ms(started),
            findings=len(task.rule_findings), error=reason, usage=spend.usage,
        )
        notes = [f"The {name} reviewer was skipped: {reason}."] if skipped else []
        return {"reviewer_findings": task.rule_findings, "reviewer_runs": [run],
                "notes": notes}, run
    return _success(task, ctx, result, started)


def _success(
    task: ReviewTask, ctx: RunContext, result: SpecialistResult, started: float
) -> tuple[NodeUpdate, ReviewerRun]:
    name = task.reviewer
    llm_findings = result.findings
    ungrounded = 0
    if not ctx.settings.keep_ungrounded:
        checked = verifying.verify_findings(
            llm_findings, task.plan, task.context, keep_ungrounded=False
        )
        ungrounded = len(llm_findings) - len(checked.kept)
        llm_findings = checked.kept
    findings, folded = merging.fold_confirmed(llm_findings, task.rule_findings)
    mode = result.structured_output + (" (cached)" if result.from_cache else "")
    run = ReviewerRun(
        name=name, status="ok", engine="llm", model=result.model,
        duration_ms=_ms(started), findings=len(result.findings) + len(task.rule_findings),
        usage=result.usage, structured_output=mode,
        dropped=Dropped(
            ungrounded=ungrounded, below_confidence=result.below_confidence, merged=folded,
        ),
    )
    notes = []
    if result.omitted:
        notes.append(
            f"The plan and its files exceeded the {ctx.settings.context_tokens:,}-token "
            f"context budget: the {name} reviewer was not shown "
            + ", ".join(f"`{p}`" for p in result.omitted) + "."
        )
    return {"reviewer_findings": findings, "reviewer_runs": [run], "notes": notes}, run


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)
