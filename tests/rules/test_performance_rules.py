"""Performance rules: each fires on its pattern and stays quiet on the near miss."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.models import Finding, Severity
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window
from planreview.reviewers import rule_sets
from planreview.rules import RuleContext, run_rules

PLAN = "docs/plans/p.md"
SCALE = "\n\nScale: the audit_archive table holds about 5,000 rows.\n"
"""Appended to every plan below (after its last line, so line numbers stay): the per-row
rules only speak when the plan states a table of a thousand rows or more, and then only
about rows whose size it states (`rows_of` names those); the table named here is none of
the plans' own, so no rule's severity is raised by it."""


def findings(
    plan_md: str, rule_id: str, files: dict[str, str] | None = None, *, scale: bool = True,
    rows_of: tuple[str, ...] = (),
) -> list[Finding]:
    """`rows_of`: tables the plan states at 5,000 rows (after its last line): a per-row
    rule keeps a hit only when a table it names has a stated size."""
    stated = "".join(f"| {t} | 5,000 |\n" for t in rows_of)
    table = f"\n\n| table | rows |\n|---|---|\n{stated}" if stated else ""
    plan = parse_plan(plan_md.lstrip("\n") + (SCALE if scale else "") + table, PLAN)
    context = RepoContext(
        files={
            p: LoadedFile(p, t, (Window(1, t.count("\n") + 1),)) for p, t in (files or {}).items()
        }
    )
    results = run_rules(RuleContext(plan, context), rule_sets(["performance"]))
    assert results.errors == {}
    return [f for f in results.findings["performance"] if f.rule == rule_id]


def lines(found: list[Finding]) -> list[tuple[str, int, int]]:
    return [
        (f.locations[0].path, f.locations[0].start_line, f.locations[0].end_line) for f in found
    ]


# --- unbounded-find-many -------------------------------------------------------------------

UNBOUNDED = "performance/unbounded-find-many"


def test_find_many_without_take_in_plan_code_fires() -> None:
    found = findings(
        """
# Plan
## Phase 4: tier tools

```typescript
async function listTiers(tenantId: string) {
  return prisma.tier.findMany({
    where: { tenantId },
  });
}
```
""",
        UNBOUNDED, rows_of=("tiers",),
    )
    assert lines(found) == [(PLAN, 6, 8)]
    assert found[0].severity is Severity.P2
    assert "prisma.tier.findMany" in found[0].title
    assert found[0].evidence[0].quote.startswith("return prisma.tier.findMany")


def test_find_many_with_take_or_id_list_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const page = await prisma.tier.findMany({ where: { tenantId }, take: 50 });
const picked = await prisma.tier.findMany({ where: { id: { in: ids } } });
```
""",
        UNBOUNDED,
    )
    assert found == []


def test_find_many_in_a_migration_script_does_not_fire() -> None:
    found = findings(
        """
# Plan
## Phase 7: Migration script
```ts
const packages = await prisma.package.findMany();
for (const p of packages) { console.log(p.id); }
```
""",
        UNBOUNDED,
    )
    assert found == []


def test_repo_find_many_fires_only_where_the_plan_points() -> None:
    service = (
        "export class CatalogService {\n"
        "  async getAllPackages(tenantId: string) {\n"
        "    return this.prisma.package.findMany({ where: { tenantId } });\n"
        "  }\n"
        "  async unrelated(tenantId: string) {\n"
        "    return this.prisma.addOn.findMany({ where: { tenantId } });\n"
        "  }\n"
        "}\n"
    )
    plan = """
# Plan
Onboarding completes once `getAllPackages(tenantId)` returns packages
(see `server/src/services/catalog.service.ts`).
"""
    found = findings(
        plan, UNBOUNDED, {"server/src/services/catalog.service.ts": service},
        rows_of=("packages", "add_ons"),
    )
    assert lines(found) == [("server/src/services/catalog.service.ts", 3, 3)]


# --- n-plus-one-query ----------------------------------------------------------------------

N_PLUS_ONE = "performance/n-plus-one-query"


