"""The four specialists. Each module declares its name, its prompt file and its rules.

Importing this package registers every rule (see `planreview.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass

from planreview.reviewers import caching, indexing, migration, performance


@dataclass(frozen=True)
class Specialist:
    name: str
    prompt: str
    """File name under planreview/prompts/."""
    focus: str
    """One line: what this specialist looks at."""


SPECIALISTS: dict[str, Specialist] = {
    m.NAME: Specialist(m.NAME, m.PROMPT, m.FOCUS)
    for m in (performance, migration, indexing, caching)
}
