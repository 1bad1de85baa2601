"""Migration rules: each fires on its pattern, on the exact lines, and stays quiet on the
near miss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.models import Finding, Severity
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, Repo, RepoContext, Window, open_repo
from planreview.reviewers import rule_sets
from planreview.rules import RuleContext, run_rules
from tests.conftest import GitRepoFactory

PLAN = "docs/plans/p.md"


def findings(
    plan_md: str, rule_id: str, files: dict[str, str] | None = None, repo: Repo | None = None
) -> list[Finding]:
    plan = parse_plan(plan_md.lstrip("\n"), PLAN)
    context = RepoContext(
        files={
            p: LoadedFile(p, t, (Window(1, t.count("\n") + 1),)) for p, t in (files or {}).items()
        }
    )
    results = run_rules(RuleContext(plan, context, repo), rule_sets(["migration"]))
    assert results.errors == {}
    return [f for f in results.findings["migration"] if f.rule == rule_id]


def lines(found: list[Finding]) -> list[tuple[int, int]]:
    return [(f.locations[0].start_line, f.locations[0].end_line) for f in found]


def sql_plan(sql: str, prose: str = "") -> str:
    return f"# Plan\n{prose}\n\n```sql\n{sql.strip()}\n```\n"


# SQL in sql_plan() starts on line 5.

# --- create-index-not-concurrently --------------------------------------------------------

INDEX = "migration/create-index-not-concurrently"


def test_plain_create_index_on_an_existing_table_fires() -> None:
    found = findings(sql_plan('CREATE INDEX "Booking_tierId_idx" ON "Booking"("tierId");'), INDEX)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P2
    assert found[0].title == "Index Booking_tierId_idx on Booking is built without CONCURRENTLY"


def test_create_index_on_a_large_stated_table_is_p1() -> None:
    md = sql_plan('CREATE INDEX i ON "Booking"("tierId");', "We have 5M bookings.")
    found = findings(md, INDEX)
    assert [f.severity for f in found] == [Severity.P1]
    assert "(the plan states about 5,000,000 rows)" in found[0].issue


def test_an_index_on_a_table_of_no_stated_size_says_what_it_assumed() -> None:
    found = findings(sql_plan('CREATE INDEX i ON "Booking"("tierId");'), INDEX)
    assert "the plan states no size for it: assumed to hold production data" in found[0].issue


def test_concurrent_index_or_index_on_a_table_the_plan_creates_does_not_fire() -> None:
    sql = """
CREATE INDEX CONCURRENTLY i ON "Booking"("tierId");
CREATE TABLE "Tier" (id text PRIMARY KEY, "tenantId" text);
CREATE INDEX j ON "Tier"("tenantId");
"""
    assert findings(sql_plan(sql), INDEX) == []


# --- concurrently-in-transaction ----------------------------------------------------------

CONC_TX = "migration/concurrently-in-transaction"


def test_concurrent_index_inside_begin_commit_fires() -> None:
    sql = "BEGIN;\nCREATE INDEX CONCURRENTLY i ON t(a);\nCOMMIT;"
    found = findings(sql_plan(sql), CONC_TX)
    assert lines(found) == [(6, 6)]
    assert found[0].severity is Severity.P1


def test_concurrent_index_alone_outside_a_transaction_does_not_fire() -> None:
    sql = "CREATE INDEX CONCURRENTLY i ON t(a);\nBEGIN;\nUPDATE t SET a = 1;\nCOMMIT;"
    assert findings(sql_plan(sql), CONC_TX) == []


def test_concurrent_index_in_a_multi_statement_prisma_migration_fires() -> None:
    md = (
        "# Plan\n\nprisma/migrations/20260101_idx/migration.sql:\n\n```sql\n"
        'ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT;\n'
        'CREATE INDEX CONCURRENTLY "Booking_tierId_idx" ON "Booking"("tierId");\n```\n'
    )
    assert lines(findings(md, CONC_TX)) == [(7, 7)]


# --- add-column-volatile-default ----------------------------------------------------------

VOLATILE = "migration/add-column-volatile-default"


def test_volatile_default_on_an_existing_table_fires() -> None:
    sql = 'ALTER TABLE "Order" ADD COLUMN "publicId" uuid DEFAULT gen_random_uuid();'
    found = findings(sql_plan(sql), VOLATILE)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P1
    assert "gen_random_uuid" in found[0].issue


def test_a_default_calling_a_function_not_known_to_be_stable_fires() -> None:
    # 38.7 Function Volatility Categories / CREATE FUNCTION: VOLATILE is the default.
    sql = 'ALTER TABLE "Order" ADD COLUMN "code" text DEFAULT uuid();'
    found = findings(sql_plan(sql), VOLATILE)
    assert lines(found) == [(5, 5)]
    assert "not known to be stable or immutable" in found[0].issue


def test_current_timestamp_and_casts_of_constants_are_no_volatile_default() -> None:
    sql = """
