"""Baseline comparison: weighted recall drops and rejected-hit rises beyond tolerance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planreview.errors import UserInputError
from planreview.evals.baseline import compare, load_baseline
from planreview.evals.results import Tokens, Totals


def totals(weighted_recall: float | None = 0.8, rejected_hits: int = 1) -> Totals:
    return Totals(
        recall=0.5, weighted_recall=weighted_recall, precision=0.5,
        rejected_hits=rejected_hits, severity_agreement=1.0, duplicates=0, expected=10,
        matched=5, expected_weight=20, matched_weight=16, predictions=10, relevant=5,
        agreeing=5, per_category={}, per_severity={}, tokens=Tokens(), cases=2, scored=2,
        failed=0, incomplete=0, malformed=0, wall_ms=0,
    )


def test_the_same_numbers_are_no_regression() -> None:
    assert compare(totals(), totals()) == []


def test_a_weighted_recall_drop_beyond_the_tolerance_is_a_regression() -> None:
    [regression] = compare(totals(weighted_recall=0.7), totals(weighted_recall=0.8))
    assert (regression.metric, regression.baseline, regression.current) == (
        "weighted_recall", 0.8, 0.7
    )


def test_a_weighted_recall_drop_within_the_tolerance_passes() -> None:
    assert compare(totals(weighted_recall=0.795), totals(weighted_recall=0.8)) == []


def test_a_drop_of_exactly_the_tolerance_passes() -> None:
    current, before = totals(weighted_recall=0.7), totals(weighted_recall=0.75)
    assert compare(current, before, recall_tolerance=0.05) == []


def test_an_improvement_is_no_regression() -> None:
    assert compare(totals(weighted_recall=0.9, rejected_hits=0), totals()) == []


def test_any_new_rejected_hit_is_a_regression_by_default() -> None:
    [regression] = compare(totals(rejected_hits=2), totals(rejected_hits=1))
    assert regression.metric == "rejected_hits"
    assert str(regression) == "rejected_hits 1 -> 2"


def test_rejected_hits_may_rise_within_their_tolerance() -> None:
    assert compare(totals(rejected_hits=3), totals(rejected_hits=1), rejected_tolerance=2) == []


def test_recall_is_not_compared_when_either_side_has_none() -> None:
    assert compare(totals(weighted_recall=None), totals(weighted_recall=0.9)) == []


def test_a_results_file_loads_its_totals(tmp_path: Path) -> None:
    path = tmp_path / "before.json"
    path.write_text(json.dumps({"totals": totals().model_dump(), "cases": []}), encoding="utf-8")
    assert load_baseline(path) == totals()


def test_a_missing_baseline_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        load_baseline(tmp_path / "missing.json")


def test_a_baseline_that_is_not_json_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "before.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(UserInputError, match="not JSON"):
        load_baseline(path)


def test_json_that_is_not_a_results_file_is_bad_input(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"schema_version": 1, "findings": []}), encoding="utf-8")
    with pytest.raises(UserInputError, match="not a planreview eval results file"):
        load_baseline(path)


def test_totals_missing_a_metric_name_the_field(tmp_path: Path) -> None:
    data = totals().model_dump()
    del data["weighted_recall"]
    path = tmp_path / "before.json"
    path.write_text(json.dumps({"totals": data}), encoding="utf-8")
    with pytest.raises(UserInputError, match=r"totals\.weighted_recall"):
        load_baseline(path)
