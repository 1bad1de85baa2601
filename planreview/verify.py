"""Verification: every finding must point at lines that exist and quote them truly.

A finding is grounded when each location lies within its file and each evidence quote
is found, whitespace-insensitively, within the lines it cites. Ungrounded findings are
dropped and counted (or kept, flagged, under --keep-ungrounded): the report never claims
what the evidence does not show.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from planreview.models import Evidence, Finding, Location
from planreview.plan import ParsedPlan
from planreview.repo import RepoContext

_SPACE = re.compile(r"\s+")


def _squash(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass
class Sources:
    """The line-addressable texts a finding may cite: the plan and the loaded files."""

    plan: ParsedPlan
    context: RepoContext
    _cache: dict[str, list[str] | None] = field(default_factory=dict)

    def lines(self, path: str) -> list[str] | None:
        if path not in self._cache:
            if path == self.plan.path:
                self._cache[path] = list(self.plan.lines)
            elif path in self.context.files:
                self._cache[path] = self.context.files[path].lines
            else:
                self._cache[path] = None
        return self._cache[path]


def location_exists(loc: Location, sources: Sources) -> bool:
    lines = sources.lines(loc.path)
    return lines is not None and 1 <= loc.start_line <= loc.end_line <= len(lines)


def quote_found(ev: Evidence, sources: Sources) -> bool:
    lines = sources.lines(ev.path)
    if lines is None or not 1 <= ev.start_line <= ev.end_line <= len(lines):
        return False
    needle = _squash(ev.quote)
    if not needle:
        return False
    return needle in _squash("\n".join(lines[ev.start_line - 1 : ev.end_line]))


def is_grounded(f: Finding, sources: Sources) -> bool:
    return bool(f.locations) and all(location_exists(loc, sources) for loc in f.locations) and all(
        quote_found(ev, sources) for ev in f.evidence
    )


@dataclass
class VerifyResult:
    kept: list[Finding]
    ungrounded: Counter[str]
    """Per reviewer: findings dropped (or flagged) as ungrounded."""


def verify_findings(
    findings: list[Finding], plan: ParsedPlan, context: RepoContext, *, keep_ungrounded: bool
) -> VerifyResult:
    sources = Sources(plan, context)
    kept: list[Finding] = []
    ungrounded: Counter[str] = Counter()
    for f in findings:
        if is_grounded(f, sources):
            kept.append(f if f.grounded else f.model_copy(update={"grounded": True}))
            continue
        for reviewer in f.reviewers:
            ungrounded[reviewer] += 1
        if keep_ungrounded:
            kept.append(f.model_copy(update={"grounded": False}))
    return VerifyResult(kept, ungrounded)
