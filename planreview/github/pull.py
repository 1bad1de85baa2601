"""Review one pull request's changed plans and publish the results: the part the Action
and the App server share.

For each changed plan (settings `plans` globs, minus `exclude`): read it and its
referenced files at the head SHA through the API, skip it when nothing it depends on
changed since its sticky comment was written, else review it, edit (or post) its sticky
comment and create a check run. A token that may not write (a fork PR's GITHUB_TOKEN)
turns publishing off and is reported: the caller says so loudly.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal

from planreview.config import Settings
from planreview.errors import UserInputError
from planreview.github.api import GitHubClient, PermissionDeniedError
from planreview.github.apirepo import ApiRepo
from planreview.github.checks import conclusion_for, finding_annotations, publish_check
from planreview.github.comment import (
    CommentParts,
    Sticky,
    find_sticky,
    marker_for,
    render_comment,
    resolved_labels,
)
from planreview.github.render import SafeMarkdown
from planreview.github.repoconfig import settings_at
from planreview.models import Report
from planreview.plan import parse_plan_text
from planreview.repo import SkipError, find_files, is_plan_path
from planreview.report.markdown import render_markdown
from planreview.review import ReviewRequest, run_review

log = logging.getLogger(__name__)

TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
ReviewFn = Callable[[ReviewRequest], Report]
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f`<>]")


@dataclass(frozen=True)
class PullRequest:
    repo: str
    number: int
    head_sha: str
    base_sha: str
    fork: bool
    association: str
    draft: bool = False

    @classmethod
    def from_payload(cls, pull: Mapping[str, Any], repo: str) -> PullRequest:
        head, base = pull["head"], pull["base"]
        head_repo = (head.get("repo") or {}).get("full_name")
        return cls(
            repo=repo, number=int(pull["number"]), head_sha=str(head["sha"]),
            base_sha=str(base["sha"]), fork=head_repo != repo,
            association=str(pull.get("author_association", "NONE")),
            draft=bool(pull.get("draft", False)),
        )

    @property
    def trusted(self) -> bool:
        """Whether the PR's own config may be used (same repository, trusted author)."""
        return not self.fork and self.association in TRUSTED_ASSOCIATIONS


Status = Literal["reviewed", "unchanged", "unreadable"]


@dataclass
class PlanOutcome:
    plan: str
    status: Status
    conclusion: str
    report: Report | None = None
    full_markdown: str = ""
    """The whole sanitized report (for the job summary); empty when not reviewed."""
    error: str | None = None


@dataclass
class PullResult:
    settings: Settings
    outcomes: list[PlanOutcome] = field(default_factory=list)
    read_only: str | None = None
    """Why nothing could be published (a read-only token), else None."""


def _default_review(request: ReviewRequest) -> Report:
    return run_review(request)


