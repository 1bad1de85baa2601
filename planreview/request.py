"""What one review is asked to do (`ReviewRequest`) and how it reports progress.

Its own module so that the pipeline (`graph/`) and the library entry point
(`review.py`) both depend on it, not on each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from planreview.config import Settings
from planreview.repo import Repo


@dataclass(frozen=True)
class ProgressEvent:
    reviewer: str
    phase: str
    """'start', 'done' or 'failed'."""
    detail: str = ""


ProgressFn = Callable[[ProgressEvent], None]


@dataclass(frozen=True)
class ReviewRequest:
    plan_path: Path
    """The plan file on disk (ignored when `plan_text` is given)."""
    repo: Repo
    settings: Settings
    plan_text: str | None = None
    """Plan content when it does not come from disk (e.g. fetched through an API)."""
    plan_name: str | None = None
    """Repository-relative plan path to report; derived from plan_path when None."""
    repo_label: str | None = None
    """How the report names the repository (e.g. '.' as the user typed it); root when None."""
