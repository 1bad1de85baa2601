"""Review every case, in parallel threads, each crash isolated to its own case.

The review itself is injected (`review: Callable[[Case], Report]`); by default it is
the real pipeline, called as a library (`planreview.review.run_review`), never as a
subprocess.
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from planreview.config import Settings
from planreview.evals.case import Case
from planreview.evals.results import CaseRun
from planreview.models import Report

ReviewFn = Callable[[Case], Report]
DoneFn = Callable[[CaseRun], None]


def pipeline_review(settings: Settings) -> ReviewFn:
    """The real pipeline, reviewing a case's plan against its repository."""
    from planreview.evals.case_repo import open_case_repo
    from planreview.review import ReviewRequest, run_review

    def review(case: Case) -> Report:
        repo = open_case_repo(case, settings)
        request = ReviewRequest(
            plan_path=case.plan_path, repo=repo, settings=settings, plan_name=case.plan,
            repo_label=case.repo.name if case.repo is not None else ".",
        )
        return run_review(request)

    return review


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
    on_done: DoneFn | None = None,
) -> list[CaseRun]:
    """Run every case, `concurrency` at a time; results come back in case order."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")

    def one(case: Case) -> CaseRun:
        run = run_case(case, review)
        if on_done is not None:
            on_done(run)
        return run

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="eval") as pool:
        return list(pool.map(one, cases))


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
