"""The rules framework: registration, suppressions, config overrides, crash isolation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from planreview.models import Severity
from planreview.plan import CodeBlock, ParsedPlan
from planreview.repo import RepoContext
from planreview.rules import REGISTRY, Hit, RuleContext, rule, run_rules

TEXT = """# Plan
<!-- planreview-ignore: caching/test-every-block -->
```sql
SELECT 1;
```

```sql
SELECT 2;
```
"""
BLOCKS = (CodeBlock("sql", "SELECT 1;\n", 4, 4), CodeBlock("sql", "SELECT 2;\n", 8, 8))
PLAN = ParsedPlan(path="plan.md", text=TEXT, lines=tuple(TEXT.splitlines()), code_blocks=BLOCKS)


@pytest.fixture
def every_block_rule() -> Iterator[str]:
    @rule("caching/test-every-block", severity=Severity.P3)
    def every_block(ctx: RuleContext) -> Iterator[Hit]:
        """Flags every code block (a test rule)."""
        for block in ctx.plan.code_blocks:
            yield Hit(
                title=f"block at {block.start_line}",
                locations=[ctx.plan_location(block.start_line)],
                issue="i", impact="m", recommendation="r",
                evidence=[ctx.plan_evidence(block.start_line)],
            )

    yield "caching/test-every-block"
    del REGISTRY["caching/test-every-block"]


def _ours(results: object, rule_id: str) -> list[int]:
    findings = results.findings["caching"]
    return [f.locations[0].start_line for f in findings if f.rule == rule_id]


def test_ignore_comment_suppresses_the_block_below_it(every_block_rule: str) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), ["caching"])
    assert _ours(results, every_block_rule) == [8]
    assert results.suppressed["caching"] == 1


def test_disabled_rule_does_not_run(every_block_rule: str) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), ["caching"], disable=[every_block_rule])
    assert _ours(results, every_block_rule) == []


def test_severity_override_replaces_the_default(every_block_rule: str) -> None:
    results = run_rules(
        RuleContext(PLAN, RepoContext()), ["caching"],
        overrides={every_block_rule: Severity.P1},
    )
    assert {f.severity for f in results.findings["caching"] if f.rule == every_block_rule} == {
        Severity.P1
    }


def test_evidence_quotes_the_real_plan_line(every_block_rule: str) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), ["caching"])
    finding = next(f for f in results.findings["caching"] if f.rule == every_block_rule)
    assert finding.evidence[0].quote == "SELECT 2;"


def test_a_crashing_rule_fails_only_its_specialty(every_block_rule: str) -> None:
    @rule("indexing/test-crash", severity=Severity.P2)
    def crash(ctx: RuleContext) -> Iterator[Hit]:
        """Always raises (a test rule)."""
        raise KeyError("boom")
        yield  # pragma: no cover

    try:
        results = run_rules(RuleContext(PLAN, RepoContext()), ["indexing", "caching"])
    finally:
        del REGISTRY["indexing/test-crash"]
    assert "indexing/test-crash crashed: KeyError" in results.errors["indexing"]
    assert _ours(results, every_block_rule) == [8]


def test_rule_ids_must_name_a_specialty() -> None:
    with pytest.raises(ValueError, match="bad rule id"):
        rule("security/whatever", severity=Severity.P1)


def test_rules_need_a_docstring() -> None:
    with pytest.raises(ValueError, match="needs a docstring"):
        rule("caching/test-undocumented", severity=Severity.P1)(lambda ctx: [])
