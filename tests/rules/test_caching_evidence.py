"""What the caching rules take for a cache, a write path, tenancy and the plan's code.

Near misses built from what real plans hold (test `setUp`s, priority tables, checklists,
metrics Maps, rate limiters, kill switches, wrappers that take the tenant, browser code)
and the firing cases the evidence supports.
"""

from __future__ import annotations

from planreview.models import Severity
from tests.rules.test_caching_rules import (
    ALL_TENANTS,
    ENTITLEMENTS,
    ENTITLEMENTS_TS,
    MAP_CACHE,
    MULTI,
    PLAN,
    REDIS_KEYS,
    REPO,
    SEARCH_PLAN,
    STALE,
    TENANT_KEY,
    findings,
    spans,
)


def test_tenant_parameter_without_a_tenant_column_anywhere_does_not_fire() -> None:
    assert findings(SEARCH_PLAN, TENANT_KEY) == []


def test_key_handed_to_a_wrapper_with_the_tenant_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
async function loadSession(sessionId: string, tenantId: string) {
  const cached = await sessionCache.get(sessionId, tenantId);
  if (cached) return cached;
  const session = await prisma.session.findFirst({ where: { id: sessionId, tenantId } });
  await sessionCache.set(sessionId, session, tenantId);
  return session;
}
```
""",
        TENANT_KEY,
    )
    assert found == []


def test_flag_read_or_counter_in_a_tenant_function_is_not_a_cache() -> None:
    found = findings(
        """
# Plan
```ts
async function sendReminder(tenantId: string, bookingId: string) {
  const paused = await kv.get('reminders:kill-switch');
  if (paused) return;
  const count = await redis.get(`sent:${bookingId}`);
  await redis.set(`sent:${bookingId}`, Number(count) + 1);
  await prisma.booking.findFirst({ where: { id: bookingId, tenantId } });
}
```
""",
        TENANT_KEY,
    )
    assert found == []


def test_priority_cells_and_checklist_lines_are_not_write_paths() -> None:
    plan = """
# Plan
## Priorities

| Priority | Item | Owner |
|---|---|---|
| P1 | Segment picker for the agent | Ana |
| 2 | Update Tenant settings page | Bo |
| 4.1 | Create Segment import | Bo |

## Checklist

- [ ] Create Segment records for every tenant
- [ ] Update Tenant.facts after onboarding
- [ ] test_segment_update_refreshes_bootstrap
"""
    assert findings(plan, STALE, REPO) == []


def test_write_in_a_test_block_is_not_a_write_path() -> None:
    plan = """
# Plan
## Tests

```ts
describe('segments', () => {
  beforeEach(async () => {
    await prisma.segment.create({ data: { tenantId: 't1', name: 'A' } });
  });
});
```
"""
    assert findings(plan, STALE, REPO) == []


DJANGO_TESTS_PLAN = """
# Plan
## Task 1: signal handler

**Step 1: Write the failing test**

```python
from django.core.cache import cache
from django.test import TestCase


class RuleCacheTest(TestCase):
    def setUp(self):
        cache.clear()

    def tearDown(self):
        cache.clear()

    def test_rule_change_clears_cache(self):
        cache.set("rules:checkout", ["old"], timeout=300)
        Rule.objects.create(code="r1", entry_point="checkout")
        self.assertIsNone(cache.get("rules:checkout"))
```

**Step 2: Register the admin**

```python
admin.site.register(Rule, RuleAdmin)
self.site = AdminSite()
```
"""


def test_cache_clear_in_test_setup_and_admin_site_words_do_not_fire() -> None:
    assert findings(DJANGO_TESTS_PLAN, ALL_TENANTS) == []


def test_clear_of_a_cache_filled_per_org_fires() -> None:
    plan = """
# Plan
```python
from django.core.cache import cache


def org_rules(org_id):
    key = f"rules:{org_id}"
    rules = cache.get(key)
    if rules is None:
        rules = list(Rule.objects.filter(org_id=org_id, active=True))
        cache.set(key, rules, timeout=300)
    return rules