def test_query_awaited_in_a_loop_over_query_rows_fires() -> None:
    found = findings(
        """
# Plan
```ts
async function bookingsBySegment(tenantId: string) {
  const segments = await prisma.segment.findMany({ where: { tenantId }, take: 10 });
  for (const segment of segments) {
    const tiers = await prisma.tier.findMany({ where: { segmentId: segment.id }, take: 5 });
    out.push({ segment, tiers });
  }
}
```
""",
        N_PLUS_ONE, rows_of=("segments",),
    )
    assert lines(found) == [(PLAN, 5, 8)]
    assert "prisma.tier.findMany" in found[0].title
    assert [e.start_line for e in found[0].evidence] == [4, 5, 6]
    assert found[0].confidence == 100


def test_concurrent_map_over_rows_fires_and_says_so() -> None:
    found = findings(
        """
# Plan
```ts
const bookings = await prisma.booking.findMany({ where: { tenantId }, take: 100 });
const tiers = await Promise.all(
  bookings.map(async (b) => prisma.tier.findUnique({ where: { id: b.tierId } })),
);
```
""",
        N_PLUS_ONE, rows_of=("bookings",),
    )
    assert lines(found) == [(PLAN, 5, 5)]
    assert "concurrently" in found[0].issue


def test_loop_over_input_ids_or_batched_query_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
for (const id of input.ids) {
  await prisma.tier.findUnique({ where: { id } });
}
const segments = await prisma.segment.findMany({ where: { tenantId }, take: 10 });
const ids = segments.map((s) => s.id);
const tiers = await prisma.tier.findMany({ where: { segmentId: { in: ids } } });
for (const segment of segments) {
  segment.tiers = tiers.filter((t) => t.segmentId === segment.id);
}
```
""",
        N_PLUS_ONE,
    )
    assert found == []


def test_python_orm_query_in_loop_over_rows_fires() -> None:
    found = findings(
        """
# Plan
```python
def report(session):
    users = session.query(User).limit(50).all()
    for user in users:
        n = session.query(Order).filter_by(user_id=user.id).count()
```
""",
        N_PLUS_ONE, rows_of=("users",),
    )
    assert lines(found) == [(PLAN, 5, 6)]


# --- row-by-row-write ----------------------------------------------------------------------

ROW_BY_ROW = "performance/row-by-row-write"


def test_create_in_a_loop_fires() -> None:
    found = findings(
        """
# Plan
```ts
for (const pkg of packages) {
  await tx.tier.create({ data: { name: pkg.name, tenantId: pkg.tenantId } });
}
```
""",
        ROW_BY_ROW, rows_of=("packages",),
    )
    assert lines(found) == [(PLAN, 3, 5)]
    assert found[0].severity is Severity.P3
    assert "tx.tier.create" in found[0].title


def test_raw_insert_per_row_fires() -> None:
    found = findings(
        """
# Plan
```ts
for (const p of pkgs) {
  await tx.$executeRaw`INSERT INTO "Tier" (id, name) VALUES (${createId()}, ${p.name})`;
}
```
""",
        ROW_BY_ROW, rows_of=("pkgs",),
    )
    assert lines(found) == [(PLAN, 3, 5)]


def test_create_many_or_literal_list_loop_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
await prisma.tier.createMany({ data: packages.map((p) => ({ name: p.name })) });
for (const role of ["owner", "admin"]) {
  await prisma.role.create({ data: { name: role } });
}
```
""",
        ROW_BY_ROW,
    )
    assert found == []


# --- round-trips-in-transaction ------------------------------------------------------------

IN_TX = "performance/round-trips-in-transaction"

MIGRATION = """
# Plan
## Phase 7: Migration

```typescript
await prisma.$transaction(async (tx) => {
  await tx.$executeRaw`ALTER TABLE "Tier" ADD COLUMN "sourcePackageId" TEXT`;
  const packages = await tx.package.findMany();
  for (const p of packages) {
    await tx.$executeRaw`INSERT INTO "Tier" (id, name) VALUES (${createId()}, ${p.name})`;
  }
});
```
"""


def test_loop_of_writes_in_a_transaction_with_ddl_is_p1() -> None:
    found = findings(MIGRATION, IN_TX, rows_of=("packages",))
    assert lines(found) == [(PLAN, 5, 11)]
    assert found[0].severity is Severity.P1
    assert "ALTER TABLE" in found[0].issue
    assert [e.start_line for e in found[0].evidence] == [5, 8, 9]


def test_loop_in_a_transaction_without_ddl_is_p2() -> None:
    found = findings(
        """
