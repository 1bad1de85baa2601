"""Metrics over matched findings: counts per case that add up into totals.

Totals are pooled (micro-averaged): counts are summed over cases and the ratios
computed once, so a case weighs by its number of findings, not one vote per case.
A ratio with a zero denominator is None (JSON null), never 0 or 1:

* recall / weighted recall are None for a case with no expected findings (a clean
  plan). Pooling excludes such a case from recall naturally (it adds 0 to both
  sides) while its predictions still count against precision — which is the
  noise a clean plan exists to measure.
* precision is None when there are no predictions.
* severity agreement is None when nothing matched.
* P1 precision is None when nothing was raised at P1; a specialty's precision is
  None when that specialty raised nothing.

Precision is the labelling protocol's (../shared/precision-protocol.md): a prediction
counts when it matches an expected finding (TRUE or TRUE-WRONG-SEVERITY); one that
matches a rejected entry (NOISE or FALSE) or nothing labelled does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from planreview.evals.case import Expected
from planreview.evals.match import Matching
from planreview.models import Category, Finding, Report, Severity

WEIGHTS: dict[Severity, int] = {Severity.P1: 3, Severity.P2: 2, Severity.P3: 1}
"""Severity weights for weighted recall: missing a P1 costs three times a P3."""


def ratio(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else numerator / denominator


@dataclass(frozen=True)
class Tally:
    """Everything countable about one case (or, summed, about many)."""

    expected: int = 0
    matched: int = 0
    expected_weight: int = 0
    matched_weight: int = 0
    predictions: int = 0
    relevant: int = 0
    """Predictions that match some expected finding (precision's numerator)."""
    rejected_hits: int = 0
    duplicates: int = 0
    agreeing: int = 0
    """Matched pairs whose predicted severity equals the expected one."""
    p1_predictions: int = 0
    p1_relevant: int = 0
    """P1 predictions that match some expected finding (P1 precision's numerator)."""
    unlabelled: int = 0
    """Predictions matching neither an expected nor a rejected entry: a gap in the
    labels (0 on a fully labelled real-plan case)."""
    plans: int = 0
    """Scored plans (1 per case): findings per plan's denominator."""
    plans_with_finding: int = 0

    def __add__(self, other: Tally) -> Tally:
        return Tally(**{f.name: getattr(self, f.name) + getattr(other, f.name)
                        for f in fields(self)})


def tally(expected: Sequence[Expected], predictions: Sequence[Finding],
          matching: Matching) -> Tally:
    return Tally(
        expected=len(expected),
        matched=len(matching.pairs),
        expected_weight=sum(WEIGHTS[e.severity] for e in expected),
        matched_weight=sum(WEIGHTS[p.expected.severity] for p in matching.pairs),
        predictions=len(predictions),
        relevant=len(matching.relevant),
        rejected_hits=len(matching.rejected_hits),
        duplicates=len(matching.duplicates),
        agreeing=sum(
            1 for p in matching.pairs if predictions[p.prediction].severity is p.expected.severity
        ),
        p1_predictions=sum(1 for p in predictions if p.severity is Severity.P1),
        p1_relevant=sum(1 for j in matching.relevant if predictions[j].severity is Severity.P1),
        unlabelled=sum(
            1 for j in range(len(predictions))
            if j not in set(matching.relevant) | {h.prediction for h in matching.rejected_hits}
        ),
        plans=1,
        plans_with_finding=1 if predictions else 0,
    )


def total(tallies: Iterable[Tally]) -> Tally:
    return sum(tallies, Tally())


def recall(t: Tally) -> float | None:
    return ratio(t.matched, t.expected)


def weighted_recall(t: Tally) -> float | None:
    return ratio(t.matched_weight, t.expected_weight)


def precision(t: Tally) -> float | None:
    return ratio(t.relevant, t.predictions)


def severity_agreement(t: Tally) -> float | None:
    return ratio(t.agreeing, t.matched)


def p1_precision(t: Tally) -> float | None:
    return ratio(t.p1_relevant, t.p1_predictions)


def findings_per_plan(t: Tally) -> float | None:
    return ratio(t.predictions, t.plans)


def share_with_finding(t: Tally) -> float | None:
    return ratio(t.plans_with_finding, t.plans)


@dataclass(frozen=True)
class Raised:
    """Predictions vs relevant ones for one specialty (precision per specialty)."""

    predictions: int = 0
    relevant: int = 0
    rejected: int = 0

    def __add__(self, other: Raised) -> Raised:
        return Raised(self.predictions + other.predictions, self.relevant + other.relevant,
                      self.rejected + other.rejected)

    @property
    def precision(self) -> float | None:
        return ratio(self.relevant, self.predictions)


def raised_by_category(predictions: Sequence[Finding], matching: Matching) -> dict[str, Raised]:
    """Precision per specialty, by each prediction's first category (the reviewer that
    owns it); every category is present, so records have the same keys."""
    relevant = set(matching.relevant)
    rejected = {h.prediction for h in matching.rejected_hits}
    out = {c.value: Raised() for c in Category}
    for j, prediction in enumerate(predictions):
        if not prediction.categories:
            continue
        key = prediction.categories[0].value
        out[key] = out[key] + Raised(1, int(j in relevant), int(j in rejected))
    return out


def add_raised(groups: Iterable[dict[str, Raised]]) -> dict[str, Raised]:
    out: dict[str, Raised] = {c.value: Raised() for c in Category}
    for group in groups:
        for key, bucket in group.items():
            out[key] = out.get(key, Raised()) + bucket
    return out


@dataclass(frozen=True)
class Bucket:
    """Expected vs matched for one category or one severity."""

    expected: int = 0
    matched: int = 0

    def __add__(self, other: Bucket) -> Bucket:
        return Bucket(self.expected + other.expected, self.matched + other.matched)

    @property
    def recall(self) -> float | None:
        return ratio(self.matched, self.expected)


def by_category(expected: Sequence[Expected], matching: Matching) -> dict[str, Bucket]:
    """Recall per category; every category is present (zero buckets included), so
    the keys are the same in every record."""
    found = {p.expected.id for p in matching.pairs}
    return {
        c.value: _bucket([e for e in expected if e.category is c], found) for c in Category
    }


def by_severity(expected: Sequence[Expected], matching: Matching) -> dict[str, Bucket]:
    found = {p.expected.id for p in matching.pairs}
    return {
        s.value: _bucket([e for e in expected if e.severity is s], found) for s in Severity
    }


def _bucket(entries: list[Expected], found: set[str]) -> Bucket:
    return Bucket(len(entries), sum(1 for e in entries if e.id in found))


def add_buckets(groups: Iterable[dict[str, Bucket]]) -> dict[str, Bucket]:
    out: dict[str, Bucket] = {}
    for group in groups:
        for key, bucket in group.items():
            out[key] = out.get(key, Bucket()) + bucket
    return out


@dataclass(frozen=True)
class TokenCount:
    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: TokenCount) -> TokenCount:
        return TokenCount(self.prompt_tokens + other.prompt_tokens,
                          self.completion_tokens + other.completion_tokens)


def tokens(report: Report) -> TokenCount:
    """Tokens every reviewer spent, summed (zero for the rules engine)."""
    return TokenCount(
        prompt_tokens=sum(r.usage.prompt_tokens for r in report.reviewers),
        completion_tokens=sum(r.usage.completion_tokens for r in report.reviewers),
    )
