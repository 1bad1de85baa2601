"""A tolerant Prisma schema parser, and the repo schema merged with the plan's changes.

No maintained Python parser for Prisma exists and the npm ones pin Node and Prisma
versions, so this is a small line-oriented hand parser. Plans hold partial models
(`// ... existing fields`), so it recovers per line and per block: a line it cannot read
is recorded in `Artifacts.unparsed` and skipped, a missing `}` ends the block at the next
block header.

`build_schema` merges the repository's schema with the plan's prisma blocks: a plan model
extends or overrides the repo model of the same name, and every model, field and index
remembers whether the plan adds it ("new"), changes it ("changed") or leaves it as it was
("existing"), with the line it is written on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from planreview.artifacts import Unparsed

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts

Status = Literal["new", "changed", "existing"]
Origin = Literal["plan", "repo"]
PRISMA_LANGUAGES = frozenset({"prisma"})
MAX_SCHEMA_FILES = 20


@dataclass(frozen=True)
class Attribute:
    name: str
    """Without the `@`/`@@`: id, unique, default, relation, index, map, db.Decimal."""
    args: str
    """Text inside the parentheses ('' when none)."""

    def arg(self, key: str) -> str | None:
        """A named argument's text (`fields: [a, b]` -> "[a, b]")."""
        for part in split_args(self.args):
            k, sep, v = part.partition(":")
            if sep and k.strip() == key:
                return v.strip()
        return None

    def positional(self) -> str | None:
        """The first argument when it is not named."""
        parts = split_args(self.args)
        if parts and not re.match(r"^\s*\w+\s*:", parts[0]):
            return parts[0].strip()
        return None


@dataclass
class Relation:
    fields: list[str]
    references: list[str]
    on_delete: str | None
    name: str | None


@dataclass
class PrismaField:
    name: str
    type: str
    optional: bool
    is_list: bool
    attributes: list[Attribute]
    path: str
    line: int
    origin: Origin
    status: Status = "existing"
    previous: PrismaField | None = None
    """The repository's version of a changed field."""

    def attribute(self, name: str) -> Attribute | None:
        return next((a for a in self.attributes if a.name == name), None)

    @property
    def is_id(self) -> bool:
        return self.attribute("id") is not None

    @property
    def is_unique(self) -> bool:
        return self.attribute("unique") is not None

    @property
    def relation(self) -> Relation | None:
        rel = self.attribute("relation")
        if rel is None:
            return None
        fields = bracket_list(rel.arg("fields"))
        refs = bracket_list(rel.arg("references"))
        name = rel.arg("name") or rel.positional()
        if not fields and not refs and name is None and not rel.args:
            return Relation([], [], rel.arg("onDelete"), None)
        return Relation(fields, refs, rel.arg("onDelete"), _unquote(name) if name else None)

    @property
    def native_type(self) -> str | None:
        """`@db.Decimal(10, 2)` -> "Decimal(10, 2)"."""
        for a in self.attributes:
            if a.name.startswith("db."):
                return a.name[3:] + (f"({a.args})" if a.args else "")
        return None

    @property
    def default(self) -> str | None:
        d = self.attribute("default")
        return d.args if d is not None else None


IndexKind = Literal["id", "unique", "index"]


@dataclass
class PrismaIndex:
    kind: IndexKind
    fields: list[str]
    path: str
    line: int
    origin: Origin
    name: str | None = None
    implicit: bool = False
    """From a field-level `@id` / `@unique` rather than a block `@@` attribute."""
    status: Status = "existing"


@dataclass
class PrismaModel:
    name: str
    path: str
    line: int
    end_line: int
    origin: Origin
    fields: dict[str, PrismaField] = field(default_factory=dict)
    indexes: list[PrismaIndex] = field(default_factory=list)
    map: str | None = None
    stubbed: bool = False
    """The plan's version elides fields (`// ... existing fields`)."""
    status: Status = "existing"
    plan_line: int | None = None
    """Where the plan writes this model (None when the plan does not touch it)."""
    plan_end_line: int | None = None
    repo_fields: dict[str, PrismaField] = field(default_factory=dict)
    """The repository's fields, for models the plan redefines."""
    removal_notes: dict[str, int] = field(default_factory=dict)
    """Names a comment in the model says are removed (`// legacyPlan removed`) -> line."""
    removed_fields: dict[str, int] = field(default_factory=dict)
    """Repo fields the plan removes -> the plan line saying so (the model's line when the
    plan restates the model in full without them)."""

    @property
    def table(self) -> str:
        return self.map or self.name

    def leading_index(self, columns: list[str]) -> PrismaIndex | None:
        """An index (PK and uniques included) whose leading columns are `columns`, in any
        order among the first len(columns) positions."""
        want = set(columns)
        for ix in self.indexes:
            if len(ix.fields) >= len(columns) and set(ix.fields[: len(columns)]) == want:
                return ix
        return None


