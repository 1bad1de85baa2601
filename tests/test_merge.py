"""Merging duplicates and numbering."""

from __future__ import annotations

from planreview.merge import merge_findings, number
from planreview.models import Category, Evidence, Finding, Location, Severity


def make(
    title: str = "Booking.tierId has no index",
    *,
    rule: str | None = "indexing/fk-without-index",
    severity: Severity = Severity.P2,
    reviewer: str = "indexing",
    lines: tuple[int, int] = (10, 12),
    path: str = "plan.md",
) -> Finding:
    return Finding(
        severity=severity, title=title, categories=[Category(reviewer)], reviewers=[reviewer],
        rule=rule, locations=[Location(path=path, start_line=lines[0], end_line=lines[1])],
        issue="i", impact="m", recommendation="r",
        evidence=[Evidence(path=path, start_line=lines[0], end_line=lines[0], quote="q")],
    )


def test_same_rule_at_overlapping_lines_becomes_one_finding() -> None:
    merged, away = merge_findings([make(lines=(10, 12)), make(lines=(12, 14))])
    assert len(merged) == 1
    assert away == {"indexing": 1}
    assert [loc.start_line for loc in merged[0].locations] == [10, 12]


def test_merge_keeps_the_highest_severity_and_lists_every_reviewer() -> None:
    a = make(title="Same thing", rule=None, severity=Severity.P3, reviewer="performance")
    b = make(title="Same  thing!", rule=None, severity=Severity.P1, reviewer="migration")
    merged, _ = merge_findings([a, b])
    assert len(merged) == 1
    assert merged[0].severity is Severity.P1
    assert merged[0].reviewers == ["migration", "performance"]
    assert set(merged[0].categories) == {Category.migration, Category.performance}
    assert len(merged[0].merged_from) == 2


def test_different_rules_at_the_same_lines_stay_separate() -> None:
    a = make(rule="migration/interactive-transaction-timeout", title="No timeout")
    b = make(rule="performance/row-by-row-writes", title="Row-by-row inserts")
    merged, away = merge_findings([a, b])
    assert len(merged) == 2
    assert not away


def test_same_rule_at_distant_lines_stays_separate() -> None:
    merged, _ = merge_findings([make(lines=(10, 12)), make(lines=(40, 41))])
    assert len(merged) == 2


def test_numbering_orders_by_severity_then_location() -> None:
    found = number([
        make(severity=Severity.P3, lines=(1, 1)),
        make(severity=Severity.P1, lines=(50, 50)),
        make(severity=Severity.P1, lines=(5, 5)),
        make(severity=Severity.P2, lines=(2, 2)),
    ])
    assert [(f.id, f.locations[0].start_line) for f in found] == [
        ("P1-1", 5), ("P1-2", 50), ("P2-1", 2), ("P3-1", 1),
    ]
