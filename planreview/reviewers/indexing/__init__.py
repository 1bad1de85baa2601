"""The indexing specialist: its deterministic rules and its prompt.

The rules compare what the plan queries and relates (Prisma relations, `where`
objects in its code blocks, SQL WHERE / ON CONFLICT / REFERENCES) against the indexes
of the merged schema: the repository's schema with the plan's models applied, plus the
indexes the plan's SQL creates. Only what the plan adds or changes is flagged.
"""

from __future__ import annotations

import re

from planreview.reviewers.indexing import foreign_keys, queries, redundant, upserts
from planreview.rules import Specialist, rules_in

SPECIALIST = Specialist(
    name="indexing",
    prompt="indexing.md",
    focus="missing, redundant and misordered indexes for the plan's queries",
    relevant=re.compile(
        r"schema|\.sql$|\.prisma$|repositor|model|findMany|findFirst|where:|SELECT ", re.I
    ),
    rules=rules_in(foreign_keys, queries, redundant, upserts),
)
