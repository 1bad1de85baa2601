"""Caching rules: each fires on its pattern and stays quiet on the near miss."""

from __future__ import annotations

from pathlib import Path

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
    results = run_rules(RuleContext(plan, context, repo), rule_sets(["caching"]))
    assert results.errors == {}
    return [f for f in results.findings["caching"] if f.rule == rule_id]


def spans(found: list[Finding]) -> list[list[tuple[str, int, int]]]:
    return [[(loc.path, loc.start_line, loc.end_line) for loc in f.locations] for f in found]


# --- mutation-without-invalidation ---------------------------------------------------------

STALE = "caching/mutation-without-invalidation"

DISCOVERY = "server/src/services/discovery.service.ts"
DISCOVERY_TS = """\
import { LRUCache } from 'lru-cache';

const bootstrapCache = new LRUCache<string, BootstrapData>({ max: 1000, ttl: 30 * 60 * 1000 });

export class DiscoveryService {
  async getBootstrap(tenantId: string): Promise<BootstrapData> {
    const hit = bootstrapCache.get(tenantId);
    if (hit) return hit;
    const data = await this.contextBuilder.getBootstrapData(tenantId);
    bootstrapCache.set(tenantId, data);
    return data;
  }

  invalidateBootstrapCache(tenantId: string): void {
    bootstrapCache.delete(tenantId);
  }
}
"""
CONTEXT = "server/src/services/context-builder.service.ts"
CONTEXT_TS = """\
export class ContextBuilderService {
  async getBootstrapData(tenantId: string) {
    const tenant = await this.prisma.tenant.findUnique({ where: { id: tenantId } });
    const segments = await this.prisma.segment.findMany({ where: { tenantId }, take: 5 });
    return { tenant, segments };
  }
}
"""
REPO = {DISCOVERY: DISCOVERY_TS, CONTEXT: CONTEXT_TS}


def test_write_to_cached_model_without_invalidation_fires() -> None:
    found = findings(
        """
# Plan
## Phase 4: agent tools

```typescript
async manageSegments(tenantId: string, input: SegmentInput) {
  await this.prisma.segment.create({ data: { tenantId, name: input.name } });
}

async storeFact(tenantId: string, fact: Fact) {
  await this.prisma.tenant.update({ where: { id: tenantId }, data: { facts: fact } });
  this.discovery.invalidateBootstrapCache(tenantId);
}
```
""",
        STALE,
        REPO,
    )
    assert spans(found) == [[(PLAN, 6, 6), (DISCOVERY, 3, 3)]]
    assert found[0].severity is Severity.P3
    assert "`manageSegments` writes Segment" in found[0].title
    assert "30 min TTL" in found[0].title


def test_model_the_plan_says_the_cache_holds_counts() -> None:
    found = findings(
        """
# Plan
The bootstrap data will also include the tenant's tiers.

```ts
async function manageTiers(tenantId: string) {
  await prisma.tier.update({ where: { id }, data: { name } });
}
```
""",
        STALE,
        REPO,
    )
    assert [f.title.split(" writes ")[0] for f in found] == ["`manageTiers`"]


