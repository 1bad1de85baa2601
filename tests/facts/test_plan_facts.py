"""`compute_facts`: all plan facts at once, read from a real repository, and the notes
the report shows for them."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.facts import PlanFacts, compute_facts, facts_files
from planreview.plan import parse_plan
from planreview.repo import open_repo
from tests.conftest import GitRepoFactory

PLAN = """\
# Plan: order archive

NO real users - all demo data, clean cutover. `orders` has 10M+ rows in the
load-test copy; `tenant_settings` holds tens of rows per tenant.

## Current problem

```ts
const orders = await prisma.order.findMany();
```

## Proposed change

We add a new `order_archive` table.

```sql
CREATE TABLE order_archive (id text PRIMARY KEY, archived_at timestamptz);
CREATE INDEX CONCURRENTLY idx_orders_tenant ON orders (tenant_id);
```

## Local reset

```sql
-- WARNING: only run in development
TRUNCATE orders CASCADE;
```

## Tests

```ts
describe('archive', () => {
  beforeEach(async () => { await reset(); });
});
```
"""

SCHEMA = """\
datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model Order {
  id       String @id
  tenantId String
  @@map("orders")
}
"""


def facts_for(text: str, files: dict[str, str]) -> PlanFacts:
    return compute_facts(parse_plan(text, "docs/plans/archive.md"), files)


def test_facts_from_a_real_repository_at_its_ref(git_repo: GitRepoFactory) -> None:
    root = git_repo({
        "prisma/schema.prisma": SCHEMA,
        "package.json": json.dumps({"dependencies": {"@prisma/client": "^5"}}),
        "src/orders.ts": "export {}\n",
    })
    repo = open_repo(root, "main")
    facts = facts_for(PLAN, facts_files(repo))
    assert facts.dialect.dialect == "postgresql"
    assert facts.dialect.source == "prisma/schema.prisma"
    assert [r.role for r in facts.roles] == ["current", "proposed", "dev-only", "test"]
    assert facts.schema.creates_table("order_archive") is not None
    assert facts.schema.table_exists("orders") is True
    assert facts.scale.no_real_data is not None
    assert facts.scale.size_of("orders") == "large"


def test_notes_say_which_facts_the_review_relied_on() -> None:
    facts = facts_for(PLAN, {"prisma/schema.prisma": SCHEMA})
    assert facts.notes() == [
        'dialect: PostgreSQL (from prisma/schema.prisma:2 datasource provider "postgresql")',
        "scale: no real data yet (plan line 3: 'NO real users')",
        "scale: order ~10,000,000 rows (plan line 3: '10M+ rows')",
        "scale: tenant_setting tiny per tenant (plan line 4: 'tens of rows per tenant')",
        "tables the plan creates: order_archive",
        "skipped block at line 9: role=current (heading line 6 'Current problem')",
        "skipped block at line 24: role=dev-only "
        "(code line 24 'WARNING: only run in development')",
        "skipped block at line 31: role=test (code line 31 'describe('archive', () => {')",
        "environment: block at line 24 targets development "
        "(line 24: 'WARNING: only run in development')",
    ]


def test_lookups_by_line_answer_for_the_block_holding_it() -> None:
    facts = facts_for(PLAN, {"prisma/schema.prisma": SCHEMA})
    assert facts.is_proposal_line(17) is True
    assert facts.is_proposal_line(25) is False
    assert facts.is_proposal_line(3) is True  # prose is not a block
    dev_only = facts.role_at(25)
    assert dev_only is not None and dev_only.role == "dev-only"
    assert facts.blocks_with_role("test")[0].start_line == 31
    assert facts.dialect_at(18).dialect == "postgresql"
    assert facts.skip_reason(9) == "role=current (heading line 6 'Current problem')"
    assert facts.skip_reason(17) is None


def test_the_plans_words_stand_in_when_the_repository_says_nothing() -> None:
    facts = facts_for("# Plan\n\nThe Frappe site runs on MariaDB.\n\n```sql\nSELECT 1;\n```\n",
                      {})
    assert facts.repo_dialect.known is False
    assert facts.dialect.dialect == "mysql"
    assert facts.dialect_of(facts.roles[0].block).dialect == "mysql"


def test_a_block_that_speaks_another_dialect_is_noted() -> None:
    facts = facts_for("```sql\nSELECT `name` FROM `tabItem` WHERE x = %s;\n```\n",
                      {"prisma/schema.prisma": SCHEMA})
    assert "dialect of block at line 2: MySQL/MariaDB (from block:2 backtick identifiers)" \
        in facts.notes()


def test_many_skipped_blocks_are_summed_up() -> None:
    text = "## Before\n\n" + "```ts\nold();\n```\n\n" * 15
    notes = facts_for(text, {}).notes()
    assert sum(n.startswith("skipped block at") for n in notes) == 12
    assert "skipped block: 3 more not listed" in notes


def test_control_characters_in_evidence_do_not_reach_the_notes() -> None:
    facts = facts_for("## Before \x1b[31mred\n\n```ts\nold();\n```\n", {})
    assert all("\x1b" not in note for note in facts.notes())


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("#`-*:❌✅ \nabBefore()SQL;%s'\"")), max_size=300))
def test_compute_facts_never_raises_on_any_text(text: str) -> None:
    facts = facts_for(text, {"package.json": text, "prisma/schema.prisma": text})
    facts.notes()
