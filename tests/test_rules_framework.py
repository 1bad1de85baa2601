"""The rules framework: rule sets, suppressions, config overrides, crash isolation."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from planreview.models import Severity
from planreview.plan import CodeBlock, ParsedPlan
from planreview.repo import RepoContext
from planreview.rules import Hit, Rule, RuleContext, Specialist, rule, rule_of, rules_in, run_rules

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
def every_block_rule() -> Rule:
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

    return rule_of(every_block)


def _ours(results: object, r: Rule) -> list[int]:
    findings = results.findings["caching"]
    return [f.locations[0].start_line for f in findings if f.rule == r.id]


def test_ignore_comment_suppresses_the_block_below_it(every_block_rule: Rule) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), {"caching": [every_block_rule]})
    assert _ours(results, every_block_rule) == [8]
    assert results.suppressed["caching"] == 1


def test_disabled_rule_does_not_run(every_block_rule: Rule) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), {"caching": [every_block_rule]},
        disable=[every_block_rule.id],
    )
    assert _ours(results, every_block_rule) == []


def test_severity_override_replaces_the_default(every_block_rule: Rule) -> None:
    results = run_rules(
        RuleContext(PLAN, RepoContext()), {"caching": [every_block_rule]},
        overrides={every_block_rule.id: Severity.P1},
    )
    assert {f.severity for f in results.findings["caching"] if f.rule == every_block_rule.id} == {
        Severity.P1
    }


def test_evidence_quotes_the_real_plan_line(every_block_rule: Rule) -> None:
    results = run_rules(RuleContext(PLAN, RepoContext()), {"caching": [every_block_rule]})
    finding = next(f for f in results.findings["caching"] if f.rule == every_block_rule.id)
    assert finding.evidence[0].quote == "SELECT 2;"


def test_a_crashing_rule_fails_only_its_specialty(every_block_rule: Rule) -> None:
    @rule("indexing/test-crash", severity=Severity.P2)
    def crash(ctx: RuleContext) -> Iterator[Hit]:
        """Always raises (a test rule)."""
        raise KeyError("boom")
        yield  # pragma: no cover

    results = run_rules(
        RuleContext(PLAN, RepoContext()),
        {"indexing": [rule_of(crash)], "caching": [every_block_rule]},
    )
    assert "indexing/test-crash crashed: KeyError" in results.errors["indexing"]
    assert _ours(results, every_block_rule) == [8]


def test_rule_ids_must_name_a_specialty() -> None:
    with pytest.raises(ValueError, match="bad rule id"):
        rule("security/whatever", severity=Severity.P1)


def test_rules_need_a_docstring() -> None:
    with pytest.raises(ValueError, match="needs a docstring"):
        rule("caching/test-undocumented", severity=Severity.P1)(lambda ctx: [])


def test_marking_a_rule_registers_nothing_global() -> None:
    @rule("caching/test-unlisted", severity=Severity.P3)
    def unlisted(ctx: RuleContext) -> Iterator[Hit]:
        """Never listed in a rule set (a test rule)."""
        yield from ()

    from planreview.reviewers import all_rules

    assert "caching/test-unlisted" not in {r.id for r in all_rules()}
    assert rule_of(unlisted).id == "caching/test-unlisted"


def test_a_specialist_only_holds_rules_of_its_own_specialty() -> None:
    @rule("indexing/test-stray", severity=Severity.P3)
    def stray(ctx: RuleContext) -> Iterator[Hit]:
        """Belongs to indexing (a test rule)."""
        yield from ()

    with pytest.raises(ValueError, match="does not belong"):
        Specialist("caching", "caching.md", "f", re.compile("x"), (rule_of(stray),))


def test_rules_in_collects_the_marked_functions_a_module_defines() -> None:
    import planreview.reviewers.migration.locks as locks

    ids = [r.id for r in rules_in(locks)]
    assert "migration/create-index-not-concurrently" in ids and ids == sorted(ids)