@dataclass
class PullReviewer:
    client: GitHubClient
    bot_login: str
    flags: Mapping[str, Any] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    review: ReviewFn = _default_review
    server_url: str = "https://github.com"
    full_report_hint: str = "The full report is in the workflow run's job summary."
    check_name: str = "planreview"

    def run(self, pr: PullRequest, only_plan: str | None = None, *,
            force: bool = False) -> PullResult:
        """Review the PR's changed plans; `force` re-reviews unchanged ones too (a
        `/planreview` command asks for a fresh review)."""
        config_ref = pr.head_sha if pr.trusted else pr.base_sha
        settings = settings_at(self.client, pr.repo, config_ref, self.flags, self.env)
        result = PullResult(settings=settings)
        plans = self._changed_plans(pr, settings)
        if only_plan is not None:
            plans = [p for p in plans if p == only_plan]
        log.info("pull review repo=%s pr=%d head=%s plans=%d config_ref=%s",
                 pr.repo, pr.number, pr.head_sha[:12], len(plans),
                 "head" if pr.trusted else "base")
        if not plans:
            return result
        comments = self.client.issue_comments(pr.repo, pr.number)
        safe = SafeMarkdown((f"{self.server_url.rstrip('/')}/{pr.repo}/",))
        for plan in plans:
            sticky = find_sticky(comments, plan, self.bot_login)
            outcome = self._one(pr, plan, sticky, settings, safe, result, force=force)
            result.outcomes.append(outcome)
        return result

    def _changed_plans(self, pr: PullRequest, settings: Settings) -> list[str]:
        plans = [
            f.filename for f in self.client.pull_files(pr.repo, pr.number)
            if f.status != "removed" and is_plan_path(f.filename, settings.plans, settings.exclude)
        ]
        unsafe = [p for p in plans if _UNSAFE_NAME.search(p)]
        if unsafe:
            # A file name is PR content too: one with a newline, backtick or angle
            # bracket could break out of the Markdown that names it (comment heading,
            # check run summary, job summary). Git allows them; reviews do not need them.
            log.warning("plans skipped repo=%s pr=%d reason=unsafe-file-name count=%d",
                        pr.repo, pr.number, len(unsafe))
        return [p for p in plans if p not in unsafe]

    def _one(self, pr: PullRequest, plan: str, sticky: Sticky | None, settings: Settings,
             safe: SafeMarkdown, result: PullResult, *, force: bool = False) -> PlanOutcome:
        repo = ApiRepo(self.client, pr.repo, pr.head_sha)
        try:
            text = repo.read_text(plan)
        except SkipError as exc:
            return PlanOutcome(plan, "unreadable", "neutral", error=str(exc))
        digest = inputs_hash(repo, plan, text, settings)
        if sticky is not None and sticky.marker.hash == digest and not force:
            conclusion = conclusion_for(sticky.marker.severities(), settings, False)
            log.info("plan unchanged repo=%s pr=%d plan=%s", pr.repo, pr.number, plan)
            self._check(pr, plan, result, conclusion, "Unchanged since the last review",
                        f"`{plan}` and the files it references are unchanged since the last "
                        "review; its findings stand.", [])
            return PlanOutcome(plan, "unchanged", conclusion)
        try:
            report = self.review(ReviewRequest(
                plan_path=Path(plan), repo=repo, settings=settings, plan_text=text,
                plan_name=plan, repo_label=pr.repo,
            ))
        except UserInputError as exc:
            return PlanOutcome(plan, "unreadable", "neutral", error=str(exc))
        # An incomplete review (a reviewer failed) must be retried on the next push even
        # when nothing changed: its marker gets a hash no input can produce.
        marker = marker_for(report, f"incomplete-{digest}" if report.incomplete else digest)
        parts = CommentParts(
            commit=pr.head_sha,
            resolved=resolved_labels(sticky.marker if sticky else None, report.findings),
            full_report_hint=self.full_report_hint,
        )
        body = render_comment(report, marker, parts, safe)
        self._comment(pr, sticky, body, result)
        severities = [f.severity for f in report.findings]
        conclusion = conclusion_for(severities, settings, report.incomplete)
        s = report.summary
        self._check(pr, plan, result, conclusion,
                    f"{s.P1} P1, {s.P2} P2, {s.P3} P3 in {plan}",
                    f"planreview found {s.total} finding(s) in `{plan}`; see the PR comment.",
                    finding_annotations(report))
        return PlanOutcome(plan, "reviewed", conclusion, report=report,
                           full_markdown=safe.clean(render_markdown(report)))

    def _comment(self, pr: PullRequest, sticky: Sticky | None, body: str,
                 result: PullResult) -> None:
        if result.read_only:
            return
        try:
            if sticky is None:
                self.client.create_comment(pr.repo, pr.number, body)
            else:
                self.client.update_comment(pr.repo, sticky.comment_id, body)
        except PermissionDeniedError as exc:
            result.read_only = f"cannot write PR comments ({exc.status}: token is read-only)"

    def _check(self, pr: PullRequest, plan: str, result: PullResult, conclusion: str,
               title: str, summary: str, notes: list[dict[str, Any]]) -> None:
        if result.read_only:
            return
        try:
            publish_check(self.client, pr.repo, pr.head_sha, name=f"{self.check_name}: {plan}",
                          conclusion=conclusion, title=title, summary=summary, notes=notes)
        except PermissionDeniedError as exc:
            result.read_only = f"cannot create check runs ({exc.status}: token is read-only)"


def inputs_hash(repo: ApiRepo, plan: str, text: str, settings: Settings) -> str:
    """What a review of `plan` depends on: its text, the referenced files (or why they
    cannot be read), the settings that change findings, and planreview's version."""
    digest = hashlib.sha256(text.encode())
    references = sorted({r.path for r in parse_plan_text(text, plan).references})
    for path in references:
        try:
            content = repo.read_text(path)
        except SkipError as exc:
            content = f"skipped: {exc}"
        digest.update(b"\0" + path.encode() + b"\0" + content.encode())
    digest.update(json.dumps({
        "version": _version(), "llm": settings.use_llm, "model": settings.model,
        "reviewers": list(settings.reviewers), "disable": list(settings.disable),
        "severity": {k: v.value for k, v in settings.severity.items()},
    }, sort_keys=True).encode())
    # Prisma schemas are read without being cited; a change there must re-review.
    for path in find_files(repo, "**/schema.prisma")[:5]:
        with contextlib.suppress(SkipError):
            digest.update(repo.read_text(path).encode())
    return digest.hexdigest()[:20]


def _version() -> str:
    try:
        return version("planreview")
    except PackageNotFoundError:
        return "0"
