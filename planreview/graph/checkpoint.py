"""Checkpointed LLM runs: a crashed review resumes without paying for finished reviewers.

Each run's thread id is derived from what determines its answers -- the plan bytes, the
repository commit, the server, the model, the prompt version and the reviewers -- so
`--resume` finds the crashed run of the same review. Without `--resume` the thread is
cleared first (the fan-in reducers would otherwise add a new run's findings to the old
run's), and a finished run is cleared too: only a crashed run leaves a checkpoint.

State holds our dataclasses and pydantic models; the serializer is told which modules
may be revived, so checkpoints load without LangGraph's "unregistered type" warning.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import closing
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from langgraph.checkpoint.sqlite import SqliteSaver
from pydantic import TypeAdapter

from planreview import prompts
from planreview.llm_cache import default_cache_dir
from planreview.plan import CodeBlock, ParsedPlan, Reference, Section, Table
from planreview.repo import LoadedFile, RepoContext, Window

if TYPE_CHECKING:
    from planreview.graph.state import RunContext
    from planreview.request import ReviewRequest

FILE_NAME = "runs.sqlite3"
_REVIVED: frozenset[type] = frozenset({ParsedPlan, RepoContext})

# (module, class) pairs that may appear in ReviewState.
_STATE_TYPES: list[tuple[str, ...]] = [
    ("planreview.graph.state", "ReviewState"),
    ("planreview.graph.state", "ReviewTask"),
    *(("planreview.plan", n) for n in ("ParsedPlan", "Section", "CodeBlock", "Table",
                                        "Reference")),
    *(("planreview.repo", n) for n in ("RepoContext", "LoadedFile", "Window")),
    # Where they live since plan/ and repo/ became packages (the pairs above still read
    # checkpoints written before).
    *((c.__module__, c.__name__) for c in (
        ParsedPlan, Section, CodeBlock, Table, Reference, RepoContext, LoadedFile, Window,
    )),
    *(("planreview.models", n) for n in (
        "Finding", "Location", "Evidence", "Usage", "Dropped", "ReviewerRun", "RepoInfo",
        "SkippedReference", "Summary", "Report", "Severity", "Category",
    )),
]


class _Serializer(JsonPlusSerializer):
    """msgpack brings the tuples inside our dataclasses back as lists (a Section holding
    a list is unhashable); re-validating against the declared types restores them."""

    def loads_typed(self, data: tuple[str, bytes]) -> Any:
        value = super().loads_typed(data)
        kind = type(value)
        if kind in _REVIVED:
            return TypeAdapter(kind).validate_python(asdict(value))
        return value


def serializer() -> JsonPlusSerializer:
    return _Serializer(allowed_msgpack_modules=_STATE_TYPES)


def run_thread_id(request: ReviewRequest) -> str:
    settings = request.settings
    if request.plan_text is not None:
        plan = request.plan_text.encode()
    else:
        try:
            plan = request.plan_path.read_bytes()
        except OSError:
            plan = str(request.plan_path).encode()  # load_plan reports the real problem
    digest = hashlib.sha256(plan)
    digest.update(json.dumps({
        "plan": request.plan_name or str(request.plan_path),
        "commit": request.repo.commit, "ref": request.repo.ref,
        "base_url": settings.base_url, "model": settings.model,
        "prompts": prompts.prompt_version(), "reviewers": list(settings.reviewers),
        "structured_output": settings.structured_output,
    }, sort_keys=True).encode())
    return "review-" + digest.hexdigest()[:32]


def run_checkpointed(request: ReviewRequest, ctx: RunContext) -> dict[str, Any]:
    from planreview.graph.build import build_graph
    from planreview.graph.state import ReviewState

    settings = request.settings
    directory = settings.cache_dir or default_cache_dir()
    directory.mkdir(parents=True, exist_ok=True)
    thread = run_thread_id(request)
    config: dict[str, Any] = {
        "configurable": {"thread_id": thread}, "max_concurrency": settings.concurrency,
    }
    # check_same_thread=False: reviewer threads write checkpoints; the saver locks.
    conn = sqlite3.connect(Path(directory) / FILE_NAME, check_same_thread=False, timeout=30)
    with closing(conn):
        saver = SqliteSaver(conn, serde=serializer())
        graph = build_graph(checkpointer=saver)
        resumable = settings.resume and bool(graph.get_state(config).next)
        if not resumable:
            saver.delete_thread(thread)
        final = graph.invoke(None if resumable else ReviewState(), config, context=ctx)
        saver.delete_thread(thread)
    assert isinstance(final, dict)
    return final
