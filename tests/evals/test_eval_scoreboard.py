"""The Markdown scoreboard: totals, a row per case, recall per category, misses."""

from __future__ import annotations

from pathlib import Path

from planreview.evals.case import MalformedCase
from planreview.evals.results import CaseRun, Results, build_results
from planreview.evals.scoreboard import render_scoreboard
from planreview.models import Finding
from tests.evals.evalkit import case, expected, finding, rejected, report

ORDERS = case("orders", [
    expected("g1", "P1", [["index"]], "indexing", title="orders.customer_id has no index"),
    expected("g2", "P2", [["lock"]], "migration", title="ALTER TABLE takes a long lock"),
], [rejected("r1", [["cache"]])])


def _results(*runs: CaseRun, malformed: list[MalformedCase] | None = None) -> Results:
    return build_results(list(runs), malformed or [], engine="rules", model=None)


def _ok(findings: list[Finding]) -> CaseRun:
    return CaseRun(case=ORDERS, report=report(findings), error=None, traceback=None, wall_ms=12)


def test_totals_show_each_ratio_with_its_counts() -> None:
    board = render_scoreboard(_results(_ok([finding("Missing index", "P1", fid="P1-1")])))
    assert "| recall | 0.50 (1/2) |" in board
    assert "| weighted recall (P1=3, P2=2, P3=1) | 0.60 (3/5) |" in board
    assert "| precision | 1.00 (1/1) |" in board


def test_each_case_gets_a_row() -> None:
    board = render_scoreboard(_results(_ok([finding("Missing index", "P1", fid="P1-1")])))
    assert "| orders | 1/2 | 0.50 | 0.60 | 1.00 | 0 | 1.00 | 0 | 0 / 0 | 12 |" in board


def test_undefined_ratios_read_n_a() -> None:
    board = render_scoreboard(_results(_ok([])))
    assert "| precision | n/a (0/0) |" in board


def test_recall_per_category_and_per_severity_are_tables() -> None:
    board = render_scoreboard(_results(_ok([finding("Missing index", "P1")])))
    assert "| indexing | 1/1 | 1.00 |" in board
    assert "| migration | 0/1 | 0.00 |" in board
    assert "| caching | 0/0 | n/a |" in board
    assert "| P2 | 0/1 | 0.00 |" in board


def test_a_crashed_case_shows_its_error_in_its_row() -> None:
    crashed = CaseRun(case=ORDERS, report=None, error="KeyError: 'a|b'", traceback=None,
                      wall_ms=3)
    board = render_scoreboard(_results(crashed))
    assert "| orders | crashed: KeyError: 'a\\|b' |" in board
    assert "1 crashed" in board


def test_malformed_cases_are_listed_with_path_and_field() -> None:
    bad = MalformedCase(Path("cases/bad/case.yaml"), "expected[0].severity", "'P4' is bad")
    board = render_scoreboard(_results(_ok([]), malformed=[bad]))
    assert "- `cases/bad/case.yaml`: `expected[0].severity`: 'P4' is bad" in board


def test_misses_list_what_was_expected_and_not_found_and_rejected_hits() -> None:
    run = _ok([finding("Missing index", "P1", fid="P1-1"), finding("Add a cache", fid="P2-1")])
    board = render_scoreboard(_results(run), show_misses=True)
    assert "### orders" in board
    assert "- missed g2 (P2, migration): ALTER TABLE takes a long lock" in board
    assert "- raised rejected r1 (rejected r1): P2-1 Add a cache" in board
    assert "missed g1" not in board


def test_misses_are_left_out_unless_asked_for() -> None:
    assert "## Misses" not in render_scoreboard(_results(_ok([])))


def test_nothing_missed_says_so() -> None:
    run = _ok([finding("Missing index", "P1"), finding("Lock held", "P2")])
    assert "Nothing missed." in render_scoreboard(_results(run), show_misses=True)


def test_misses_list_predictions_that_match_nothing_labelled() -> None:
    run = _ok([finding("Missing index", "P1", fid="P1-1"), finding("Index again", fid="P2-1"),
               finding("Rename the file", "P3", fid="P3-1")])
    board = render_scoreboard(_results(run), show_misses=True)
    assert "- unmatched P3-1 (P3): Rename the file" in board
    assert "unmatched P2-1" not in board  # a duplicate of g1, not noise