def test_write_to_uncached_model_or_invalidated_path_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
async function recordBooking(tenantId: string) {
  await prisma.booking.create({ data: { tenantId } });
}
async function renameSegment(tenantId: string) {
  await prisma.segment.update({ where: { id }, data: { name } });
  await this.discovery.invalidateBootstrapCache(tenantId);
}
```
""",
        STALE,
        REPO,
    )
    assert found == []


def test_map_cache_without_ttl_is_p2() -> None:
    found = findings(
        """
# Plan
```ts
const tierCache = new Map<string, Tier[]>();
async function loadTiers(tenantId: string) {
  const hit = tierCache.get(tenantId);
  if (hit) return hit;
  const tiers = await prisma.tier.findMany({ where: { tenantId }, take: 10 });
  tierCache.set(tenantId, tiers);
}
async function addTier(tenantId: string) {
  await prisma.tier.create({ data: { tenantId } });
}
```
""",
        STALE,
    )
    assert [f.severity for f in found] == [Severity.P2]


# --- route-renamed-without-redirect --------------------------------------------------------

ROUTE = "caching/route-renamed-without-redirect"
PAGE = "apps/web/src/app/t/[slug]/book/[packageSlug]/page.tsx"
PAGE_TSX = "export const revalidate = 60;\n\nexport default async function Page() {}\n"
RENAME_PLAN = """
# Plan
## Phase 6: storefront

Rename `app/t/[slug]/book/[packageSlug]/page.tsx` to `app/t/[slug]/book/[tierSlug]/page.tsx`.

## Open Questions

1. Should old package URLs redirect to the tier page?
"""


def test_cached_route_renamed_with_redirect_only_as_open_question_fires() -> None:
    found = findings(RENAME_PLAN, ROUTE, {PAGE: PAGE_TSX})
    assert spans(found) == [[(PLAN, 4, 4), (PAGE, 1, 1)]]
    assert found[0].severity is Severity.P2
    assert "revalidate = 60" in found[0].issue


def test_route_rename_with_a_committed_redirect_does_not_fire() -> None:
    plan = RENAME_PLAN.replace(
        "## Open Questions",
        "The old page becomes a `permanentRedirect` to the tier URL.\n\n## Open Questions",
    )
    assert findings(plan, ROUTE, {PAGE: PAGE_TSX}) == []


def test_uncached_route_rename_does_not_fire() -> None:
    page = "export const dynamic = 'force-dynamic';\nexport default function Page() {}\n"
    assert findings(RENAME_PLAN, ROUTE, {PAGE: page}) == []


def test_route_file_found_in_the_repo_when_not_loaded(git_repo: GitRepoFactory) -> None:
    root: Path = git_repo({PAGE: PAGE_TSX})
    found = findings(RENAME_PLAN, ROUTE, repo=open_repo(root))
    assert spans(found) == [[(PLAN, 4, 4)]]
    assert PAGE in found[0].issue


# --- cache-key-missing-tenant --------------------------------------------------------------

TENANT_KEY = "caching/cache-key-missing-tenant"


def test_tenant_scoped_cache_keyed_by_slug_fires() -> None:
    found = findings(
        """
# Plan
```ts
const tierCache = new LRUCache<string, Tier>({ max: 500, ttl: 60_000 });
async function getTier(tenantId: string, slug: string) {
  const hit = tierCache.get(slug);
  if (hit) return hit;
  const tier = await prisma.tier.findFirst({ where: { tenantId, slug } });
  tierCache.set(slug, tier);
  return tier;
}
```
""",
        TENANT_KEY,
    )
    assert spans(found) == [[(PLAN, 5, 5), (PLAN, 8, 8)]]
    assert found[0].severity is Severity.P1
    assert "tenantId" in found[0].title


def test_keys_that_include_the_tenant_do_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const tierCache = new LRUCache<string, Tier>({ max: 500 });
async function getTier(tenantId: string, slug: string) {
  const key = `${tenantId}:${slug}`;
  const hit = tierCache.get(key);
  tierCache.set(`${tenantId}:${slug}`, hit);
}
async function getGlobal(slug: string) {
  return tierCache.get(slug);
}
```
""",
        TENANT_KEY,
    )
    assert found == []


def test_unstable_cache_closing_over_tenant_without_key_part_fires() -> None:
    found = findings(
        """
# Plan
```ts
export async function TiersPage(tenantId: string) {
  const load = unstable_cache(async () => prisma.tier.findMany({ where: { tenantId } }), ['tiers']);
  return load();
}
```
""",
        TENANT_KEY,
    )
    assert spans(found) == [[(PLAN, 4, 4)]]


# --- redis-keys-in-request-path ------------------------------------------------------------

REDIS_KEYS = "caching/redis-keys-in-request-path"


def test_redis_keys_in_a_handler_fires() -> None:
    found = findings(
        """
# Plan
## Phase 3: invalidation

```ts
export async function purgeTenant(tenantId: string) {
  const keys = await redis.keys(`tenant:${tenantId}:*`);
  if (keys.length) await redis.del(...keys);
}
```
""",
        REDIS_KEYS,
    )
    assert spans(found) == [[(PLAN, 6, 6)]]
    assert found[0].severity is Severity.P2


def test_keys_in_a_script_or_on_a_map_does_not_fire() -> None:
    found = findings(
        """
# Plan
## Migration script

```ts
const stale = await redis.keys('session:*');
```

## Phase 2

```ts
const ids = [...tenantCache.keys()];
```
""",
        REDIS_KEYS,
    )
    assert found == []


# --- ttl-exceeds-staleness-budget ----------------------------------------------------------

TTL = "caching/ttl-exceeds-staleness-budget"
BUDGET_PLAN = """
# Plan
## Requirements

