"""The results JSON: numbers agree with a hand count; stable field names; crashes."""

from __future__ import annotations

import json

from planreview.evals.case import Case
from planreview.evals.results import CaseRun, Results, build_results
from planreview.models import Finding, ReviewerRun
from tests.evals.evalkit import case, expected, finding, llm_run, rejected, report

ORDERS = case(
    "orders",
    [
        expected("g1", "P1", [["index"], ["customer_id"]], "indexing"),
        expected("g2", "P2", [["concurrently"]], "migration"),
        expected("g3", "P3", [["take", "limit", "unbounded"]], "performance"),
    ],
    [rejected("r1", [["cache"]])],
)
ORDERS_FINDINGS = [
    finding("orders.customer_id has no index", "P1", fid="P1-1"),
    finding("CREATE INDEX without CONCURRENTLY", "P1", fid="P1-2"),
    finding("Index on customer_id created twice", "P2", fid="P2-1"),
    finding("Add a cache for orders", "P3", fid="P3-1", category="caching"),
]
CLEAN = case("clean", [], [rejected("r1", [["cache"]])])
CLEAN_FINDINGS = [finding("Consider a cache", "P3", fid="P3-1", category="caching")]


def _run(c: Case, findings: list[Finding] | None, runs: list[ReviewerRun] | None = None,
         error: str | None = None) -> CaseRun:
    r = report(findings, runs) if findings is not None else None
    return CaseRun(case=c, report=r, error=error, traceback=None, wall_ms=7)


def _results() -> Results:
    return build_results(
        [_run(ORDERS, ORDERS_FINDINGS, [llm_run("indexing", 1000, 200),
                                        llm_run("migration", 500, 100)]),
         _run(CLEAN, CLEAN_FINDINGS, [llm_run("caching", 300, 30)])],
        [], engine="llm", model="m",
    )


def test_case_numbers_agree_with_a_hand_count() -> None:
    # By hand: g1 <- P1-1 (same severity), g2 <- P1-2 (P1 vs P2), g3 missed;
    # P2-1 also matches g1 -> duplicate; P3-1 matches rejected r1.
    orders = _results().cases[0]
    assert (orders.expected, orders.matched, orders.predictions) == (3, 2, 4)
    assert orders.recall == 2 / 3
    assert orders.weighted_recall == 5 / 6
    assert orders.precision == 3 / 4
    assert orders.severity_agreement == 1 / 2
    assert (orders.duplicates, orders.rejected_hits) == (1, 1)
    assert orders.missed == ["g3"]
    assert [(p.expected, p.finding_id) for p in orders.matched_pairs] == [
        ("g1", "P1-1"), ("g2", "P1-2")
    ]
    assert orders.duplicate_predictions == [2]
    assert [(h.rejected, h.finding_id) for h in orders.rejected] == [("r1", "P3-1")]
    assert orders.tokens.prompt_tokens == 1500
    assert orders.tokens.completion_tokens == 300


def test_a_clean_case_has_no_recall_and_its_noise_counts_against_precision() -> None:
    clean = _results().cases[1]
    assert clean.recall is None
    assert clean.weighted_recall is None
    assert clean.precision == 0.0
    assert clean.rejected_hits == 1
    assert clean.severity_agreement is None


def test_totals_agree_with_a_hand_count_over_both_cases() -> None:
    t = _results().totals
    assert (t.cases, t.scored, t.failed, t.malformed) == (2, 2, 0, 0)
    assert t.recall == 2 / 3
    assert t.weighted_recall == 5 / 6
    assert t.precision == 3 / 5
    assert (t.rejected_hits, t.duplicates) == (2, 1)
    assert t.severity_agreement == 1 / 2
    assert {k: (b.matched, b.expected) for k, b in t.per_category.items()} == {
        "performance": (0, 1), "migration": (1, 1), "indexing": (1, 1), "caching": (0, 0),
    }
    assert t.per_category["caching"].recall is None
    assert {k: (b.matched, b.expected) for k, b in t.per_severity.items()} == {
        "P1": (1, 1), "P2": (1, 1), "P3": (0, 1),
    }
    assert (t.tokens.prompt_tokens, t.tokens.completion_tokens) == (1800, 330)
    assert t.wall_ms == 14


def test_a_crashed_case_is_listed_with_its_error_and_left_out_of_the_totals() -> None:
    results = build_results(
        [_run(ORDERS, None, error="ValueError: boom"), _run(CLEAN, CLEAN_FINDINGS)],
        [], engine="rules", model=None,
    )
    crashed = results.cases[0]
    assert crashed.error == "ValueError: boom"
    assert (crashed.expected, crashed.predictions, crashed.missed) == (0, 0, [])
    assert [e.id for e in crashed.expected_findings] == ["g1", "g2", "g3"]
    t = results.totals
    assert (t.cases, t.scored, t.failed) == (2, 1, 1)
    assert (t.expected, t.predictions) == (0, 1)


def test_a_case_whose_reviewer_failed_is_scored_and_counted_as_incomplete() -> None:
    failed = ReviewerRun(name="caching", status="failed", engine="llm", error="timeout")
    results = build_results(
        [_run(ORDERS, ORDERS_FINDINGS[:1], [failed])], [], engine="llm", model="m",
    )
    assert results.cases[0].failed_reviewers == ["caching: timeout"]
    assert results.cases[0].matched == 1
    assert (results.totals.incomplete, results.totals.failed) == (1, 0)


def test_the_json_has_the_documented_field_names() -> None:
    data = json.loads(_results().model_dump_json())
    assert {"schema_version", "engine", "model", "totals", "cases", "malformed"} <= data.keys()
    shared = {"recall", "weighted_recall", "precision", "rejected_hits", "severity_agreement",
              "duplicates", "per_category", "per_severity", "tokens"}
    assert shared | {"cases"} <= data["totals"].keys()
    assert shared | {"id", "missed", "matched_pairs", "predicted", "error", "wall_ms"} <= (
        data["cases"][0].keys()
    )


def test_predicted_findings_keep_the_contract_shape() -> None:
    data = json.loads(_results().model_dump_json())
    restored = [Finding.model_validate(f) for f in data["cases"][0]["predicted"]]
    assert restored == ORDERS_FINDINGS


def test_results_round_trip_through_json() -> None:
    results = _results()
    assert Results.model_validate_json(results.model_dump_json()) == results
