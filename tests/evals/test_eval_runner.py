"""The runner: cases in parallel threads, results in case order, crashes isolated."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

from planreview.evals.case import Case
from planreview.evals.results import CaseRun
from planreview.evals.runner import run_case, run_cases
from planreview.models import Report
from tests.evals.evalkit import ScriptedReview, case, finding, report

Scripted = Callable[[dict[str, Report | Exception]], ScriptedReview]
CASES = [case(cid, []) for cid in ("a", "b", "c")]


def test_every_case_is_reviewed_and_results_keep_case_order(scripted: Scripted) -> None:
    review = scripted({c.id: report([finding(f"finding {c.id}")]) for c in CASES})
    runs = run_cases(CASES, review, concurrency=3)
    assert [r.case.id for r in runs] == ["a", "b", "c"]
    assert [r.report.findings[0].title for r in runs if r.report] == [
        "finding a", "finding b", "finding c"
    ]


def test_a_crashing_case_is_recorded_and_the_others_still_run(scripted: Scripted) -> None:
    review = scripted({"a": report([]), "b": RuntimeError("parser exploded"), "c": report([])})
    runs = run_cases(CASES, review, concurrency=2)
    crashed = runs[1]
    assert crashed.report is None
    assert crashed.error == "RuntimeError: parser exploded"
    assert crashed.traceback is not None and "parser exploded" in crashed.traceback
    assert [r.error for r in (runs[0], runs[2])] == [None, None]


def test_cases_run_concurrently_up_to_the_limit() -> None:
    # Both reviews wait for each other: sequential execution would break the barrier.
    barrier = threading.Barrier(2, timeout=30)

    def review(c: Case) -> Report:
        barrier.wait()
        return report([])

    runs = run_cases(CASES[:2], review, concurrency=2)
    assert [r.error for r in runs] == [None, None]


def test_with_concurrency_one_cases_run_one_at_a_time() -> None:
    active, peak = 0, 0
    lock = threading.Lock()

    def review(c: Case) -> Report:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.01)  # give a (wrongly) parallel sibling the chance to overlap
        with lock:
            active -= 1
        return report([])

    run_cases(CASES, review, concurrency=1)
    assert peak == 1


def test_on_done_hears_about_every_case_once(scripted: Scripted) -> None:
    review = scripted({"a": report([]), "b": ValueError("x"), "c": report([])})
    heard: list[CaseRun] = []
    lock = threading.Lock()

    def on_done(run: CaseRun) -> None:
        with lock:
            heard.append(run)

    run_cases(CASES, review, concurrency=2, on_done=on_done)
    assert sorted(r.case.id for r in heard) == ["a", "b", "c"]


def test_a_run_records_its_wall_time_in_milliseconds(scripted: Scripted) -> None:
    run = run_case(CASES[0], scripted({"a": report([])}))
    assert isinstance(run.wall_ms, int) and run.wall_ms >= 0


def test_concurrency_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="concurrency"):
        run_cases(CASES, lambda c: report([]), concurrency=0)