@dataclass
class PrismaEnum:
    name: str
    path: str
    line: int
    end_line: int
    origin: Origin
    values: dict[str, int] = field(default_factory=dict)
    """Value -> line."""
    status: Status = "existing"
    removed: list[str] = field(default_factory=list)
    """Values the repo has and the plan's full (unstubbed) version drops."""
    repo_values: dict[str, int] = field(default_factory=dict)
    repo_path: str | None = None


@dataclass
class ParsedSchema:
    models: dict[str, PrismaModel] = field(default_factory=dict)
    enums: dict[str, PrismaEnum] = field(default_factory=dict)


@dataclass
class PrismaSchema:
    """The merged view: the repository's schema with the plan's models applied."""

    models: dict[str, PrismaModel] = field(default_factory=dict)
    enums: dict[str, PrismaEnum] = field(default_factory=dict)
    repo: ParsedSchema = field(default_factory=ParsedSchema)
    plan: ParsedSchema = field(default_factory=ParsedSchema)
    repo_paths: list[str] = field(default_factory=list)

    def model_for_table(self, table: str) -> PrismaModel | None:
        low = table.strip('"').lower()
        for m in self.models.values():
            if m.table.lower() == low or m.name.lower() == low:
                return m
        return None


# --- tokenising helpers ----------------------------------------------------------------------


def split_args(text: str) -> list[str]:
    """Split on top-level commas (outside brackets, parentheses and strings)."""
    parts: list[str] = []
    depth, cur, quote = 0, [], ""
    for c in text:
        if quote:
            cur.append(c)
            if c == quote:
                quote = ""
            continue
        if c in "\"'":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
            continue
        cur.append(c)
    if "".join(cur).strip():
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]


def bracket_list(text: str | None) -> list[str]:
    """`[a, b(sort: Desc), c]` -> ["a", "b", "c"]."""
    if not text:
        return []
    inner = text.strip()
    if inner.startswith("[") and inner.endswith("]"):
        inner = inner[1:-1]
    return [re.split(r"[\s(]", p.strip(), maxsplit=1)[0] for p in split_args(inner)]


def _unquote(text: str) -> str:
    return text.strip().strip('"')


def _strip_comment(line: str) -> str:
    quote = ""
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = ""
        elif c == '"':
            quote = c
        elif line.startswith("//", i):
            return line[:i]
    return line


_ATTR = re.compile(r"@@?([A-Za-z_][\w.]*)")


def parse_attributes(text: str) -> list[Attribute]:
    """`@id @default(cuid()) @db.VarChar(20)` -> attributes with their argument text."""
    out: list[Attribute] = []
    i = 0
    while True:
        m = _ATTR.search(text, i)
        if m is None:
            return out
        j = m.end()
        args = ""
        if j < len(text) and text[j] == "(":
            depth, k = 0, j
            while k < len(text):
                if text[k] == "(":
                    depth += 1
                elif text[k] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            args = text[j + 1 : k]
            j = k + 1
        out.append(Attribute(m.group(1), args))
        i = j


# --- parsing ----------------------------------------------------------------------------------

_BLOCK = re.compile(r"^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{?\s*$")
_FIELD = re.compile(r"^\s*(\w+)\s+([A-Za-z_][\w.]*(?:\([^)]*\))?)(\[\])?(\?)?(?:\s+(.*))?$")
_REMOVAL = re.compile(
    r"//\s*(?:`?(\w+)`?\s+(?:is\s+|was\s+)?(?:removed|dropped|deleted)\b"
    r"|(?:remove|drop|delete)[ds]?:?\s+`?(\w+)`?)",
    re.IGNORECASE,
)
_STUB = re.compile(r"^\s*(//\s*)?(\.\.\.|…)|//.*\b(existing|unchanged|other|rest|same)\b", re.I)