ALTER TABLE "Order" ADD COLUMN "at" timestamptz DEFAULT CURRENT_TIMESTAMP;
ALTER TABLE "Order" ADD COLUMN "meta" jsonb DEFAULT '{}'::jsonb;
"""
    assert findings(sql_plan(sql), VOLATILE) == []


def test_constant_or_stable_default_does_not_fire() -> None:
    sql = """
ALTER TABLE "Order" ADD COLUMN "flag" boolean DEFAULT false;
ALTER TABLE "Order" ADD COLUMN "seenAt" timestamptz DEFAULT now();
"""
    assert findings(sql_plan(sql), VOLATILE) == []


# --- add-column-not-null-without-default --------------------------------------------------

REQUIRED = "migration/add-column-not-null-without-default"


def test_not_null_column_without_default_fires() -> None:
    found = findings(sql_plan('ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT NOT NULL;'), REQUIRED)
    assert lines(found) == [(5, 5)]
    assert found[0].title == "Booking.tierId is added NOT NULL without a default"


def test_not_null_with_default_or_nullable_column_does_not_fire() -> None:
    sql = """
ALTER TABLE "Booking" ADD COLUMN "count" int NOT NULL DEFAULT 0;
ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT;
"""
    assert findings(sql_plan(sql), REQUIRED) == []


# --- set-not-null -------------------------------------------------------------------------

SET_NN = "migration/set-not-null"


def test_set_not_null_fires() -> None:
    found = findings(sql_plan('ALTER TABLE "Booking" ALTER COLUMN "tierId" SET NOT NULL;'), SET_NN)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P2


def test_set_not_null_after_a_validated_check_does_not_fire() -> None:
    sql = """
ALTER TABLE "Booking" ADD CONSTRAINT tier_nn CHECK ("tierId" IS NOT NULL) NOT VALID;
ALTER TABLE "Booking" VALIDATE CONSTRAINT tier_nn;
ALTER TABLE "Booking" ALTER COLUMN "tierId" SET NOT NULL;
"""
    assert findings(sql_plan(sql), SET_NN) == []


def test_set_not_null_after_a_check_that_was_never_validated_fires() -> None:
    # ALTER TABLE, SET NOT NULL: only a *valid* CHECK lets the server skip the scan.
    sql = """
ALTER TABLE "Booking" ADD CONSTRAINT tier_nn CHECK ("tierId" IS NOT NULL) NOT VALID;
ALTER TABLE "Booking" ALTER COLUMN "tierId" SET NOT NULL;
"""
    assert lines(findings(sql_plan(sql), SET_NN)) == [(6, 6)]


def test_set_not_null_after_a_validated_check_on_another_column_fires() -> None:
    sql = """
