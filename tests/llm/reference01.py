# ruff: noqa: E501  (plan and file lines are data; real plans have long lines)
"""Reference review 01 as test data: a plan shaped like the one it reviewed, the repository
files it cites, and its 17 findings as the four specialists would return them.

Locations are not written by hand: `cite()` finds each quote's line in the plan or file,
the way a model reading the numbered excerpts would.
"""

from __future__ import annotations

from typing import Any

PLAN = "docs/plans/2026-02-11-feat-onboarding-conversation-redesign-plan.md"
CATALOG = "server/src/services/catalog.service.ts"
CONTEXT_BUILDER = "server/src/services/context-builder.service.ts"
DISCOVERY = "server/src/services/discovery.service.ts"

PLAN_TEXT = f"""# Onboarding conversation redesign

Scale: <1000 packages, <10000 bookings, <1000 tenants.

## Phase 1: Schema

```prisma
model Tier {{
  id         String  @id @default(cuid())
  tenantId   String
  segmentId  String
  slug       String
  sortOrder  Int
  priceCents Int
  active     Boolean @default(true)

  @@unique([segmentId, sortOrder])
  @@unique([tenantId, slug])
  @@index([tenantId, active])
  @@index([segmentId])
}}

model TierAddOn {{
  tierId  String
  addOnId String

  @@id([tierId, addOnId])
  @@index([tierId])
  @@index([addOnId])
}}

model Booking {{
  tierId String?
  tier   Tier?   @relation(fields: [tierId], references: [id], onDelete: Restrict)
}}
```

Decision #8: prices in cents (Int), not dollars (Decimal); the current Tier has
`price Decimal @db.Decimal(10, 2)`.

## Phase 2: Brain dump

The brain dump is capped at 2000 characters.

## Phase 3: Onboarding phases

Simplify OnboardingPhase to NOT_STARTED, BUILDING, COMPLETED, SKIPPED.
`completeOnboarding()` calls `this.catalogService.getAllPackages(tenantId)` and checks `.length === 0`.

## Phase 5: Agent bootstrap

The system prompt adds the brain dump, segments and tiers to every turn.
Agent maintains this mentally via `get_known_facts` + `get_page_structure`.
New tools: `manage_segments`, `manage_tiers`, `manage_addons`; `manage_tiers create` takes a sortOrder.

## Phase 6: Storefront

Rename `/t/[slug]/book/[packageSlug]/page.tsx` (with `export const revalidate = 60`) to
`/t/[slug]/book/[tierSlug]/page.tsx`.

## Phase 7: Migration

```typescript
await prisma.$transaction(async (tx) => {{
  await tx.$executeRaw`UPDATE "Package" SET "draft" = false WHERE "draft" = true`;
  await tx.$executeRaw`ALTER TABLE "Tier" ADD COLUMN "sourcePackageId" TEXT`;
  for (const p of packages) {{
    await tx.$executeRaw`INSERT INTO "Tier" (id, "priceCents") VALUES (${{createId()}}, ${{p.basePrice}})`;
  }}
  await tx.$executeRaw`UPDATE "Booking" SET "tierId" = t.id FROM "Tier" t WHERE t."sourcePackageId" = "packageId"`;
  await tx.$executeRaw`DROP TABLE "PackageAddOn"`;
}});
```

## Phase 9: Deployment

Deploy the backend first, then the frontend.

## Risk analysis

Webhook handlers must check for BOTH metadata.tierId AND metadata.packageId during 48-hour transition window.

See `{CATALOG}:70-80`, `{CONTEXT_BUILDER}:340-420` and `{DISCOVERY}:40-100`.
"""


def _file(lines: dict[int, str], length: int) -> str:
    return "\n".join(lines.get(n, f"  // {n}") for n in range(1, length + 1)) + "\n"


