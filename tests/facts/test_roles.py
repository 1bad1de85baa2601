"""Block roles: which code blocks are the plan's proposal, and which are context."""

from __future__ import annotations

import pytest

from planreview.facts.plan_facts import compute_facts
from planreview.facts.roles import BlockRoleFact, block_roles
from planreview.plan import parse_plan


def roles_of(text: str) -> list[BlockRoleFact]:
    return list(block_roles(parse_plan(text, "docs/plans/p.md")))


def only_role(text: str) -> BlockRoleFact:
    roles = roles_of(text)
    assert len(roles) == 1
    return roles[0]


def test_code_under_a_before_heading_is_the_current_code() -> None:
    fact = only_role(
        "# Speed up the order list\n\n"
        "## Before\n\n"
        "```ts\n"
        "for (const o of orders) {\n"
        "  o.items = await prisma.item.findMany({ where: { orderId: o.id } });\n"
        "}\n"
        "```\n"
    )
    assert fact.role == "current"
    assert fact.evidence.source == "heading"
    assert fact.evidence.line == 3
    assert fact.describe() == "role=current (heading line 3 'Before')"


def test_a_current_problem_heading_marks_the_shown_code_current() -> None:
    fact = only_role(
        "## 2. Current problem\n\n"
        "The dashboard runs one query per tenant.\n\n"
        "```sql\nSELECT * FROM invoices WHERE tenant_id = $1;\n```\n"
    )
    assert fact.role == "current"


def test_a_fix_label_inside_a_current_problem_section_is_the_proposal() -> None:
    roles = roles_of(
        "## Current problem\n\n"
        "```sql\nSELECT * FROM invoices WHERE tenant_id = $1;\n```\n\n"
        "**Fix:**\n\n"
        "```sql\nCREATE INDEX CONCURRENTLY idx_invoices_tenant ON invoices (tenant_id);\n```\n"
    )
    assert [r.role for r in roles] == ["current", "proposed"]
    assert roles[1].evidence.source == "label"


def test_a_before_and_after_heading_decides_nothing_by_itself() -> None:
    roles = roles_of(
        "## Before and after\n\n"
        "Before:\n\n```ts\nconst a = await load();\n```\n\n"
        "After:\n\n```ts\nconst a = await loadCached();\n```\n"
    )
    assert [r.role for r in roles] == ["current", "proposed"]


@pytest.mark.parametrize(
    "label",
    ["**Before:**", "Before (current):", "Current implementation:", "Existing code:",
     "❌ Current", "Today:", "BEFORE", "**1. Indexes (Already Implemented)**",
     "Indexes (already in place):"],
)
def test_current_code_labels(label: str) -> None:
    fact = only_role(f"## Caching\n\n{label}\n\n```ts\nconst user = await db.user.find(id);\n```\n")
    assert fact.role == "current"


def test_a_label_saying_what_will_be_implemented_is_still_the_proposal() -> None:
    fact = only_role(
        "## Indexes\n\n**1. Indexes (to be implemented)**\n\n"
        "```sql\nCREATE INDEX created_at_idx ON cached_address (created_at);\n```\n"
    )
    assert fact.role == "proposed"


def test_a_cross_mark_with_dont_is_a_rejected_alternative() -> None:
    fact = only_role("❌ Don't do this:\n\n```ts\ncache.set(`user:${id}`, user);\n```\n")
    assert fact.role == "rejected"
    assert fact.evidence.text == "❌ Don't do this:"


@pytest.mark.parametrize(
    ("heading", "role"),
    [
        ("## Rejected alternative: trigger-based sync", "rejected"),
        ("## Alternatives considered", "rejected"),
        ("### Anti-patterns", "rejected"),
        ("## Existing schema", "current"),
        ("## Step 3: Tests", "test"),
        ("## Seed data", "seed"),
        ("## Example usage", "example"),
    ],
)
def test_headings_give_their_blocks_a_role(heading: str, role: str) -> None:
    fact = only_role(f"{heading}\n\n```sql\nUPDATE orders SET status = 'done';\n```\n")
    assert fact.role == role


def test_instead_of_this_introduces_a_rejected_block() -> None:
    fact = only_role(
        "## Backfill\n\nInstead of this:\n\n```sql\nUPDATE orders SET archived = false;\n```\n"
    )
    assert fact.role == "rejected"