# Plan
```ts
await prisma.$transaction(async (tx) => {
  for (const item of input.items) {
    await tx.lineItem.update({ where: { id: item.id }, data: { qty: item.qty } });
  }
}, { timeout: 20000 });
```
""",
        IN_TX, rows_of=("line_items",),
    )
    assert lines(found) == [(PLAN, 3, 7)]
    assert found[0].severity is Severity.P2


def test_transaction_without_a_loop_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
for (const t of tenants) { console.log(t); }
await prisma.$transaction(async (tx) => {
  await tx.tier.createMany({ data: rows });
  await tx.booking.updateMany({ where: { packageId }, data: { tierId } });
});
```
""",
        IN_TX,
    )
    assert found == []


# --- sequential-independent-awaits ---------------------------------------------------------

SEQUENTIAL = "performance/sequential-independent-awaits"


def test_independent_sequential_reads_fire() -> None:
    found = findings(
        """
# Plan
```ts
async function getBootstrapData(tenantId: string) {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId } });
  const segments = await prisma.segment.findMany({ where: { tenantId }, take: 5 });
  const hasDraft = await this.sectionContentService.hasDraft(tenantId);
  return { tenant, segments, hasDraft };
}
```
""",
        SEQUENTIAL,
    )
    assert lines(found) == [(PLAN, 4, 6)]
    assert found[0].title.startswith("3 independent reads")


def test_dependent_or_separated_reads_do_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
async function load(tenantId: string) {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId } });
  const tier = await prisma.tier.findFirst({ where: { id: tenant.defaultTierId } });
  if (!tier) throw new Error("no tier");
  const addOns = await prisma.addOn.findMany({ where: { tierId: tier.id }, take: 20 });
  await prisma.$transaction(async (tx) => {
    const a = await tx.a.findFirst();
    const b = await tx.b.findFirst();
  });
}
```
""",
        SEQUENTIAL,
    )
    assert found == []


# --- fetch-all-to-check-existence ----------------------------------------------------------

EXISTENCE = "performance/fetch-all-to-check-existence"


def test_length_only_use_of_a_full_fetch_fires() -> None:
    found = findings(
        """
# Plan
```ts
async completeOnboarding(tenantId: string) {
  const packages = await this.catalogService.getAllPackages(tenantId);
  if (packages.length === 0) {
    throw new ValidationError("create a package first");
  }
  await this.markDone(tenantId);
}
```
""",
        EXISTENCE,
    )
    assert lines(found) == [(PLAN, 4, 5)]
    assert "this.catalogService.getAllPackages" in found[0].title
    assert found[0].confidence == 75


def test_inline_length_of_find_many_fires() -> None:
    found = findings(
        """
# Plan
```ts
if ((await prisma.tier.findMany({ where: { tenantId } })).length === 0) return;
```
""",
        EXISTENCE,
    )
    assert lines(found) == [(PLAN, 3, 3)]


def test_rows_used_beyond_length_do_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
async function render(tenantId: string) {
  const tiers = await prisma.tier.findMany({ where: { tenantId }, take: 10 });
  if (tiers.length === 0) return null;
  return tiers.map((t) => t.name);
}
```
""",
        EXISTENCE,
    )
    assert found == []


def test_take_shorthand_or_spread_options_count_as_bounded() -> None:
    found = findings(
        """
# Plan
```ts
const tiers = await prisma.tier.findMany({ where, take });
const more = await prisma.tier.findMany({ where, ...pagination });
```
""",
        UNBOUNDED,
    )
    assert found == []


def test_raw_select_from_without_limit_fires_but_a_function_call_does_not() -> None:
    found = findings(
        """