FILES: dict[str, str] = {
    CATALOG: _file({
        70: "  async getAllPackages(tenantId: string) {",
        72: "    return this.repository.getAllPackagesWithAddOns(tenantId);",
    }, 120),
    CONTEXT_BUILDER: _file({
        342: "    const tenant = await prisma.tenant.findUnique({ where: { id: tenantId } });",
        367: "    const hasDraft = await this.sectionContentService.hasDraft(tenantId);",
        368: "    const hasPublished = await this.sectionContentService.hasPublished(tenantId);",
        417: "    const revealCompleted = tenant.revealCompletedAt ?? (await this.hasNonSeedPackages(tenantId));",
        529: "  private async hasNonSeedPackages(tenantId: string) {",
        530: "    return (await prisma.package.count({ where: { tenantId, isSeed: false } })) > 0;",
    }, 560),
    DISCOVERY: _file({
        45: "interface BootstrapData {",
        94: "const bootstrapCache = new LRUCache<string, BootstrapData>({ max: 1000, ttl: 30 * 60 * 1000 });",
    }, 200),
}


def cite(path: str, quote: str) -> dict[str, Any]:
    text = PLAN_TEXT if path == PLAN else FILES[path]
    for number, line in enumerate(text.splitlines(), start=1):
        if quote in line:
            return {"path": path, "start_line": number, "end_line": number}
    raise AssertionError(f"quote not in {path}: {quote!r}")