ALTER TABLE "Booking" ADD CONSTRAINT other_nn CHECK ("otherId" IS NOT NULL) NOT VALID;
ALTER TABLE "Booking" VALIDATE CONSTRAINT other_nn;
ALTER TABLE "Booking" ALTER COLUMN "tierId" SET NOT NULL;
"""
    assert lines(findings(sql_plan(sql), SET_NN)) == [(7, 7)]


# --- column-type-change -------------------------------------------------------------------

TYPE = "migration/column-type-change"


def test_type_change_that_rewrites_fires() -> None:
    found = findings(sql_plan('ALTER TABLE "Order" ALTER COLUMN "id" TYPE bigint;'), TYPE)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P1


def test_type_change_to_text_does_not_fire() -> None:
    assert findings(sql_plan('ALTER TABLE "Order" ALTER COLUMN "note" TYPE text;'), TYPE) == []


def test_type_change_to_text_with_a_using_expression_fires() -> None:
    # ALTER TABLE, Notes: no rewrite only "if the USING clause does not change the column
    # contents"; upper(note) changes them.
    md = sql_plan('ALTER TABLE "Order" ALTER COLUMN "note" TYPE text USING upper("note");')
    assert lines(findings(md, TYPE)) == [(5, 5)]


def test_type_change_to_text_using_the_column_itself_does_not_fire() -> None:
    md = sql_plan('ALTER TABLE "Order" ALTER COLUMN "note" TYPE text USING "note"::text;')
    assert findings(md, TYPE) == []


def test_type_change_on_a_small_stated_table_is_p2() -> None:
    md = sql_plan('ALTER TABLE "Tenant" ALTER COLUMN "id" TYPE bigint;', "<1000 tenants.")
    assert [f.severity for f in findings(md, TYPE)] == [Severity.P2]


# --- prisma-column-type-change ------------------------------------------------------------

PRISMA_TYPE = "migration/prisma-column-type-change"
REPO_SCHEMA = """\
model Tier {
  id        String  @id
  tenantId  String
  price     Decimal @db.Decimal(10, 2)
  name      String
}
"""


def test_decimal_price_replaced_by_int_cents_fires_on_both_lines() -> None:
    md = """
# Plan

```prisma
model Tier {
  id         String @id
  tenantId   String
  priceCents Int
  name       String
}
```
"""
    found = findings(md, PRISMA_TYPE, files={"prisma/schema.prisma": REPO_SCHEMA})
    assert [(loc.path, loc.start_line) for loc in found[0].locations] == [
        (PLAN, 7),
        ("prisma/schema.prisma", 4),
    ]
    assert found[0].title == "Tier.price Decimal becomes priceCents Int (precision loss)"
    assert found[0].severity is Severity.P2


def test_unchanged_field_types_do_not_fire() -> None:
    md = """
# Plan

```prisma
model Tier {
  // ... existing fields
  price  Decimal @db.Decimal(10, 2)
  active Boolean
}
```
"""
    assert findings(md, PRISMA_TYPE, files={"prisma/schema.prisma": REPO_SCHEMA}) == []


# --- constraint-without-not-valid ---------------------------------------------------------

NOT_VALID = "migration/constraint-without-not-valid"


def test_foreign_key_without_not_valid_fires() -> None:
    sql = 'ALTER TABLE "Booking" ADD CONSTRAINT fk FOREIGN KEY ("tierId") REFERENCES "Tier"("id");'
    found = findings(sql_plan(sql), NOT_VALID)
    assert lines(found) == [(5, 5)]
    assert '"Booking" and "Tier"' in found[0].impact


def test_not_valid_then_validate_does_not_fire() -> None:
    sql = """
ALTER TABLE "Booking" ADD CONSTRAINT fk FOREIGN KEY ("tierId") REFERENCES "Tier"("id") NOT VALID;
ALTER TABLE "Booking" VALIDATE CONSTRAINT fk;
"""
    assert findings(sql_plan(sql), NOT_VALID) == []


# --- add-unique-without-index -------------------------------------------------------------

UNIQUE = "migration/add-unique-without-index"


def test_a_unique_or_serial_primary_key_column_added_inline_fires() -> None:
    # ALTER TABLE: ADD COLUMN ... UNIQUE / PRIMARY KEY builds the index inside the
    # ACCESS EXCLUSIVE ALTER, like ADD CONSTRAINT does.
    sql = """
ALTER TABLE "Order" ADD COLUMN "extRef" text UNIQUE;
ALTER TABLE "Invoice" ADD COLUMN id serial PRIMARY KEY;
"""
    assert lines(findings(sql_plan(sql), UNIQUE)) == [(5, 5), (6, 6)]


def test_an_inline_unique_column_on_a_table_the_plan_creates_does_not_fire() -> None:
    sql = """
