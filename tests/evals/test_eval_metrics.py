"""Metrics: each ratio on hand-made findings, undefined ratios as None, pooling."""

from __future__ import annotations

from planreview.evals import metrics
from planreview.evals.case import Expected, Rejected
from planreview.evals.match import match_case
from planreview.models import Finding
from tests.evals.evalkit import expected, finding, llm_run, rejected, report


def _tally(
    wants: list[Expected], predictions: list[Finding], noise: list[Rejected] | None = None,
) -> metrics.Tally:
    return metrics.tally(wants, predictions, match_case(wants, noise or [], predictions))


WANTS = [
    expected("g1", "P1", [["transaction"]], "migration"),
    expected("g2", "P2", [["index"]], "indexing"),
    expected("g3", "P3", [["cache"]], "caching"),
]


def test_recall_counts_matched_expected_findings() -> None:
    t = _tally(WANTS, [finding("Long transaction", "P1"), finding("Stale cache", "P3")])
    assert metrics.recall(t) == 2 / 3


def test_weighted_recall_weighs_p1_three_p2_two_p3_one() -> None:
    t = _tally(WANTS, [finding("Long transaction", "P1"), finding("Stale cache", "P3")])
    assert (t.matched_weight, t.expected_weight) == (4, 6)
    assert metrics.weighted_recall(t) == 4 / 6


def test_precision_is_predictions_matching_an_expected_over_all_predictions() -> None:
    t = _tally(WANTS, [finding("Long transaction"), finding("Add a comment"),
                       finding("Rename a file"), finding("Missing index")])
    assert metrics.precision(t) == 2 / 4


def test_a_duplicate_counts_as_precise_and_as_a_duplicate() -> None:
    t = _tally(WANTS, [finding("Missing index"), finding("Index missing again")])
    assert (t.relevant, t.duplicates, t.matched) == (2, 1, 1)
    assert metrics.precision(t) == 1.0


def test_severity_agreement_is_same_severity_pairs_over_matched_pairs() -> None:
    t = _tally(WANTS, [finding("Long transaction", "P1"), finding("Missing index", "P3")])
    assert metrics.severity_agreement(t) == 1 / 2


def test_rejected_hits_are_counted() -> None:
    t = _tally([], [finding("Add a cache"), finding("Cache it")], [rejected("r1", [["cache"]])])
    assert t.rejected_hits == 2


def test_recall_is_none_for_a_case_with_no_expected_findings() -> None:
    t = _tally([], [finding("Add a cache")])
    assert metrics.recall(t) is None
    assert metrics.weighted_recall(t) is None
    assert metrics.precision(t) == 0.0


def test_precision_is_none_with_zero_predictions() -> None:
    t = _tally(WANTS, [])
    assert metrics.precision(t) is None
    assert metrics.recall(t) == 0.0


def test_severity_agreement_is_none_when_nothing_matched() -> None:
    assert metrics.severity_agreement(_tally(WANTS, [finding("Unrelated")])) is None


def test_pooling_leaves_a_clean_case_out_of_recall_but_not_out_of_precision() -> None:
    labelled = _tally(WANTS, [finding("Long transaction", "P1")])
    clean = _tally([], [finding("Add a cache")])
    pooled = metrics.total([labelled, clean])
    assert metrics.recall(pooled) == metrics.recall(labelled) == 1 / 3
    assert metrics.precision(pooled) == 1 / 2


def test_total_of_no_tallies_is_all_zero_and_undefined() -> None:
    pooled = metrics.total([])
    assert pooled == metrics.Tally()
    assert metrics.recall(pooled) is None


def test_recall_per_category_lists_every_category() -> None:
    wants = [*WANTS, expected("g4", "P2", [["lock"]], "migration")]
    matching = match_case(wants, [], [finding("Long transaction", "P1")])
    buckets = metrics.by_category(wants, matching)
    assert {k: (b.matched, b.expected) for k, b in buckets.items()} == {
        "performance": (0, 0), "migration": (1, 2), "indexing": (0, 1), "caching": (0, 1),
    }
    assert buckets["migration"].recall == 0.5
    assert buckets["performance"].recall is None


def test_recall_per_severity_lists_every_severity() -> None:
    matching = match_case(WANTS, [], [finding("Stale cache", "P1")])
    buckets = metrics.by_severity(WANTS, matching)
    assert {k: (b.matched, b.expected) for k, b in buckets.items()} == {
        "P1": (0, 1), "P2": (0, 1), "P3": (1, 1),
    }


def test_buckets_add_up_per_key() -> None:
    a = {"migration": metrics.Bucket(2, 1)}
    b = {"migration": metrics.Bucket(1, 1), "caching": metrics.Bucket(1, 0)}
    assert metrics.add_buckets([a, b]) == {
        "migration": metrics.Bucket(3, 2), "caching": metrics.Bucket(1, 0),
    }


def test_tokens_sum_every_reviewers_usage() -> None:
    r = report([], runs=[llm_run("indexing", 100, 20), llm_run("caching", 50, 5)])
    assert metrics.tokens(r) == metrics.TokenCount(prompt_tokens=150, completion_tokens=25)


def test_p1_precision_specialty_precision_and_plan_shares_are_counted() -> None:
    from planreview.evals.match import match_case
    from planreview.evals.metrics import (
        findings_per_plan,
        p1_precision,
        raised_by_category,
        share_with_finding,
        tally,
        total,
    )
    from tests.evals.evalkit import expected, finding, rejected

    want = [expected("g1", "P1", [["customer_id"]])]
    noise = [rejected("r1", [["cache"]])]
    predictions = [
        finding("customer_id has no index", "P1"),
        finding("Add a cache", "P1", category="caching"),
        finding("Something unlabelled", "P3", category="performance"),
    ]
    matching = match_case(want, noise, predictions)
    one = tally(want, predictions, matching)
    assert (one.p1_relevant, one.p1_predictions, one.unlabelled) == (1, 2, 1)
    assert p1_precision(one) == 0.5
    raised = raised_by_category(predictions, matching)
    assert (raised["indexing"].precision, raised["caching"].precision) == (1.0, 0.0)
    assert raised["caching"].rejected == 1
    assert raised["migration"].precision is None
    empty = tally([], [], match_case([], [], []))
    both = total([one, empty])
    assert (findings_per_plan(both), share_with_finding(both)) == (1.5, 0.5)
