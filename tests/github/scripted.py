"""A scripted review function: answers queued reports, fails if one is never used."""

from __future__ import annotations

from dataclasses import dataclass, field

from planreview.models import Report
from planreview.review import ReviewRequest


@dataclass
class ScriptedReview:
    answers: list[Report] = field(default_factory=list)
    requests: list[ReviewRequest] = field(default_factory=list)

    def __call__(self, request: ReviewRequest) -> Report:
        assert self.answers, f"unexpected review of {request.plan_name}"
        self.requests.append(request)
        return self.answers.pop(0)

    def assert_consumed(self) -> None:
        assert not self.answers, f"{len(self.answers)} scripted report(s) never used"
