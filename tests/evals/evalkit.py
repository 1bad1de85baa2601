"""Hand-made findings, cases, reports and a scripted review for the harness tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from planreview.evals.case import Case, Expected, Rejected
from planreview.models import (
    Category,
    Finding,
    Location,
    RepoInfo,
    Report,
    ReviewerRun,
    Severity,
    Usage,
    summarize,
)


def finding(
    title: str, severity: str = "P2", *, fid: str = "", issue: str = "i", impact: str = "m",
    recommendation: str = "r", category: str = "indexing",
) -> Finding:
    return Finding(
        id=fid, severity=Severity(severity), title=title, categories=[Category(category)],
        reviewers=[category], locations=[Location(path="plan.md", start_line=1, end_line=1)],
        issue=issue, impact=impact, recommendation=recommendation,
    )


def expected(
    eid: str, severity: str, match: list[list[str]], category: str = "indexing",
    title: str = "",
) -> Expected:
    return Expected(
        id=eid, category=Category(category), severity=Severity(severity),
        title=title or f"expected {eid}", match=tuple(tuple(g) for g in match),
    )


def rejected(rid: str, match: list[list[str]]) -> Rejected:
    return Rejected(id=rid, title=f"rejected {rid}", match=tuple(tuple(g) for g in match))


def case(
    cid: str, expected_: list[Expected], rejected_: list[Rejected] | None = None,
    folder: Path | None = None,
) -> Case:
    return Case(
        id=cid, folder=folder or Path("cases") / cid, plan="plan.md", repo=None,
        expected=tuple(expected_), rejected=tuple(rejected_ or []),
    )


def report(findings: list[Finding], runs: list[ReviewerRun] | None = None) -> Report:
    return Report(
        plan="plan.md", repo=RepoInfo(path=".", ref="WORKTREE"),
        reviewed_at="2026-11-23T00:00:00Z", engine="rules",
        reviewers=runs or [ReviewerRun(name="indexing", status="ok", engine="rules")],
        findings=findings, summary=summarize(findings),
    )


def llm_run(name: str, prompt: int, completion: int) -> ReviewerRun:
    return ReviewerRun(
        name=name, status="ok", engine="llm",
        usage=Usage(prompt_tokens=prompt, completion_tokens=completion),
    )


def write_case(root: Path, cid: str, data: dict[str, Any] | str, *,
               plan: str = "# Plan\n\nAdd a table.\n") -> Path:
    """A case folder with plan.md and case.yaml (a dict is dumped; a str is written as is)."""
    folder = root / cid
    folder.mkdir(parents=True)
    (folder / "plan.md").write_text(plan, encoding="utf-8")
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    return folder


def case_data(cid: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": cid, "plan": "plan.md",
        "expected": [{"id": "g1", "category": "indexing", "severity": "P1",
                      "title": "orders.customer_id has no index",
                      "match": [["index"], ["customer_id"]]}],
    }
    data.update(extra)
    return data


@dataclass
class ScriptedReview:
    """A review function answering from a script: case id -> Report or exception.

    Fails the test (at teardown) when a scripted case was never reviewed, and raises
    when a case without a script is reviewed.
    """

    script: dict[str, Report | Exception] = field(default_factory=dict)
    seen: list[str] = field(default_factory=list)

    def __call__(self, c: Case) -> Report:
        answer = self.script.pop(c.id)
        self.seen.append(c.id)
        if isinstance(answer, Exception):
            raise answer
        return answer
