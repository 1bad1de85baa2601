"""Findings from traces: failures are P1 with the error; blocking is sized by scale."""

from __future__ import annotations

from planreview.models import Severity
from planreview.rehearse.findings import Where, finding_for
from planreview.rehearse.trace import Lock, StatementTrace

WHERE = Where("plan.md", 10, 10, seeded_rows=200_000, stated_rows=6_000_000, pg_version="18.6")


def _rewrite(duration_s: float) -> StatementTrace:
    return StatementTrace(
        sql="ALTER TABLE orders ALTER COLUMN total TYPE bigint",
        duration_s=duration_s,
        locks=[Lock("relation", "orders", "AccessExclusiveLock", True)],
        rewritten=["orders"],
        read_blocked={"orders": True},
        write_blocked={"orders": True},
        lock_timeout="0",
    )


def test_a_failed_statement_is_p1_with_the_postgresql_error_quoted() -> None:
    trace = StatementTrace(
        sql="ALTER TABLE t ALTER COLUMN p TYPE x", error="boom", sqlstate="42804"
    )
    finding = finding_for(trace, WHERE)
    assert finding is not None
    assert finding.severity is Severity.P1
    assert '"boom"' in finding.issue


def test_a_rewrite_extrapolated_past_ten_seconds_is_p1_with_both_durations() -> None:
    finding = finding_for(_rewrite(1.9), WHERE)
    assert finding is not None
    assert finding.severity is Severity.P1
    assert "rewrote orders under ACCESS EXCLUSIVE" in finding.title
    assert "1.9 s at 200,000 rows, about 57 s at the stated 6,000,000" in finding.issue


def test_brief_blocking_at_the_stated_scale_is_not_a_finding() -> None:
    small = Where("plan.md", 1, 1, seeded_rows=1_000, stated_rows=None, pg_version="18.6")
    assert finding_for(_rewrite(0.05), small) is None


def test_a_statement_that_blocked_nothing_is_not_a_finding() -> None:
    trace = StatementTrace(sql="ALTER TABLE t ADD COLUMN n int", duration_s=5)
    assert finding_for(trace, WHERE) is None
