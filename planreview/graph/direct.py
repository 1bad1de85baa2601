"""A blank plan's review, without LangGraph: the graph's nodes run in the graph's order.

Importing LangGraph is most of a rules review's start-up (benchmarks/bench_pipeline.py,
group `startup`). A plan that is only whitespace says "nothing to review": `run_review`
then runs the same node functions here, one after the other, folding each update into
the state with the reducers `ReviewState` declares, as LangGraph does; the report is the
one the graph would have produced (tests/test_startup_imports.py compares them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planreview.graph import nodes
from planreview.graph.state import ReviewState, RunContext
from planreview.models import Report

_BLANK_BYTES = 64 * 1024
"""Plans up to this size are read to see if they are blank; a larger one never is in
practice, and goes through the graph."""


def is_blank(ctx: RunContext) -> bool:
    """Whether the plan is surely whitespace only. Unsure (unreadable, large, not a regular
    file) is False: the graph path then reads it and reports any problem."""
    if ctx.plan_text is not None:
        return not ctx.plan_text.strip()
    path = Path(ctx.plan_path)
    try:
        if not path.is_file() or path.stat().st_size > _BLANK_BYTES:
            return False
        return not path.read_bytes().strip()
    except OSError:
        return False


@dataclass(frozen=True)
class _Runtime:
    """The one thing nodes read of LangGraph's Runtime (state.NodeRuntime)."""

    context: RunContext


def run_nodes(ctx: RunContext) -> Report:
    """load_plan -> load_context -> analyze -> review (each specialist) -> merge -> verify
    -> report, as graph/build.py wires them, sequentially."""
    runtime = _Runtime(ctx)
    state = ReviewState()
    for node in (nodes.load_plan, nodes.load_context, nodes.analyze):
        state = _fold(state, node(state, runtime))
    for update in [nodes.review(task, runtime) for task in nodes.review_tasks(state, runtime)]:
        state = _fold(state, update)
    state = _fold(state, nodes.merge(state))
    for node in (nodes.verify, nodes.report):
        state = _fold(state, node(state, runtime))
    assert state.report is not None
    return state.report


def _fold(state: ReviewState, update: dict[str, object]) -> ReviewState:
    """Apply one node's update: a field with a reducer (Annotated[..., operator.add])
    combines old and new, any other field is replaced."""
    values: dict[str, Any] = {}
    for name, value in update.items():
        field = ReviewState.model_fields[name]
        reducer = next((m for m in field.metadata if callable(m)), None)
        values[name] = value if reducer is None else reducer(getattr(state, name), value)
    return state.model_copy(update=values)
