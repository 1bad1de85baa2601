"""A generated TypeScript/Prisma monorepo of real-world shape, for `make bench`.

4,000 files by default, laid out like the product repositories planreview reviews: an
Express API (`server/src/services`, `routes`, `middleware`, `lib`, tests beside them), a
Next.js app (`apps/web/src/app/**/page.tsx`, components, hooks), a shared contracts
package, a 1,500-line `prisma/schema.prisma` (100 models) and 300 Prisma migration
folders with their `migration.sql`. File sizes vary as in such repositories (tens to a
few hundred lines), and the code calls the schema's models by name, so identifier lookups
and usage searches have real work to do. Deterministic: the same seed, the same bytes.
"""

from __future__ import annotations

import random
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

NOUNS = [
    "tenant", "user", "account", "booking", "package", "addon", "segment", "tier",
    "invoice", "payment", "refund", "coupon", "order", "lineItem", "product", "variant",
    "inventory", "warehouse", "shipment", "carrier", "address", "customer", "contact",
    "lead", "campaign", "audience", "email", "template", "webhook", "event", "session",
    "apiKey", "role", "permission", "team", "member", "invite", "project", "task",
    "comment", "attachment", "tag", "category", "review", "rating", "subscription",
    "plan", "usage", "quota", "auditLog", "notification", "device", "location", "venue",
    "slot", "availability", "calendar", "reminder", "message", "thread", "channel",
    "report", "dashboard", "widget", "metric", "export", "import", "job", "schedule",
    "integration", "connector", "credential", "domain", "page", "section", "block",
    "asset", "media", "gallery", "form", "field", "submission", "survey", "answer",
    "question", "quiz", "course", "lesson", "enrollment", "certificate", "badge",
    "referral", "payout", "ledger", "taxRate", "currency", "priceList", "discount",
]
SCALARS = [
    ("String", "name"), ("String?", "description"), ("Int", "position"),
    ("Boolean", "active"), ("DateTime?", "archivedAt"), ("Decimal", "amount"),
    ("String", "status"), ("Json?", "metadata"), ("String?", "externalId"),
    ("Int", "version"), ("String", "slug"), ("DateTime?", "publishedAt"),
]
COUNTS = {  # 4,000 in all with the fixed files below
    "service": 560, "service_test": 560, "route": 420, "route_test": 280,
    "middleware": 60, "lib": 240, "page": 260, "component": 820, "hook": 200,
    "contract": 160, "doc": 123,
}
FIXED = [
    "package.json", "tsconfig.json", "server/package.json", "server/tsconfig.json",
    "apps/web/package.json", "apps/web/next.config.js", ".gitignore", "README.md",
    "prisma/schema.prisma", "prisma/migrations/migration_lock.toml",
    "server/src/db.ts", "server/src/app.ts", "server/src/lib/cache.ts",
    "apps/web/src/lib/api.ts", "packages/contracts/src/index.ts", ".env.example", "turbo.json",
]
MIGRATIONS = 300


@dataclass
class Layout:
    """What the generator wrote: paths by kind, line counts, and the schema's models."""

    root: Path
    models: list[str] = field(default_factory=list)
    by_kind: dict[str, list[str]] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    @property
    def files(self) -> int:
        return len(self.lines)


def _cap(word: str) -> str:
    return word[0].upper() + word[1:]


def _snake(word: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in word)


class _Writer:
    def __init__(self, layout: Layout) -> None:
        self.layout = layout

    def write(self, kind: str, rel: str, text: str) -> None:
        path = self.layout.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.layout.by_kind.setdefault(kind, []).append(rel)
        self.layout.lines[rel] = text.count("\n")


