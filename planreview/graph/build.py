"""The review graph, top to bottom.

    load_plan -> load_context -> analyze -+-> review[performance] -+
                                          +-> review[migration]   -+
                                          +-> review[indexing]    -+-> merge -> verify -> report
                                          +-> review[caching]     -+
"""

from __future__ import annotations

from typing import Any, cast

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime
from langgraph.types import Send

from planreview.graph import nodes
from planreview.graph.state import ReviewState, ReviewTask, RunContext


def build_graph(checkpointer: Any = None) -> Any:
    g = StateGraph(ReviewState, context_schema=RunContext)
    g.add_node("load_plan", nodes.load_plan)
    g.add_node("load_context", nodes.load_context)
    g.add_node("analyze", nodes.analyze)
    # Each Send carries a ReviewTask, not the whole state.
    g.add_node("review", cast(Any, nodes.review), input_schema=ReviewTask)
    g.add_node("merge", nodes.merge)
    g.add_node("verify", nodes.verify)
    g.add_node("report", nodes.report)

    g.add_edge(START, "load_plan")
    g.add_edge("load_plan", "load_context")
    g.add_edge("load_context", "analyze")
    g.add_conditional_edges("analyze", fan_out, ["review"])
    g.add_edge("review", "merge")
    g.add_edge("merge", "verify")
    g.add_edge("verify", "report")
    g.add_edge("report", END)
    return g.compile(checkpointer=checkpointer, name="planreview")


def fan_out(state: ReviewState, runtime: Runtime[RunContext]) -> list[Send]:
    """One `review` branch per selected specialist."""
    return [Send("review", task) for task in nodes.review_tasks(state, runtime)]
