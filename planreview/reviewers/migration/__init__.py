"""The migration specialist: its deterministic rules and its prompt.

The SQL rules read the statements the plan itself writes (SQL blocks and raw SQL in its
code blocks): migrations already in the repository have run, and are not the plan's
problem. A table counts as existing unless the plan creates it (CREATE TABLE earlier in
the plan, or a Prisma model the plan adds): DDL on a brand-new, empty table is harmless.
"""

from __future__ import annotations

import re

from planreview.reviewers.migration import (
    columns,
    constraints,
    contract,
    locks,
    renames,
    timeouts,
    transactions,
)
from planreview.rules import Specialist, rules_in

SPECIALIST = Specialist(
    name="migration",
    prompt="migration.md",
    focus="DDL locks, rewrites, backfills, transactions and rollback paths",
    relevant=re.compile(r"migrat|schema|\.sql$|\.prisma$|seed|deploy", re.I),
    rules=rules_in(columns, constraints, contract, locks, renames, timeouts, transactions),
)
