"""Matching predictions to expected and rejected findings (DESIGN.md, evaluation)."""

from __future__ import annotations

from planreview.evals.match import (
    finding_text,
    match_case,
    matches,
    pair_expected,
)
from planreview.models import Evidence
from tests.evals.evalkit import expected, finding, rejected


def test_a_prediction_matches_when_every_group_has_one_of_its_terms() -> None:
    text = finding_text(finding("Foreign key customer_id has no index"))
    assert matches(text, (("index",), ("customerId", "customer_id")))


def test_a_group_with_no_term_present_means_no_match() -> None:
    text = finding_text(finding("Foreign key customer_id has no index"))
    assert not matches(text, (("index",), ("tierId",)))


def test_terms_match_case_insensitively_as_substrings() -> None:
    text = finding_text(finding("CREATE INDEX without CONCURRENTLY locks Orders"))
    assert matches(text, (("concurrent",), ("orders",)))


def test_terms_are_searched_in_title_issue_impact_and_recommendation() -> None:
    f = finding("Title", issue="alpha", impact="beta", recommendation="gamma")
    text = finding_text(f)
    assert matches(text, (("title",), ("alpha",), ("beta",), ("gamma",)))


def test_terms_in_the_rule_id_or_evidence_do_not_count() -> None:
    f = finding("Unbounded query").model_copy(update={
        "rule": "performance/findmany-without-take",
        "evidence": [Evidence(path="plan.md", start_line=1, end_line=1, quote="findMany()")],
    })
    assert not matches(finding_text(f), (("findmany",),))


def test_one_prediction_matching_two_expected_goes_to_the_higher_severity() -> None:
    p3 = expected("g1", "P3", [["index"]])
    p1 = expected("g2", "P1", [["index"]])
    result = match_case([p3, p1], [], [finding("Missing index", "P3")])
    assert [(pair.expected.id, pair.prediction) for pair in result.pairs] == [("g2", 0)]
    assert [e.id for e in result.missed] == ["g1"]


def test_two_predictions_for_one_expected_pair_one_and_count_the_other_as_duplicate() -> None:
    want = expected("g1", "P2", [["n+1", "loop"]])
    result = match_case([want], [], [finding("N+1 query"), finding("Query in a loop")])
    assert [pair.prediction for pair in result.pairs] == [0]
    assert result.duplicates == (1,)
    assert result.relevant == (0, 1)


def test_the_free_prediction_closest_in_severity_is_paired() -> None:
    want = expected("g1", "P3", [["index"]])
    predictions = [finding("Index A", "P1"), finding("Index B", "P3"), finding("Index C", "P2")]
    assert [p.prediction for p in pair_expected([want], predictions)] == [1]


def test_equal_severity_distance_falls_back_to_report_order() -> None:
    want = expected("g1", "P2", [["index"]])
    predictions = [finding("Index A", "P3"), finding("Index B", "P1")]
    assert [p.prediction for p in pair_expected([want], predictions)] == [0]


def test_expected_findings_of_equal_severity_are_matched_in_file_order() -> None:
    first = expected("g1", "P2", [["index"]])
    second = expected("g2", "P2", [["index"]])
    result = match_case([first, second], [], [finding("Index")])
    assert [pair.expected.id for pair in result.pairs] == ["g1"]


def test_a_case_with_no_expected_findings_pairs_nothing_and_counts_no_duplicates() -> None:
    result = match_case([], [], [finding("Add a cache")])
    assert result.pairs == ()
    assert result.missed == ()
    assert result.duplicates == ()
    assert result.relevant == ()


def test_zero_predictions_miss_every_expected_finding() -> None:
    wants = [expected("g1", "P1", [["index"]]), expected("g2", "P3", [["cache"]])]
    result = match_case(wants, [rejected("r1", [["cache"]])], [])
    assert [e.id for e in result.missed] == ["g1", "g2"]
    assert result.rejected_hits == ()


def test_a_prediction_matching_a_rejected_entry_is_a_rejected_hit() -> None:
    noise = rejected("r1", [["cache"], ["add", "introduce"]])
    result = match_case([], [noise], [finding("Add a Redis cache"), finding("Index orders")])
    assert [(hit.rejected.id, hit.prediction) for hit in result.rejected_hits] == [("r1", 0)]


def test_a_prediction_matching_two_rejected_entries_counts_once() -> None:
    noise = [rejected("r1", [["cache"]]), rejected("r2", [["redis"]])]
    result = match_case([], noise, [finding("Add a Redis cache")])
    assert [hit.rejected.id for hit in result.rejected_hits] == ["r1"]


def test_a_prediction_can_be_both_a_match_and_a_rejected_hit() -> None:
    want = expected("g1", "P2", [["index"]])
    noise = rejected("r1", [["concurrently"]])
    result = match_case([want], [noise], [finding("Index created CONCURRENTLY")])
    assert len(result.pairs) == 1
    assert len(result.rejected_hits) == 1


def test_a_broad_prediction_does_not_take_a_specific_expectations_only_match() -> None:
    # Greedy (P1 first) would give the broad "index" prediction to g1 and leave g2,
    # which only the broad prediction can match, unmatched; the maximum matching
    # moves g1 to its specific prediction instead.
    broad_p1 = expected("g1", "P1", [["index"]])
    specific = expected("g2", "P2", [["customer_id"]])
    predictions = [finding("Index on customer_id", "P1"), finding("Missing index", "P1")]
    result = match_case([broad_p1, specific], [], predictions)
    assert {(p.expected.id, p.prediction) for p in result.pairs} == {("g1", 1), ("g2", 0)}
    assert result.missed == ()


def test_the_matched_count_is_the_largest_possible_on_a_chain() -> None:
    a = expected("a", "P1", [["lock"]])
    b = expected("b", "P1", [["lock", "index"]])
    c = expected("c", "P1", [["index", "scan"]])
    predictions = [finding("lock index", "P1"), finding("index scan", "P1"), finding("scan", "P1")]
    result = match_case([a, b, c], [], predictions)
    assert len(result.pairs) == 3
    assert sorted(p.prediction for p in result.pairs) == [0, 1, 2]
