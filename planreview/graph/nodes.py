"""Pipeline nodes: plain functions `state -> partial update`.

A node never raises for a rule or model failure: it records the failure (status,
reason) and the review goes on. Bad user input (UserInputError) does stop the run:
there is nothing to review.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from planreview import merge as merging
from planreview import verify as verifying
from planreview.graph.state import NodeRuntime, ReviewState, ReviewTask, RunContext
from planreview.models import Dropped, RepoInfo, Report, ReviewerRun, summarize
from planreview.plan import load_plan_file, parse_plan_text
from planreview.repo import load_context as load_repo_context
from planreview.request import ProgressEvent
from planreview.reviewers import rule_sets
from planreview.rules import RuleContext, run_rules
from planreview.sensitive import redaction_notes

NodeUpdate = dict[str, object]


def _emit(ctx: RunContext, reviewer: str, phase: str, detail: str = "") -> None:
    if ctx.progress is not None:
        ctx.progress(ProgressEvent(reviewer, phase, detail))


def load_plan(state: ReviewState, runtime: NodeRuntime) -> NodeUpdate:
    ctx = runtime.context
    name = ctx.plan_name or ctx.repo.relpath(ctx.plan_path) or ctx.plan_path.as_posix()
    if ctx.plan_text is not None:
        plan = parse_plan_text(ctx.plan_text, name, max_bytes=ctx.settings.max_plan_bytes)
    else:
        plan = load_plan_file(ctx.plan_path, max_bytes=ctx.settings.max_plan_bytes, name=name)
    return {"plan": plan}


def load_context(state: ReviewState, runtime: NodeRuntime) -> NodeUpdate:
    assert state.plan is not None
    settings = runtime.context.settings
    context = load_repo_context(
        runtime.context.repo,
        list(state.plan.references),
        byte_budget=settings.context_bytes,
        context_lines=settings.context_lines,
        max_file_bytes=settings.max_file_bytes,
    )
    notes = redaction_notes({path: f.text for path, f in context.files.items()})
    return {"context": context, "skipped": list(context.skipped), "notes": notes}


def analyze(state: ReviewState, runtime: NodeRuntime) -> NodeUpdate:
    """Run the deterministic rules of every selected specialty, once."""
    assert state.plan is not None and state.context is not None
    settings = runtime.context.settings
    rule_ctx = RuleContext(state.plan, state.context, runtime.context.repo,
                           postgres_version=settings.postgres_version)
    results = run_rules(
        rule_ctx, rule_sets(settings.reviewers),
        disable=settings.disable, overrides=settings.severity,
    )
    notes = []
    if "artifacts" in rule_ctx.__dict__:  # parsed lazily: only report what was attempted
        for miss in rule_ctx.artifacts.unparsed:
            notes.append(
                f"Not analysed: {miss.kind} at {miss.path}:{miss.start_line} ({miss.reason})"
            )
    notes.extend(results.skipped)
    if results.skipped:  # the facts those skips relied on
        notes.extend(f"Plan facts: {line}" for line in rule_ctx.facts.notes())
    return {
        "rule_findings": results.findings,
        "rule_errors": results.errors,
        "suppressed": results.suppressed,
        "notes": notes,
    }


def review_tasks(state: ReviewState, runtime: NodeRuntime) -> list[ReviewTask]:
    """The input of each `review` branch, one per selected specialist (build.fan_out sends
    them)."""
    assert state.plan is not None and state.context is not None
    return [
        ReviewTask(
            reviewer=name,
            plan=state.plan,
            context=state.context,
            rule_findings=state.rule_findings.get(name, []),
            rule_error=state.rule_errors.get(name),
        )
        for name in runtime.context.settings.reviewers
    ]


def review(task: ReviewTask, runtime: NodeRuntime) -> NodeUpdate:
    """One specialist. With an LLM it asks the model (graph/llm_review.py); without one
    it passes its rule findings through."""
    ctx = runtime.context
    _emit(ctx, task.reviewer, "start")
    started = time.perf_counter()
    if task.rule_error is not None:
        run = ReviewerRun(
            name=task.reviewer, status="failed", engine="rules", error=task.rule_error,
            duration_ms=_ms(started),
        )
        _emit(ctx, task.reviewer, "failed", task.rule_error)
        return {"reviewer_runs": [run]}
    if ctx.settings.use_llm:
        from planreview.graph.llm_review import review_llm

        update, llm_run = review_llm(task, ctx)
        if llm_run.status == "ok":
            _emit(ctx, task.reviewer, "done", f"{llm_run.findings} findings")
        else:
            _emit(ctx, task.reviewer, "failed", llm_run.error or "")
        return update
    findings = task.rule_findings
    run = ReviewerRun(
        name=task.reviewer, status="ok", engine="rules", findings=len(findings),
        duration_ms=_ms(started),
    )
    _emit(ctx, task.reviewer, "done", f"{len(findings)} findings")
    return {"reviewer_findings": findings, "reviewer_runs": [run]}


def merge(state: ReviewState) -> NodeUpdate:
    merged, merged_away = merging.merge_findings(state.reviewer_findings)
    dropped = dict(state.dropped)
    for reviewer, count in merged_away.items():
        dropped[reviewer] = _add(dropped.get(reviewer), merged=count)
    return {"findings": merged, "dropped": dropped}


def verify(state: ReviewState, runtime: NodeRuntime) -> NodeUpdate:
    assert state.plan is not None and state.context is not None
    result = verifying.verify_findings(
        state.findings, state.plan, state.context,
        keep_ungrounded=runtime.context.settings.keep_ungrounded,
    )
    dropped = dict(state.dropped)
    for reviewer, count in result.ungrounded.items():
        dropped[reviewer] = _add(dropped.get(reviewer), ungrounded=count)
    return {"findings": merging.number(result.kept), "dropped": dropped}


def report(state: ReviewState, runtime: NodeRuntime) -> NodeUpdate:
    assert state.plan is not None
    ctx = runtime.context
    now = (ctx.now or _utcnow)()
    order = {name: i for i, name in enumerate(ctx.settings.reviewers)}
    runs = []
    for run in sorted(state.reviewer_runs, key=lambda r: order.get(r.name, 99)):
        extra = state.dropped.get(run.name, Dropped())
        suppressed = state.suppressed.get(run.name, 0)
        runs.append(run.model_copy(update={"dropped": _sum(run.dropped, extra, suppressed)}))
    engine = "llm" if any(r.engine == "llm" for r in runs) else "rules"
    notes = list(state.notes)
    if state.plan.is_empty:
        notes.insert(0, "The plan is empty: there is nothing to review.")
    if engine == "rules" and not ctx.settings.llm_configured:
        notes.append(
            "Rules engine only. Set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (vLLM, "
            "Ollama, llama.cpp, LM Studio) to add the LLM specialist reviewers."
        )
    result = Report(
        plan=state.plan.path,
        repo=RepoInfo(
            path=ctx.repo_label or ctx.repo.root.as_posix(), ref=ctx.repo.ref,
            commit=ctx.repo.commit,
        ),
        reviewed_at=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        engine=engine,
        reviewers=runs,
        findings=state.findings,
        skipped_references=state.skipped,
        summary=summarize(state.findings),
        notes=notes,
    )
    return {"report": result}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _add(d: Dropped | None, **counts: int) -> Dropped:
    base = d or Dropped()
    return base.model_copy(update={k: getattr(base, k) + v for k, v in counts.items()})


def _sum(a: Dropped, b: Dropped, suppressed: int) -> Dropped:
    return Dropped(
        ungrounded=a.ungrounded + b.ungrounded,
        below_confidence=a.below_confidence + b.below_confidence,
        merged=a.merged + b.merged,
        suppressed=a.suppressed + b.suppressed + suppressed,
    )

