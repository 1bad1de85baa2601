"""The results JSON (`planreview eval --out`): one record per case plus pooled totals.

Field names are stable: other tools (baselines, dashboards, re-scorers) read them.
Fields may be added; none is renamed or removed without a new `schema_version`.
Every case record carries its expected/rejected entries (with their `match`
groups) and its predicted findings in the contract's shape, so the file can be
re-scored without the case folders.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from planreview.evals import metrics
from planreview.evals.case import Case, MalformedCase
from planreview.evals.match import Matching, match_case
from planreview.models import Category, Finding, Report, Severity


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Bucket(_Model):
    expected: int
    matched: int
    recall: float | None


class Raised(_Model):
    """What one specialty raised: predictions, how many match an expected finding
    (precision's numerator) and how many match a rejected entry."""

    predictions: int
    relevant: int
    rejected: int
    precision: float | None


class Tokens(_Model):
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ExpectedRecord(_Model):
    id: str
    category: Category
    severity: Severity
    title: str
    match: list[list[str]]
    reason: str = ""
    label: str = ""


class RejectedRecord(_Model):
    id: str
    title: str
    match: list[list[str]]
    reason: str = ""
    label: str = ""
    root_cause: str = ""


class MatchedPair(_Model):
    expected: str
    """Expected finding id."""
    prediction: int
    """Index into the case's `predicted` list."""
    finding_id: str
    """The prediction's report id (P1-1, ...)."""
    expected_severity: Severity
    predicted_severity: Severity


class RejectedHitRecord(_Model):
    rejected: str
    """Rejected entry id."""
    prediction: int
    finding_id: str


class Scores(_Model):
    """The metrics shared by a case record and the totals."""

    recall: float | None
    weighted_recall: float | None
    precision: float | None
    rejected_hits: int
    severity_agreement: float | None
    duplicates: int
    expected: int
    """Expected findings (for totals: over scored cases)."""
    matched: int
    expected_weight: int
    """Sum of expected severity weights (P1=3, P2=2, P3=1): weighted recall's denominator."""
    matched_weight: int
    predictions: int
    relevant: int
    """Predictions that match some expected finding: precision's numerator."""
    agreeing: int
    """Matched pairs with the same severity: severity agreement's numerator."""
    per_category: dict[str, Bucket]
    per_severity: dict[str, Bucket]
    tokens: Tokens
    # Added for the real-plan corpus (defaults keep older results files readable).
    p1_precision: float | None = None
    p1_predictions: int = 0
    p1_relevant: int = 0
    unlabelled: int = 0
    """Predictions matching neither an expected nor a rejected entry."""
    plans: int = 0
    plans_with_finding: int = 0
    findings_per_plan: float | None = None
    share_with_finding: float | None = None
    """Share of scored plans with at least one finding."""
    precision_per_category: dict[str, Raised] = Field(default_factory=dict)
    """Precision per specialty, by each prediction's first category."""


class CaseRecord(Scores):
    id: str
    path: str
    """The case folder as given on the command line."""
    error: str | None = None
    """Why the case crashed (type: message); its metrics are then empty and it is left
    out of the totals."""
    traceback: str | None = None
    failed_reviewers: list[str] = Field(default_factory=list)
    """`name: error` for each reviewer that failed; the case is scored on what the
    others found, and the run exits 3 (incomplete)."""
    wall_ms: int
    skipped: str | None = None
    """Why a real-repository case did not run here (no mirror); it is left out of the
    totals and never fails the run."""
    source: str | None = None
    """owner/name@commit of a real-repository case."""
    missed: list[str]
    """Expected finding ids no prediction matched."""
    matched_pairs: list[MatchedPair]
    rejected: list[RejectedHitRecord]
    """Predictions that match a rejected entry."""
    duplicate_predictions: list[int]
    """Indexes into `predicted` counted as duplicates."""
    expected_findings: list[ExpectedRecord]
    rejected_findings: list[RejectedRecord]
    predicted: list[Finding]


class Totals(Scores):
    cases: int
    """Cases that ran (scored + failed); malformed cases are counted separately."""
    scored: int
    failed: int
    """Cases that crashed (no report)."""
    incomplete: int
    """Scored cases whose report says a reviewer failed."""
    malformed: int
    skipped: int = 0
    """Real-repository cases not run (no mirror here); not in `cases`."""
    wall_ms: int
    """Sum of per-case wall times (not the elapsed time of a parallel run)."""


class MalformedRecord(_Model):
    path: str
    field: str
    error: str


class Results(_Model):
    schema_version: int = 1
    engine: str
    """The engine asked for (rules | llm | auto)."""
    model: str | None = None
    totals: Totals
    cases: list[CaseRecord]
    malformed: list[MalformedRecord] = Field(default_factory=list)


@dataclass(frozen=True)
class CaseRun:
    """How reviewing one case went: a report, or the error that stopped it."""

    case: Case
    report: Report | None
    error: str | None
    traceback: str | None
    wall_ms: int
    skipped: str | None = None
    """Set (the reason) when the case was not run: no report and no error."""


@dataclass(frozen=True)
class Scored:
    """One case's predictions matched and counted."""

    matching: Matching
    tally: metrics.Tally
    per_category: dict[str, metrics.Bucket]
    per_severity: dict[str, metrics.Bucket]
    tokens: metrics.TokenCount
    raised: dict[str, metrics.Raised]


def score(case: Case, report: Report) -> Scored:
    matching = match_case(case.expected, case.rejected, report.findings)
    return Scored(
        matching=matching,
        tally=metrics.tally(case.expected, report.findings, matching),
        per_category=metrics.by_category(case.expected, matching),
        per_severity=metrics.by_severity(case.expected, matching),
        tokens=metrics.tokens(report),
        raised=metrics.raised_by_category(report.findings, matching),
    )


def build_results(
    runs: Sequence[CaseRun], malformed: Sequence[MalformedCase], *, engine: str,
    model: str | None,
) -> Results:
    """Score every run; crashed runs get a record (with their error) but no part in the
    totals, so a crash is visible as a failure rather than as a drop in recall."""
    records: list[CaseRecord] = []
    scored: list[Scored] = []
    for run in runs:
        result = score(run.case, run.report) if run.report is not None else None
        records.append(case_record(run, result))
        if result is not None:
            scored.append(result)
    pooled = _scores(
        metrics.total(s.tally for s in scored),
        metrics.add_buckets([_zero(Category), *(s.per_category for s in scored)]),
        metrics.add_buckets([_zero(Severity), *(s.per_severity for s in scored)]),
        sum((s.tokens for s in scored), metrics.TokenCount()),
        metrics.add_raised(s.raised for s in scored),
    )
    skipped = sum(1 for r in runs if r.skipped is not None)
    ran = len(runs) - skipped
    totals = Totals(
        **pooled.model_dump(), cases=ran, scored=len(scored), skipped=skipped,
        failed=ran - len(scored), malformed=len(malformed),
        incomplete=sum(1 for r in runs if r.report is not None and r.report.incomplete),
        wall_ms=sum(r.wall_ms for r in runs),
    )
    return Results(
        engine=engine, model=model, totals=totals, cases=records,
        malformed=[MalformedRecord(path=str(m.path), field=m.field, error=m.message)
                   for m in malformed],
    )


def case_record(run: CaseRun, result: Scored | None) -> CaseRecord:
    case = run.case
    predictions = list(run.report.findings) if run.report is not None else []
    if result is None:
        scores = _scores(metrics.Tally(), _zero(Category), _zero(Severity), metrics.TokenCount(),
                         metrics.add_raised([]))
        matching = Matching((), (), (), (), ())
    else:
        scores = _scores(result.tally, result.per_category, result.per_severity, result.tokens,
                         result.raised)
        matching = result.matching
    return CaseRecord(
        **scores.model_dump(),
        id=case.id, path=str(case.folder), error=run.error, traceback=run.traceback,
        failed_reviewers=[
            f"{r.name}: {r.error}" for r in (run.report.reviewers if run.report else [])
            if r.status == "failed"
        ],
        wall_ms=run.wall_ms, skipped=run.skipped,
        source=(f"{case.source.repo}@{case.source.commit}" if case.source is not None else None),
        missed=[e.id for e in matching.missed],
        matched_pairs=[
            MatchedPair(
                expected=p.expected.id, prediction=p.prediction,
                finding_id=predictions[p.prediction].id,
                expected_severity=p.expected.severity,
                predicted_severity=predictions[p.prediction].severity,
            )
            for p in matching.pairs
        ],
        rejected=[
            RejectedHitRecord(rejected=h.rejected.id, prediction=h.prediction,
                              finding_id=predictions[h.prediction].id)
            for h in matching.rejected_hits
        ],
        duplicate_predictions=list(matching.duplicates),
        expected_findings=[
            ExpectedRecord(id=e.id, category=e.category, severity=e.severity, title=e.title,
                           match=[list(g) for g in e.match], reason=e.reason, label=e.label)
            for e in case.expected
        ],
        rejected_findings=[
            RejectedRecord(id=r.id, title=r.title, match=[list(g) for g in r.match],
                           reason=r.reason, label=r.label, root_cause=r.root_cause)
            for r in case.rejected
        ],
        predicted=predictions,
    )


def _zero(keys: type[Category] | type[Severity]) -> dict[str, metrics.Bucket]:
    """Every key present, so records and totals always have the same shape."""
    return {k.value: metrics.Bucket() for k in keys}


def _scores(
    t: metrics.Tally, per_category: dict[str, metrics.Bucket],
    per_severity: dict[str, metrics.Bucket], token_count: metrics.TokenCount,
    raised: dict[str, metrics.Raised],
) -> Scores:
    return Scores(
        recall=metrics.recall(t), weighted_recall=metrics.weighted_recall(t),
        precision=metrics.precision(t), rejected_hits=t.rejected_hits,
        severity_agreement=metrics.severity_agreement(t), duplicates=t.duplicates,
        expected=t.expected, matched=t.matched, expected_weight=t.expected_weight,
        matched_weight=t.matched_weight, predictions=t.predictions, relevant=t.relevant,
        agreeing=t.agreeing,
        per_category={k: _bucket(b) for k, b in per_category.items()},
        per_severity={k: _bucket(b) for k, b in per_severity.items()},
        tokens=Tokens(prompt_tokens=token_count.prompt_tokens,
                      completion_tokens=token_count.completion_tokens),
        p1_precision=metrics.p1_precision(t), p1_predictions=t.p1_predictions,
        p1_relevant=t.p1_relevant, unlabelled=t.unlabelled, plans=t.plans,
        plans_with_finding=t.plans_with_finding,
        findings_per_plan=metrics.findings_per_plan(t),
        share_with_finding=metrics.share_with_finding(t),
        precision_per_category={
            k: Raised(predictions=r.predictions, relevant=r.relevant, rejected=r.rejected,
                      precision=r.precision)
            for k, r in raised.items()
        },
    )


def _bucket(b: metrics.Bucket) -> Bucket:
    return Bucket(expected=b.expected, matched=b.matched, recall=b.recall)