CREATE TABLE "Coupon" (id text);
ALTER TABLE "Coupon" ADD COLUMN code text UNIQUE;
"""
    assert findings(sql_plan(sql), UNIQUE) == []


def test_unique_constraint_built_inline_fires() -> None:
    sql = 'ALTER TABLE "Tier" ADD CONSTRAINT tier_slug UNIQUE ("tenantId", "slug");'
    found = findings(sql_plan(sql), UNIQUE)
    assert lines(found) == [(5, 5)]
    assert found[0].title == (
        "UNIQUE (tenantId, slug) on Tier builds its index under ACCESS EXCLUSIVE"
    )


def test_unique_constraint_using_an_existing_index_does_not_fire() -> None:
    sql = """
CREATE UNIQUE INDEX CONCURRENTLY tier_slug_idx ON "Tier"("tenantId", "slug");
ALTER TABLE "Tier" ADD CONSTRAINT tier_slug UNIQUE USING INDEX tier_slug_idx;
"""
    assert findings(sql_plan(sql), UNIQUE) == []


# --- drop-still-referenced ----------------------------------------------------------------

STILL_USED = "migration/drop-still-referenced"
SERVICE = """\
export async function hasNonSeedPackages(tenantId: string) {
  const n = await prisma.package.count({ where: { tenantId } });
  return n > 0;
}
"""


def test_dropped_table_still_queried_by_repo_code_fires(git_repo: GitRepoFactory) -> None:
    root = git_repo({"server/src/services/context.service.ts": SERVICE})
    found = findings(sql_plan('DROP TABLE "Package";'), STILL_USED, repo=open_repo(root))
    assert lines(found) == [(5, 5)]
    assert found[0].title == "Table Package is dropped while code still uses it"
    assert "`server/src/services/context.service.ts` line 2 in `hasNonSeedPackages()`" in (
        found[0].issue
    )


def test_dropped_column_used_in_a_loaded_file_cites_that_file() -> None:
    code = "const b = await prisma.booking.findMany({ where: { packageId } });\n"
    found = findings(
        sql_plan('ALTER TABLE "Booking" DROP COLUMN "packageId";'), STILL_USED,
        files={"server/src/booking.ts": code},
    )
    assert [(loc.path, loc.start_line) for loc in found[0].locations] == [
        (PLAN, 5),
        ("server/src/booking.ts", 1),
    ]


def test_drop_of_something_no_code_uses_does_not_fire(git_repo: GitRepoFactory) -> None:
    root = git_repo({"server/src/tier.ts": "export const tiers = prisma.tier.findMany();\n"})
    assert findings(sql_plan('DROP TABLE "Package";'), STILL_USED, repo=open_repo(root)) == []


# --- enum-value-removed -------------------------------------------------------------------

ENUM = "migration/enum-value-removed"
ENUM_SCHEMA = "enum Phase {\n  NOT_STARTED\n  DISCOVERY\n  DONE\n}\n"


def test_enum_dropping_a_value_fires_at_the_plan_enum() -> None:
    md = "# Plan\n\n```prisma\nenum Phase {\n  NOT_STARTED\n  DONE\n}\n```\n"
    found = findings(md, ENUM, files={"prisma/schema.prisma": ENUM_SCHEMA})
    assert lines(found) == [(4, 7)]
    assert found[0].title == "Enum Phase drops DISCOVERY"
    assert found[0].severity is Severity.P3


def test_enum_that_only_adds_a_value_does_not_fire() -> None:
    md = (
        "# Plan\n\n```prisma\nenum Phase {\n  NOT_STARTED\n  DISCOVERY\n  DONE\n  SKIPPED\n"
        "}\n```\n"
    )
    assert findings(md, ENUM, files={"prisma/schema.prisma": ENUM_SCHEMA}) == []


# --- ddl-and-dml-in-one-transaction -------------------------------------------------------

DDL_DML = "migration/ddl-and-dml-in-one-transaction"


def test_alter_and_update_in_one_transaction_fires_over_the_span() -> None:
    sql = """
BEGIN;
ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT;
UPDATE "Booking" SET "tierId" = "packageId";
COMMIT;
"""
    found = findings(sql_plan(sql), DDL_DML)
    assert lines(found) == [(5, 8)]
    assert found[0].severity is Severity.P2


def test_ddl_and_dml_in_separate_transactions_do_not_fire() -> None:
    sql = """
