"""Hand-built reports: the GitHub code is tested without running reviewers."""

from __future__ import annotations

from planreview.models import (
    Category,
    Evidence,
    Finding,
    Location,
    RepoInfo,
    Report,
    ReviewerRun,
    Severity,
    summarize,
)


def finding(
    severity: Severity = Severity.P1, title: str = "Booking.tierId has no index", *,
    rule: str | None = "indexing/fk-without-index", path: str = "docs/plans/x.md",
    line: int = 3, issue: str = "The plan filters by tierId.", quote: str = "tierId Int",
    category: Category = Category.indexing,
) -> Finding:
    return Finding(
        severity=severity, title=title, categories=[category], reviewers=[category.value],
        rule=rule, locations=[Location(path=path, start_line=line, end_line=line)],
        issue=issue, impact="Sequential scans at 10M rows.",
        recommendation="Add an index.",
        evidence=[Evidence(path=path, start_line=line, end_line=line, quote=quote)],
    )


def report(findings: list[Finding], plan: str = "docs/plans/x.md") -> Report:
    numbered: list[Finding] = []
    counters: dict[Severity, int] = {}
    for f in findings:
        counters[f.severity] = counters.get(f.severity, 0) + 1
        numbered.append(f.model_copy(update={"id": f"{f.severity.value}-{counters[f.severity]}"}))
    return Report(
        plan=plan, repo=RepoInfo(path="o/r", ref="abc", commit="abc"),
        reviewed_at="2026-11-23T00:00:00Z", engine="rules",
        reviewers=[ReviewerRun(name="indexing", status="ok", engine="rules")],
        findings=numbered, summary=summarize(numbered),
    )
