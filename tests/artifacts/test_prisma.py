"""The Prisma parser: models, fields, attributes, indexes, enums, recovery, and the merge."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from planreview.artifacts import Artifacts, Unparsed
from planreview.artifacts.prisma import bracket_list, parse_attributes, parse_schema
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from tests.conftest import GitRepoFactory

SCHEMA = """\
model Tier {
  id         String   @id @default(cuid())
  tenantId   String
  segmentId  String
  price      Decimal  @db.Decimal(10, 2)
  tags       String[]
  note       String?  // free text
  segment    Segment  @relation(fields: [segmentId], references: [id], onDelete: Cascade)

  @@unique([tenantId, slug], name: "tenant_slug")
  @@index([segmentId(sort: Desc)])
  @@map("tiers")
}

enum Phase {
  NOT_STARTED
  DISCOVERY // legacy
  DONE
}
"""


def test_fields_carry_type_modifiers_attributes_and_lines() -> None:
    schema = parse_schema(SCHEMA, path="prisma/schema.prisma", first_line=1, origin="repo")
    tier = schema.models["Tier"]
    f = tier.fields
    price = f["price"]
    assert (price.type, price.native_type, price.line) == ("Decimal", "Decimal(10, 2)", 5)
    assert f["tags"].is_list and not f["tags"].optional
    assert f["note"].optional
    assert f["id"].is_id and f["id"].default == "cuid()"
    rel = f["segment"].relation
    assert rel is not None
    assert (rel.fields, rel.references, rel.on_delete) == (["segmentId"], ["id"], "Cascade")


def test_block_attributes_become_indexes_with_names_and_lines() -> None:
    tier = parse_schema(SCHEMA, path="s.prisma", origin="repo").models["Tier"]
    got = [(ix.kind, ix.fields, ix.name, ix.line, ix.implicit) for ix in tier.indexes]
    assert got == [
        ("id", ["id"], None, 2, True),
        ("unique", ["tenantId", "slug"], "tenant_slug", 10, False),
        ("index", ["segmentId"], None, 11, False),
    ]
    assert tier.table == "tiers"
    assert (tier.line, tier.end_line) == (1, 13)


def test_enums_keep_values_with_lines() -> None:
    phase = parse_schema(SCHEMA, path="s.prisma", origin="repo").enums["Phase"]
    assert phase.values == {"NOT_STARTED": 16, "DISCOVERY": 17, "DONE": 18}


def test_stub_comments_mark_a_partial_model() -> None:
    text = "model Booking {\n  // ... existing fields\n  tierId String?\n}\n"
    booking = parse_schema(text, path="p.md", first_line=40, origin="plan").models["Booking"]
    assert booking.stubbed
    assert booking.fields["tierId"].line == 42


def test_an_unreadable_line_is_recorded_and_the_rest_of_the_model_parsed() -> None:
    unparsed: list[Unparsed] = []
    text = "model A {\n  id String @id\n  ???\n  name String\n}\n"
    model = parse_schema(text, path="a.prisma", origin="repo", unparsed=unparsed).models["A"]
    assert list(model.fields) == ["id", "name"]
    assert [(u.start_line, u.kind) for u in unparsed] == [(3, "prisma")]


def test_an_unclosed_block_ends_at_the_next_block() -> None:
    unparsed: list[Unparsed] = []
    text = "model A {\n  id String @id\nmodel B {\n  id Int @id\n}\n"
    schema = parse_schema(text, path="a.prisma", origin="repo", unparsed=unparsed)
    assert list(schema.models) == ["A", "B"]
    assert list(schema.models["B"].fields) == ["id"]


def test_attribute_and_list_helpers() -> None:
    attrs = parse_attributes('@default(dbgenerated("gen_random_uuid()")) @db.Uuid @unique')
    assert [(a.name, a.args) for a in attrs] == [
        ("default", 'dbgenerated("gen_random_uuid()")'),
        ("db.Uuid", ""),
        ("unique", ""),
    ]
    assert bracket_list("[a, b(sort: Desc), c]") == ["a", "b", "c"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet="model{}@()[]:,\"/ \nAbx?", max_size=80))
def test_parser_never_raises(text: str) -> None:
    parse_schema(text, path="x.prisma", origin="plan", unparsed=[])


# --- merge ----------------------------------------------------------------------------------

PLAN = """\
# Plan

```prisma
model Tier {
  // ... existing fields
  priceCents Int
  segmentId  Int
  @@index([tenantId])
}

model AddOn {
  id String @id
}

enum Phase {
  NOT_STARTED
  DONE
}
```
"""


def merged(plan_md: str, files: dict[str, str]) -> Artifacts:
    plan = parse_plan(plan_md, "docs/plans/p.md")
    context = RepoContext(files={p: LoadedFile(p, t, (Window(1, 1),)) for p, t in files.items()})
    return Artifacts(plan, context)


def test_plan_model_extends_the_repo_model_and_marks_what_changed() -> None:
    schema = merged(PLAN, {"prisma/schema.prisma": SCHEMA}).prisma
    tier = schema.models["Tier"]
    assert tier.status == "changed"
    assert tier.fields["priceCents"].status == "new"
    assert tier.fields["segmentId"].status == "changed"
    assert tier.fields["segmentId"].previous is not None
    assert tier.fields["segmentId"].previous.type == "String"
    # Stubbed: the repo's other fields still belong to the model, with their repo lines.
    assert tier.fields["price"].origin == "repo" and tier.fields["price"].line == 5
    assert tier.plan_line == 4
    new_index = [ix for ix in tier.indexes if ix.fields == ["tenantId"]]
    assert [(ix.status, ix.line) for ix in new_index] == [("new", 8)]
    assert schema.models["AddOn"].status == "new"


def test_enum_values_the_plan_drops_are_listed() -> None:
    schema = merged(PLAN, {"prisma/schema.prisma": SCHEMA}).prisma
    assert schema.enums["Phase"].removed == ["DISCOVERY"]


def test_repo_schema_is_found_without_being_loaded(git_repo: GitRepoFactory) -> None:
    root: Path = git_repo({"prisma/schema.prisma": SCHEMA, "README.md": "x\n"})
    plan = parse_plan(PLAN, "docs/plans/p.md")
    arts = Artifacts(plan, RepoContext(), open_repo(root, search_parents=False))
    assert arts.prisma.repo_paths == ["prisma/schema.prisma"]
    assert arts.prisma.models["Tier"].status == "changed"


def test_removal_comments_and_full_restatements_remove_repo_fields() -> None:
    md = """\
# Plan

```prisma
model Tier {
  // ... existing fields
  // price removed
}

model AddOn {
  id String @id
}
```
"""
    repo = SCHEMA + "model AddOn {\n  id String @id\n  legacy String?\n}\n"
    schema = merged(md, {"prisma/schema.prisma": repo}).prisma
    assert schema.models["Tier"].removed_fields == {"price": 6}
    assert "price" not in schema.models["Tier"].fields
    assert schema.models["AddOn"].removed_fields == {"legacy": 9}
