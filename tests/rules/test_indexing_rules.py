"""Indexing rules: each fires on its pattern, on the exact lines, and stays quiet on the
near miss."""

from __future__ import annotations

from planreview.models import Finding, Severity
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from planreview.reviewers import rule_sets
from planreview.rules import RuleContext, run_rules
from tests.conftest import GitRepoFactory

PLAN = "docs/plans/p.md"


def findings(plan_md: str, rule_id: str, files: dict[str, str] | None = None) -> list[Finding]:
    plan = parse_plan(plan_md.lstrip("\n"), PLAN)
    context = RepoContext(
        files={
            p: LoadedFile(p, t, (Window(1, t.count("\n") + 1),)) for p, t in (files or {}).items()
        }
    )
    results = run_rules(RuleContext(plan, context), rule_sets(["indexing"]))
    assert results.errors == {}
    return [f for f in results.findings["indexing"] if f.rule == rule_id]


def lines(found: list[Finding]) -> list[tuple[int, int]]:
    return [(f.locations[0].start_line, f.locations[0].end_line) for f in found]


REPO_SCHEMA = """\
model Booking {
  id        String  @id
  tenantId  String
  packageId String?
  package   Package? @relation(fields: [packageId], references: [id])

  @@index([packageId])
}

model Tier {
  id        String @id
  tenantId  String
  segmentId String
  slug      String
  name      String

  @@unique([tenantId, slug])
  @@index([segmentId])
}
"""
FILES = {"prisma/schema.prisma": REPO_SCHEMA}

# --- foreign-key-without-index -----------------------------------------------------------

FK = "indexing/foreign-key-without-index"
BOOKING_TIER = """
# Plan

## Phase 1: schema

```prisma
model Booking {
  // ... existing fields
  tierId String?
  tier   Tier?   @relation(fields: [tierId], references: [id], onDelete: Restrict)%s
}
```
%s"""


def test_new_relation_scalar_without_index_fires_on_its_lines() -> None:
    found = findings(BOOKING_TIER % ("", ""), FK, FILES)
    assert lines(found) == [(8, 9)]
    assert found[0].title == "Booking.tierId has no index"
    assert found[0].severity is Severity.P2
    assert "@@index([packageId])" in found[0].issue


def test_relation_scalar_the_plan_queries_by_is_p1() -> None:
    query = (
        "\n```sql\nSELECT COUNT(*) FROM \"Booking\" WHERE \"packageId\" IS NOT NULL "
        'AND "tierId" IS NULL;\n```\n'
    )
    found = findings(BOOKING_TIER % ("", query), FK, FILES)
    assert [f.severity for f in found] == [Severity.P1]
    assert "line 14" in found[0].issue


def test_relation_scalar_with_a_leading_index_does_not_fire() -> None:
    indexed = BOOKING_TIER % ("\n  @@index([tierId, tenantId])", "")
    assert findings(indexed, FK, FILES) == []


def test_existing_unindexed_relation_the_plan_does_not_touch_does_not_fire() -> None:
    schema = REPO_SCHEMA.replace("  @@index([packageId])\n", "")
    md = "# Plan\n\n```prisma\nmodel Booking {\n  // ... existing fields\n  note String?\n}\n```\n"
    assert findings(md, FK, {"prisma/schema.prisma": schema}) == []


# --- sql-foreign-key-without-index --------------------------------------------------------

SQL_FK = "indexing/sql-foreign-key-without-index"


def test_sql_references_without_an_index_fires() -> None:
    md = (
        "# Plan\n\n```sql\n"
        'CREATE TABLE "TierAddOn" ("tierId" text REFERENCES "Tier"(id), "addOnId" text);\n'
        "```\n"
    )
    found = findings(md, SQL_FK)
    assert lines(found) == [(4, 4)]
    assert found[0].title == "TierAddOn.tierId has no index"


def test_sql_references_covered_by_the_primary_key_does_not_fire() -> None:
    md = (
        "# Plan\n\n```sql\n"
        'CREATE TABLE "TierAddOn" ("tierId" text REFERENCES "Tier"(id), "addOnId" text,\n'
        '  PRIMARY KEY ("tierId", "addOnId"));\n'
        "```\n"
    )
    assert findings(md, SQL_FK) == []


# --- redundant-index ---------------------------------------------------------------------

