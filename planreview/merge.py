"""Merging: findings that describe the same problem become one; then numbering.

Two findings are the same problem when one fix resolves both. Deterministically we
can only be sure of that when they come from the same rule at overlapping locations,
or carry the same title at overlapping locations; anything less stays separate (fail
closed: a duplicate is noise, a wrong merge hides a problem).

LLM findings join in two ways. Inside one specialist, an LLM finding that names the rule
it confirms (`rule`) and overlaps that rule's finding is folded into it (`fold_confirmed`):
the rule's exact locations stay, the model's title, issue, impact and recommendation
replace the rule's terser text. Across specialists, findings at overlapping lines are
the same problem when their titles share nearly all their words, or most of them and
their evidence overlaps -- unless their recommendations point in opposite directions
(add vs remove). When a rule finding and a model's finding merge, the rule's exact
locations and the model's explanation are kept. Two
independent specialists agreeing raises confidence one anchor.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import TypeVar

from planreview.models import Category, Confidence, Evidence, Finding, Location

T = TypeVar("T")
_WORDS = re.compile(r"[a-z0-9_.$]+")
_STOP = frozenset({
    "a", "an", "and", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to",
    "with", "without", "no", "not",
})
_ADD = frozenset({"add", "create", "keep", "introduce", "increase"})
_REMOVE = frozenset({"remove", "drop", "delete", "avoid", "decrease"})
_PLAIN_WORDS = re.compile(r"[a-z0-9]+")
_SIMILAR = 0.6
"""Title word overlap (Jaccard) at which overlapping findings with overlapping evidence
are one problem."""
_SAME = 0.8
"""Title word overlap at which overlapping findings are one problem on their own."""
_NEXT_ANCHOR: dict[int, Confidence] = {50: 75, 75: 100, 100: 100}


def finding_key(f: Finding) -> str:
    """A stable name for a reviewer's finding, used for provenance (`merged_from`)."""
    loc = f.locations[0] if f.locations else None
    where = f"{loc.path}:{loc.start_line}" if loc else "-"
    return f"{','.join(f.reviewers) or '-'}:{f.rule or 'llm'}:{where}"


def _overlap(a: Location, b: Location) -> bool:
    return a.path == b.path and a.start_line <= b.end_line and b.start_line <= a.end_line


def _title(f: Finding) -> str:
    return " ".join(_WORDS.findall(f.title.lower()))


def _title_words(f: Finding) -> set[str]:
    return {w for w in _PLAIN_WORDS.findall(f.title.lower()) if w not in _STOP}


def _title_similarity(a: Finding, b: Finding) -> float:
    wa, wb = _title_words(a), _title_words(b)
    return len(wa & wb) / len(wa | wb) if wa and wb else 0.0


def _evidence_overlaps(a: Finding, b: Finding) -> bool:
    return any(
        x.path == y.path and x.start_line <= y.end_line and y.start_line <= x.end_line
        for x in a.evidence for y in b.evidence
    )


def _direction(f: Finding) -> str | None:
    for word in _WORDS.findall(f.recommendation.lower()):
        if word in _ADD:
            return "add"
        if word in _REMOVE:
            return "remove"
    return None


def opposed(a: Finding, b: Finding) -> bool:
    """One recommends adding what the other recommends removing: never the same fix."""
    da, db = _direction(a), _direction(b)
    return da is not None and db is not None and da != db


def same_problem(a: Finding, b: Finding) -> bool:
    if not any(_overlap(x, y) for x in a.locations for y in b.locations):
        return False
    if opposed(a, b):
        return False
    if a.rule is not None and a.rule == b.rule:
        return True
    if _title(a) == _title(b):
        return True
    similarity = _title_similarity(a, b)
    return similarity >= _SAME or (similarity >= _SIMILAR and _evidence_overlaps(a, b))


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
    reviewers = _union([r for f in group for r in f.reviewers])
    confidence: Confidence = max(f.confidence for f in group)
    if len(reviewers) > 1:  # independent specialists agree
        confidence = _NEXT_ANCHOR[confidence]
    text: dict[str, str] = {}
    ruled = [f for f in group if f.rule is not None]
    voiced = [f for f in group if f.rule is None]  # only a model leaves `rule` empty
    if ruled and voiced:  # the rule's exact location, the model's explanation
        locations = _union([loc for f in ruled for loc in f.locations])
        voice = min(voiced, key=lambda f: (f.severity.rank, -f.confidence))
        text = {k: getattr(voice, k) for k in ("title", "issue", "impact", "recommendation")}
        text["rule"] = ruled[0].rule or ""
    return lead.model_copy(
        update={
            **text,
            "categories": categories,
            "reviewers": reviewers,
            "locations": locations,
            "evidence": evidence,
            "confidence": confidence,
            "merged_from": _union([k for f in group for k in (f.merged_from or [finding_key(f)])]),
        }
    )


def fold_confirmed(llm: list[Finding], rules: list[Finding]) -> tuple[list[Finding], int]:
    """One specialist's rule findings with its LLM findings folded into the ones they
    confirm; returns (findings, how many LLM findings were folded)."""
    out = list(rules)
    folded = 0
    rest: list[Finding] = []
    for f in llm:
        target = next(
            (
                i for i, r in enumerate(out)
                if f.rule is not None and r.rule == f.rule
                and any(_overlap(x, y) for x in f.locations for y in r.locations)
                and not opposed(f, r)
            ),
            None,
        )
        if target is None:
            rest.append(f)
            continue
        r = out[target]
        lead = min((r, f), key=lambda g: g.severity.rank)
        out[target] = r.model_copy(update={
            "severity": lead.severity,
            "title": f.title, "issue": f.issue, "impact": f.impact,
            "recommendation": f.recommendation,
            "categories": _union([*r.categories, *f.categories]),
            "evidence": _union([*r.evidence, *f.evidence]),
            "confidence": max(r.confidence, f.confidence),
            "merged_from": _union([
                *(r.merged_from or [finding_key(r)]), llm_key(f),
            ]),
        })
        folded += 1
    return out + rest, folded


def llm_key(f: Finding) -> str:
    """Provenance name of a model's finding (distinct from the rule finding it confirms)."""
    loc = f.locations[0] if f.locations else None
    where = f"{loc.path}:{loc.start_line}" if loc else "-"
    return f"{','.join(f.reviewers) or '-'}:llm:{where}"


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