- Tier edits must be visible to the agent within 1 minute.
"""


def test_ttl_longer_than_stated_budget_fires() -> None:
    found = findings(BUDGET_PLAN, TTL, REPO)
    assert spans(found) == [[(DISCOVERY, 3, 3), (PLAN, 4, 4)]]
    assert "for 30 min" in found[0].title and "1 min of staleness" in found[0].title
    assert found[0].severity is Severity.P2


def test_ttl_within_budget_or_evicted_by_the_plan_does_not_fire() -> None:
    short = DISCOVERY_TS.replace("30 * 60 * 1000", "30 * 1000")
    assert findings(BUDGET_PLAN, TTL, {DISCOVERY: short}) == []
    evicting = BUDGET_PLAN + "\n```ts\nthis.discovery.invalidateBootstrapCache(tenantId);\n```\n"
    assert findings(evicting, TTL, REPO) == []


def test_no_stated_budget_does_not_fire() -> None:
    assert findings("# Plan\n\nTiers are cached.\n", TTL, REPO) == []


def test_ttl_fires_when_the_plan_evicts_on_only_some_write_paths() -> None:
    plan = (
        BUDGET_PLAN
        + """
```ts
async function storeFact(tenantId: string) {
  await prisma.tenant.update({ where: { id: tenantId }, data: { facts } });
  this.discovery.invalidateBootstrapCache(tenantId);
}
async function renameSegment(tenantId: string) {
  await prisma.segment.update({ where: { id }, data: { name } });
}
```
"""
    )
    assert spans(findings(plan, TTL, REPO)) == [[(DISCOVERY, 3, 3), (PLAN, 4, 4)]]


def test_rename_of_the_dynamic_segment_alone_fires() -> None:
    plan = "# Plan\n\nThe booking route's `[packageSlug]` segment is renamed to `[tierSlug]`.\n"
    assert spans(findings(plan, ROUTE, {PAGE: PAGE_TSX})) == [[(PLAN, 3, 3), (PAGE, 1, 1)]]


def test_an_unrelated_redirect_does_not_hide_the_rename() -> None:
    plan = RENAME_PLAN.replace(
        "## Open Questions", "After payment, redirect the customer to Stripe.\n\n## Open Questions"
    )
    assert len(findings(plan, ROUTE, {PAGE: PAGE_TSX})) == 1


ISR_PAGE = "app/t/[slug]/page.tsx"
ISR_TSX = """\
export const revalidate = 3600;

export default async function Storefront({ params }: Props) {
  const tiers = await prisma.tier.findMany({ where: { tenant: { slug: params.slug } }, take: 20 });
  return <Tiers tiers={tiers} />;
}
"""


def test_write_to_data_an_isr_page_renders_without_revalidate_fires() -> None:
    plan = """
# Plan
```ts
export async function updateTierPrice(tenantId: string, id: string, priceCents: number) {
  await prisma.tier.update({ where: { id, tenantId }, data: { priceCents } });
}
```
"""
    found = findings(plan, STALE, {ISR_PAGE: ISR_TSX})
    assert spans(found) == [[(PLAN, 4, 4), (ISR_PAGE, 1, 1)]]
    assert "the ISR page `/t/[slug]`" in found[0].title
    assert "revalidatePath('/t/[slug]')" in found[0].recommendation


def test_write_followed_by_revalidate_path_does_not_fire() -> None:
    plan = """
# Plan
```ts
export async function updateTierPrice(tenantId: string, id: string, priceCents: number) {
  await prisma.tier.update({ where: { id, tenantId }, data: { priceCents } });
  revalidatePath(`/t/${slug}`);
}
```
"""
    assert findings(plan, STALE, {ISR_PAGE: ISR_TSX}) == []


# --- unbounded-map-cache -------------------------------------------------------------------

MAP_CACHE = "caching/unbounded-map-cache"


def test_map_memo_keyed_by_a_small_domain_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const priceCache = new Map<string, number>();
export function price(currency: string) {
  if (priceCache.has(currency)) return priceCache.get(currency);
  priceCache.set(currency, compute(currency));
}
```
""",
        MAP_CACHE,
    )
    assert found == []


