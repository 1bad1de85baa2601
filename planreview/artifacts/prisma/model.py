"""The Prisma schema model: fields, relations, indexes, models and enums, with their status."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from planreview.artifacts.prisma.tokens import Attribute, _unquote, bracket_list

if TYPE_CHECKING:
    pass


Status = Literal["new", "changed", "existing"]
Origin = Literal["plan", "repo"]
PRISMA_LANGUAGES = frozenset({"prisma"})
MAX_SCHEMA_FILES = 20


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
