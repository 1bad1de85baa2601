"""Review every case, in parallel threads, each crash isolated to its own case.

The review itself is injected (`review: Callable[[Case], Report]`); by default it is
the real pipeline, called as a library (`planreview.review.run_review`), never as a
subprocess. A real-repository case (`source:`) is materialized from its mirror into a
temporary folder first; without `--mirrors`, or when its mirror is absent (CI), it is
skipped and counted, never failed.
"""

from __future__ import annotations

import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from planreview.config import Settings
from planreview.evals.case import Case
from planreview.evals.results import CaseRun
from planreview.models import Report

ReviewFn = Callable[[Case], Report]
DoneFn = Callable[[CaseRun], None]


def pipeline_review(settings: Settings, mirrors: Path | None = None) -> ReviewFn:
    """The real pipeline, reviewing a case's plan against its repository."""
    from planreview.evals.case_repo import open_case_repo
    from planreview.evals.materialize import find_mirror, materialize
    from planreview.repo import open_repo
    from planreview.review import ReviewRequest, run_review

    def review(case: Case) -> Report:
        if case.source is None:
            repo = open_case_repo(case, settings)
            request = ReviewRequest(
                plan_path=case.plan_path, repo=repo, settings=settings, plan_name=case.plan,
                repo_label=case.repo.name if case.repo is not None else ".",
            )
            return run_review(request)
        source = case.source
        git_dir = find_mirror(mirrors, source) if mirrors is not None else None
        if git_dir is None:  # skip_reason() keeps such cases away from here
            raise RuntimeError(f"no mirror of {source.repo}")
        with tempfile.TemporaryDirectory(prefix=f"planreview-eval-{case.id}-") as tmp:
            done = materialize(git_dir, source, Path(tmp))
            request = ReviewRequest(
                plan_path=done.plan,
                repo=open_repo(done.root, search_parents=False,
                               max_file_bytes=settings.max_file_bytes),
                settings=settings, plan_name=source.plan_path,
                repo_label=f"{source.repo}@{source.commit[:12]}",
            )
            return run_review(request)

    return review


def skip_reason(case: Case, mirrors: Path | None) -> str | None:
    """Why a real-repository case cannot run here (no --mirrors, or no mirror of its
    repository); None when it can, and always None for a bundled case."""
    from planreview.evals.materialize import find_mirror

    if case.source is None:
        return None
    if mirrors is None:
        return f"real-repository case ({case.source.repo}); run with --mirrors DIR"
    if find_mirror(mirrors, case.source) is None:
        return f"no mirror of {case.source.repo} in {mirrors}"
    return None


def run_case(case: Case, review: ReviewFn) -> CaseRun:
    """Review one case; whatever goes wrong is recorded on the case, not raised.

    This is the isolation boundary the harness promises (a crashing case is reported
    and the run goes on), so it deliberately catches every Exception — and keeps the
    type, message and traceback, so nothing is hidden. KeyboardInterrupt still stops
    the run.
    """
    started = time.perf_counter()
    try:
        report = review(case)
    except Exception as exc:  # noqa: BLE001 -- the per-case isolation boundary (docstring)
        return CaseRun(
            case=case, report=None, error=f"{type(exc).__name__}: {exc}",
            traceback=traceback.format_exc(), wall_ms=_ms(started),
        )
    return CaseRun(case=case, report=report, error=None, traceback=None, wall_ms=_ms(started))


def run_cases(
    cases: Sequence[Case], review: ReviewFn, *, concurrency: int = 4,
    on_done: DoneFn | None = None, mirrors: Path | None = None,
) -> list[CaseRun]:
    """Run every case, `concurrency` at a time; results come back in case order.
    A real-repository case that cannot run here comes back skipped, with its reason."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")

    def one(case: Case) -> CaseRun:
        reason = skip_reason(case, mirrors)
        if reason is not None:
            run = CaseRun(case=case, report=None, error=None, traceback=None, wall_ms=0,
                          skipped=reason)
        else:
            run = run_case(case, review)
        if on_done is not None:
            on_done(run)
        return run

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval") as pool:
        return list(pool.map(one, cases))


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
