"""The real-plan corpus in evals/real: every case validates, names its source, labels
every entry with a reason, and without mirrors (CI) every case is skipped, not failed."""

from __future__ import annotations

from pathlib import Path

from planreview.evals.case import discover
from planreview.evals.results import build_results
from planreview.evals.runner import run_cases
from planreview.models import Report

REAL = Path(__file__).resolve().parents[2] / "evals" / "real"


def test_every_real_case_follows_the_case_format_and_names_a_source() -> None:
    found = discover(REAL)
    assert [str(m) for m in found.malformed] == []
    assert len(found.cases) >= 40
    assert all(c.source is not None for c in found.cases)
    assert len({c.source.repo for c in found.cases if c.source is not None}) >= 5


def test_every_real_label_carries_a_reason_and_a_label() -> None:
    for c in discover(REAL).cases:
        for entry in (*c.expected, *c.rejected):
            assert entry.reason and entry.label, f"{c.id}: {entry.id}"
        for r in c.rejected:
            assert r.label in {"NOISE", "FALSE"} and r.root_cause, f"{c.id}: {r.id}"


def test_without_mirrors_every_real_case_is_skipped_and_counted() -> None:
    def never(case: object) -> Report:
        raise AssertionError("a skipped case must not be reviewed")

    runs = run_cases(discover(REAL).cases, never, mirrors=None)
    totals = build_results(runs, [], engine="rules", model=None).totals
    assert (totals.cases, totals.failed, totals.skipped) == (0, 0, len(runs))