def _schema(models: list[str], rng: random.Random) -> str:
    out = ['generator client {\n  provider = "prisma-client-js"\n}\n',
           'datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n']
    for i, model in enumerate(models):
        parent = models[i // 4] if i else None
        body = ["  id        String   @id @default(cuid())",
                "  tenantId  String"]
        for type_, name in rng.sample(SCALARS, 4):
            body.append(f"  {name:<9} {type_}")
        if parent and parent != model:
            body.append(f"  {parent[0].lower() + parent[1:]}Id String")
            body.append(f"  {parent[0].lower() + parent[1:]}   {parent} @relation("
                        f"fields: [{parent[0].lower() + parent[1:]}Id], references: [id])")
        body += ["  createdAt DateTime @default(now())",
                 "  updatedAt DateTime @updatedAt",
                 "", "  @@index([tenantId])"]
        if rng.random() < 0.4:
            body.append("  @@unique([tenantId, slug])" if "  slug      String" in body
                        else "  @@index([tenantId, createdAt])")
        out.append(f"model {model} {{\n" + "\n".join(body) + "\n}\n")
    text = "\n".join(out)
    pad = 1_500 - text.count("\n")  # comments documenting the models, to the stated size
    notes = "".join(f"// schema note {i}: see docs/data-model.md\n" for i in range(max(pad, 0)))
    return text + "\n" + notes


def _migration(n: int, models: list[str], rng: random.Random) -> tuple[str, str]:
    model = models[n % len(models)]
    table = f'"{model}"'
    if n < len(models) // 3:
        name = f"create_{_snake(model)}"
        sql = (f"-- CreateTable\nCREATE TABLE {table} (\n    \"id\" TEXT NOT NULL,\n"
               "    \"tenantId\" TEXT NOT NULL,\n    \"name\" TEXT NOT NULL,\n"
               "    \"createdAt\" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
               "    \"updatedAt\" TIMESTAMP(3) NOT NULL,\n\n"
               f"    CONSTRAINT \"{model}_pkey\" PRIMARY KEY (\"id\")\n);\n\n"
               f"-- CreateIndex\nCREATE INDEX \"{model}_tenantId_idx\" ON {table}(\"tenantId\");\n")
    else:
        kind = rng.choice(["column", "index", "fk", "column"])
        if kind == "column":
            col = rng.choice(SCALARS)[1]
            name = f"add_{_snake(model)}_{_snake(col)}"
            sql = f"-- AlterTable\nALTER TABLE {table} ADD COLUMN \"{col}\" TEXT;\n"
        elif kind == "index":
            name = f"index_{_snake(model)}_created"
            sql = (f"-- CreateIndex\nCREATE INDEX \"{model}_tenantId_createdAt_idx\" "
                   f"ON {table}(\"tenantId\", \"createdAt\");\n")
        else:
            parent = models[(n * 7) % len(models)]
            col = parent[0].lower() + parent[1:] + "Id"
            name = f"link_{_snake(model)}_{_snake(parent)}"
            sql = (f"-- AlterTable\nALTER TABLE {table} ADD COLUMN \"{col}\" TEXT;\n\n"
                   f"-- AddForeignKey\nALTER TABLE {table} ADD CONSTRAINT \"{model}_{col}_fkey\" "
                   f"FOREIGN KEY (\"{col}\") REFERENCES \"{parent}\"(\"id\") "
                   "ON DELETE RESTRICT ON UPDATE CASCADE;\n")
    stamp = f"2024{1 + n // 28 % 12:02d}{1 + n % 28:02d}{10 + n % 12:02d}{n % 60:02d}00"
    return f"{stamp}_{name}", sql


def _service(model: str, others: list[str], rng: random.Random) -> str:
    var = model[0].lower() + model[1:]
    imports = "".join(f"import {{ {o}Service }} from './{o[0].lower() + o[1:]}.service';\n"
                      for o in others[:3])
    methods = []
    for m in range(rng.randint(4, 14)):
        methods.append(f"""
  /** {_cap(var)} lookup #{m}: filters by tenant, newest first. */
  async list{m}(tenantId: string, opts: {{ take?: number; cursor?: string }} = {{}}) {{
    const rows = await prisma.{var}.findMany({{
      where: {{ tenantId, active: true }},
      orderBy: {{ createdAt: 'desc' }},
      take: opts.take ?? 50,
      ...(opts.cursor ? {{ cursor: {{ id: opts.cursor }}, skip: 1 }} : {{}}),
    }});
    logger.debug({{ tenantId, count: rows.length }}, '{var}.list{m}');
    return rows.map((row) => toDto(row));
  }}

  async update{m}(tenantId: string, id: string, input: Update{model}Input) {{
    const existing = await prisma.{var}.findFirst({{ where: {{ id, tenantId }} }});
    if (!existing) throw new NotFoundError('{model}', id);
    return prisma.{var}.update({{
      where: {{ id }},
      data: {{ ...input, version: {{ increment: 1 }} }},
    }});
  }}
""")
    return (f"import {{ prisma }} from '../db';\nimport {{ logger }} from '../lib/logger';\n"
            f"import {{ NotFoundError }} from '../lib/errors';\n{imports}\n"
            f"export type Update{model}Input = {{ name?: string; status?: string }};\n\n"
            f"function toDto(row: {{ id: string; name: string }}) {{\n"
            f"  return {{ id: row.id, name: row.name }};\n}}\n\n"
            f"export class {model}Service {{{''.join(methods)}}}\n\n"
            f"export const {var}Service = new {model}Service();\n")


def _test(subject: str, model: str, rng: random.Random) -> str:
    var = model[0].lower() + model[1:]
    cases = "".join(f"""
  it('returns the tenant\\'s {var} rows, case {c}', async () => {{
    const tenant = await factory.tenant();
    await factory.{var}({{ tenantId: tenant.id, name: 'row-{c}' }});
    const rows = await {var}Service.list{c % 4}(tenant.id);
    expect(rows).toHaveLength(1);
    expect(rows[0].name).toBe('row-{c}');
  }});
""" for c in range(rng.randint(3, 12)))
    return (f"import {{ describe, it, expect }} from 'vitest';\n"
            f"import {{ {var}Service }} from '{subject}';\nimport {{ factory }} from "
            f"'../../test/factory';\n\ndescribe('{model}', () => {{{cases}}});\n")


def _route(model: str, rng: random.Random) -> str:
    var = model[0].lower() + model[1:]
    handlers = "".join(f"""
router.get('/{var}s/v{h}', requireTenant, async (req, res, next) => {{
  try {{
    const take = Number(req.query.take) || 50;
    const rows = await {var}Service.list{h % 4}(req.tenantId, {{ take }});
    res.json({{ data: rows }});
  }} catch (err) {{
    next(err);
  }}
}});

router.patch('/{var}s/v{h}/:id', requireTenant, validate(update{model}Schema),
  async (req, res) => {{
  const row = await {var}Service.update{h % 4}(req.tenantId, req.params.id, req.body);
  await cache.del(`{var}:${{req.tenantId}}`);
  res.json({{ data: row }});
}});
""" for h in range(rng.randint(2, 8)))
    return (f"import {{ Router }} from 'express';\nimport {{ {var}Service }} from "
            f"'../services/{var}.service';\nimport {{ requireTenant }} from "
            f"'../middleware/tenant';\nimport {{ validate }} from '../middleware/validate';\n"
            f"import {{ cache }} from '../lib/cache';\nimport {{ update{model}Schema }} from "
            f"'@app/contracts';\n\nexport const router = Router();\n{handlers}")


def _page(model: str, rng: random.Random) -> str:
    var = model[0].lower() + model[1:]
    revalidate = "export const revalidate = 60;\n\n" if rng.random() < 0.3 else ""
    rows = "".join(f"        <Row key={{item.id}} label=\"{var} {i}\" value={{item.name}} />\n"
                   for i in range(rng.randint(3, 25)))
    return (f"import {{ api }} from '@/lib/api';\nimport {{ Row }} from '@/components/Row';\n\n"
            f"{revalidate}export default async function {model}Page({{ params }}: "
            f"{{ params: {{ slug: string }} }}) {{\n"
            f"  const items = await api.get(`/{var}s/v0?slug=${{params.slug}}`);\n"
            f"  return (\n    <main>\n      {{items.map((item) => (\n{rows}      ))}}\n"
            f"    </main>\n  );\n}}\n")


def _component(name: str, rng: random.Random) -> str:
    props = "".join(f"  prop{i}?: string;\n" for i in range(rng.randint(2, 12)))
    body = "".join(f"      <div className=\"{name.lower()}-{i}\">{{props.prop{i % 2}}}</div>\n"
                   for i in range(rng.randint(5, 60)))
    return (f"import {{ useState }} from 'react';\n\nexport type {name}Props = {{\n{props}}};\n\n"
            f"export function {name}(props: {name}Props) {{\n"
            f"  const [open, setOpen] = useState(false);\n  return (\n"
            f"    <section onClick={{() => setOpen(!open)}}>\n{body}    </section>\n  );\n}}\n")


def _hook(model: str) -> str:
    var = model[0].lower() + model[1:]
    return (f"import useSWR from 'swr';\nimport {{ api }} from '@/lib/api';\n\n"
            f"export function use{model}s(tenantId: string) {{\n"
            f"  return useSWR(['{var}s', tenantId], () => api.get(`/{var}s/v0`), {{\n"
            f"    revalidateOnFocus: false,\n    dedupingInterval: 30_000,\n  }});\n}}\n")


def _lib(n: int, rng: random.Random) -> str:
    fns = "".join(f"\nexport function helper{n}_{i}(input: string): string {{\n"
                  f"  const parts = input.split(':');\n  return parts.reverse().join('/');\n}}\n"
                  for i in range(rng.randint(3, 30)))
    return f"// Shared helpers ({n}).\n{fns}"


def _doc(n: int, models: list[str], rng: random.Random) -> str:
    paras = "".join(f"\n## {models[(n + i) % len(models)]}\n\nThe {models[(n + i) % len(models)]} "
                    "table holds one row per tenant record; reads go through the service "
                    "layer and are cached for 60 seconds.\n" for i in range(rng.randint(3, 20)))
    return f"# Design note {n}\n{paras}"


def make_realistic_repo(root: Path, seed: int = 15) -> Layout:
    """Write the repository under `root`, commit it on `main`, and describe it."""
    rng = random.Random(seed)
    layout = Layout(root=root)
    w = _Writer(layout)
    models = [_cap(n) for n in NOUNS][:100]
    layout.models = models
    w.write("schema", "prisma/schema.prisma", _schema(models, rng))
    w.write("config", "prisma/migrations/migration_lock.toml", 'provider = "postgresql"\n')
    for n in range(MIGRATIONS):
        name, sql = _migration(n, models, rng)
        w.write("migration", f"prisma/migrations/{name}/migration.sql", sql)

    def model_of(i: int) -> str:
        return models[i % len(models)]

    for i in range(COUNTS["service"]):
        m, suffix = model_of(i), "" if i < len(models) else f"-{i // len(models)}"
        rel = f"server/src/services/{m[0].lower() + m[1:]}{suffix}.service.ts"
        w.write("service", rel, _service(m, [model_of(i + 1), model_of(i + 2), model_of(i + 5)],
                                         rng))
        if i < COUNTS["service_test"]:
            w.write("test", rel.replace(".service.ts", ".service.test.ts"),
                    _test(f"./{Path(rel).stem}", m, rng))
    for i in range(COUNTS["route"]):
        m, suffix = model_of(i), "" if i < len(models) else f"-{i // len(models)}"
        rel = f"server/src/routes/{m[0].lower() + m[1:]}{suffix}.routes.ts"
        w.write("route", rel, _route(m, rng))
        if i < COUNTS["route_test"]:
            w.write("test", f"server/test/routes/{Path(rel).stem}.test.ts",
                    _test(f"../../src/routes/{Path(rel).stem}", m, rng))
    for i in range(COUNTS["middleware"]):
        w.write("lib", f"server/src/middleware/mw{i}.ts", _lib(i, rng))
    for i in range(COUNTS["lib"]):
        w.write("lib", f"server/src/lib/util{i}.ts", _lib(1000 + i, rng))
    for i in range(COUNTS["page"]):
        m = model_of(i)
        w.write("page", f"apps/web/src/app/(site)/{_snake(m)}{i}/[slug]/page.tsx", _page(m, rng))
    for i in range(COUNTS["component"]):
        w.write("component", f"apps/web/src/components/c{i // 40}/Widget{i}.tsx",
                _component(f"Widget{i}", rng))
    for i in range(COUNTS["hook"]):
        w.write("hook", f"apps/web/src/hooks/use{model_of(i)}{i}.ts", _hook(model_of(i)))
    for i in range(COUNTS["contract"]):
        w.write("lib", f"packages/contracts/src/{_snake(model_of(i))}{i}.ts", _lib(2000 + i, rng))
    for i in range(COUNTS["doc"]):
        w.write("doc", f"docs/design/note-{i:03d}.md", _doc(i, models, rng))
    for rel in FIXED:
        if rel not in layout.lines:
            w.write("config", rel, "// generated\n" if rel.endswith((".ts", ".js")) else "{}\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qm",
                  "generated repository"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return layout


def plan_references(layout: Layout, count: int = 160) -> list[str]:
    """`count` files a real plan would cite (services, routes, tests, schema, migrations,
    pages), each with a line range inside the file: `path:start-end`."""
    rng = random.Random(7)
    mix = [("service", 0.35), ("route", 0.2), ("test", 0.15), ("migration", 0.1),
           ("page", 0.1), ("lib", 0.1)]
    out = [f"prisma/schema.prisma:{40}-{60}"]
    for kind, share in mix:
        for rel in rng.sample(layout.by_kind[kind], int(count * share)):
            n = max(layout.lines[rel], 2)
            start = rng.randint(1, max(1, n - 10))
            out.append(f"{rel}:{start}-{min(n, start + rng.randint(2, 20))}")
    return out