REDUNDANT = "indexing/redundant-index"
JOIN_TABLE = """
# Plan

```prisma
model TierAddOn {
  tierId  String
  addOnId String
  tier    Tier  @relation(fields: [tierId], references: [id])
  addOn   AddOn @relation(fields: [addOnId], references: [id])

  @@id([tierId, addOnId])
%s  @@index([addOnId])
}
```
"""


def test_index_that_prefixes_the_primary_key_fires() -> None:
    found = findings(JOIN_TABLE % "  @@index([tierId])\n", REDUNDANT)
    assert lines(found) == [(11, 11)]
    assert found[0].title == "TierAddOn @@index([tierId]) is redundant with its primary key"
    assert found[0].severity is Severity.P3  # hygiene: extra writes, nothing breaks
    assert [e.start_line for e in found[0].evidence] == [10, 11]


def test_index_on_the_non_leading_column_does_not_fire() -> None:
    assert findings(JOIN_TABLE % "", REDUNDANT) == []


# --- query-not-covered -------------------------------------------------------------------

QUERY = "indexing/query-not-covered"
TIER_QUERY = """
# Plan

```typescript
const tiers = await prisma.tier.findMany({
  where: { tenantId, segmentId },
  take: 10,
});
```
"""


def test_where_on_columns_no_index_leads_with_fires() -> None:
    found = findings(TIER_QUERY, QUERY, FILES)
    assert lines(found) == [(4, 7)]
    assert found[0].title == "Tier has no index for `WHERE tenantId = ? AND segmentId = ?`"
    assert "@@index([segmentId])" in found[0].issue


def test_where_served_by_a_leading_index_does_not_fire() -> None:
    schema = REPO_SCHEMA.replace("@@index([segmentId])", "@@index([segmentId, tenantId])")
    assert findings(TIER_QUERY, QUERY, {"prisma/schema.prisma": schema}) == []


def test_where_on_a_unique_key_does_not_fire() -> None:
    md = TIER_QUERY.replace("where: { tenantId, segmentId }", "where: { tenantId, slug }")
    assert findings(md, QUERY, FILES) == []


def test_sql_where_without_index_fires() -> None:
    md = '# Plan\n\n```sql\nSELECT * FROM "Tier" WHERE "tenantId" = $1 AND "name" = $2;\n```\n'
    found = findings(md, QUERY, FILES)
    assert lines(found) == [(4, 4)]


def test_query_on_a_model_whose_schema_is_unknown_does_not_fire() -> None:
    assert findings(TIER_QUERY, QUERY) == []


# --- upsert-without-unique ---------------------------------------------------------------

UPSERT = "indexing/upsert-without-unique"


def test_prisma_upsert_on_a_non_unique_compound_key_fires() -> None:
    md = """
# Plan

```typescript
await prisma.tier.upsert({
  where: { tenantId_name: { tenantId, name } },
  create: { tenantId, name },
  update: {},
});
```
"""
    found = findings(md, UPSERT, FILES)
    assert lines(found) == [(4, 8)]
    assert found[0].severity is Severity.P1
    assert found[0].title == (
        "Upsert on Tier(tenantId, name) has no unique constraint to conflict on"
    )


def test_prisma_upsert_on_a_declared_unique_does_not_fire() -> None:
    md = """
# Plan

```typescript
await prisma.tier.upsert({
  where: { tenantId_slug: { tenantId, slug } },
  create: { tenantId, slug },
  update: {},
});
```
"""
    assert findings(md, UPSERT, FILES) == []


def test_on_conflict_without_a_matching_unique_fires_and_with_one_does_not() -> None:
    bad = '# Plan\n\n```sql\nINSERT INTO "Tier" (id, "tenantId", name) VALUES ($1, $2, $3)\n' \
        'ON CONFLICT ("tenantId", name) DO NOTHING;\n```\n'
    good = bad.replace('("tenantId", name) DO', '("tenantId", slug) DO')
    assert lines(findings(bad, UPSERT, FILES)) == [(4, 5)]
    assert findings(good, UPSERT, FILES) == []


def test_join_conditions_and_multi_table_updates_are_not_filters() -> None:
    md = (
        '# Plan\n\n```sql\nUPDATE "Booking" b SET "tierId" = t."id"\n'
        'FROM "Tier" t WHERE t."name" = b."packageId";\n```\n'
    )
    assert findings(md, QUERY, FILES) == []