BEGIN;
ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT;
COMMIT;
BEGIN;
UPDATE "Booking" SET "tierId" = "packageId";
COMMIT;
"""
    assert findings(sql_plan(sql), DDL_DML) == []


# --- interactive-transaction-timeout ------------------------------------------------------

TIMEOUT = "migration/interactive-transaction-timeout"
MIGRATION_SCRIPT = """
# Plan

```typescript
await prisma.$transaction(async (tx) => {
  await tx.$executeRaw`ALTER TABLE "Tier" ADD COLUMN "sourcePackageId" TEXT`;
  for (const pkg of packages) {
    await tx.tier.create({ data: { name: pkg.name } });
  }
}%s);
```
"""


def test_interactive_transaction_with_ddl_and_no_timeout_fires() -> None:
    found = findings(MIGRATION_SCRIPT % "", TIMEOUT)
    assert lines(found) == [(4, 4)]
    assert found[0].severity is Severity.P1
    assert found[0].title == (
        "Interactive $transaction at line 4 has no timeout (Prisma default 5 s)"
    )


def test_interactive_transaction_with_a_timeout_does_not_fire() -> None:
    assert findings(MIGRATION_SCRIPT % ", { timeout: 120000, maxWait: 30000 }", TIMEOUT) == []


def test_short_interactive_transaction_does_not_fire() -> None:
    md = """
# Plan

```typescript
await prisma.$transaction(async (tx) => {
  const t = await tx.tier.findFirst({ where: { id } });
  await tx.tier.update({ where: { id }, data: { active: !t.active } });
});
```
"""
    assert findings(md, TIMEOUT) == []


# --- unbatched-backfill -------------------------------------------------------------------

BACKFILL = "migration/unbatched-backfill"


def test_single_update_over_a_large_stated_table_fires() -> None:
    md = sql_plan('UPDATE "Order" SET "currency" = \'USD\';', "We store 10 million orders.")
    found = findings(md, BACKFILL)
    assert lines(found) == [(5, 5)]
    assert found[0].title == "Backfill UPDATE on Order runs as one statement over 10,000,000 rows"


def test_batched_update_or_a_small_table_does_not_fire() -> None:
    batched = sql_plan(
        'UPDATE "Order" SET "currency" = \'USD\' WHERE id IN '
        '(SELECT id FROM "Order" WHERE "currency" IS NULL LIMIT 5000);',
        "We store 10 million orders.",
    )
    small = sql_plan('UPDATE "Tenant" SET "plan" = \'free\';', "<1000 tenants.")
    assert findings(batched, BACKFILL) == []
    assert findings(small, BACKFILL) == []


# --- missing-lock-timeout -----------------------------------------------------------------

LOCK = "migration/missing-lock-timeout"


def test_access_exclusive_ddl_without_lock_timeout_fires_once_per_block() -> None:
    sql = """
ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT;
ALTER TABLE "Booking" ADD COLUMN "note" TEXT;
"""
    found = findings(sql_plan(sql), LOCK)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P3


def test_drop_without_lock_timeout_is_p2() -> None:
    found = findings(sql_plan('ALTER TABLE "Booking" DROP COLUMN "packageId";'), LOCK)
    assert [f.severity for f in found] == [Severity.P2]


def test_ddl_after_set_lock_timeout_does_not_fire() -> None:
    sql = "SET lock_timeout = '5s';\nALTER TABLE \"Booking\" ADD COLUMN \"tierId\" TEXT;"
    assert findings(sql_plan(sql), LOCK) == []


# --- destructive-without-rollback ---------------------------------------------------------

ROLLBACK = "migration/destructive-without-rollback"


def test_drop_table_in_a_plan_without_rollback_fires_once() -> None:
    sql = 'DROP TABLE "PackageAddOn";\nDROP TABLE "Package";'
    found = findings(sql_plan(sql), ROLLBACK)
    assert lines(found) == [(5, 5)]
    assert found[0].title == "Dropping table PackageAddOn has no rollback path"


def test_plan_with_a_rollback_section_does_not_fire() -> None:
    md = sql_plan('DROP TABLE "Package";', "## Rollback\nRestore from the pg_dump taken before.")
    assert findings(md, ROLLBACK) == []


def test_ddl_and_a_loop_of_writes_in_one_prisma_transaction_is_p1() -> None:
    found = findings(
        """
