"""The pipeline's state: one typed model, plus the per-reviewer task and run context.

Fan-in fields declare their reducer: each `review` branch appends to `reviewer_findings`
and `reviewer_runs`, and LangGraph concatenates them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from planreview.config import Settings
from planreview.models import Dropped, Finding, Report, ReviewerRun, SkippedReference
from planreview.plan import ParsedPlan
from planreview.repo import Repo, RepoContext
from planreview.request import ProgressFn, ReviewRequest

if TYPE_CHECKING:
    from planreview.llm import LLMClient


class ReviewState(BaseModel):
    """Everything the pipeline knows about one review, as it fills in."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    plan: ParsedPlan | None = None
    """Set by load_plan."""
    context: RepoContext | None = None
    """Referenced repository files, set by load_context."""
    skipped: list[SkippedReference] = Field(default_factory=list)
    """References not loaded, with the reason."""
    rule_findings: dict[str, list[Finding]] = Field(default_factory=dict)
    """Specialty -> what its deterministic rules found (set by analyze)."""
    rule_errors: dict[str, str] = Field(default_factory=dict)
    """Specialty -> why its rules could not run."""
    suppressed: dict[str, int] = Field(default_factory=dict)
    """Specialty -> findings silenced by planreview-ignore comments."""
    notes: Annotated[list[str], operator.add] = Field(default_factory=list)
    """Facts for the reader: blocks not analysed, context left out, ..."""
    reviewer_findings: Annotated[list[Finding], operator.add] = Field(default_factory=list)
    """What each specialist returned, before merging."""
    reviewer_runs: Annotated[list[ReviewerRun], operator.add] = Field(default_factory=list)
    """How each specialist's run went."""
    findings: list[Finding] = Field(default_factory=list)
    """Merged (then verified) findings."""
    dropped: dict[str, Dropped] = Field(default_factory=dict)
    """Reviewer -> findings that did not reach the report, by reason."""
    report: Report | None = None


class ReviewTask(BaseModel):
    """The input of one `review` branch (a LangGraph Send payload)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    reviewer: str
    plan: ParsedPlan
    context: RepoContext
    rule_findings: list[Finding]
    rule_error: str | None = None


@dataclass
class RunContext:
    """Run-scoped resources the nodes use but that are not state (LangGraph runtime context)."""

    request: ReviewRequest
    progress: ProgressFn | None = None
    now: Callable[[], datetime] | None = None
    llm: LLMClient | None = None
    """The run's client (one per run: its token ceiling is the run's); set by `run_review`
    for an LLM run, None for a rules-only one."""

    @property
    def settings(self) -> Settings:
        return self.request.settings

    @property
    def repo(self) -> Repo:
        return self.request.repo

    @property
    def plan_path(self) -> Path:
        return self.request.plan_path

    @property
    def plan_text(self) -> str | None:
        return self.request.plan_text

    @property
    def plan_name(self) -> str | None:
        return self.request.plan_name

    @property
    def repo_label(self) -> str | None:
        return self.request.repo_label


class NodeRuntime(Protocol):
    """What a node uses of LangGraph's `Runtime[RunContext]`: the run context.

    Nodes are annotated with this instead of LangGraph's class so that importing them does
    not import LangGraph (graph/direct.py runs them without it). LangGraph injects its
    Runtime by the parameter's name, `runtime`, and it has this shape.
    """

    @property
    def context(self) -> RunContext: ...
