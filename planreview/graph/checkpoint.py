"""Checkpointed LLM runs: a crashed review resumes without paying for finished reviewers.

Each reviewer is its own task of the fan-out, and LangGraph saves a task's writes the
moment it finishes, so a run killed mid-review holds every finished reviewer's result;
a resumed run asks the model only for the others (with or without the answer cache).

Runs are named by their review -- a digest of what determines the answers: the plan
bytes, the repository commit, the server, the model, the prompt version and the
reviewers -- plus a per-run suffix, so two processes reviewing the same plan never
share, or clear, each other's checkpoints. A run holds an advisory lock on its thread
while it is alive (`flock`, released by the kernel when the process dies however it
dies): `--resume` takes the newest thread of the same review that nobody holds, and a
fresh run starts its own thread. A finished run deletes its thread; only a crashed run
leaves one, and those unclaimed for a week are swept.

State holds our dataclasses and pydantic models; the serializer is told which modules
may be revived, so checkpoints load without LangGraph's "unregistered type" warning.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

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
LOCKS_DIR = "runs.locks"
STALE_AFTER_S = 7 * 24 * 3600
"""A crashed run nobody resumed within a week is swept by the next run."""
_RUNS_TABLE = """
CREATE TABLE IF NOT EXISTS planreview_runs (
  thread_id TEXT PRIMARY KEY, review TEXT NOT NULL, started REAL NOT NULL
)
"""
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
    directory = Path(settings.cache_dir or default_cache_dir())
    directory.mkdir(parents=True, exist_ok=True)
    review = run_thread_id(request)
    # check_same_thread=False: reviewer threads write checkpoints; the saver locks.
    conn = sqlite3.connect(directory / FILE_NAME, check_same_thread=False, timeout=30)
    with closing(conn):
        saver = SqliteSaver(conn, serde=serializer())
        graph = build_graph(checkpointer=saver)
        runs = _Runs(conn, saver, directory / LOCKS_DIR)
        runs.sweep()
        with runs.claim(review, resume=settings.resume, resumable=_has_next(graph)) as claim:
            config: dict[str, Any] = {
                "configurable": {"thread_id": claim.thread},
                "max_concurrency": settings.concurrency,
            }
            final = graph.invoke(None if claim.resumed else ReviewState(), config, context=ctx)
            runs.finish(claim.thread)
    assert isinstance(final, dict)
    return final


def _has_next(graph: Any) -> Any:
    def check(thread: str) -> bool:
        return bool(graph.get_state({"configurable": {"thread_id": thread}}).next)

    return check


class Claim:
    def __init__(self, thread: str, resumed: bool) -> None:
        self.thread = thread
        self.resumed = resumed


class _Runs:
    """Which checkpoint threads exist for a review, and which live process holds each."""

    def __init__(self, conn: sqlite3.Connection, saver: SqliteSaver, locks: Path) -> None:
        self.conn = conn
        self.saver = saver
        self.locks = locks
        locks.mkdir(parents=True, exist_ok=True)
        with conn:
            conn.execute(_RUNS_TABLE)

    @contextmanager
    def claim(self, review: str, *, resume: bool, resumable: Any) -> Iterator[Claim]:
        """The thread this process runs on, locked for as long as it runs."""
        if resume:
            for thread in self._threads(review):
                handle = try_lock(self._lock_path(thread))
                if handle is None:
                    continue  # a live run: not ours to take
                try:
                    if resumable(thread):
                        yield Claim(thread, resumed=True)
                        return
                    self._forget(thread)  # finished, killed before it could clear itself
                finally:
                    release(handle, self._lock_path(thread))
        thread = f"{review}-{uuid.uuid4().hex[:12]}"
        handle = try_lock(self._lock_path(thread))
        assert handle is not None, "a fresh run's lock is never held"
        try:
            with self.conn:
                self.conn.execute(
                    "INSERT INTO planreview_runs (thread_id, review, started) VALUES (?, ?, ?)",
                    (thread, review, time.time()),
                )
            yield Claim(thread, resumed=False)
        finally:
            release(handle, self._lock_path(thread))

    def finish(self, thread: str) -> None:
        self._forget(thread)

    def sweep(self, now: float | None = None) -> None:
        """Forget crashed runs older than STALE_AFTER_S that no live process holds."""
        cutoff = (now if now is not None else time.time()) - STALE_AFTER_S
        stale = [row[0] for row in self.conn.execute(
            "SELECT thread_id FROM planreview_runs WHERE started < ?", (cutoff,))]
        for thread in stale:
            handle = try_lock(self._lock_path(thread))
            if handle is not None:
                try:
                    self._forget(thread)
                finally:
                    release(handle, self._lock_path(thread))

    def _threads(self, review: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT thread_id FROM planreview_runs WHERE review = ? ORDER BY started DESC",
            (review,),
        )
        return [row[0] for row in rows]

    def _forget(self, thread: str) -> None:
        self.saver.delete_thread(thread)
        with self.conn:
            self.conn.execute("DELETE FROM planreview_runs WHERE thread_id = ?", (thread,))

    def _lock_path(self, thread: str) -> Path:
        return self.locks / f"{thread}.lock"


def try_lock(path: Path) -> IO[str] | None:
    """An exclusive advisory lock on `path`, or None when another process holds it.
    Where flock does not exist (Windows), every lock is granted."""
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 -- held across calls
    try:
        import fcntl
    except ImportError:
        return handle
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def release(handle: IO[str], path: Path) -> None:
    path.unlink(missing_ok=True)  # while still held: nobody locks a file about to vanish
    handle.close()