def test_boolean_filter_beside_an_indexed_column_does_not_fire() -> None:
    schema = REPO_SCHEMA.replace("  name      String\n", "  name      String\n  active Boolean\n")
    md = TIER_QUERY.replace("where: { tenantId, segmentId }", "where: { segmentId, active: true }")
    assert findings(md, QUERY, {"prisma/schema.prisma": schema}) == []


def test_backfill_lookup_of_null_rows_does_not_fire() -> None:
    md = TIER_QUERY.replace("where: { tenantId, segmentId }", "where: { name: null }")
    assert findings(md, QUERY, FILES) == []


def test_query_the_plan_builds_an_index_for_does_not_fire() -> None:
    md = TIER_QUERY + (
        '\n```sql\nCREATE INDEX CONCURRENTLY "Tier_segmentId_name_idx"\n'
        '  ON "Tier" ("segmentId", "name");\n```\n'
    )
    assert findings(md, QUERY, FILES) == []


# --- SQL-only schemas (the repository's migrations say what exists) -----------------------

AUDIT_TABLE = """\
CREATE TABLE audit_events (
  id bigserial PRIMARY KEY,
  org_id uuid NOT NULL,
  actor_id uuid,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_events_org_id_created_at_idx ON audit_events (org_id, created_at DESC);
"""
AUDIT_QUERY = """
# Plan

```typescript
const { rows } = await this.pool.query(
  `SELECT * FROM audit_events WHERE org_id = $1 AND actor_id = $2
   ORDER BY created_at DESC LIMIT 50`,
  [orgId, actorId],
);
```

```sql
CREATE INDEX CONCURRENTLY audit_events_actor_id_idx ON audit_events (actor_id);
%s```
"""


def sql_repo_findings(
    git_repo: GitRepoFactory, plan_md: str, rule_id: str
) -> list[Finding]:
    root = git_repo({"migrations/0007_audit_events.sql": AUDIT_TABLE})
    plan = parse_plan(plan_md.lstrip("\n"), PLAN)
    results = run_rules(RuleContext(plan, RepoContext(), open_repo(root)), rule_sets(["indexing"]))
    return [f for f in results.findings["indexing"] if f.rule == rule_id]


def test_sql_query_on_a_table_from_repo_migrations_fires_with_the_sort_column(
    git_repo: GitRepoFactory,
) -> None:
    found = sql_repo_findings(git_repo, AUDIT_QUERY % "", QUERY)
    assert lines(found) == [(5, 6)]
    assert found[0].title == "audit_events has no index for `WHERE org_id = ? AND actor_id = ?`"
    assert "(org_id, actor_id, created_at)" in found[0].recommendation


def test_sql_query_served_by_a_composite_index_does_not_fire(git_repo: GitRepoFactory) -> None:
    composite = (
        "CREATE INDEX CONCURRENTLY audit_events_actor_idx\n"
        "  ON audit_events (org_id, actor_id, created_at DESC);\n"
    )
    assert sql_repo_findings(git_repo, AUDIT_QUERY % composite, QUERY) == []


REDUNDANT_SQL = "indexing/redundant-sql-index"


def test_new_index_on_the_prefix_of_an_existing_one_fires(git_repo: GitRepoFactory) -> None:
    extra = "CREATE INDEX CONCURRENTLY audit_events_org_id_idx ON audit_events (org_id);\n"
    found = sql_repo_findings(git_repo, AUDIT_QUERY % extra, REDUNDANT_SQL)
    assert lines(found) == [(13, 13)]
    assert "`migrations/0007_audit_events.sql` line 7" in found[0].issue
    assert found[0].severity is Severity.P3


def test_new_index_on_a_new_leading_column_does_not_fire(git_repo: GitRepoFactory) -> None:
    assert sql_repo_findings(git_repo, AUDIT_QUERY % "", REDUNDANT_SQL) == []


def test_index_with_an_operator_class_is_not_redundant(git_repo: GitRepoFactory) -> None:
    extra = (
        "CREATE INDEX CONCURRENTLY audit_events_org_like\n"
        "  ON audit_events (org_id text_pattern_ops);\n"
    )
    assert sql_repo_findings(git_repo, AUDIT_QUERY % extra, REDUNDANT_SQL) == []


def test_upsert_on_a_stub_model_without_its_repo_schema_does_not_fire() -> None:
    md = """
# Plan

```prisma
model Tier {
  // ... existing fields
  note String?
}
```

```typescript
await prisma.tier.upsert({ where: { id }, create: {}, update: {} });
```
"""
    assert findings(md, UPSERT) == []