def test_map_cache_with_eviction_or_a_size_cap_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const priceCache = new Map<string, number>();
const slugCache = new Map<string, string>();
export function price(id: string) {
  if (priceCache.has(id)) return priceCache.get(id);
  priceCache.set(id, compute(id));
  if (slugCache.size > 500) slugCache.clear();
  if (!slugCache.get(id)) slugCache.set(id, slugify(id));
}
export function onPriceChange(id: string) {
  priceCache.delete(id);
}
```
""",
        MAP_CACHE,
    )
    assert found == []


_SNIPPET = st.lists(
    st.sampled_from(
        [
            "const tierCache = new Map<string, T>();",
            "tierCache.set(slug, v);",
            "}",
            "async function f(tenantId: string) {",
            "await prisma.tier.update({ data });",
            "export const revalidate = 60;",
            "await redis.keys('a:*');",
            "revalidatePath('/t');",
            "const c = new LRUCache({ ttl: 1000 * 60 });",
            "c.get(key);",
            "unstable_cache(async () =>",
            "tenantId, ['k'])",
            "`${",
            "'",
            "invalidateBootstrapCache(tenantId);",
        ]
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_SNIPPET)
def test_caching_rules_never_crash_on_fragments(fragments: list[str]) -> None:
    code = "\n".join(fragments)
    prose = "Visible within 1 minute. Rename `/t/[slug]` to `/s/[slug]`."
    md = f"# Plan\n{prose}\n\n```ts\n{code}\n```\n"
    results = run_rules(RuleContext(parse_plan(md, PLAN), RepoContext()), rule_sets(["caching"]))
    assert results.errors == {}


def test_global_cache_read_in_a_tenant_function_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const flagCache = new LRUCache<string, Flags>({ max: 10 });
async function checkout(tenantId: string) {
  const flags = flagCache.get("global-flags");
  return flags?.checkoutEnabled;
}
```
""",
        TENANT_KEY,
    )
    assert found == []


PRODUCTS = "src/catalog/product.service.ts"
PRODUCTS_TS = """\
export class ProductService {
  async search(shopId: string, query: string, page: number) {
    const { rows } = await this.pool.query(
      `SELECT id, title FROM products WHERE shop_id = $1 AND title ILIKE $2 LIMIT 24 OFFSET $3`,
      [shopId, query, page * 24],
    );
    return rows;
  }
}
"""
SEARCH_PLAN = """
# Plan
```ts
async searchCached(shopId: string, query: string, page: number) {
  const key = `search:${query}:${page}`;
  const cached = await getJson<Hit[]>(key);
  if (cached) return cached;
  const hits = await this.search(shopId, query, page);
  await setJson(key, hits, 6 * 60 * 60);
  return hits;
}
```
"""


def test_shop_scoped_search_cached_through_helpers_fires() -> None:
    found = findings(SEARCH_PLAN, TENANT_KEY, {PRODUCTS: PRODUCTS_TS})
    assert spans(found) == [[(PLAN, 5, 5), (PLAN, 8, 8)]]
    assert "`shopId`" in found[0].title


def test_budget_sentence_wrapping_over_lines_is_read() -> None:
    plan = """
# Plan
TTL: 6 hours. Prices may be stale for a short while; merchants have agreed
to up to 5 minutes.

```ts
await setJson(key, hits, 6 * 60 * 60);
```
"""
    found = findings(plan, TTL)
    assert spans(found) == [[(PLAN, 6, 6), (PLAN, 3, 3)]]
    assert "for 6 h" in found[0].title and "5 min" in found[0].title


TOOLS_PLAN = """
# Plan
## Tools

| tool | writes |
|---|---|
| `manage_segments` | `Segment` |
| `manage_bookings` | `Booking` |

Each tool validates its input with zod.
"""


def test_table_rows_are_not_write_paths() -> None:
    assert findings(TOOLS_PLAN, STALE, REPO) == []


# --- in-process-cache-multi-instance -------------------------------------------------------

MULTI = "caching/in-process-cache-multi-instance"
ENTITLEMENTS = "src/entitlements.service.ts"
ENTITLEMENTS_TS = """\
const cache = new LRUCache<string, Entitlements>({ max: 5000, ttl: 15 * 60 * 1000 });
export async function getEntitlements(orgId: string) {
  return cache.get(orgId);
}
"""
MULTI_PLAN = """
# Plan
The API runs as 14 pods behind the load balancer.

| endpoint | does |
|---|---|
| `PUT /admin/orgs/:id/overrides` | upsert the override, then `cache.delete(orgId)` |
"""


def test_evicting_an_in_process_cache_on_many_pods_fires() -> None:
    found = findings(MULTI_PLAN, MULTI, {ENTITLEMENTS: ENTITLEMENTS_TS})
    assert spans(found) == [[(PLAN, 6, 6), (PLAN, 2, 2), (ENTITLEMENTS, 1, 1)]]
    assert "14 pods" in found[0].title


def test_single_instance_or_no_eviction_does_not_fire() -> None:
    single = MULTI_PLAN.replace("14 pods", "one pod")
    assert findings(single, MULTI, {ENTITLEMENTS: ENTITLEMENTS_TS}) == []
    no_eviction = MULTI_PLAN.replace(", then `cache.delete(orgId)`", "")
    assert findings(no_eviction, MULTI, {ENTITLEMENTS: ENTITLEMENTS_TS}) == []


def test_map_cache_keyed_per_row_is_p2() -> None:
    found = findings(
        """
# Plan
```ts
const badges = new Map<string, string>();
export function badge(listingId: string, priceCents: number) {
  const key = `${listingId}:${priceCents}`;
  const hit = badges.get(key);
  if (hit) return hit;
  badges.set(key, render(priceCents));
}
```
""",
        MAP_CACHE,
    )
    assert [f.severity for f in found] == [Severity.P2]


# --- invalidation-clears-all-tenants -------------------------------------------------------

ALL_TENANTS = "caching/invalidation-clears-all-tenants"
WILDCARD_PLAN = """
# Plan
Results are cached per shop and query.

```ts
async function searchCached(shopId: string, query: string) {
  const key = `search:${query}`;
  const cached = await getJson<Hit[]>(key);
  if (cached) return cached;
  const hits = await db.product.findMany({ where: { shopId, title: { contains: query } } });
  await setJson(key, hits, 300);
  return hits;
}