# Plan
```ts
const rows = await prisma.$queryRaw`SELECT id, name FROM "Tier" WHERE "tenantId" = ${t}`;
await tx.$executeRaw`SELECT pg_advisory_xact_lock(${lockId})`;
const n = await prisma.$queryRaw`SELECT count(*) FROM "Tier"`;
```
""",
        UNBOUNDED,
    )
    assert lines(found) == [(PLAN, 3, 3)]
    assert found[0].confidence == 75


def test_guard_awaits_and_verbs_inside_names_are_not_independent_reads() -> None:
    found = findings(
        """
# Plan
```ts
async function addOns(tenantId: string, packageId: string) {
  await this.getPackageById(tenantId, packageId);
  const links = await prisma.packageAddOn.findMany({ where: { packageId }, take: 50 });
  const phase = await this.resolveAndBackfillPhase(tenantId);
  return links;
}
```
""",
        SEQUENTIAL,
    )
    assert found == []


def test_unbounded_query_inside_an_n_plus_one_loop_is_reported_once() -> None:
    plan = """
# Plan
```ts
const segments = await prisma.segment.findMany({ where: { tenantId }, take: 10 });
for (const segment of segments) {
  const tiers = await prisma.tier.findMany({ where: { segmentId: segment.id } });
}
```
"""
    assert findings(plan, UNBOUNDED) == []
    assert len(findings(plan, N_PLUS_ONE, rows_of=("segments",))) == 1


def test_loop_in_a_transaction_over_a_stated_large_table_is_p1() -> None:
    found = findings(
        """
# Plan
Scale: ~50,000 bookings.

```ts
await prisma.$transaction(async (tx) => {
  const bookings = await tx.booking.findMany({ where: { packageId } });
  for (const b of bookings) {
    await tx.booking.update({ where: { id: b.id }, data: { tierId } });
  }
}, { timeout: 60000 });
```
""",
        IN_TX,
    )
    assert [f.severity for f in found] == [Severity.P1]
    assert "50,000 booking" in found[0].issue


def test_python_len_of_a_full_query_fires() -> None:
    found = findings(
        """
# Plan
```python
def has_orders(session, user_id):
    return len(session.query(Order).filter_by(user_id=user_id).all()) > 0
```
""",
        EXISTENCE,
    )
    assert lines(found) == [(PLAN, 4, 4)]
    assert found[0].title.startswith("`session.query()`")


# --- script-loads-whole-table --------------------------------------------------------------

WHOLE_TABLE = "performance/script-loads-whole-table"
SCRIPT_PLAN = """
# Plan
Scale: ~180,000 invoices.

## Data migration

```ts
const invoices = await prisma.invoice.findMany({ select: { id: true, lineItems: true } });
```
"""


def test_script_reading_a_large_stated_table_at_once_fires() -> None:
    found = findings(SCRIPT_PLAN, WHOLE_TABLE)
    assert lines(found) == [(PLAN, 7, 7)]
    assert "180,000" in found[0].title


def test_script_over_a_small_or_unstated_table_does_not_fire() -> None:
    assert findings(SCRIPT_PLAN.replace("~180,000", "~800"), WHOLE_TABLE) == []
    assert findings(SCRIPT_PLAN.replace("Scale: ~180,000 invoices.", ""), WHOLE_TABLE) == []


# --- external-call-in-transaction ----------------------------------------------------------

EXTERNAL = "performance/external-call-in-transaction"


def test_stripe_call_inside_a_transaction_fires() -> None:
    found = findings(
        """
# Plan
```ts
await prisma.$transaction(async (tx) => {
  const booking = await tx.booking.create({ data });
  const session = await this.stripe.checkout.sessions.create({ metadata: { id: booking.id } });
  await fetch(webhookUrl, { method: "POST" });
}, { timeout: 10000 });
```
""",
        EXTERNAL,
    )
    assert lines(found) == [(PLAN, 5, 5), (PLAN, 6, 6)]
    assert "`this.stripe.checkout.sessions.create()`" in found[0].title


def test_external_call_outside_the_transaction_does_not_fire() -> None:
    found = findings(
        """
