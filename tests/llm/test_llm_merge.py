"""Merging LLM findings: into the rules they confirm, and across specialists."""

from __future__ import annotations

from planreview.merge import fold_confirmed, merge_findings
from planreview.models import Category, Evidence, Finding, Location, Severity


def make(
    title: str, *, reviewer: str = "performance", rule: str | None = None,
    lines: tuple[int, int] = (10, 12), severity: Severity = Severity.P2,
    recommendation: str = "Batch the inserts.", confidence: int = 75, text: str = "",
) -> Finding:
    return Finding(
        severity=severity, title=title, categories=[Category(reviewer)], reviewers=[reviewer],
        rule=rule, locations=[Location(path="plan.md", start_line=lines[0], end_line=lines[1])],
        issue=text or "rule issue", impact=text or "rule impact", recommendation=recommendation,
        evidence=[Evidence(path="plan.md", start_line=lines[0], end_line=lines[0], quote="q")],
        confidence=confidence,  # type: ignore[arg-type]
    )


RULE = "performance/row-by-row-write"


def test_llm_finding_confirming_a_rule_folds_into_it_keeping_the_rule_location() -> None:
    rule = make("Row-by-row write", rule=RULE, lines=(12, 12), confidence=100)
    llm = make("1,000 single-row INSERTs hold the transaction open for ~5 s", rule=RULE,
               lines=(10, 14), severity=Severity.P1, text="model's explanation")
    found, folded = fold_confirmed([llm], [rule])
    assert folded == 1 and len(found) == 1
    one = found[0]
    assert one.rule == RULE and one.locations == rule.locations
    assert one.title == llm.title and one.impact == "model's explanation"
    assert one.severity is Severity.P1 and one.confidence == 100
    assert one.merged_from == ["performance:performance/row-by-row-write:plan.md:12",
                               "performance:llm:plan.md:10"]


def test_llm_finding_confirming_a_rule_elsewhere_in_the_plan_stays_separate() -> None:
    rule = make("Row-by-row write", rule=RULE, lines=(12, 12))
    llm = make("Row-by-row write", rule=RULE, lines=(80, 82))
    found, folded = fold_confirmed([llm], [rule])
    assert folded == 0 and len(found) == 2


def test_opposite_recommendations_never_merge() -> None:
    keep = make("Index on TierAddOn.tierId", reviewer="indexing",
                recommendation="Keep @@index([tierId]) for the reverse lookup.")
    drop = make("Index on TierAddOn tierId", reviewer="performance",
                recommendation="Remove @@index([tierId]); the primary key covers it.")
    merged, _ = merge_findings([keep, drop])
    assert len(merged) == 2


def test_similar_titles_with_overlapping_evidence_from_two_specialists_merge_and_gain_confidence(
) -> None:
    a = make("Migration transaction exceeds Prisma 5 s default timeout", reviewer="migration")
    b = make("Transaction exceeds the Prisma default 5 s timeout", reviewer="performance")
    merged, away = merge_findings([a, b])
    assert len(merged) == 1 and merged[0].confidence == 100
    assert away == {"performance": 1}


def test_different_problems_at_the_same_lines_stay_separate() -> None:
    a = make("Transaction exceeds Prisma 5 s default timeout", reviewer="migration")
    b = make("Tier inserts are row by row", reviewer="performance")
    merged, _ = merge_findings([a, b])
    assert len(merged) == 2


def test_llm_and_rule_findings_merged_across_specialists_keep_the_rule_location() -> None:
    rule = make("Booking tierId has no index", reviewer="indexing",
                rule="indexing/fk-without-index", lines=(33, 33))
    llm = make("Booking.tierId has no index", reviewer="migration", lines=(30, 36),
               text="Restrict checks scan 10,000 bookings")
    merged, _ = merge_findings([rule, llm])
    assert len(merged) == 1
    assert merged[0].locations == rule.locations and merged[0].rule == rule.rule
    assert merged[0].impact == "Restrict checks scan 10,000 bookings"