# Plan

```typescript
await prisma.$transaction(async (tx) => {
  await tx.$executeRaw`ALTER TABLE "Booking" ADD COLUMN "tierId" TEXT`;
  for (const p of packages) {
    await tx.$executeRaw`UPDATE "Booking" SET "tierId" = ${p.tier} WHERE "packageId" = ${p.id}`;
  }
}, { timeout: 120000 });
```
""",
        DDL_DML,
    )
    assert lines(found) == [(5, 7)]
    assert found[0].severity is Severity.P1


# --- maintenance statements ----------------------------------------------------------------


def test_drop_index_without_concurrently_fires() -> None:
    md = sql_plan('DROP INDEX "Booking_packageId_idx";')
    found = findings(md, "migration/drop-index-not-concurrently")
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P3


def test_drop_index_concurrently_does_not_fire() -> None:
    md = sql_plan('DROP INDEX CONCURRENTLY "Booking_packageId_idx";')
    assert findings(md, "migration/drop-index-not-concurrently") == []


def test_reindex_fires_and_reindex_concurrently_does_not() -> None:
    rule_id = "migration/reindex-not-concurrently"
    assert lines(findings(sql_plan('REINDEX TABLE "Booking";'), rule_id)) == [(5, 5)]
    assert findings(sql_plan('REINDEX TABLE CONCURRENTLY "Booking";'), rule_id) == []


def test_detach_partition_fires_and_concurrently_does_not() -> None:
    rule_id = "migration/detach-partition-not-concurrently"
    sql = "ALTER TABLE events DETACH PARTITION events_2024;"
    assert lines(findings(sql_plan(sql), rule_id)) == [(5, 5)]
    concurrent = "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;"
    assert findings(sql_plan(concurrent), rule_id) == []


def test_truncate_cascade_fires_and_plain_truncate_does_not() -> None:
    rule_id = "migration/truncate-cascade"
    found = findings(sql_plan('TRUNCATE "Package" CASCADE;'), rule_id)
    assert lines(found) == [(5, 5)]
    assert found[0].severity is Severity.P1
    assert findings(sql_plan('TRUNCATE "Package";'), rule_id) == []


# --- Prisma drops and renames ------------------------------------------------------------------

ACCOUNT_SCHEMA = """\
model Contact {
  id        String  @id
  accountId String
  phone     String?
  legacyPlan String?
}
"""
BILLING = "export const price = (c: Contact) => LEGACY[c.legacyPlan] ?? 0;\n"


def test_prisma_field_removed_by_a_comment_but_still_used_fires(git_repo: GitRepoFactory) -> None:
    root = git_repo({"prisma/schema.prisma": ACCOUNT_SCHEMA, "src/billing.ts": BILLING})
    md = (
        "# Plan\n\n```prisma\nmodel Contact {\n  // ... existing fields\n"
        "  // legacyPlan removed\n}\n```\n"
    )
    found = findings(md, STILL_USED, repo=open_repo(root))
    assert lines(found) == [(6, 6)]
    assert found[0].title == "Column Contact.legacyPlan is dropped while code still uses it"
    assert "`src/billing.ts` line 1" in found[0].issue


REMOVED_LEGACY_PLAN = (
    "# Plan\n\n```prisma\nmodel Contact {\n  // ... existing fields\n"
    "  // legacyPlan removed\n}\n```\n"
)


def test_a_column_used_only_by_tests_and_seed_scripts_is_not_still_used(
    git_repo: GitRepoFactory,
) -> None:
    root = git_repo({
        "prisma/schema.prisma": ACCOUNT_SCHEMA,
        "src/billing.test.ts": BILLING,
        "scripts/seed-contacts.ts": BILLING,
        "tests/fixtures/contacts.ts": BILLING,
    })
    assert findings(REMOVED_LEGACY_PLAN, STILL_USED, repo=open_repo(root)) == []


def test_a_same_named_identifier_in_a_file_that_never_names_the_table_is_not_a_use(
    git_repo: GitRepoFactory,
) -> None:
    root = git_repo({
        "prisma/schema.prisma": ACCOUNT_SCHEMA,
        "src/pricing.ts": "export const price = (a: Account) => LEGACY[a.legacyPlan] ?? 0;\n",
    })
    assert findings(REMOVED_LEGACY_PLAN, STILL_USED, repo=open_repo(root)) == []


def test_dropping_a_column_the_repository_schema_does_not_have_is_quiet(
    git_repo: GitRepoFactory,
) -> None:
    # The repository's User model has no `city`; `city` in code is something else.
    root = git_repo({
        "prisma/schema.prisma": "model User {\n  id    String @id\n  email String\n}\n",
        "src/geo.ts": (
            "export const label = (user: User, city: string) => `${user.email} ${city}`;\n"
        ),
    })
    md = '# Plan\n\n```sql\nALTER TABLE "User" DROP COLUMN "city";\n```\n'
    assert findings(md, STILL_USED, repo=open_repo(root)) == []


def test_dropping_an_existing_mapped_column_still_used_fires(git_repo: GitRepoFactory) -> None:
    root = git_repo({
        "prisma/schema.prisma": (
            "model User {\n  id   String @id\n  zipCode String? @map(\"zip_code\")\n}\n"
        ),
        "src/geo.ts": (
            "export const zip = (user: User) => db.query('SELECT zip_code FROM users');\n"
        ),
    })
    md = '# Plan\n\n```sql\nALTER TABLE "User" DROP COLUMN "zip_code";\n```\n'
    found = findings(md, STILL_USED, repo=open_repo(root))
    assert [f.title for f in found] == ["Column User.zip_code is dropped while code still uses it"]


def test_stub_without_a_removal_note_drops_nothing(git_repo: GitRepoFactory) -> None:
    root = git_repo({"prisma/schema.prisma": ACCOUNT_SCHEMA, "src/billing.ts": BILLING})
    md = "# Plan\n\n```prisma\nmodel Contact {\n  // ... existing fields\n  note String?\n}\n```\n"
    assert findings(md, STILL_USED, repo=open_repo(root)) == []


RENAMED = "migration/prisma-field-renamed"
RENAME_PLAN = """
# Plan