# Plan
```ts
const session = await stripe.checkout.sessions.create({ metadata });
await prisma.$transaction(async (tx) => {
  await tx.booking.create({ data: { sessionId: session.id } });
  await tx.outbox.create({ data: { kind: "email" } });
});
```
""",
        EXTERNAL,
    )
    assert found == []


_SNIPPET = st.lists(
    st.sampled_from(
        [
            "for (const r of rows) {",
            "}",
            "const rows = await prisma.a.findMany({ where });",
            "await tx.b.create({ data: r });",
            "await prisma.$transaction(async (tx) => {",
            "});",
            "if ((await prisma.c.findMany()).length === 0) {",
            "items.forEach(async (i) => {",
            "const x = await getAll(id);",
            "x.length > 0",
            "`${",
            "'",
            "/*",
            "*/",
            "await fetch(u);",
        ]
    ),
    max_size=12,
)


@settings(max_examples=150, deadline=None)
@given(_SNIPPET)
def test_performance_rules_never_crash_on_fragments(fragments: list[str]) -> None:
    code = "\n".join(fragments)
    plan = parse_plan(f"# Plan\n## Phase 1\n\n```ts\n{code}\n```\n", PLAN)
    results = run_rules(RuleContext(plan, RepoContext()), rule_sets(["performance"]))
    assert results.errors == {}
    for finding in results.findings["performance"]:
        assert all(loc.start_line >= 5 for loc in finding.locations)


def test_a_per_row_cost_over_rows_of_no_stated_size_is_skipped_per_table() -> None:
    # The plan sizes one table (audit_archive, 5,000 rows); the loop walks authors.
    plan = """
# Plan
```python
def author_stats():
    for author in Author.objects.filter(active=True):
        n = Book.objects.filter(author=author).count()
```
"""
    rules = rule_sets(["performance"])
    parsed = parse_plan(plan.lstrip("\n") + SCALE, PLAN)
    results = run_rules(RuleContext(parsed, RepoContext(files={})), rules)
    assert [f for f in results.findings["performance"] if f.rule == N_PLUS_ONE] == []
    assert any(
        line.startswith(f"Skipped {N_PLUS_ONE}") and "none for Author" in line
        for line in results.skipped
    )


def test_django_query_and_create_per_row_of_an_inline_queryset_fire() -> None:
    plan = """
# Plan
```python
def author_stats():
    for author in Author.objects.filter(active=True):
        n = Book.objects.filter(author=author).count()
        Stat.objects.create(author=author, books=n)
```
"""
    found = findings(plan, N_PLUS_ONE, rows_of=("authors",))
    assert lines(found) == [(PLAN, 4, 6)]
    assert "`Book.objects.filter`" in found[0].title
    assert lines(findings(plan, ROW_BY_ROW, rows_of=("authors",))) == [(PLAN, 4, 6)]


def test_helper_that_queries_called_per_row_fires() -> None:
    found = findings(
        """
# Plan
```ts
async function getUserUsage(userId: string) {
  return prisma.generationRun.count({ where: { userId } });
}
async function listUsers() {
  const users = await prisma.user.findMany({ take: 100 });
  for (const user of users) {
    user.usage = await getUserUsage(user.id);
  }
}
```
""",
        N_PLUS_ONE, rows_of=("users",),
    )
    assert lines(found) == [(PLAN, 8, 10)]
    assert found[0].title.startswith("N+1: `getUserUsage()` runs once per row of `users`")
    assert "prisma.generationRun.count" in found[0].issue
    assert found[0].confidence == 75


def test_typeorm_find_without_take_fires_and_with_take_does_not() -> None:
    found = findings(
        """
# Plan
```ts
const users = await this.userRepository.find({ where: { orgId } });
const page = await this.userRepository.find({ where: { orgId }, take: 20 });
```
""",
        UNBOUNDED, rows_of=("users",),
    )
    assert lines(found) == [(PLAN, 3, 3)]
    assert "this.userRepository.find" in found[0].title


def test_sqlalchemy_commit_per_row_is_a_row_by_row_write() -> None:
    found = findings(
        """
# Plan
```python
for order in orders:
    db.session.add(Order(**order))
    db.session.commit()
```
""",
        ROW_BY_ROW, rows_of=("orders",),
    )
    assert lines(found) == [(PLAN, 3, 5)]
    assert "db.session.commit" in found[0].title


# --- external-call-per-row -----------------------------------------------------------------

PER_ROW_CALL = "performance/external-call-per-row"


def test_email_awaited_per_row_fires_and_the_inner_n_plus_one_is_reported() -> None:
    plan = """
