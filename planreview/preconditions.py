"""Rule preconditions, enforced once for every rule: which block roles it reads and which
SQL dialects it holds for (declared on `@rule(...)`, see `planreview.rules.rule`).

A hit is judged by its locations in the plan. Locations in repository files are the code
as it is at the reviewed ref, so roles do not apply to them; a hit with no plan location
is kept as it is (only the scale precondition applies to it).

- roles: a hit whose plan locations all lie in code blocks of roles the rule does not
  read (the current code under "Before", a rejected alternative, a test, a dev-only
  script) is dropped. Prose lines outside code blocks are the plan's own words: kept.
- unknown_scale="skip": a rule whose cost grows with row counts (a write per row, a
  query per row) keeps its hits only when the plan states a table of a thousand rows
  or more; a plan with no stated scale, or one saying there is no real data yet, gets
  a skip line instead.
- dialects: a hit whose plan SQL is of a known dialect the rule does not hold for is
  dropped ("CONCURRENTLY" on SQLite); when the dialect is unknown the hit is kept at
  lower confidence and its text says which dialect it assumed.

Every drop becomes one `Skip` line for the report's notes, so a reader sees what was left
out and why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from planreview.facts.dialect import DISPLAY, Dialect
from planreview.models import Confidence

if TYPE_CHECKING:
    from planreview.rules import Hit, Rule, RuleContext

UNKNOWN_DIALECT_CONFIDENCE: Confidence = 50
"""The confidence of a dialect-specific hit when no dialect is known."""


@dataclass(frozen=True)
class Skip:
    line: str
    """"Skipped rule-id at plan line N: why"."""


def check_preconditions(r: Rule, hit: Hit, ctx: RuleContext) -> Hit | Skip:
    """`hit` itself, `hit` with lowered confidence and the assumption stated, or a Skip."""
    scale = _scale_skip(r, hit, ctx)
    if scale is not None:
        where = hit.locations[0] if hit.locations else None
        at = f" at {where.path}:{where.start_line}" if where is not None else ""
        return Skip(f"Skipped {r.id}{at}: {scale}")
    plan_lines = [loc.start_line for loc in hit.locations if loc.path == ctx.plan.path]
    if not plan_lines:
        return hit
    facts = ctx.facts
    roles = [facts.role_at(n) for n in plan_lines]
    if all(f is not None and f.role not in r.roles for f in roles):
        first = next(f for f in roles if f is not None)
        return Skip(f"Skipped {r.id} at plan line {plan_lines[0]}: the block is not the "
                    f"proposal ({first.describe()})")
    if r.dialects is None:
        return hit
    dialects = [facts.dialect_at(n) for n in plan_lines]
    known = [d for d in dialects if d.known]
    if known and all(d.dialect not in r.dialects for d in known):
        return Skip(f"Skipped {r.id} at plan line {plan_lines[0]}: it holds for "
                    f"{_names(r.dialects)} only; the SQL is {known[0].describe()}")
    if known:
        return hit
    assumed = _names(r.dialects)
    return replace(
        hit,
        confidence=min(hit.confidence, UNKNOWN_DIALECT_CONFIDENCE),
        issue=f"{hit.issue} (Assuming {assumed}: neither the plan nor the repository "
              f"names its database.)",
    )


def _scale_skip(r: Rule, hit: Hit, ctx: RuleContext) -> str | None:
    """Why a scale-bound rule's hit is dropped, or None to keep it.

    Per table when the hit names its tables and every size the plan states is tied to a
    table: a loop over a session's students is not large because the plan says the
    events table has 6M rows. Any size stated for the hit's own tables keeps it (the
    rule's severity weighs it: experts still flag one insert per row of ~1,000 packages
    inside a transaction)."""
    if r.unknown_scale != "skip":
        return None
    stated = ctx.facts.scale
    if stated.no_real_data is not None:
        return (f"the plan states there is no real data yet (line {stated.no_real_data.line}: "
                f"'{stated.no_real_data.phrase}')")
    sized = [f for f in stated.facts if f.size in ("small", "large")]
    if not sized:
        return ("the plan states no table size of a thousand rows or more, and a per-row cost "
                "over an unstated number of rows is not a finding")
    if not hit.tables:
        return None
    if any(stated.for_table(t) for t in hit.tables):
        return None  # a size the plan states for these rows: the rule weighs it
    named = ", ".join(dict.fromkeys(f.table for f in sized))
    return (f"the plan states sizes for {named}, none for "
            f"{', '.join(hit.tables)}, whose rows this cost grows with")


def _names(dialects: tuple[Dialect, ...]) -> str:
    return " or ".join(DISPLAY[d] for d in dialects)