def on_rule_saved(sender, instance, **kwargs):
    instance.save()
    cache.clear()
```
"""
    found = findings(plan, ALL_TENANTS)
    assert spans(found) == [[(PLAN, 17, 17)]]
    assert "every org's entries" in found[0].title


def test_metrics_accumulator_and_rate_limiter_maps_are_not_caches() -> None:
    plan = """
# Plan
```ts
export class PerformanceMonitor {
  private metrics: Map<string, number[]> = new Map();

  record(name: string, value: number): void {
    if (!this.metrics.has(name)) {
      this.metrics.set(name, []);
    }
    this.metrics.get(name)!.push(value);
  }
}

const rateLimitCache = new Map<string, { count: number; resetAt: number }>();

export function allow(ip: string): boolean {
  const entry = rateLimitCache.get(ip);
  if (!entry || entry.resetAt < Date.now()) {
    rateLimitCache.set(ip, { count: 1, resetAt: Date.now() + 60_000 });
    return true;
  }
  rateLimitCache.set(ip, { count: entry.count + 1, resetAt: entry.resetAt });
  return entry.count < 100;
}
```
"""
    assert findings(plan, MAP_CACHE) == []


def test_map_filled_from_an_awaited_load_after_a_lookup_is_a_cache() -> None:
    plan = """
# Plan
```ts
const profiles = new Map<string, Profile>();

export async function profile(userId: string) {
  const hit = profiles.get(userId);
  if (hit) return hit;
  const loaded = await db.profile.findUnique({ where: { userId } });
  profiles.set(userId, loaded);
  return loaded;
}
```
"""
    found = findings(plan, MAP_CACHE)
    assert spans(found) == [[(PLAN, 3, 3)]]
    assert found[0].severity is Severity.P2  # keyed per row: grows with the table


def test_redis_keys_in_a_plan_test_block_or_a_repository_test_file_does_not_fire() -> None:
    plan = """
# Plan
## Tests

```ts
afterEach(async () => {
  const keys = await redis.keys('test:*');
  if (keys.length) await redis.del(...keys);
});
```

The cleanup helper in `src/cache/__tests__/helpers.ts:2` is reused.
"""
    helper = "export async function reset() {\n  const keys = await redis.keys('t:*');\n}\n"
    assert findings(plan, REDIS_KEYS, {"src/cache/__tests__/helpers.ts": helper}) == []


def test_redis_keys_in_code_the_plan_quotes_as_current_does_not_fire() -> None:
    plan = """
# Plan
## Current problem

```ts
export async function purgeCatalog() {
  const keys = await redis.keys('catalog:*');
  await redis.del(...keys);
}
```

## Proposal

Track catalog keys in a Set and delete its members.
"""
    assert findings(plan, REDIS_KEYS) == []


def test_eviction_only_in_a_test_block_does_not_count_for_many_pods() -> None:
    plan = """
# Plan
The API runs as 14 pods behind the load balancer.

## Tests

```ts
afterEach(() => {
  cache.delete(orgId);
});
```
"""
    assert findings(plan, MULTI, {ENTITLEMENTS: ENTITLEMENTS_TS}) == []


def test_a_bare_write_snippet_in_another_section_is_not_a_write_path() -> None:
    plan = """
# Guide
## Transactions

```ts
await prisma.$transaction([
  prisma.segment.create({ data: { tenantId, name } }),
]);
```
"""
    assert findings(plan, STALE, REPO) == []


def test_browser_map_caches_and_component_instances_are_not_server_caches() -> None:
    plan = """
# Guide
With SWR, multiple instances share one request.

```typescript
const storageCache = new Map<string, string | null>();

function getLocalStorage(userId: string) {
  if (!storageCache.has(userId)) {
    storageCache.set(userId, localStorage.getItem(userId));
  }
  return storageCache.get(userId);
}

window.addEventListener('storage', e => {
  if (e.key) storageCache.delete(e.key);
});
```
"""
    assert findings(plan, MULTI) == []
    assert findings(plan.replace("storageCache.delete(e.key)", "log(e)"), MAP_CACHE) == []
