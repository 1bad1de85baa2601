"""Caching rules about TTLs longer than the plan's stated staleness budget."""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.models import Severity
from planreview.reviewers.caching.caches import INVALIDATING, STORES, _Cache, _duration
from planreview.reviewers.caching.invalidation import stale_paths
from planreview.reviewers.caching.reading import in_test_code, read_units
from planreview.reviewers.common import (
    at,
    evidence,
    location,
)
from planreview.rules import Hit, RuleContext, rule

# --- TTL vs stated staleness ---------------------------------------------------------------

_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "thirty": 30,
    "sixty": 60,
}
_UNIT_SECONDS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hr": 3600,
    "hour": 3600,
}
_AMOUNT = (
    r"(\d+(?:\.\d+)?|an?|one|two|five|ten|fifteen|thirty|sixty)\s*-?\s*"
    r"(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b"
)
_BUDGET = (
    re.compile(
        r"(?i)\b(?:visible|reflected|propagated?|show(?:s|n)? up|appear|fresh|up[- ]to[- ]date|"
        r"consistent|see|apply|applied|take effect|effective)\b[^.]{0,60}?\bwithin\s+" + _AMOUNT
    ),
    re.compile(
        r"(?i)\b(?:stale|staleness|out of date|lag)\b[^.]{0,80}?\b(?:at most|no more than|"
        r"up to|max(?:imum)?|under|less than|<=?)\s+" + _AMOUNT
    ),
    re.compile(
        r"(?i)\b(?:at most|no more than|max(?:imum)?)\s+"
        + _AMOUNT
        + r"\s+(?:stale|old|behind|of staleness|of lag)"
    ),
)


def _budgets(ctx: RuleContext) -> list[tuple[int, float]]:
    """(plan line, seconds) for every freshness bound the plan states. A sentence may wrap
    across lines, so each paragraph is searched as one string."""
    out: list[tuple[int, float]] = []
    for first, paragraph in _paragraphs(ctx.plan.lines):
        flat = paragraph.replace("\n", " ").replace("*", " ")
        for pattern in _BUDGET:
            for m in pattern.finditer(flat):
                amount, unit = m.group(1).lower(), m.group(2).lower().rstrip("s") or "s"
                value = float(_NUMBER_WORDS.get(amount, 0) or amount)
                line = first + paragraph.count("\n", 0, m.start(1))
                out.append((line, value * _UNIT_SECONDS.get(unit, 1)))
    return out


def _paragraphs(lines: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(first line, text) of each run of non-blank lines."""
    start: int | None = None
    for n, text in enumerate((*lines, ""), start=1):
        if text.strip() and start is None:
            start = n
        elif not text.strip() and start is not None:
            yield start, "\n".join(lines[start - 1 : n - 1])
            start = None


@rule("caching/ttl-exceeds-staleness-budget", severity=Severity.P2)
def ttl_exceeds_staleness_budget(ctx: RuleContext) -> Iterator[Hit]:
    """A cache's TTL is longer than the staleness the plan says it accepts.

    Why: the plan promises changes are visible within N, but an entry lives for its whole
    TTL unless something evicts it; with no eviction on the write path the promise is broken
    by design.
    Fix: lower the TTL to the budget, or evict on every write (and keep the TTL as a backstop).
    Not flagged when the plan's code invalidates that cache on every write path it adds.
    TTLs are read from the plan's proposal and the repository's application code, never
    from tests.
    """
    budgets = _budgets(ctx)
    if not budgets:
        return
    line, budget = min(budgets, key=lambda b: b[1])
    stale = stale_paths(ctx)
    plan_invalidates = {
        c.name
        for u in ctx.artifacts.code
        if u.origin == "plan"
        for c in u.caches
        if c.kind in INVALIDATING
    }
    for unit in read_units(ctx):
        for c in unit.caches:
            if c.ttl_seconds is None or c.ttl_seconds <= budget:
                continue
            if in_test_code(unit, c.start_line):
                continue
            if c.kind not in (*STORES, "revalidate-export", "set"):
                continue
            cache = _Cache(unit, c)
            evicted = (
                any(cache.stem and cache.stem.lower() in name.lower() for name in plan_invalidates)
                or any(name.split(".")[-1] == c.name for name in plan_invalidates)
                or (
                    c.kind == "revalidate-export"
                    and bool(plan_invalidates & {"revalidatePath", "revalidateTag"})
                )
            ) and not any(w.cache.call == c for w in stale)
            if evicted:
                continue
            ttl_line = c.ttl_line or c.start_line
            label = "the page's `revalidate`" if c.kind == "revalidate-export" else f"`{c.name}`"
            yield Hit(
                title=(
                    f"{label} keeps entries for {_duration(c.ttl_seconds)} but the plan accepts "
                    f"{_duration(budget)} of staleness"
                ),
                locations=[location(ctx, unit, ttl_line), ctx.plan_location(line)],
                issue=(
                    f"Plan line {line} requires changes to be visible within "
                    f"{_duration(budget)}, but {label} "
                    f"({at(unit, ttl_line)}) lives {_duration(c.ttl_seconds)} "
                    "and not every write path of the plan evicts it."
                ),
                impact=(
                    f"Updates can stay invisible for up to {_duration(c.ttl_seconds)}, "
                    f"{c.ttl_seconds / budget:.0f}x the stated budget."
                ),
                recommendation=(
                    f"Evict on every write path (delete the key / `revalidateTag`), or lower "
                    f"the TTL to at most {budget:g} s."
                ),
                evidence=[evidence(ctx, unit, ttl_line), ctx.plan_evidence(line)],
                confidence=75,
            )
