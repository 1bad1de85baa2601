"""The public cases in evals/cases: they all validate, and the harness runs on two of them
(one labelled, one clean) through the real rules pipeline without a crash.

The numbers are not pinned here: they change whenever a rule improves (`make eval` and
the README track them). test_eval_pipeline.py pins hand-counted numbers instead.
"""

from __future__ import annotations

from pathlib import Path

from planreview.config import Settings
from planreview.evals.case import discover
from planreview.evals.results import build_results
from planreview.evals.runner import pipeline_review, run_cases

CASES = Path(__file__).resolve().parents[2] / "evals" / "cases"


def test_every_public_case_follows_the_case_format() -> None:
    found = discover(CASES)
    assert [str(m) for m in found.malformed] == []
    assert len(found.cases) >= 12


def test_the_harness_runs_a_labelled_and_a_clean_public_case() -> None:
    found = discover(CASES)
    labelled = next(c for c in found.cases if c.expected)
    clean = next(c for c in found.cases if not c.expected)
    runs = run_cases([labelled, clean], pipeline_review(Settings(engine="rules")),
                     concurrency=2)
    results = build_results(runs, [], engine="rules", model=None)
    assert [(c.id, c.error) for c in results.cases] == [(labelled.id, None), (clean.id, None)]
    assert results.totals.scored == 2
    assert results.cases[0].recall is not None
    assert results.cases[1].recall is None
