"""Progress on stderr: one plain line per finished case when not on a terminal."""

from __future__ import annotations

import io

from planreview.evals.progress import EvalProgress
from planreview.evals.results import CaseRun
from tests.evals.evalkit import case, finding, report


def test_each_finished_case_is_one_line_with_its_count_and_outcome() -> None:
    stream = io.StringIO()
    with EvalProgress(2, stream=stream) as progress:
        progress(CaseRun(case("a", []), report([finding("x")]), None, None, 5))
        progress(CaseRun(case("b", []), None, "ValueError: bad", "tb", 2))
    assert stream.getvalue().splitlines() == [
        "eval: [1/2] a: 1 findings (5 ms)",
        "eval: [2/2] b: crashed: ValueError: bad (2 ms)",
    ]


def test_quiet_progress_prints_nothing() -> None:
    stream = io.StringIO()
    with EvalProgress(1, enabled=False, stream=stream) as progress:
        progress(CaseRun(case("a", []), report([]), None, None, 1))
    assert stream.getvalue() == ""