We rename `phone` to `phoneE164` and store E.164 only. About 3.1M contacts.

```prisma
model Contact {
  // ... existing fields
  phoneE164 String?%s
}
```
"""


def test_prisma_rename_without_map_fires_on_field_and_sentence() -> None:
    found = findings(RENAME_PLAN % "", RENAMED, files={"prisma/schema.prisma": ACCOUNT_SCHEMA})
    assert [(loc.start_line) for loc in found[0].locations] == [8, 3]
    assert found[0].severity is Severity.P1
    assert "3,100,000" in found[0].impact


def test_prisma_rename_that_maps_the_old_column_does_not_fire() -> None:
    md = RENAME_PLAN % ' @map("phone")'
    assert findings(md, RENAMED, files={"prisma/schema.prisma": ACCOUNT_SCHEMA}) == []


def test_new_field_without_rename_wording_does_not_fire() -> None:
    md = (RENAME_PLAN % "").replace("We rename `phone` to `phoneE164`", "We add `phoneE164`")
    assert findings(md, RENAMED, files={"prisma/schema.prisma": ACCOUNT_SCHEMA}) == []


def test_enum_value_still_written_by_code_is_p1(git_repo: GitRepoFactory) -> None:
    root = git_repo({
        "prisma/schema.prisma": ENUM_SCHEMA,
        "src/onboarding.ts": "await db.tenant.update({ data: { phase: 'DISCOVERY' } });\n",
    })
    md = "# Plan\n\n```prisma\nenum Phase {\n  NOT_STARTED\n  DONE\n}\n```\n"
    found = findings(md, ENUM, repo=open_repo(root))
    assert [f.severity for f in found] == [Severity.P1]
    assert "`src/onboarding.ts` line 1" in found[0].impact


# --- robustness -------------------------------------------------------------------------------

_SQL_WORDS = st.sampled_from([
    "ALTER TABLE", '"Booking"', "ADD COLUMN", "x", "int", "NOT NULL", "DEFAULT", "now()", ";",
    "CREATE INDEX", "CONCURRENTLY", "ON", "(", ")", "DROP", "TABLE", "BEGIN;", "COMMIT;", "$$",
    "DO", "UPDATE", "SET", "=", "'", "--", "\n", "RENAME", "TO", "TYPE", "bigint", ",",
])
_PRISMA_WORDS = st.sampled_from([
    "model", "Tier", "{", "}", "\n", "id", "String", "@id", "@@index([a])", "@@id([a, b])",
    "@relation(fields: [a], references: [id])", "// ... existing fields", "enum", "A", "?",
    "[]", "@map(\"x\")", "// a removed",
])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_SQL_WORDS, max_size=40).map(" ".join),
    st.lists(_PRISMA_WORDS, max_size=40).map(" ".join),
)
def test_migration_and_indexing_rules_never_crash_on_fragments(sql: str, prisma: str) -> None:
    md = f"# Plan\n\n```sql\n{sql}\n```\n\n```prisma\n{prisma}\n```\n"
    plan = parse_plan(md, PLAN)
    files = {"prisma/schema.prisma": prisma}
    context = RepoContext(files={p: LoadedFile(p, t, (Window(1, 1),)) for p, t in files.items()})
    results = run_rules(RuleContext(plan, context), rule_sets(["migration", "indexing"]))
    assert results.errors == {}


def test_volatile_call_nested_in_the_default_fires() -> None:
    sql = (
        'ALTER TABLE "shop_product" ADD COLUMN "token" varchar(64)\n'
        "  DEFAULT (md5((random())::text)) NOT NULL;"
    )
    assert lines(findings(sql_plan(sql), VOLATILE)) == [(5, 6)]


def test_validate_in_the_same_transaction_as_the_not_valid_add_fires() -> None:
    sql = """