def parse_schema(
    text: str,
    *,
    path: str,
    first_line: int = 1,
    origin: Origin,
    unparsed: list[Unparsed] | None = None,
) -> ParsedSchema:
    """Parse models and enums from `text` (line `first_line` of `path`). Never raises."""
    out = ParsedSchema()
    lines = text.split("\n")
    kind: str | None = None
    model: PrismaModel | None = None
    enum: PrismaEnum | None = None
    for offset, raw in enumerate(lines):
        number = first_line + offset
        header = _BLOCK.match(_strip_comment(raw))
        if header:
            kind = header.group(1)
            name = header.group(2)
            model = enum = None
            if kind in ("model", "view"):
                model = PrismaModel(name, path, number, number, origin)
                out.models[name] = model
            elif kind == "enum":
                enum = PrismaEnum(name, path, number, number, origin)
                out.enums[name] = enum
            continue
        if kind is None:
            continue
        body = _strip_comment(raw).strip()
        if body == "}" or body.startswith("}"):
            if model is not None:
                model.end_line = number
            if enum is not None:
                enum.end_line = number
            kind, model, enum = None, None, None
            continue
        if model is not None:
            model.end_line = number
            removal = _REMOVAL.search(raw) if not body else None
            if removal:
                model.removal_notes[removal.group(1) or removal.group(2)] = number
                continue
            if _STUB.search(raw) and not body:
                model.stubbed = True
                continue
            if body in ("...", "…"):
                model.stubbed = True
                continue
            if not body:
                continue
            if body.startswith("@@"):
                _block_attribute(model, body, number)
                continue
            m = _FIELD.match(body)
            if m is None:
                if unparsed is not None:
                    reason = f"unreadable line in model {model.name}"
                    unparsed.append(Unparsed(path, number, "prisma", reason))
                continue
            attrs = parse_attributes(m.group(5) or "")
            f = PrismaField(
                name=m.group(1), type=m.group(2), optional=bool(m.group(4)),
                is_list=bool(m.group(3)), attributes=attrs, path=path, line=number, origin=origin,
            )
            model.fields[f.name] = f
            if f.is_id:
                model.indexes.append(
                    PrismaIndex("id", [f.name], path, number, origin, implicit=True)
                )
            if f.is_unique:
                model.indexes.append(
                    PrismaIndex("unique", [f.name], path, number, origin, implicit=True)
                )
        elif enum is not None:
            enum.end_line = number
            if not body:
                continue
            if body in ("...", "…"):
                continue
            vm = re.match(r"^(\w+)", body)
            if vm and not body.startswith("@"):
                enum.values[vm.group(1)] = number
    open_block = model or enum
    if unparsed is not None and open_block is not None:
        unparsed.append(Unparsed(path, open_block.line, "prisma", "block not closed with '}'"))
    return out


def _block_attribute(model: PrismaModel, body: str, number: int) -> None:
    for attr in parse_attributes(body):
        kinds: dict[str, IndexKind] = {"id": "id", "unique": "unique", "index": "index"}
        if attr.name in kinds:
            fields = bracket_list(attr.arg("fields") or attr.positional())
            name = attr.arg("name") or attr.arg("map")
            model.indexes.append(
                PrismaIndex(kinds[attr.name], fields, model.path, number, model.origin,
                            name=_unquote(name) if name else None)
            )
        elif attr.name == "map":
            target = attr.positional() or attr.arg("name")
            if target:
                model.map = _unquote(target)


# --- the merged view ---------------------------------------------------------------------------


def build_schema(artifacts: Artifacts) -> PrismaSchema:
    """The repository's schema merged with the plan's prisma blocks."""
    schema = PrismaSchema()
    for path, text in _repo_sources(artifacts):
        parsed = parse_schema(text, path=path, origin="repo", unparsed=artifacts.unparsed)
        schema.repo.models.update(parsed.models)
        schema.repo.enums.update(parsed.enums)
        schema.repo_paths.append(path)
    for block in artifacts.plan.code_blocks:
        if block.language in PRISMA_LANGUAGES:
            parsed = parse_schema(
                block.text, path=artifacts.plan.path, first_line=block.start_line, origin="plan",
                unparsed=artifacts.unparsed,
            )
            schema.plan.models.update(parsed.models)
            schema.plan.enums.update(parsed.enums)
    for name, model in schema.repo.models.items():
        schema.models[name] = _copy_model(model)
    for name, enum in schema.repo.enums.items():
        schema.enums[name] = PrismaEnum(
            enum.name, enum.path, enum.line, enum.end_line, "repo", dict(enum.values)
        )
    for name, model in schema.plan.models.items():
        schema.models[name] = _merge_model(schema.repo.models.get(name), model)
    for name, enum in schema.plan.enums.items():
        schema.enums[name] = _merge_enum(schema.repo.enums.get(name), enum)
    return schema


