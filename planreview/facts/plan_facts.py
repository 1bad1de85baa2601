"""`PlanFacts`: everything rules need to know about a plan's context, computed once.

Block roles, SQL dialects (repository, plan, each block), stated scale, the schema
delta and target environments. `notes()` renders the facts a review relied on as short
lines for the report, so a user can see why a rule did or did not fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planreview.facts.dialect import (
    BlockDialect,
    DialectFact,
    block_dialects,
    plan_dialect,
    repo_dialect,
)
from planreview.facts.environment import EnvironmentFact, block_environments
from planreview.facts.roles import (
    BlockRole,
    BlockRoleFact,
    RoleEvidence,
    block_roles,
    segment_role,
)
from planreview.facts.scale import ScaleFact, StatedScale, stated_scale
from planreview.facts.schema_delta import SchemaDelta, schema_delta
from planreview.plan import CodeBlock, ParsedPlan

MAX_NOTES_PER_KIND = 12
"""Notes of one kind (skipped blocks, scales) beyond this are summed up in one line."""


@dataclass(frozen=True)
class PlanFacts:
    roles: tuple[BlockRoleFact, ...]
    """One per code block of the plan, in plan order."""
    repo_dialect: DialectFact
    plan_dialect: DialectFact
    block_dialects: tuple[BlockDialect, ...]
    """One per block holding SQL (fenced SQL, or SQL strings inside code)."""
    scale: StatedScale
    schema: SchemaDelta
    environments: tuple[EnvironmentFact, ...]
    """One per block whose target environment is stated."""

    # ------------------------------------------------------------------ lookups

    @property
    def dialect(self) -> DialectFact:
        """The review's dialect: the repository's when known, else the plan's words."""
        return self.repo_dialect if self.repo_dialect.known else self.plan_dialect

    def role_of(self, block: CodeBlock) -> BlockRoleFact:
        """The role of `block` (matched by its first line); proposed for an unknown block."""
        for fact in self.roles:
            if fact.block.start_line == block.start_line:
                return fact
        return BlockRoleFact(block, "proposed", RoleEvidence("default", None, ""))

    def role_at(self, line: int) -> BlockRoleFact | None:
        """The role of the block holding plan line `line`; None outside code blocks."""
        for fact in self.roles:
            if fact.block.start_line <= line <= max(fact.block.end_line, fact.block.start_line):
                return segment_role(fact, line)
        return None

    def is_proposal_line(self, line: int) -> bool:
        """False only when `line` sits in a block whose role is not the proposal."""
        fact = self.role_at(line)
        return fact is None or fact.is_proposal

    def skip_reason(self, line: int) -> str | None:
        """Why the code on plan line `line` is not the proposal ("role=current (heading
        line 3 'Before')"), or None when it is (or is not in a block)."""
        fact = self.role_at(line)
        return None if fact is None or fact.is_proposal else fact.describe()

    def blocks_with_role(self, *roles: BlockRole) -> tuple[CodeBlock, ...]:
        return tuple(f.block for f in self.roles if f.role in roles)

    def dialect_of(self, block: CodeBlock) -> DialectFact:
        """The dialect of `block`'s SQL: its own evidence, else the review's dialect."""
        for item in self.block_dialects:
            if item.block.start_line == block.start_line:
                return item.fact
        return self.dialect

    def dialect_at(self, line: int) -> DialectFact:
        """The dialect of the SQL on plan line `line` (the review's outside any block)."""
        fact = self.role_at(line)
        return self.dialect_of(fact.block) if fact is not None else self.dialect

    def environment_of(self, block: CodeBlock) -> EnvironmentFact | None:
        for item in self.environments:
            if item.block.start_line == block.start_line:
                return item
        return None

    # ------------------------------------------------------------------ notes

    def notes(self) -> list[str]:
        """Short lines for the report's notes: the facts the review relied on."""
        out = [f"dialect: {self.dialect.describe()}"]
        if self.repo_dialect.known and self.plan_dialect.known and \
                self.plan_dialect.dialect != self.repo_dialect.dialect:
            out.append(f"dialect: the plan speaks of {self.plan_dialect.describe()}")
        for item in self.block_dialects:
            if item.fact.source == "block" and item.fact.dialect != self.dialect.dialect:
                out.append(f"dialect of block at line {item.block.start_line}: "
                           f"{item.fact.describe()}")
        if self.scale.no_real_data is not None:
            fact = self.scale.no_real_data
            out.append(f"scale: no real data yet (plan line {fact.line}: '{fact.phrase}')")
        out.extend(_capped("scale", [f"scale: {f.describe()}" for f in _scales(self.scale)]))
        new = self.schema.new_tables
        if new:
            names = ", ".join(sorted({o.table for o in new}))
            out.append(f"tables the plan creates: {names}")
        skipped = [
            f"skipped block at line {f.line}: {f.describe()}"
            for f in self.roles if not f.is_proposal
        ]
        out.extend(_capped("skipped block", skipped))
        out.extend(_capped("environment", [f"environment: {e.describe()}"
                                           for e in self.environments]))
        return out


def _scales(scale: StatedScale) -> list[ScaleFact]:
    """One fact per table: the statement `size_of` relies on."""
    seen: dict[str, ScaleFact] = {}
    for fact in scale.facts:
        if fact.table not in seen:
            chosen = scale.evidence_for(fact.table)
            if chosen is not None and chosen.table:
                seen[fact.table] = chosen
    return list(seen.values())


def _capped(kind: str, lines: list[str]) -> list[str]:
    if len(lines) <= MAX_NOTES_PER_KIND:
        return lines
    rest = len(lines) - MAX_NOTES_PER_KIND
    return [*lines[:MAX_NOTES_PER_KIND], f"{kind}: {rest} more not listed"]


def compute_facts(plan: ParsedPlan, repo_files: Mapping[str, str]) -> PlanFacts:
    """All plan facts, from the plan and repository files (path -> text): the referenced
    files plus the configuration and schema files `facts_files` reads. Never raises on
    any plan or file text."""
    roles = block_roles(plan)
    repo = repo_dialect(repo_files)
    words = plan_dialect(plan)
    fallback = repo if repo.known else words
    return PlanFacts(
        roles=roles,
        repo_dialect=repo,
        plan_dialect=words,
        block_dialects=block_dialects(plan, fallback=fallback),
        scale=stated_scale(plan),
        schema=schema_delta(plan, roles, repo_files),
        environments=block_environments(plan, roles),
    )
