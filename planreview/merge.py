"""Merging: findings that describe the same problem become one; then numbering.

Two findings are the same problem when one fix resolves both. Deterministically we
can only be sure of that when they come from the same rule at overlapping locations,
or carry the same title at overlapping locations; anything less stays separate (fail
closed: a duplicate is noise, a wrong merge hides a problem).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TypeVar

from planreview.models import Category, Evidence, Finding, Location

T = TypeVar("T")
_WORDS = re.compile(r"[a-z0-9_.$]+")


def finding_key(f: Finding) -> str:
    """A stable name for a reviewer's finding, used for provenance (`merged_from`)."""
    loc = f.locations[0] if f.locations else None
    where = f"{loc.path}:{loc.start_line}" if loc else "-"
    return f"{','.join(f.reviewers) or '-'}:{f.rule or 'llm'}:{where}"


def _overlap(a: Location, b: Location) -> bool:
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


def _title(f: Finding) -> str:
    return " ".join(_WORDS.findall(f.title.lower()))


def same_problem(a: Finding, b: Finding) -> bool:
    if not any(_overlap(x, y) for x in a.locations for y in b.locations):
        return False
    if a.rule is not None and a.rule == b.rule:
        return True
    return _title(a) == _title(b)


def _union(items: list[T]) -> list[T]:
    out: list[T] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def combine(group: list[Finding]) -> Finding:
    """One finding from a cluster: the most severe member leads, the rest adds to it."""
    lead = min(group, key=lambda f: (f.severity.rank, -f.confidence))
    group = [lead, *(f for f in group if f is not lead)]
    if len(group) == 1:
        return lead.model_copy(update={"merged_from": lead.merged_from or []})
    categories: list[Category] = _union([c for f in group for c in f.categories])
    locations: list[Location] = _union([loc for f in group for loc in f.locations])
    evidence: list[Evidence] = _union([e for f in group for e in f.evidence])
    return lead.model_copy(
        update={
            "categories": categories,
            "reviewers": _union([r for f in group for r in f.reviewers]),
            "locations": locations,
            "evidence": evidence,
            "confidence": max(f.confidence for f in group),
            "merged_from": _union([k for f in group for k in (f.merged_from or [finding_key(f)])]),
        }
    )


def merge_findings(findings: list[Finding]) -> tuple[list[Finding], Counter[str]]:
    """Cluster and combine. Returns the merged list and, per reviewer, how many of its
    findings were folded into another one."""
    clusters: list[list[Finding]] = []
    for f in findings:
        for cluster in clusters:
            if any(same_problem(f, g) for g in cluster):
                cluster.append(f)
                break
        else:
            clusters.append([f])
    merged_away: Counter[str] = Counter()
    for cluster in clusters:
        for f in cluster[1:]:
            for reviewer in f.reviewers:
                merged_away[reviewer] += 1
    return [combine(c) for c in clusters], merged_away


def number(findings: list[Finding]) -> list[Finding]:
    """Order most urgent first and number `P1-1, P1-2, …, P2-1, …`."""

    def order(f: Finding) -> tuple[int, int, str, int]:
        loc = f.locations[0] if f.locations else Location(path="", start_line=1, end_line=1)
        return (f.severity.rank, -f.confidence, loc.path, loc.start_line)

    counters: Counter[str] = Counter()
    out = []
    for f in sorted(findings, key=order):
        counters[f.severity.value] += 1
        out.append(f.model_copy(update={"id": f"{f.severity.value}-{counters[f.severity.value]}"}))
    return out