def _copy_model(model: PrismaModel) -> PrismaModel:
    return PrismaModel(
        model.name, model.path, model.line, model.end_line, model.origin,
        dict(model.fields), list(model.indexes), model.map, model.stubbed,
    )


def _merge_model(repo: PrismaModel | None, plan: PrismaModel) -> PrismaModel:
    merged = PrismaModel(
        plan.name, plan.path, plan.line, plan.end_line, "plan",
        map=plan.map or (repo.map if repo else None),
        stubbed=plan.stubbed, plan_line=plan.line, plan_end_line=plan.end_line,
    )
    if repo is None:
        # "// ... existing fields" says the model exists even when no repo schema was found.
        merged.status = "changed" if plan.stubbed else "new"
        for f in plan.fields.values():
            f.status = "new"
            merged.fields[f.name] = f
        for ix in plan.indexes:
            ix.status = "new"
            merged.indexes.append(ix)
        return merged
    merged.status = "changed"
    merged.repo_fields = dict(repo.fields)
    # Stub fields resolve from the repo; so do all repo fields when the plan elides some.
    keep_repo = plan.stubbed
    for name, f in repo.fields.items():
        if keep_repo and name not in plan.fields:
            merged.fields[name] = f
    for f in plan.fields.values():
        old = repo.fields.get(f.name)
        if old is None:
            f.status = "new"
        elif _field_sig(old) != _field_sig(f):
            f.status = "changed"
            f.previous = old
        merged.fields[f.name] = f
    for name, line in plan.removal_notes.items():
        if name in repo.fields:
            merged.removed_fields[name] = line
    shared = [n for n in plan.fields if n in repo.fields]
    if not plan.stubbed and len(shared) * 2 >= len(repo.fields):
        # A full restatement: what it leaves out, it removes.
        for name in repo.fields:
            if name not in plan.fields:
                merged.removed_fields.setdefault(name, plan.line)
    for name in merged.removed_fields:
        merged.fields.pop(name, None)
    repo_keys = {(ix.kind, tuple(ix.fields)) for ix in repo.indexes}
    plan_keys = {(ix.kind, tuple(ix.fields)) for ix in plan.indexes}
    for ix in plan.indexes:
        ix.status = "existing" if (ix.kind, tuple(ix.fields)) in repo_keys else "new"
        merged.indexes.append(ix)
    if keep_repo:
        for ix in repo.indexes:
            key = (ix.kind, tuple(ix.fields))
            if key not in plan_keys and all(c in merged.fields for c in ix.fields):
                merged.indexes.append(ix)
    return merged


def _field_sig(f: PrismaField) -> tuple[str, bool, bool, str | None]:
    return (f.type, f.optional, f.is_list, f.native_type)


def _merge_enum(repo: PrismaEnum | None, plan: PrismaEnum) -> PrismaEnum:
    merged = PrismaEnum(plan.name, plan.path, plan.line, plan.end_line, "plan", dict(plan.values))
    if repo is None:
        merged.status = "new"
        return merged
    merged.status = "changed" if set(repo.values) != set(plan.values) else "existing"
    merged.repo_values = dict(repo.values)
    merged.repo_path = repo.path
    merged.removed = [v for v in repo.values if v not in plan.values]
    return merged


def _repo_sources(artifacts: Artifacts) -> list[tuple[str, str]]:
    """The repo's schema files: loaded ones first, else the usual locations."""
    loaded = [(p, f.text) for p, f in artifacts.context.files.items() if p.endswith(".prisma")]
    if loaded or artifacts.repo is None:
        return loaded
    from planreview.repo import SkipError, find_files

    try:
        paths = find_files(artifacts.repo, "prisma/schema.prisma", "**/schema.prisma",
                           "prisma/schema/*.prisma")
    except (OSError, SkipError):
        return []
    out: list[tuple[str, str]] = []
    for path in paths[:MAX_SCHEMA_FILES]:
        if "node_modules/" in path:
            continue
        try:
            out.append((path, artifacts.repo.read_text(path)))
        except (OSError, SkipError):
            continue
    return out
