"""Parsers for what plans contain: SQL, Prisma schema, ORM/query code, stated scale.

`Artifacts` parses each kind once, lazily, from the plan's code blocks and the loaded
repository files, and every rule shares the result. A block that does not parse is
recorded in `unparsed` (never raised): the review goes on without it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planreview.artifacts.code import CodeUnit
    from planreview.artifacts.prisma import PrismaSchema
    from planreview.artifacts.scale import Scale
    from planreview.artifacts.sql import SqlStatement
    from planreview.plan import ParsedPlan
    from planreview.repo import Repo, RepoContext


@dataclass(frozen=True)
class Unparsed:
    """A block or file we could not analyse, and why (shown in the report's notes)."""

    path: str
    start_line: int
    kind: str
    reason: str


@dataclass
class Artifacts:
    plan: ParsedPlan
    context: RepoContext
    repo: Repo | None = None
    unparsed: list[Unparsed] = field(default_factory=list)

    @cached_property
    def sql(self) -> list[SqlStatement]:
        """SQL statements from the plan's sql blocks, raw-SQL template literals in code
        blocks, and loaded migration files; each with exact lines."""
        from planreview.artifacts.sql import extract_statements

        return extract_statements(self)

    @cached_property
    def prisma(self) -> PrismaSchema:
        """The repo's current Prisma schema merged with the plan's prisma blocks."""
        from planreview.artifacts.prisma import build_schema

        return build_schema(self)

    @cached_property
    def code(self) -> list[CodeUnit]:
        """TypeScript/Python snippets from the plan and loaded files, scanned for query
        calls, loops, awaits, transactions and cache calls."""
        from planreview.artifacts.code import extract_code

        return extract_code(self)

    @cached_property
    def scale(self) -> Scale:
        """Row counts and sizes the plan states (`<10000 bookings`, `2M rows`)."""
        from planreview.artifacts.scale import stated_scale

        return stated_scale(self.plan)
