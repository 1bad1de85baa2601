"""Matching predicted findings to a case's expected and rejected findings.

A prediction matches an entry when every `match` group has at least one term
(case-insensitive substring) in the prediction's title + issue + impact +
recommendation. Expected findings are matched one-to-one by a maximum bipartite
matching (augmenting paths): as many expected findings as possible get their own
prediction, so one broad prediction cannot take the place of a specific one when
another prediction could cover the broad expectation. Expected findings are
served highest severity first (ties in file order), and each one tries the
predictions closest to it in severity first (then report order), so a correct P1
is not spent on a P3 expectation when a P3 prediction would do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from planreview.evals.case import Expected, MatchGroups, Rejected
from planreview.models import Finding


@dataclass(frozen=True)
class Pair:
    expected: Expected
    prediction: int
    """Index into the predictions (report order)."""


@dataclass(frozen=True)
class RejectedHit:
    rejected: Rejected
    prediction: int


@dataclass(frozen=True)
class Matching:
    pairs: tuple[Pair, ...]
    """Matched (expected, prediction) pairs, in matching order (highest severity first)."""
    missed: tuple[Expected, ...]
    """Expected findings no prediction matched, in case-file order."""
    duplicates: tuple[int, ...]
    """Unpaired predictions that match an expected finding already taken by another."""
    relevant: tuple[int, ...]
    """Predictions that match at least one expected finding (paired or duplicate)."""
    rejected_hits: tuple[RejectedHit, ...]
    """One per prediction that matches a rejected entry (the first such entry)."""


def finding_text(finding: Finding) -> str:
    """The text keywords are searched in, case-folded."""
    parts = (finding.title, finding.issue, finding.impact, finding.recommendation)
    return "\n".join(parts).casefold()


def matches(text: str, groups: MatchGroups) -> bool:
    """True when every group has a term in `text` (already case-folded)."""
    return all(any(term.casefold() in text for term in group) for group in groups)


def pair_expected(expected: Sequence[Expected], predictions: Sequence[Finding]) -> list[Pair]:
    """Maximum one-to-one matching (Kuhn's augmenting paths), highest severity first.

    A greedy pass would let the first expected finding take the only prediction that
    a later one can use, even when another prediction also fits the first; an
    augmenting path moves the first one over instead, so the matched count is
    always the largest possible.
    """
    texts = [finding_text(p) for p in predictions]
    order = sorted(range(len(expected)), key=lambda i: (expected[i].severity.rank, i))
    candidates = {i: _candidates(expected[i], predictions, texts) for i in order}
    owner: dict[int, int] = {}
    """prediction index -> expected index it is paired with."""

    def augment(i: int, seen: set[int]) -> bool:
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or augment(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in order:
        augment(i, set())
    by_expected = {i: j for j, i in owner.items()}
    return [Pair(expected[i], by_expected[i]) for i in order if i in by_expected]


def _candidates(
    want: Expected, predictions: Sequence[Finding], texts: Sequence[str],
) -> list[int]:
    """Predictions matching `want`, closest in severity first, then report order."""
    fitting = [j for j, text in enumerate(texts) if matches(text, want.match)]
    def distance(j: int) -> tuple[int, int]:
        return abs(predictions[j].severity.rank - want.severity.rank), j

    return sorted(fitting, key=distance)


def find_duplicates(
    pairs: Sequence[Pair], predictions: Sequence[Finding],
) -> list[int]:
    """Predictions left unpaired that match an expected finding someone else took."""
    taken = {pair.prediction for pair in pairs}
    matched = [pair.expected for pair in pairs]
    return [
        j for j, prediction in enumerate(predictions)
        if j not in taken and _matches_any(finding_text(prediction), matched)
    ]


def find_rejected_hits(
    rejected: Sequence[Rejected], predictions: Sequence[Finding],
) -> list[RejectedHit]:
    hits = []
    for j, prediction in enumerate(predictions):
        text = finding_text(prediction)
        entry = next((r for r in rejected if matches(text, r.match)), None)
        if entry is not None:
            hits.append(RejectedHit(entry, j))
    return hits


def match_case(
    expected: Sequence[Expected], rejected: Sequence[Rejected], predictions: Sequence[Finding],
) -> Matching:
    pairs = pair_expected(expected, predictions)
    paired_ids = {pair.expected.id for pair in pairs}
    relevant = [
        j for j, p in enumerate(predictions) if _matches_any(finding_text(p), expected)
    ]
    return Matching(
        pairs=tuple(pairs),
        missed=tuple(e for e in expected if e.id not in paired_ids),
        duplicates=tuple(find_duplicates(pairs, predictions)),
        relevant=tuple(relevant),
        rejected_hits=tuple(find_rejected_hits(rejected, predictions)),
    )


def _matches_any(text: str, entries: Sequence[Expected]) -> bool:
    return any(matches(text, entry.match) for entry in entries)
