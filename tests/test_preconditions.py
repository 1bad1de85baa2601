"""Rule preconditions, enforced by the runner: block roles and SQL dialects."""

from __future__ import annotations

from planreview.models import Finding
from planreview.plan import parse_plan
from planreview.repo import RepoContext
from planreview.reviewers.migration import locks
from planreview.rules import RuleContext, RuleResults, rule_of, run_rules

CONCURRENTLY = rule_of(locks.create_index_not_concurrently)


def _review(text: str) -> tuple[list[Finding], RuleResults]:
    plan = parse_plan(text, "docs/plans/p.md")
    results = run_rules(RuleContext(plan, RepoContext()), {"migration": [CONCURRENTLY]})
    return results.findings["migration"], results


INDEX = "```sql\nCREATE INDEX idx_orders_customer ON orders (customer_id);\n```\n"


def test_an_index_in_the_proposal_on_postgresql_fires() -> None:
    found, results = _review(
        "# Orders lookup\n\nWe run PostgreSQL 15.\n\n## Migration\n\n" + INDEX
    )
    assert [f.rule for f in found] == [CONCURRENTLY.id]
    assert "Assuming" not in found[0].issue
    assert results.skipped == []


def test_an_index_under_an_already_implemented_heading_is_skipped_and_noted() -> None:
    found, results = _review(
        "# Orders lookup\n\nWe run PostgreSQL 15.\n\n## Current state (before)\n\n" + INDEX
    )
    assert found == []
    assert len(results.skipped) == 1
    assert results.skipped[0].startswith(f"Skipped {CONCURRENTLY.id} at plan line 8")
    assert "not the proposal" in results.skipped[0]


def test_an_index_in_a_test_block_is_skipped() -> None:
    found, results = _review(
        "# Orders lookup\n\nWe run PostgreSQL 15.\n\n## Tests\n\n" + INDEX
    )
    assert found == []
    assert [line.split(" at ")[0] for line in results.skipped] == [f"Skipped {CONCURRENTLY.id}"]


def test_a_postgresql_only_rule_is_skipped_on_sqlite() -> None:
    found, results = _review(
        "# Audit log\n\nStorage: SQLite3 (audit storage).\n\n## Migration\n\n" + INDEX
    )
    assert found == []
    assert "PostgreSQL only" in results.skipped[0]
    assert "SQLite" in results.skipped[0]


def test_unknown_dialect_keeps_the_hit_at_lower_confidence_and_says_what_it_assumed() -> None:
    found, _ = _review("# Orders lookup\n\n## Migration\n\n" + INDEX)
    assert len(found) == 1
    assert found[0].confidence == 50
    assert "Assuming PostgreSQL" in found[0].issue
