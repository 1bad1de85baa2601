"""Exceptions, named for who is at fault.

* `UserInputError` — the user gave us something we cannot use (a missing plan, a bad
  ref, broken config). The CLI prints one `Error: ...` line and exits 2.
* `ReviewerError` — a model misbehaved or could not be reached (bad JSON after repair,
  timeouts, 5xx after retries). The reviewer is recorded as failed; the review goes on.
* Anything else is our bug and surfaces as a traceback in tests.
"""

from __future__ import annotations


class PlanReviewError(Exception):
    """Base class for errors planreview expects and reports."""


class UserInputError(PlanReviewError):
    """Bad input from the user: exit code 2 with a one-line message."""


class ReviewerError(PlanReviewError):
    """A reviewer could not produce findings (model failure, budget exhausted, ...)."""


class ModelBehaviorError(ReviewerError):
    """The model answered, but not with something we can use (even after one repair)."""


class ModelUnavailableError(ReviewerError):
    """The model endpoint failed: timeouts, 429/5xx after retries, auth errors."""


class BudgetExceededError(ReviewerError):
    """The per-run token ceiling was reached before this call."""