BEGIN;
ALTER TABLE payments ADD CONSTRAINT fk FOREIGN KEY (invoice_id) REFERENCES invoices (id) NOT VALID;
ALTER TABLE payments VALIDATE CONSTRAINT fk;
COMMIT;
"""
    found = findings(sql_plan(sql), NOT_VALID)
    assert lines(found) == [(7, 7)]
    assert found[0].title == "fk is validated in the transaction that adds it NOT VALID"


def test_a_plan_saying_there_is_no_down_migration_has_no_rollback() -> None:
    md = sql_plan('DROP TABLE "Package";', "There is no down migration for this.")
    assert lines(findings(md, ROLLBACK)) == [(5, 5)]


def test_rounding_type_conversion_without_rollback_fires() -> None:
    sql = (
        'ALTER TABLE "Listing" ALTER COLUMN "price" TYPE integer\n'
        '  USING round("price" * 100)::integer;'
    )
    found = findings(sql_plan(sql), ROLLBACK)
    assert found[0].title == "Converting Listing.price with rounding has no rollback path"


def test_enum_value_removal_without_rollback_fires() -> None:
    md = "# Plan\n\n```prisma\nenum Phase {\n  NOT_STARTED\n  DONE\n}\n```\n"
    found = findings(md, ROLLBACK, files={"prisma/schema.prisma": ENUM_SCHEMA})
    assert found[0].title == "Removing DISCOVERY from enum Phase has no rollback path"


def test_rails_add_index_fires_with_the_rails_fix() -> None:
    md = "# Plan\n\n```ruby\ndef change\n  add_index :orders, :user_id\nend\n```\n"
    found = findings(md, INDEX)
    assert lines(found) == [(5, 5)]
    assert "algorithm: :concurrently" in found[0].recommendation
    assert found[0].evidence[0].quote == "add_index :orders, :user_id"


def test_rails_concurrent_index_outside_the_transaction_does_not_fire() -> None:
    md = (
        "# Plan\n\n```ruby\ndisable_ddl_transaction!\ndef change\n"
        "  add_index :orders, :user_id, algorithm: :concurrently\nend\n```\n"
    )
    assert findings(md, INDEX) == []
    assert findings(md, CONC_TX) == []
