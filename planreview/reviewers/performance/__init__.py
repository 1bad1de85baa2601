"""The performance specialist: its deterministic rules and its prompt.

The rules read the code scanner's units (`ctx.artifacts.code`): the plan's code blocks
and the repository files it loads. Repository code counts only where the plan points at
it (a cited line range, or a function the plan calls by name). Pre-existing code the plan
does not touch is not the plan's problem.
"""

from __future__ import annotations

import re

from planreview.reviewers.performance import awaits, external, queries, writes
from planreview.rules import Specialist, rules_in

SPECIALIST = Specialist(
    name="performance",
    prompt="performance.md",
    focus="queries, loops, round-trips and transactions on hot paths",
    relevant=re.compile(
        r"service|repositor|controller|handler|route|worker|job|findMany|\$transaction|await",
        re.I,
    ),
    rules=rules_in(awaits, external, queries, writes),
)