# Plan
```ts
const workspaces = await prisma.workspace.findMany({ take: 100 });
for (const ws of workspaces) {
  const members = await prisma.member.findMany({ where: { workspaceId: ws.id }, take: 50 });
  for (const member of members) {
    const tasks = await prisma.task.findMany({ where: { assigneeId: member.id }, take: 9 });
    await mailer.send(member.email, render(tasks));
  }
}
```
"""
    found = findings(plan, PER_ROW_CALL)
    assert lines(found) == [(PLAN, 6, 9)]
    assert "`mailer.send()`" in found[0].title
    stated = ("workspaces", "members")
    assert lines(findings(plan, N_PLUS_ONE, rows_of=stated)) == [(PLAN, 4, 10), (PLAN, 6, 9)]


def test_email_loop_over_input_or_concurrent_does_not_fire() -> None:
    plan = """
# Plan
```ts
for (const email of input.recipients) {
  await mailer.send(email, body);
}
const users = await prisma.user.findMany({ take: 10 });
await Promise.all(users.map(async (u) => mailer.send(u.email, body)));
```
"""
    assert findings(plan, PER_ROW_CALL) == []


# --- prerender-every-row -------------------------------------------------------------------

PRERENDER = "performance/prerender-every-row"
PRERENDER_PLAN = """
# Plan
~12,000 published articles.

```typescript
export async function generateStaticParams() {
  return listArticleSlugs();
}
```
"""


def test_prerendering_every_stated_row_fires() -> None:
    found = findings(PRERENDER_PLAN, PRERENDER)
    assert lines(found) == [(PLAN, 5, 7)]
    assert "12,000 article" in found[0].title


def test_prerendering_a_top_slice_or_small_table_does_not_fire() -> None:
    top = PRERENDER_PLAN.replace(
        "return listArticleSlugs();", "return (await listArticleSlugs()).slice(0, 500);"
    )
    assert findings(top, PRERENDER) == []
    assert findings(PRERENDER_PLAN.replace("12,000", "300"), PRERENDER) == []


# --- scale precondition: a per-row loop over an unstated number of rows stays quiet ---

LOOP_OF_CREATES = """
# Plan
%s
```ts
for (const pkg of packages) {
  await tx.tier.create({ data: { name: pkg.name, tenantId: pkg.tenantId } });
}
```
"""


def test_loop_of_writes_in_a_plan_that_states_no_scale_is_not_a_finding() -> None:
    assert findings(LOOP_OF_CREATES % "", ROW_BY_ROW, scale=False) == []


def test_loop_of_writes_in_a_plan_with_no_real_data_is_not_a_finding() -> None:
    text = LOOP_OF_CREATES % "NO real users - all demo data, clean cutover.\n"
    assert findings(text, ROW_BY_ROW, scale=False) == []


def test_loop_of_writes_over_about_a_hundred_rows_is_not_a_finding() -> None:
    text = LOOP_OF_CREATES % "Scale: about 100 packages.\n"
    assert findings(text, ROW_BY_ROW, scale=False) == []


def test_loop_of_writes_in_a_plan_stating_fifty_thousand_rows_fires() -> None:
    text = LOOP_OF_CREATES % "Scale: ~50,000 packages.\n"
    assert len(findings(text, ROW_BY_ROW, scale=False)) == 1


ONE_OFF = """
# Plan
## Maintenance command: split the product catalogue

```python
def handle(self, *args, **options):
    for product in Product.objects.filter(kind="marking"):
        Template.objects.create(product=product, name=product.name)
```
"""


def test_a_one_off_command_over_thousands_of_rows_is_not_a_row_by_row_finding() -> None:
    stated = ONE_OFF.replace("```python", "The catalogue holds ~5,000 products.\n\n```python")
    assert findings(stated, ROW_BY_ROW) == []


def test_a_one_off_command_over_a_stated_large_table_still_fires() -> None:
    stated = ONE_OFF.replace("```python", "The catalogue holds ~2M products.\n\n```python")
    assert len(findings(stated, ROW_BY_ROW)) == 1
