"""The code scanner: masking, nesting and the events it finds, with exact lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.artifacts import Artifacts
from planreview.artifacts.code import (
    Unterminated,
    extract_code,
    mask_js,
    mask_py,
    route_of,
    scan,
)
from planreview.plan import CodeBlock, ParsedPlan
from planreview.repo import LoadedFile, RepoContext, Window


def ts(src: str, first_line: int = 1, path: str = "plan.md"):  # type: ignore[no-untyped-def]
    return scan(src.lstrip("\n"), "typescript", path, first_line, "plan")


def py(src: str, first_line: int = 1):  # type: ignore[no-untyped-def]
    return scan(src.lstrip("\n"), "python", "plan.md", first_line, "plan")


# --- masking -----------------------------------------------------------------------------


def test_masking_keeps_offsets_and_newlines() -> None:
    src = 'const a = "x { y";\n// } comment\nconst b = `t\n${a}\n`;\n'
    masked = mask_js(src)
    assert len(masked) == len(src)
    assert masked.count("\n") == src.count("\n")
    assert "{" not in masked.replace("${", "")
    assert "${a}" in masked


def test_braces_in_strings_and_comments_do_not_nest() -> None:
    unit = ts("""
function f() {
  const s = "}}}";
  /* } */ const t = '{';
  return s;
}
const after = 1;
""")
    assert [(fn.name, fn.start_line, fn.end_line) for fn in unit.functions] == [("f", 1, 5)]


def test_code_inside_template_holes_is_scanned() -> None:
    unit = ts("""
const label = `tiers: ${await prisma.tier.count({ where: { tenantId } })} total`;
""")
    assert [(q.model, q.method, q.start_line, q.awaited) for q in unit.queries] == [
        ("tier", "count", 1, True)
    ]


def test_query_text_in_a_string_is_not_a_query() -> None:
    unit = ts("""
const doc = "call prisma.user.findMany() to list users";
// prisma.user.findMany()
""")
    assert unit.queries == []


def test_regex_literal_with_quote_does_not_open_a_string() -> None:
    unit = ts("""
