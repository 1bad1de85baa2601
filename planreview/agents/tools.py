"""What the MCP tools do, without the SDK: review a plan confined to one repository,
list the rules, explain one. Bad input raises UserInputError, as on the CLI."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planreview.config import Settings, build_settings
from planreview.errors import UserInputError
from planreview.models import Report, at_or_above

ENGINES = ("rules", "auto", "llm")
FAIL_ON = ("none", "P1", "P2", "P3")


@dataclass(frozen=True)
class Reviewed:
    report: Report
    settings: Settings
    markdown: str

    @property
    def failing(self) -> list[str]:
        """Ids of the findings at or above fail_on (none when fail_on is none)."""
        return [f.id for f in at_or_above(self.report.findings, self.settings.fail_on)]


def confined(root: Path, path: str) -> Path:
    """`path` (relative to root, or absolute) resolved inside root; UserInputError else."""
    if not isinstance(path, str) or not path.strip():
        raise UserInputError("plan path is empty")
    base = root.resolve()
    candidate = Path(path)
    resolved = (candidate if candidate.is_absolute() else base / candidate).resolve()
    if not resolved.is_relative_to(base):
        raise UserInputError(f"plan {path} is outside the repository {base}")
    return resolved


def review_plan(
    root: Path, env: Mapping[str, str], plan: str, *, engine: str = "rules",
    reviewers: Sequence[str] | str | None = None, fail_on: str = "none",
) -> Reviewed:
    """Review one plan of the repository at root, as `planreview review` does."""
    from planreview.repo import open_repo
    from planreview.report import render
    from planreview.review import ReviewRequest, run_review

    if engine not in ENGINES:
        raise UserInputError(f"unknown engine {engine!r} (choose from {', '.join(ENGINES)})")
    if fail_on not in FAIL_ON:
        raise UserInputError(f"unknown fail_on {fail_on!r} (choose from {', '.join(FAIL_ON)})")
    plan_path = confined(root, plan)
    if isinstance(reviewers, list | tuple):
        reviewers = ",".join(str(r) for r in reviewers)
    repo = open_repo(root, search_parents=False)
    flags: dict[str, Any] = {"engine": engine, "reviewers": reviewers or None,
                             "fail_on": fail_on}
    settings = build_settings(flags, env, repo.root)
    if plan_path.is_dir():
        raise UserInputError(f"plan {plan} is a directory, not a Markdown file")
    request = ReviewRequest(plan_path=plan_path, repo=repo, settings=settings, repo_label=".")
    report = run_review(request)
    return Reviewed(report=report, settings=settings, markdown=render(report, "md"))


def rules_listing() -> list[dict[str, str]]:
    from planreview.reviewers import all_rules

    return [{"id": r.id, "specialist": r.category.value, "severity": r.severity.value,
             "summary": r.summary} for r in all_rules()]


def explain_rule(rule_id: object) -> str:
    from planreview.explain import explain_text

    if not isinstance(rule_id, str):
        raise UserInputError("rule id must be a string")
    return explain_text(rule_id)
