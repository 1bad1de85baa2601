"""Verification keeps only findings whose citations exist and whose quotes are there."""

from __future__ import annotations

from planreview.models import Category, Evidence, Finding, Location, Severity
from planreview.plan import ParsedPlan
from planreview.repo import LoadedFile, RepoContext, Window
from planreview.verify import verify_findings

PLAN_TEXT = "# Plan\n\nawait prisma.$transaction(async (tx) => {\n  await tx.tier.create()\n})\n"
PLAN = ParsedPlan(path="docs/plan.md", text=PLAN_TEXT, lines=tuple(PLAN_TEXT.splitlines()))
SVC = "export class Catalog {\n  list() {\n    return prisma.pkg.findMany()\n  }\n}\n"
CONTEXT = RepoContext(files={"src/catalog.ts": LoadedFile("src/catalog.ts", SVC, (Window(1, 5),))})


def finding(path: str, start: int, end: int, quote: str, reviewer: str = "migration") -> Finding:
    return Finding(
        severity=Severity.P1, title="t", categories=[Category(reviewer)], reviewers=[reviewer],
        locations=[Location(path=path, start_line=start, end_line=end)],
        issue="i", impact="m", recommendation="r",
        evidence=[Evidence(path=path, start_line=start, end_line=end, quote=quote)],
    )


def test_quote_found_at_its_plan_lines_is_grounded() -> None:
    f = finding("docs/plan.md", 3, 4, "await prisma.$transaction(async (tx) => {")
    result = verify_findings([f], PLAN, CONTEXT, keep_ungrounded=False)
    assert len(result.kept) == 1 and result.kept[0].grounded


def test_quote_match_ignores_whitespace_differences() -> None:
    f = finding("src/catalog.ts", 3, 3, "return   prisma.pkg.findMany( )")
    assert verify_findings([f], PLAN, CONTEXT, keep_ungrounded=False).kept


def test_quote_not_at_the_cited_lines_is_dropped_and_counted() -> None:
    f = finding("src/catalog.ts", 1, 2, "return prisma.pkg.findMany()")
    result = verify_findings([f], PLAN, CONTEXT, keep_ungrounded=False)
    assert result.kept == []
    assert result.ungrounded == {"migration": 1}


def test_lines_beyond_the_end_of_the_file_are_ungrounded() -> None:
    f = finding("docs/plan.md", 40, 41, "n/a")
    assert verify_findings([f], PLAN, CONTEXT, keep_ungrounded=False).kept == []


def test_a_file_that_was_never_loaded_is_ungrounded() -> None:
    f = finding("src/other.ts", 1, 1, "export")
    assert verify_findings([f], PLAN, CONTEXT, keep_ungrounded=False).kept == []


def test_keep_ungrounded_keeps_the_finding_flagged() -> None:
    f = finding("docs/plan.md", 1, 1, "something the plan never says")
    result = verify_findings([f], PLAN, CONTEXT, keep_ungrounded=True)
    assert [k.grounded for k in result.kept] == [False]
    assert result.ungrounded == {"migration": 1}
