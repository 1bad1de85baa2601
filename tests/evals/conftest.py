"""The scripted-review fixture: fails the test when a scripted answer is never used."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from planreview.models import Report
from tests.evals.evalkit import ScriptedReview


@pytest.fixture
def scripted() -> Iterator[Callable[[dict[str, Report | Exception]], ScriptedReview]]:
    made: list[ScriptedReview] = []

    def make(script: dict[str, Report | Exception]) -> ScriptedReview:
        fake = ScriptedReview(dict(script))
        made.append(fake)
        return fake

    yield make
    for fake in made:
        assert not fake.script, f"scripted answers never consumed: {sorted(fake.script)}"
