"""Findings with measured evidence from a rehearsal (category migration).

A statement that fails is P1 with PostgreSQL's error quoted: the migration stops
there. A statement that blocked reads or writes becomes a finding when its
duration, extrapolated linearly from the seeded rows to the plan's stated rows, is
at least `MIN_BLOCKED_S`: P1 from `P1_BLOCKED_S` on, else P2. Shorter blocking is
left to the rehearsal summary (precision before recall).
"""

from __future__ import annotations

from dataclasses import dataclass

from planreview.models import Category, Finding, Location, Severity
from planreview.rehearse.locks import sql_name, strongest
from planreview.rehearse.trace import StatementTrace

MIN_BLOCKED_S = 1.0
P1_BLOCKED_S = 10.0
RULE_ID = "rehearsal"


@dataclass(frozen=True)
class Where:
    path: str
    start_line: int
    end_line: int
    seeded_rows: int
    stated_rows: int | None
    """The plan's stated row count; None when it states none (no extrapolation)."""
    pg_version: str


def _head(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= 70 else text[:69] + "…"


def finding_for(trace: StatementTrace, where: Where) -> Finding | None:
    """The finding a traced statement warrants, or None."""
    location = [Location(path=where.path, start_line=where.start_line, end_line=where.end_line)]
    if trace.error is not None:
        return Finding(
            severity=Severity.P1,
            title=f"Rehearsal: `{_head(trace.sql)}` fails on PostgreSQL {where.pg_version}",
            categories=[Category.migration],
            reviewers=["rehearsal"],
            rule=RULE_ID,
            locations=location,
            issue=f"PostgreSQL {where.pg_version} rejected the statement: "
            f"\"{trace.error}\" (SQLSTATE {trace.sqlstate}).",
            impact="The migration stops at this statement; everything after it in the same "
            "transaction is rolled back and never runs.",
            recommendation="Change the statement so it runs on the schema it meets "
            "(the rehearsal shows the exact error) and rehearse again.",
            confidence=100,
        )
    blocked_reads = sorted(t for t, b in trace.read_blocked.items() if b)
    blocked_writes = sorted(t for t, b in trace.write_blocked.items() if b)
    if not blocked_writes and not blocked_reads:
        return None
    factor = (
        where.stated_rows / where.seeded_rows
        if where.stated_rows and where.seeded_rows and where.stated_rows > where.seeded_rows
        else 1.0
    )
    expected = trace.duration_s * factor
    if expected < MIN_BLOCKED_S:
        return None
    tables = blocked_writes or blocked_reads
    mode = strongest([lk.mode for lk in trace.locks if lk.relation in tables]) or "lock"
    what = "reads and writes" if blocked_reads else "writes"
    rewrite = " rewrote" if set(trace.rewritten) & set(tables) else " held"
    at_stated = (
        f", about {expected:.0f} s at the stated {where.stated_rows:,}"
        if factor > 1 and where.stated_rows
        else ""
    )
    return Finding(
        severity=Severity.P1 if expected >= P1_BLOCKED_S else Severity.P2,
        title=f"Rehearsal: `{_head(trace.sql)}`{rewrite} {', '.join(tables)} under "
        f"{sql_name(mode)}",
        categories=[Category.migration],
        reviewers=["rehearsal"],
        rule=RULE_ID,
        locations=location,
        issue=f"On PostgreSQL {where.pg_version} the statement{rewrite} "
        f"{', '.join(tables)} under {sql_name(mode)}: {what} blocked for "
        f"{trace.duration_s:.1f} s at {where.seeded_rows:,} rows{at_stated} "
        f"(lock_timeout in force: {trace.lock_timeout}).",
        impact=f"While it runs, {what} on {', '.join(tables)} queue behind it.",
        recommendation="Use the non-blocking form (CONCURRENTLY, NOT VALID + VALIDATE, "
        "expand/contract with a batched backfill) and set a short lock_timeout.",
        confidence=100,
    )