async function invalidateSearch(): Promise<void> {
  const keys = await redis.keys('search:*');
  await redis.del(...keys);
}
```
"""


def test_wildcard_invalidation_of_tenant_filled_entries_fires() -> None:
    found = findings(WILDCARD_PLAN, ALL_TENANTS)
    assert spans(found) == [[(PLAN, 15, 15)]]
    assert "every shop's entries" in found[0].title


def test_tenant_scoped_pattern_or_entries_filled_without_a_tenant_do_not_fire() -> None:
    scoped = WILDCARD_PLAN.replace("'search:*'", "`search:${shopId}:*`")
    assert findings(scoped, ALL_TENANTS) == []
    single = WILDCARD_PLAN.replace("shopId, title", "title").replace("shopId: string, ", "")
    assert findings(single, ALL_TENANTS) == []
    other_prefix = WILDCARD_PLAN.replace("'search:*'", "'menu:*'")
    assert findings(other_prefix, ALL_TENANTS) == []


# --- revalidation-targets-old-route --------------------------------------------------------

OLD_TARGET = "caching/revalidation-targets-old-route"
BLOG_PAGE = "apps/web/src/app/blog/[slug]/page.tsx"
WEBHOOK = "apps/web/src/app/api/revalidate/route.ts"
WEBHOOK_TS = "export async function POST(req: Request) {\n  revalidatePath(`/blog/${slug}`);\n}\n"
MOVE_PLAN = """
# Plan
1. Move the route: `app/blog/[slug]/` → `app/articles/[category]/[slug]/`.
"""


def test_revalidation_left_on_the_old_path_fires() -> None:
    files = {BLOG_PAGE: "export const revalidate = 3600;\n", WEBHOOK: WEBHOOK_TS}
    found = findings(MOVE_PLAN, OLD_TARGET, files)
    assert spans(found) == [[(PLAN, 2, 2), (WEBHOOK, 2, 2)]]
    assert "`/blog` after the move to `/articles`" in found[0].title


def test_plan_that_updates_revalidation_does_not_fire() -> None:
    files = {BLOG_PAGE: "export const revalidate = 3600;\n", WEBHOOK: WEBHOOK_TS}
    plan = MOVE_PLAN + "2. The webhook revalidates `/articles/${category}/${slug}` instead.\n"
    assert findings(plan, OLD_TARGET, files) == []