def test_a_paragraph_saying_dont_do_this_rejects_the_block() -> None:
    fact = only_role(
        "## Migration\n\n"
        "A single UPDATE would lock the whole table for minutes. Don't do this in one\n"
        "statement:\n\n"
        "```sql\nUPDATE orders SET region = 'eu';\n```\n"
    )
    assert fact.role == "rejected"
    assert fact.evidence.source == "prose"


def test_a_sentence_describing_the_current_code_marks_it_current() -> None:
    fact = only_role(
        "## Scope\n\n"
        "The endpoint is slow. Currently the handler loads every session:\n\n"
        "```ts\nconst sessions = await prisma.session.findMany();\n```\n"
    )
    assert fact.role == "current"


def test_jest_test_code_is_test_code() -> None:
    fact = only_role(
        "## Phase 2: Implementation\n\n"
        "```ts\n"
        "describe('OrderService', () => {\n"
        "  beforeEach(async () => {\n"
        "    await prisma.$executeRaw`TRUNCATE orders CASCADE`;\n"
        "  });\n"
        "  it('lists orders', async () => {});\n"
        "});\n"
        "```\n"
    )
    assert fact.role == "test"
    assert fact.evidence.source == "code"
    assert fact.evidence.line == 4


def test_pytest_functions_and_test_file_labels_are_test_code() -> None:
    roles = roles_of(
        "## Phase 3\n\n"
        "```python\ndef test_invoice_totals(db):\n    assert total(db) == 10\n```\n\n"
        "In `apps/api/src/__tests__/orders.test.ts`:\n\n"
        "```ts\nconst order = makeOrder();\n```\n"
    )
    assert [r.role for r in roles] == ["test", "test"]


def test_a_script_marked_dev_only_is_dev_only() -> None:
    fact = only_role(
        "## Phase 4: Reset tooling\n\n"
        "```sql\n"
        "-- WARNING: only run in development\n"
        "TRUNCATE TABLE bookings, payments, customers CASCADE;\n"
        "```\n"
    )
    assert fact.role == "dev-only"
    assert fact.evidence.line == 4
    assert fact.evidence.text == "WARNING: only run in development"


def test_dev_only_prose_above_a_block_marks_it() -> None:
    fact = only_role(
        "## Local setup\n\n"
        "For local development only, reset the database with:\n\n"
        "```bash\npsql $DATABASE_URL -c 'DROP SCHEMA public CASCADE'\n```\n"
    )
    assert fact.role == "dev-only"


def test_a_production_guard_in_the_code_marks_it_dev_only() -> None:
    fact = only_role(
        "## Seed\n\n```ts\n"
        "if (process.env.NODE_ENV === 'production') throw new Error('refusing');\n"
        "await prisma.order.deleteMany();\n```\n"
    )
    assert fact.role == "dev-only"


def test_a_seed_file_label_marks_seed_code() -> None:
    fact = only_role(
        "## Phase 1\n\nAdd to `prisma/seed.ts`:\n\n"
        "```ts\nawait prisma.plan.createMany({ data: plans });\n```\n"
    )
    assert fact.role == "seed"


# ------------------------------------------------------------------ near misses


def test_before_in_a_sentence_leaves_the_proposal_proposed() -> None:
    fact = only_role(
        "## Phase 2: Migration\n\n"
        "Run this before deploying the API, so the column exists when the code reads it:\n\n"
        "```sql\nALTER TABLE orders ADD COLUMN archived_at timestamptz;\n```\n"
    )
    assert fact.role == "proposed"
    assert fact.evidence.source == "default"


def test_a_heading_that_mentions_the_current_problem_later_is_still_the_plan() -> None:
    fact = only_role(
        "## Phase 1: Fix the current problem with slow exports\n\n"
        "```sql\nCREATE INDEX CONCURRENTLY idx_exports_user ON exports (user_id);\n```\n"
    )
    assert fact.role == "proposed"


def test_instead_of_in_a_proposal_sentence_keeps_it_proposed() -> None:
    fact = only_role(
        "## Indexing\n\n"
        "Use a partial index instead of a full one, since only open orders are queried:\n\n"
        "```sql\nCREATE INDEX CONCURRENTLY idx_open ON orders (created_at) WHERE open;\n```\n"
    )
    assert fact.role == "proposed"


def test_words_like_latest_or_submit_in_code_are_not_test_code() -> None:
    fact = only_role(
        "## API\n\n```ts\nconst latest = await submit(form);\n"
        "items.forEach((it) => log(it));\n```\n"
    )
    assert fact.role == "proposed"