const re = /["'{]/g;
const n = await prisma.user.count();
""")
    assert [q.start_line for q in unit.queries] == [2]


def test_division_is_not_a_regex() -> None:
    unit = ts("""
const half = total / 2; const x = await prisma.a.count() / 3;
""")
    assert [q.method for q in unit.queries] == ["count"]


def test_unterminated_block_comment_raises() -> None:
    with pytest.raises(Unterminated):
        mask_js("const a = 1; /* never closed\n")


def test_python_masking_covers_triple_quotes_and_comments() -> None:
    src = 'x = """a\n# not comment { """\ny = 1  # session.query(User)\n'
    masked = mask_py(src)
    assert "session" not in masked
    assert masked.count("\n") == src.count("\n")


# --- loops -------------------------------------------------------------------------------


def test_nested_loops_are_outermost_first() -> None:
    unit = ts("""
for (const seg of segments) {
  for (const pkg of seg.packages) {
    await prisma.tier.create({ data: { name: pkg.name } });
  }
}
""")
    assert [
        (lp.kind, lp.variable, lp.iterable, lp.start_line, lp.end_line) for lp in unit.loops
    ] == [
        ("for-of", "seg", "segments", 1, 5),
        ("for-of", "pkg", "seg.packages", 2, 4),
    ]
    (query,) = unit.queries
    assert query.where.loops == (0, 1)


def test_for_each_is_a_loop_and_sync_map_is_not() -> None:
    unit = ts("""
items.forEach(async (item) => {
  await prisma.item.update({ where: { id: item.id }, data: {} });
});
const names = items.map((i) => i.name);
""")
    assert [(lp.kind, lp.iterable, lp.variable) for lp in unit.loops] == [
        ("forEach", "items", "item")
    ]
    assert unit.queries[0].where.loops == (0,)


def test_async_map_inside_promise_all_is_a_concurrent_loop() -> None:
    unit = ts("""
const rows = await Promise.all(
  ids.map(async (id) => prisma.booking.findUnique({ where: { id } })),
);
""")
    (loop,) = unit.loops
    assert (loop.kind, loop.concurrent, loop.iterable) == ("map", True, "ids")
    assert unit.queries[0].where.in_promise_all


def test_while_and_do_while_loops() -> None:
    unit = ts("""
while (cursor) {
  cursor = await next(cursor);
}
do {
  n++;
} while (n < 3);
""")
    assert [(lp.kind, lp.start_line, lp.end_line) for lp in unit.loops] == [
        ("while", 1, 3),
        ("do", 4, 6),
    ]


def test_query_in_loop_header_is_not_inside_the_loop() -> None:
    unit = ts("""
for (const p of await prisma.pkg.findMany({ take: 10 })) {
  console.log(p);
}
""")
    assert unit.queries[0].where.loops == ()


def test_python_loops_use_indentation() -> None:
    unit = py("""
def sync(session):
    for user in session.query(User).all():
        orders = session.query(Order).filter_by(user_id=user.id).all()

    total = session.query(Order).count()
""")
    assert [(lp.kind, lp.variable, lp.start_line, lp.end_line) for lp in unit.loops] == [
        ("for", "user", 2, 3)
    ]
    assert [(q.start_line, q.where.loops) for q in unit.queries] == [(2, ()), (3, (0,)), (5, ())]


# --- queries, awaits, transactions -------------------------------------------------------


def test_prisma_call_records_model_args_and_assignment() -> None:
    unit = ts(
        """
const { id, name } = await this.prisma.package.findFirst({
  where: { tenantId },
  select: { id: true },
});
""",
        first_line=40,
    )
    (q,) = unit.queries
    assert (q.receiver, q.model, q.method, q.start_line, q.end_line) == (
        "this.prisma",
        "package",
        "findFirst",
        40,
        43,
    )
    assert q.assigned_to == ("id", "name")
    assert "select: { id: true }" in q.args
    assert q.awaited and q.is_read


def test_non_prisma_receiver_is_not_a_query() -> None:
    unit = ts("const x = await this.repository.package.findMany();\n")
    assert unit.queries == []


def test_raw_tagged_template_is_a_raw_write() -> None:
    unit = ts("""
await tx.$executeRaw`INSERT INTO "Tier" (id) VALUES (${id})`;
""")
    (q,) = unit.queries
    assert (q.orm, q.method, q.is_write) == ("raw", "executeRaw", True)


def test_drizzle_chain_is_kept_whole() -> None:
    unit = ts("const rows = await db.select().from(users).where(eq(users.id, 1)).limit(5);\n")
    (q,) = unit.queries
    assert (q.orm, q.method) == ("drizzle", "select")
    assert q.chain.endswith(".limit(5)")


def test_interactive_transaction_with_and_without_options() -> None:
    unit = ts("""
await prisma.$transaction(async (tx) => {
  await tx.a.create({ data: {} });
});
await prisma.$transaction(async (tx) => {
  await tx.b.create({ data: {} });
}, { timeout: 120000, maxWait: 30000 });
await prisma.$transaction([prisma.c.deleteMany()]);
""")
    assert [(t.kind, t.client, t.start_line, t.end_line, t.options) for t in unit.transactions] == [
        ("interactive", "tx", 1, 3, None),
        ("interactive", "tx", 4, 6, "{ timeout: 120000, maxWait: 30000 }"),
        ("batch", None, 7, 7, None),
    ]
    assert [q.where.transaction for q in unit.queries] == [0, 1, 2]


def test_python_transactions() -> None:
    unit = py("""
with session.begin():
    session.add(order)

@transaction.atomic
def place(order):
    Order.objects.create(total=1)
""")
    assert [(t.kind, t.start_line, t.end_line) for t in unit.transactions] == [
        ("sqlalchemy", 1, 2),
        ("django", 5, 6),
    ]
    assert [q.where.transaction for q in unit.queries] == [0, 1]


def test_statement_level_awaits_share_their_block() -> None:
    unit = ts("""
async function load(id: string) {
  const user = await prisma.user.findUnique({ where: { id } });
  const posts = await prisma.post.findMany({ where: { userId: id }, take: 5 });
  if (user) {
    await audit(user);
  }
  return fn(await other());
}
""")
    rows = [(a.start_line, a.assigned_to, a.statement_level) for a in unit.awaits]
    assert rows == [
        (2, ("user",), True),
        (3, ("posts",), True),
        (5, (), True),
        (7, (), False),
    ]
    assert unit.awaits[0].block == unit.awaits[1].block != unit.awaits[2].block


def test_arrow_and_method_functions_are_named() -> None:
    unit = ts("""
export const storeFact = async (tenantId: string): Promise<void> => {
  await prisma.fact.create({ data: { tenantId } });
};
class Tools {
  private async manageTiers(input: Input): Promise<{ ok: boolean }> {
    return { ok: true };
  }
}
""")
    assert [(f.name, f.start_line, f.end_line, f.is_async) for f in unit.functions] == [
        ("manageTiers", 5, 7, True),
        ("storeFact", 1, 3, True),
    ]


# --- caches and routes ---------------------------------------------------------------------


def test_lru_cache_ttl_resolves_constants_in_milliseconds() -> None:
    unit = ts("""
const CACHE_TTL_MS = 30 * 60 * 1000;
const bootstrapCache = new LRUCache<string, Map<string, number>>({
  max: 1000,
  ttl: CACHE_TTL_MS,
});
""")
    (cache,) = unit.caches
    assert (cache.kind, cache.name, cache.ttl_seconds, cache.ttl_line) == (
        "lru",
        "bootstrapCache",
        1800.0,
        4,
    )


def test_map_counts_as_a_cache_only_when_named_like_one() -> None:
    unit = ts("""
const tenantCache = new Map<string, Tenant>();
const byId = new Map();
""")
    assert [(c.kind, c.name) for c in unit.caches] == [("map", "tenantCache")]


def test_redis_calls_keys_and_ttl() -> None:
    unit = ts("""
await redis.set(`tenant:${id}`, json, 'EX', 3600);
const keys = await redis.keys('session:*');
const ids = [...seen.keys()];
""")
    assert [(c.kind, c.ttl_seconds, c.start_line) for c in unit.caches] == [
        ("set", 3600.0, 1),
        ("redis-keys", None, 2),
    ]


def test_next_cache_markers() -> None:
    unit = ts("""
export const revalidate = 60;
const getTiers = unstable_cache(async (id: string) => load(id), ['tiers'], { revalidate: 300 });
revalidatePath(`/t/${slug}`);
invalidateBootstrapCache(tenantId);
""")
    assert [(c.kind, c.name, c.ttl_seconds) for c in unit.caches] == [
        ("unstable-cache", "getTiers", 300.0),
        ("revalidate-export", "revalidate", 60.0),
        ("revalidate-path", "revalidatePath", None),
        ("invalidate", "invalidateBootstrapCache", None),
    ]


def test_invalidate_definition_is_not_a_call() -> None:
    unit = ts("""
function invalidateBootstrapCache(tenantId: string): void {
  bootstrapCache.delete(tenantId);
}
""")
    assert [(c.kind, c.name) for c in unit.caches] == [("delete", "bootstrapCache")]


def test_python_ttl_cache_and_delete() -> None:
    unit = py("""
_cache = TTLCache(maxsize=100, ttl=600)

def invalidate_tenant(tenant_id):
    _cache.pop(tenant_id, None)
    cache.delete(f"t:{tenant_id}")
""")
    assert [(c.kind, c.name, c.ttl_seconds) for c in unit.caches] == [
        ("lru", "_cache", 600.0),
        ("delete", "cache", None),
    ]


def test_route_of_app_router_paths() -> None:
    route = route_of("apps/web/src/app/(site)/t/[slug]/book/[packageSlug]/page.tsx")
    assert route is not None
    assert (route.url, route.kind, route.params) == (
        "/t/[slug]/book/[packageSlug]",
        "page",
        ("slug", "packageSlug"),
    )
    assert route_of("src/services/catalog.service.ts") is None


# --- extraction from a plan and loaded files ---------------------------------------------


def _artifacts(blocks: tuple[CodeBlock, ...], files: dict[str, str]) -> Artifacts:
    text = "\n" * 40
    plan = ParsedPlan(
        path="docs/plan.md", text=text, lines=tuple(text.split("\n")), code_blocks=blocks
    )
    context = RepoContext(
        files={p: LoadedFile(p, t, (Window(1, t.count("\n") + 1),)) for p, t in files.items()}
    )
    return Artifacts(plan, context)


def test_extract_code_takes_ts_and_python_blocks_and_source_files() -> None:
    artifacts = _artifacts(
        (
            CodeBlock("typescript", "await prisma.a.count();\n", 10, 10),
            CodeBlock("sql", "SELECT 1;\n", 14, 14),
            CodeBlock("py", "session.query(A).all()\n", 20, 20),
        ),
        {"src/x.service.ts": "\n\nawait prisma.b.count();\n", "README.md": "prisma.c.count()\n"},
    )
    units = extract_code(artifacts)
    assert [(u.path, u.language, u.queries[0].start_line) for u in units] == [
        ("docs/plan.md", "typescript", 10),
        ("docs/plan.md", "python", 20),
        ("src/x.service.ts", "typescript", 3),
    ]


def test_extract_code_records_an_unterminated_block_and_goes_on() -> None:
    artifacts = _artifacts(
        (
            CodeBlock("ts", "const a = 1;\n/* open\n", 5, 6),
            CodeBlock("ts", "await prisma.a.count();\n", 9, 9),
        ),
        {},
    )
    units = extract_code(artifacts)
    assert [u.start_line for u in units] == [9]
    assert [(u.path, u.start_line, u.kind) for u in artifacts.unparsed] == [
        ("docs/plan.md", 6, "code")
    ]


def test_clear_timeout_and_list_clear_are_not_invalidations() -> None:
    unit = ts("clearTimeout(timer);\nthis.clearTenantCache(id);\n")
    assert [(c.kind, c.name) for c in unit.caches] == [("invalidate", "clearTenantCache")]
    assert py("items.clear()\n").caches == []


_ALPHABET = "abc(){}[]`'\"/\\*$;:=>.,\n #async await for while prisma.x.findMany tx"


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=_ALPHABET, max_size=300))
def test_any_text_scans_or_is_reported_unterminated(text: str) -> None:
    for language in ("typescript", "python"):
        try:
            unit = scan(text, language)  # type: ignore[arg-type]
        except Unterminated:
            continue
        assert len(unit.masked) == len(text)
        for q in unit.queries:
            assert unit.start_line <= q.start_line <= q.end_line


def test_map_used_as_a_memo_is_a_cache_whatever_its_name() -> None:
    unit = ts("""
const badges = new Map<string, string>();
function badge(key: string) {
  const hit = badges.get(key);
  if (hit) return hit;
  badges.set(key, render(key));
}
const byId = new Map();
byId.set(1, 2);
""")
    assert [(c.kind, c.name) for c in unit.caches if c.kind == "map"] == [("map", "badges")]


def test_map_local_to_a_function_is_not_a_cache() -> None:
    unit = ts("""
function group(rows: Row[]) {
  const categoryCache = new Map<string, Row[]>();
  for (const row of rows) {
    const list = categoryCache.get(row.categoryId) ?? [];
    categoryCache.set(row.categoryId, [...list, row]);
  }
}
""")
    assert [c.kind for c in unit.caches if c.kind == "map"] == []
