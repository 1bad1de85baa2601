"""The four specialists, each a package declaring one `Specialist` value (its whole identity).

Adding a specialist: its own package under `planreview/reviewers/`, and one line here.
Nothing registers on import: callers take rule sets from `SPECIALISTS` and hand them
to `planreview.rules.run_rules`.
"""

from __future__ import annotations

from collections.abc import Iterable

from planreview.reviewers import caching, indexing, migration, performance
from planreview.rules import Rule, Specialist

SPECIALISTS: dict[str, Specialist] = {
    s.name: s
    for s in (performance.SPECIALIST, migration.SPECIALIST, indexing.SPECIALIST, caching.SPECIALIST)
}


def all_rules() -> list[Rule]:
    """Every built-in rule, sorted by specialty then id."""
    rules = [r for s in SPECIALISTS.values() for r in s.rules]
    return sorted(rules, key=lambda r: (r.category.value, r.id))


def rule_sets(names: Iterable[str]) -> dict[str, tuple[Rule, ...]]:
    """Specialty -> its rules, for `run_rules`, in the order given."""
    return {name: SPECIALISTS[name].rules for name in names}