def test_a_before_heading_earlier_in_the_plan_does_not_reach_a_later_section() -> None:
    roles = roles_of(
        "## Before\n\n```ts\nold();\n```\n\n## After\n\n```ts\nnewer();\n```\n\n"
        "## Rollout\n\n```sql\nSELECT 1;\n```\n"
    )
    assert [r.role for r in roles] == ["current", "proposed", "proposed"]


def test_a_comment_about_production_in_code_is_not_dev_only() -> None:
    fact = only_role(
        "## Deploy\n\n```sql\n-- runs in production during the 02:00 window\n"
        "CREATE INDEX CONCURRENTLY idx_a ON a (b);\n```\n"
    )
    assert fact.role == "proposed"


def test_a_local_seed_script_is_dev_only() -> None:
    fact = only_role(
        "## Phase 5\n\nThe local seed wipes everything first:\n\n"
        "```ts\nawait prisma.booking.deleteMany();\nawait prisma.customer.deleteMany();\n```\n"
    )
    assert fact.role == "dev-only"


@pytest.mark.parametrize("label", ["Example output:", "For example:", "Sample response:"])
def test_example_labels_mark_examples(label: str) -> None:
    fact = only_role(f"## API\n\n{label}\n\n```json\n{{\"orders\": []}}\n```\n")
    assert fact.role == "example"


def test_a_sentence_about_usage_of_the_new_helper_stays_proposed() -> None:
    fact = only_role(
        "## API\n\nUsage of the new helper in the orders controller:\n\n"
        "```ts\nconst orders = await listOrders(tenantId, { limit: 50 });\n```\n"
    )
    assert fact.role == "proposed"


@pytest.mark.parametrize(
    "heading",
    ["## Existing users migration", "## Background jobs", "## Old data cleanup",
     "## Current user endpoint", "## Problems this solves"],
)
def test_headings_that_only_start_like_current_code_stay_the_plan(heading: str) -> None:
    fact = only_role(f"{heading}\n\n```sql\nDELETE FROM sessions WHERE expires_at < now();\n```\n")
    assert fact.role == "proposed"


@pytest.mark.parametrize(
    "heading",
    ["## Current state of the cache", "## Problem: N+1 on the dashboard", "## Today's flow",
     "## Existing implementation (v1)", "## Background"],
)
def test_headings_about_the_current_code(heading: str) -> None:
    fact = only_role(f"{heading}\n\n```ts\nconst rows = await prisma.order.findMany();\n```\n")
    assert fact.role == "current"


def test_a_dev_db_only_comment_in_sql_marks_the_block_dev_only() -> None:
    fact = only_role(
        "## Smoke test\n\n- [ ] **Step 1: Empty the target tables**\n\n```sql\n"
        "-- Connect via psql or your preferred client (dev DB only)\n"
        'TRUNCATE "acted"."markers" RESTART IDENTITY CASCADE;\n```\n'
    )
    assert fact.role == "dev-only"


def test_a_production_database_comment_is_not_dev_only() -> None:
    fact = only_role(
        "## Cleanup\n\n```sql\n-- Run on the production database only after the backup\n"
        'TRUNCATE "acted"."markers" RESTART IDENTITY CASCADE;\n```\n'
    )
    assert fact.role == "proposed"


BEFORE_AFTER_IN_ONE_BLOCK = """## Application code changes

```typescript
// BEFORE: Separate coordinates lookup
const user = await prisma.user.findUnique({ where: { id }, include: { coordinates: true } });

// AFTER: Direct coordinate access
const user = await prisma.user.findUnique({ where: { id }, select: { latitude: true } });
```
"""


def test_before_and_after_comments_split_one_block_into_current_and_proposed() -> None:
    plan = parse_plan(BEFORE_AFTER_IN_ONE_BLOCK, "docs/plans/p.md")
    facts = compute_facts(plan, {})
    assert facts.role_at(5).role == "current"
    assert facts.role_at(8).role == "proposed"
    assert facts.role_at(5).evidence.text.startswith("// BEFORE")


def test_a_single_new_comment_does_not_split_a_block() -> None:
    md = "## Change\n\n```ts\n// New: cache the lookup\nconst u = await cached(id);\n```\n"
    facts = compute_facts(parse_plan(md, "docs/plans/p.md"), {})
    assert facts.role_at(5).role == "proposed"
    assert facts.role_at(5).evidence.source != "code"