# (reviewer, severity, title, path, quote, issue, impact, recommendation)
REVIEW_01: list[tuple[str, str, str, str, str, str, str, str]] = [
    ("migration", "P1",
     "Migration Transaction Lock Duration -- Entire Package-to-Tier Migration in Single $transaction",
     PLAN, "await prisma.$transaction(async (tx) => {",
     "The migration script wraps ALL operations in a single prisma.$transaction(): draft "
     "publishing, ALTER TABLE, a row-by-row Tier INSERT loop, the Booking UPDATE and DROP TABLE.",
     "10-30 seconds of held locks: all writes to Booking, Package and Tenant are blocked; "
     "in-flight Stripe webhooks time out and customers mid-checkout get a 500.",
     "Split into 3 smaller transactions, batch the Tier inserts 50-100 rows per INSERT, "
     "document the maintenance window, and set { timeout: 120000 }."),
    ("performance", "P1", "Missing Prisma $transaction Timeout Override",
     PLAN, "await prisma.$transaction(async (tx) => {",
     "No timeout option: Prisma's default interactive transaction timeout is 5 seconds.",
     "The migration fails with `Transaction already closed`, leaving a partial migration.",
     "Add { timeout: 120000, maxWait: 30000 } to the $transaction call."),
    ("indexing", "P1", "Tier Model Missing tenantId Index for Common Agent Queries",
     PLAN, "@@index([segmentId])",
     "manage_tiers lists tiers by tenantId + segmentId; only @@index([segmentId]) serves it.",
     "Every manage_tiers list call does a segment-only index scan plus a filter.",
     "Add @@index([tenantId, segmentId]) and @@index([tenantId])."),
    ("indexing", "P1", "Booking Table Missing tierId Index",
     PLAN, "tierId String?",
     "tierId is added to Booking without @@index([tierId]).",
     "The onDelete: Restrict check scans Booking on every Tier delete; 10000+ bookings.",
     "Add @@index([tierId]) to Booking in Phase 1."),
    ("performance", "P2",
     "Agent Bootstrap Token Budget -- Brain Dump + Segments + Tiers Per Turn",
     PLAN, "Agent maintains this mentally via `get_known_facts` + `get_page_structure`.",
     "About 8000 input tokens per turn; the tool results double it.",
     "A 15-turn session compounds to 120K-180K tokens.",
     "Truncate the brain dump in the bootstrap and add a token budget to the NFRs."),
    ("caching", "P2",
     "ISR Cache Invalidation Gap -- Route Rename from packageSlug to tierSlug",
     PLAN, "`/t/[slug]/book/[tierSlug]/page.tsx`.",
     "The old /book/[packageSlug] pages stay in the ISR cache for 60 s with no purge step.",
     "A 60-second window where booking pages return 500 for existing package URLs.",
     "Keep the old route as a redirect and add an ISR purge to Phase 9."),
    ("performance", "P2", "CatalogService.getAllPackages() Has No take Limit",
     CATALOG, "return this.repository.getAllPackagesWithAddOns(tenantId);",
     "completeOnboarding() fetches ALL packages to check .length === 0.",
     "Hundreds of rows fetched for an existence check.",
     "Use findFirst({ select: { id: true } }) and add take: 100."),
    ("migration", "P2", "Decimal-to-Int Price Migration -- Implicit Precision Loss",
     PLAN, "`price Decimal @db.Decimal(10, 2)`.",
     "Existing Tier rows with Decimal prices are not converted to priceCents.",
     "Existing Tier rows are orphaned or lost when the model is redefined.",
     'Add UPDATE "Tier" SET "priceCents" = (price * 100)::INT before the type change.'),
    ("indexing", "P2", "TierAddOn Join Table -- Redundant Indexes",
     PLAN, "@@index([tierId])",
     "@@id([tierId, addOnId]) already serves tierId-only queries (leftmost prefix).",
     "Extra index writes on every TierAddOn insert and delete.",
     "Remove @@index([tierId]); keep @@index([addOnId])."),
    ("migration", "P2", "Stripe Metadata Transition Window Not Sized",
     PLAN, "during 48-hour transition window",
     "Payment intents can linger up to 7 days; 48 hours is arbitrary.",
     "In-flight payments fail to link to bookings.",
     "Size the fallback window to 7 days, keep lookupTierByPackageId for 14."),
    ("performance", "P2", "ContextBuilder.hasNonSeedPackages() Becomes Dead Code",
     CONTEXT_BUILDER, "private async hasNonSeedPackages(tenantId: string) {",
     "hasNonSeedPackages() queries prisma.package, which Phase 7 deletes.",
     "Runtime crash in getBootstrapData() after the Package table is dropped.",
     "Replace it with hasNonSeedTiers() in Phase 7's acceptance criteria."),
    ("performance", "P3", "Row-by-Row CUID Generation in Migration",
     PLAN, "for (const p of packages) {",
     "One INSERT per package, each a round-trip.",
     "Round-trip overhead dominates the migration.",
     "Build one multi-row INSERT per batch with Prisma.sql."),
    ("performance", "P3", "Brain Dump Size -- 2000 Chars Is Conservative",
     PLAN, "The brain dump is capped at 2000 characters.",
     "2000 characters is about 500 tokens.",
     "Verbose users may be frustrated by the limit.",
     "Keep 2000 for the MVP; consider 4000 later."),
    ("caching", "P3", "Bootstrap Cache in DiscoveryService Not Updated for New Fields",
     DISCOVERY, "const bootstrapCache = new LRUCache<string, BootstrapData>",
     "The 30-minute LRU bootstrap cache is not invalidated by the new tools.",
     "The agent misses updated brain dumps or new segments for up to 30 minutes.",
     "Invalidate the bootstrap cache in manage_segments, manage_tiers and manage_addons."),
    ("indexing", "P3", "Segment.sortOrder + Tier.sortOrder Conflict Potential",
     PLAN, "@@unique([segmentId, sortOrder])",
     "manage_tiers create takes sortOrder from the LLM.",
     "Unique violations and wasted agent turns.",
     "Assign sortOrder as MAX(sortOrder) + 1 in the tool."),
    ("migration", "P3",
     "OnboardingPhase Enum Removal -- Postgres Enum Alteration Complexity",
     PLAN, "Simplify OnboardingPhase to NOT_STARTED, BUILDING, COMPLETED, SKIPPED.",
     "Postgres cannot remove enum values: new type, convert, drop.",
     "A brief ACCESS EXCLUSIVE lock on Tenant.",
     "Reset stuck tenants before the enum alteration."),
    ("performance", "P3", "Multiple Sequential DB Queries in Bootstrap Path",
     CONTEXT_BUILDER, "const hasDraft = await this.sectionContentService.hasDraft(tenantId);",
     "getBootstrapData() awaits independent queries one after another.",
     "Added latency on every agent bootstrap.",
     "Run hasDraft and hasPublished with Promise.all."),
]


def answers() -> dict[str, dict[str, Any]]:
    """Reviewer -> the JSON answer it returns."""
    out: dict[str, dict[str, Any]] = {
        n: {"findings": []} for n in ("performance", "migration", "indexing", "caching")
    }
    for reviewer, severity, title, path, quote, issue, impact, rec in REVIEW_01:
        where = cite(path, quote)
        out[reviewer]["findings"].append({
            "severity": severity, "title": title, "categories": [reviewer],
            "locations": [where], "issue": issue, "impact": impact, "recommendation": rec,
            "evidence": [{**where, "quote": quote}], "confidence": 75, "confirms_rule": None,
        })
    return out
