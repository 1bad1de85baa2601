"""Synthetic plans and repositories of a given size, for benchmarks."""

from __future__ import annotations

import subprocess
from pathlib import Path

SERVICE = """import {{ prisma }} from '../db';

export class Service{n} {{
  async list(tenantId: string) {{
    return prisma.item{n}.findMany({{ where: {{ tenantId }} }});
  }}

  async refresh(ids: string[]) {{
    for (const id of ids) {{
      await prisma.item{n}.update({{ where: {{ id }}, data: {{ touched: true }} }});
    }}
  }}
{filler}}}
"""

SCHEMA_MODEL = """model Item{n} {{
  id        String   @id @default(cuid())
  tenantId  String
  ownerId   String
  owner     Owner    @relation(fields: [ownerId], references: [id])
  createdAt DateTime @default(now())

  @@index([tenantId])
}}
"""


def make_repo(root: Path, files: int) -> list[str]:
    """A git repository with `files` service files and a Prisma schema; returns the paths."""
    root.mkdir(parents=True, exist_ok=True)
    paths = []
    filler = "".join(f"  // line {i}: unrelated code\n" for i in range(180))
    for n in range(files):
        rel = f"server/src/services/service{n}.service.ts"
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(SERVICE.format(n=n, filler=filler), encoding="utf-8")
        paths.append(rel)
    schema = "model Owner {\n  id String @id\n}\n\n" + "\n".join(
        SCHEMA_MODEL.format(n=n) for n in range(files)
    )
    (root / "prisma").mkdir(exist_ok=True)
    (root / "prisma/schema.prisma").write_text(schema, encoding="utf-8")
    paths.append("prisma/schema.prisma")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.email=b@example.com", "-c", "user.name=bench", "commit", "-qm", "x"]):
        subprocess.run(["git", *args], cwd=root, check=True)
    return paths


BLOCKS = [
    ("sql", "CREATE INDEX idx_{low}_created ON \"{Model}\" (\"createdAt\");\n"
            "ALTER TABLE \"{Model}\" ADD COLUMN \"flag\" BOOLEAN NOT NULL;\n"),
    ("prisma", "model {Model} {{\n  // ... existing fields\n  tierId String?\n"
               "  tier   Tier?   @relation(fields: [tierId], references: [id])\n}}\n"),
    ("typescript", "await prisma.$transaction(async (tx) => {{\n"
                   "  const rows = await tx.{var}.findMany();\n"
                   "  for (const row of rows) {{\n"
                   "    await tx.{var}.update({{ where: {{ id: row.id }}, data: {{}} }});\n"
                   "  }}\n}});\n"),
]


def make_plan(
    lines: int, blocks: int, refs: list[str], models: list[str] | None = None,
    prose_refs: int = 0,
) -> str:
    """A plan of about `lines` lines with `blocks` code blocks citing `refs` round-robin.

    A ref is a path (cited as lines 5-12) or `path:start-end`. Blocks name `models`
    (default `Item<n>`, as in make_repo); with `prose_refs`, that many prose lines per
    step also cite the next refs, as real plans do when they walk through the code."""
    out = ["# Plan: synthetic scale test", "", "Scale: ~2M rows in Item tables.", ""]
    per_block = max(1, (lines - 4) // max(1, blocks))
    cited = 0
    for b in range(blocks):
        ref = refs[cited % len(refs)]
        cited += 1
        where = ref if ":" in ref else f"{ref}:5-12"
        path = ref.split(":")[0]
        lang, body = BLOCKS[b % len(BLOCKS)]
        model = models[b % len(models)] if models else f"Item{b % len(refs)}"
        names = {"Model": model, "var": model[0].lower() + model[1:], "low": model.lower()}
        out += [f"## Step {b + 1}", "", f"Change `{where}` as below (see {path} line 9).", ""]
        out += [f"```{lang}", *body.format(**names).splitlines(), "```", ""]
        used = 6 + len(body.splitlines()) + 2
        for i in range(max(0, per_block - used)):
            if i < prose_refs:
                out.append(f"Then `{refs[cited % len(refs)]}` follows the same pattern.")
                cited += 1
            else:
                out.append(f"Prose line {i} explaining step {b + 1}.")
    return "\n".join(out) + "\n"
