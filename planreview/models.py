"""The findings contract: what `planreview review --format json` prints.

The JSON dump of `Report` is the contract in DESIGN.md (`schema_version: 1`). Other
tools read it, so fields may be added but never renamed or removed. Field docstrings
become the JSON Schema descriptions an LLM reads, so they carry the severity rubric.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class _Model(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True, extra="forbid")


class Severity(StrEnum):
    """How urgent a finding is.

    P1 — must fix before ship: at the plan's stated scale it causes an outage, a failed
    or stuck migration/deploy, data loss or corruption, or a tenant-isolation/security
    breach. P2 — should fix: measurable degradation or a correctness risk under
    plausible conditions; a workaround exists. P3 — low risk / optimization: hygiene,
    redundancy, future-scale concern.
    """

    P1 = "P1"
    P2 = "P2"
    P3 = "P3"

    @property
    def rank(self) -> int:
        """1 for P1 (most urgent) … 3 for P3; sort ascending for most urgent first."""
        return int(self.value[1])


class Category(StrEnum):
    """The specialty a finding belongs to."""

    performance = "performance"
    migration = "migration"
    indexing = "indexing"
    caching = "caching"


Confidence = Literal[50, 75, 100]
"""100: the evidence shows it with no interpretation (an exact rule pattern).
75: double-checked, will be hit in practice, names a concrete consequence.
50: real but advisory. Anything below 50 is not reported."""

ReviewerStatus = Literal["ok", "failed", "skipped"]
Engine = Literal["rules", "llm"]


class Location(_Model):
    """A line range in the plan or in a repository file."""

    path: str
    """Repository-relative path (the plan's own path for plan lines)."""
    start_line: int = Field(ge=1)
    """First line, 1-based."""
    end_line: int = Field(ge=1)
    """Last line, 1-based, inclusive; equal to start_line for a single line."""


class Evidence(_Model):
    """A verbatim quote that shows the problem, and where it is."""

    path: str
    """Repository-relative path of the quoted file (or the plan)."""
    start_line: int = Field(ge=1)
    """First line of the quote, 1-based."""
    end_line: int = Field(ge=1)
    """Last line of the quote, 1-based, inclusive."""
    quote: str
    """Text copied exactly from those lines; verification looks for it there."""


class Finding(_Model):
    """One problem in the plan, with where it is, why it matters and how to fix it."""

    id: str = ""
    """Report-wide number such as `P1-1`, assigned after merging."""
    severity: Severity
    """P1 must fix before ship (outage, failed/stuck migration, data loss, tenant breach
    at the plan's stated scale); P2 should fix (measurable degradation or correctness
    risk under plausible conditions); P3 low risk (hygiene, redundancy, future scale)."""
    title: str
    """One line naming the problem and the entity, e.g. `Booking.tierId has no index`."""
    categories: list[Category]
    """Specialties this finding belongs to (performance, migration, indexing, caching)."""
    reviewers: list[str] = Field(default_factory=list)
    """Every reviewer that raised it."""
    rule: str | None = None
    """Id of the deterministic rule that found it; null when only an LLM raised it."""
    locations: list[Location]
    """Where the problem is: plan lines and/or repository file lines."""
    issue: str
    """What is wrong, in the plan's own terms."""
    impact: str
    """What happens in production if it ships as written, at the plan's stated scale."""
    recommendation: str
    """The concrete change to make to the plan."""
    evidence: list[Evidence] = Field(default_factory=list)
    """Verbatim quotes that show the problem; every claim must be backed by one."""
    confidence: Confidence = 75
    """100 exact pattern, no interpretation; 75 double-checked and will be hit in
    practice; 50 real but advisory."""
    grounded: bool = True
    """False when verification could not find the evidence at its cited lines."""
    merged_from: list[str] = Field(default_factory=list)
    """Keys of the reviewer findings this one was merged from (provenance)."""


class Usage(_Model):
    """Tokens spent by one reviewer."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0


class Dropped(_Model):
    """Reviewer findings that did not reach the report, by reason."""

    ungrounded: int = 0
    below_confidence: int = 0
    merged: int = 0
    suppressed: int = 0


class ReviewerRun(_Model):
    """How one specialist's run went."""

    name: str
    status: ReviewerStatus
    engine: Engine
    model: str | None = None
    duration_ms: int = 0
    findings: int = 0
    """Findings this reviewer returned (before merging)."""
    usage: Usage = Field(default_factory=Usage)
    error: str | None = None
    """Why it failed or was skipped; null when ok."""
    dropped: Dropped = Field(default_factory=Dropped)
    structured_output: str | None = None
    """Structured-output mode the LLM call used (json_schema, json_object, …)."""


class RepoInfo(_Model):
    path: str
    ref: str
    commit: str | None = None
    """Resolved commit SHA; null for a plain folder that is not a git repository."""


class SkippedReference(_Model):
    path: str
    reason: str


class Summary(_Model):
    P1: int = 0
    P2: int = 0
    P3: int = 0
    total: int = 0


class Report(_Model):
    """The whole review: the JSON contract (`schema_version: 1`)."""

    schema_version: Literal[1] = 1
    plan: str
    repo: RepoInfo
    reviewed_at: str
    """UTC timestamp, ISO 8601 with a trailing Z."""
    engine: Engine
    reviewers: list[ReviewerRun]
    findings: list[Finding]
    skipped_references: list[SkippedReference] = Field(default_factory=list)
    summary: Summary
    notes: list[str] = Field(default_factory=list)
    """Facts about the run a reader needs: unanalysed blocks, how to enable the LLM, …"""

    @property
    def incomplete(self) -> bool:
        return any(r.status == "failed" for r in self.reviewers)


def summarize(findings: list[Finding]) -> Summary:
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    return Summary(
        P1=counts[Severity.P1], P2=counts[Severity.P2], P3=counts[Severity.P3],
        total=len(findings),
    )


def report_json_schema() -> dict[str, object]:
    return Report.model_json_schema()


def at_or_above(findings: list[Finding], fail_on: str) -> list[Finding]:
    """The findings that meet a `fail_on` threshold ("P2": P1 and P2); none for "none"."""
    if fail_on == "none":
        return []
    threshold = Severity(fail_on).rank
    return [f for f in findings if f.severity.rank <= threshold]
