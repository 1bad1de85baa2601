"""Tables and columns the plan creates, against those that exist at the reviewed ref.

A lock or rewrite on a table the plan itself creates touches no rows: "adding an index
blocks writes" is no finding there. Existing objects come from the repository's Prisma
schema, its SQL files (migrations, schema dumps), Rails `db/schema.rb` and Frappe
DocType JSON; created ones from the plan's proposed blocks (SQL, Prisma, Rails
`create_table`) and its prose ("a new `audit_log` table"). A table that is created and
already exists (`CREATE TABLE IF NOT EXISTS`) is existing. When the repository shows no
schema at all, whether a table exists is unknown, not false.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from planreview.artifacts import Unparsed
from planreview.artifacts.prisma import PRISMA_LANGUAGES, parse_schema
from planreview.artifacts.scale import entity_key
from planreview.artifacts.sql import SqlStatement, parse_text
from planreview.facts.dialect import SQL_BLOCK_LANGUAGES
from planreview.facts.roles import BlockRoleFact
from planreview.plan import ParsedPlan

MAX_SCHEMA_FILES = 400
MAX_SCHEMA_BYTES = 4_000_000


@dataclass(frozen=True)
class SchemaObject:
    table: str
    """Normalised: unquoted, without schema, lower-case."""
    column: str | None
    """None for the table itself."""
    path: str
    line: int
    how: str
    """"CREATE TABLE", "prisma model", "ADD COLUMN", "prose", "create_table"..."""


def normalise(name: str) -> str:
    """`public."Orders"` -> `orders`, `` `tabSales Invoice` `` -> `tabsales invoice`."""
    name = name.strip().strip(";")
    if "." in name and not name.startswith(("`", '"')):
        name = name.rsplit(".", 1)[-1]
    elif re.match(r'^[`"][^`"]*[`"]\.', name):
        name = name.split(".", 1)[1]
    return name.strip('`"[]').lower()


def _column_key(column: str) -> str:
    """`"congressionalDistrict"` and `congressional_district` compare equal."""
    return column.strip('`"[]').lower().replace("_", "")


def _same(a: str, b: str) -> bool:
    return a == b or entity_key(a).replace("_", "") == entity_key(b).replace("_", "")


@dataclass(frozen=True)
class SchemaDelta:
    created: tuple[SchemaObject, ...]
    """What the plan's proposal creates (tables with column None, and added columns)."""
    existing: tuple[SchemaObject, ...]
    """What the repository already has."""
    schema_sources: tuple[str, ...]
    """Repository files the existing objects were read from (empty: nothing known)."""

    def table_exists(self, table: str) -> bool | None:
        """True/False when the repository's schema was read; None when none was found."""
        key = normalise(table)
        if any(_same(o.table, key) for o in self.existing):
            return True
        return False if self.schema_sources else None

    def column_exists(self, table: str, column: str) -> bool | None:
        """Whether the repository's schema has `table.column`: None when the table's columns
        are not known (no schema read, table not found, or no column of it listed)."""
        key, col = normalise(table), _column_key(column)
        known = [o for o in self.existing if o.column is not None and _same(o.table, key)]
        # A Prisma model states the table as it is now; migrations are its history (a
        # column created in one and dropped in a later one is not there any more).
        declared = [o for o in known if o.how.startswith("prisma")] or known
        if not declared:
            return None
        return col in {_column_key(str(o.column)) for o in declared}

    def creates_table(self, table: str) -> SchemaObject | None:
        """The plan's creation of `table`, when the plan creates it and it does not exist."""
        key = normalise(table)
        if self.table_exists(key):
            return None
        return next((o for o in self.created if o.column is None and _same(o.table, key)), None)

    def creates_column(self, table: str, column: str) -> SchemaObject | None:
        """The plan's addition of `table.column` (or of the whole table) when new."""
        new_table = self.creates_table(table)
        if new_table is not None:
            return new_table
        key, col = normalise(table), column.strip('`"').lower()
        if any(_same(o.table, key) and o.column == col for o in self.existing):
            return None
        return next(
            (o for o in self.created if o.column == col and _same(o.table, key)), None
        )

    @property
    def new_tables(self) -> tuple[SchemaObject, ...]:
        return tuple(o for o in self.created if o.column is None and self.creates_table(o.table))


# --------------------------------------------------------------------------- reading SQL

_CREATE_TABLE = re.compile(
    r"\bCREATE\s+(?:TEMP(?:ORARY)?\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"
    r"(?P<name>(?:[`\"]?\w+[`\"]?\.)?(?:`[^`]+`|\"[^\"]+\"|\w+))",
    re.IGNORECASE,
)
_ADD_COLUMN = re.compile(
    r"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?"
    r"(?P<table>(?:[`\"]?\w+[`\"]?\.)?(?:`[^`]+`|\"[^\"]+\"|\w+))\s+"
    r"ADD\s+(?:COLUMN\s+)?(?:IF\s+NOT\s+EXISTS\s+)?(?P<column>`[^`]+`|\"[^\"]+\"|\w+)",
    re.IGNORECASE,
)
_NOT_COLUMNS = frozenset({"constraint", "index", "key", "primary", "unique", "foreign", "check"})


def _from_statements(stmts: Iterable[SqlStatement], how_prefix: str = "") -> list[SchemaObject]:
    out: list[SchemaObject] = []
    for stmt in stmts:
        table = stmt.table
        if table is None:
            continue
        name = table.lower()
        if stmt.kind == "CreateStmt":
            out.append(SchemaObject(name, None, stmt.path, stmt.start_line, "CREATE TABLE"))
            for element in stmt.tree.get("tableElts", []):
                column = element.get("ColumnDef", {}).get("colname")
                if column:
                    out.append(SchemaObject(name, str(column).lower(), stmt.path,
                                            stmt.start_line, "CREATE TABLE"))
        else:
            for cmd in stmt.alter_cmds:
                if cmd.get("subtype") == "AT_AddColumn":
                    column = cmd.get("def", {}).get("ColumnDef", {}).get("colname")
                    if column:
                        out.append(SchemaObject(name, str(column).lower(), stmt.path,
                                                stmt.start_line, "ADD COLUMN"))
    return out


def _sql_objects(text: str, *, path: str, first_line: int) -> list[SchemaObject]:
    """CREATE TABLE / ADD COLUMN of `text`: libpg_query where it parses, else (MySQL,
    SQLite) the statement's head read by pattern."""
    unparsed: list[Unparsed] = []
    stmts = parse_text(text, path=path, first_line=first_line, source="plan", group=0,
                       unparsed=unparsed)
    out = _from_statements(s for s in stmts if s.kind in ("CreateStmt", "AlterTableStmt"))
    failed = {u.start_line for u in unparsed}
    if not failed:
        return out
    for m in _CREATE_TABLE.finditer(text):
        line = first_line + text.count("\n", 0, m.start())
        if line in failed:
            out.append(SchemaObject(normalise(m.group("name")), None, path, line, "CREATE TABLE"))
    for m in _ADD_COLUMN.finditer(text):
        line = first_line + text.count("\n", 0, m.start())
        column = normalise(m.group("column"))
        if line in failed and column not in _NOT_COLUMNS:
            out.append(SchemaObject(normalise(m.group("table")), column, path, line,
                                    "ADD COLUMN"))
    return out


_RAILS_CREATE = re.compile(r"^\s*create_table\s+[:\"'](?P<name>\w+)", re.MULTILINE)
_RAILS_COLUMN = re.compile(r"^\s*t\.\w+\s+[:\"'](?P<name>\w+)", re.MULTILINE)
_RAILS_ADD = re.compile(r"^\s*add_column\s+[:\"'](?P<table>\w+)[\"']?\s*,\s*[:\"'](?P<col>\w+)",
                        re.MULTILINE)


def _rails_objects(text: str, *, path: str, first_line: int) -> list[SchemaObject]:
    out: list[SchemaObject] = []
    tables = list(_RAILS_CREATE.finditer(text))
    for index, m in enumerate(tables):
        line = first_line + text.count("\n", 0, m.start())
        name = m.group("name").lower()
        out.append(SchemaObject(name, None, path, line, "create_table"))
        end = tables[index + 1].start() if index + 1 < len(tables) else len(text)
        for col in _RAILS_COLUMN.finditer(text, m.end(), end):
            out.append(SchemaObject(name, col.group("name").lower(), path,
                                    first_line + text.count("\n", 0, col.start()), "create_table"))
    for m in _RAILS_ADD.finditer(text):
        out.append(SchemaObject(m.group("table").lower(), m.group("col").lower(), path,
                                first_line + text.count("\n", 0, m.start()), "add_column"))
    return out


def _prisma_objects(text: str, *, path: str, first_line: int, origin: str) -> list[SchemaObject]:
    parsed = parse_schema(text, path=path, first_line=first_line,
                          origin="repo" if origin == "repo" else "plan")
    out: list[SchemaObject] = []
    for model in parsed.models.values():
        names = {model.name.lower(), model.table.lower()}
        for name in sorted(names):
            out.append(SchemaObject(name, None, path, model.line, "prisma model"))
            for f in model.fields.values():
                if f.relation is None and not f.is_list:
                    out.append(SchemaObject(name, f.name.lower(), path, f.line, "prisma field"))
                    mapped = f.attribute("map")
                    column = (mapped.positional() or "").strip('"') if mapped else ""
                    if column:
                        out.append(SchemaObject(name, column.lower(), path, f.line,
                                                "prisma field @map"))
    return out


def _doctype_objects(text: str, *, path: str) -> list[SchemaObject]:
    """A Frappe DocType (`<app>/<module>/doctype/<name>/<name>.json`): table `tab<Name>`."""
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict) or data.get("doctype") != "DocType" or not data.get("name"):
        return []
    table = f"tab{data['name']}".lower()
    out = [SchemaObject(table, None, path, 1, "Frappe DocType")]
    fields = data.get("fields")
    for item in fields if isinstance(fields, list) else []:
        if isinstance(item, dict) and isinstance(item.get("fieldname"), str):
            out.append(SchemaObject(table, item["fieldname"].lower(), path, 1, "Frappe DocType"))
    return out


_DOCTYPE = re.compile(r"/doctype/(?P<name>[\w-]+)/(?P=name)\.json$")


def _inactive_prisma(path: str, files: Mapping[str, str]) -> bool:
    """A `.prisma` file beside `prisma/schema.prisma` that the Prisma CLI never reads.

    Without `--schema`, a `prisma.schema` entry in package.json or a prisma.config file,
    the CLI uses `prisma/schema.prisma` (Prisma docs, "Prisma schema location"); sibling
    files (`core.prisma`, `schema-production.prisma`) are drafts or copies, and their
    models are not the database's."""
    folder, _, name = path.rpartition("/")
    if name == "schema.prisma" or not folder.endswith("prisma"):
        return False
    if f"{folder}/schema.prisma" not in files:
        return False
    root = folder.removesuffix("prisma").rstrip("/")
    package = files.get(f"{root}/package.json" if root else "package.json", "")
    configs = ("prisma.config.ts", "prisma.config.js", "prisma.config.mjs")
    if any((f"{root}/{c}" if root else c) in files for c in configs):
        return False
    return not re.search(r'"prisma"\s*:\s*\{[^}]*"schema"', package)


def existing_objects(files: Mapping[str, str]) -> tuple[list[SchemaObject], list[str]]:
    """(objects, files they came from) of the repository's schema files."""
    out: list[SchemaObject] = []
    sources: list[str] = []
    budget = MAX_SCHEMA_BYTES
    schema_paths = [
        p for p in sorted(files)
        if "node_modules/" not in p and (
            p.endswith((".prisma", ".sql", "db/schema.rb")) or _DOCTYPE.search(p)
        ) and not (p.endswith(".prisma") and _inactive_prisma(p, files))
    ][:MAX_SCHEMA_FILES]
    for path in schema_paths:
        text = files[path]
        budget -= len(text)
        if budget < 0:
            break
        if path.endswith(".prisma"):
            found = _prisma_objects(text, path=path, first_line=1, origin="repo")
        elif path.endswith(".sql"):
            found = _sql_objects(text, path=path, first_line=1)
        elif path.endswith(".rb"):
            found = _rails_objects(text, path=path, first_line=1)
        else:
            found = _doctype_objects(text, path=path)
        if found:
            out.extend(found)
            sources.append(path)
    return out, sources


_PROSE_NEW = re.compile(
    r"\b(?:a\s+)?new\s+`(?P<a>\w+)`\s+(?:table|model)\b"
    r"|\bnew\s+(?:table|model)\s+`(?P<b>\w+)`"
    r"|\bcreate\s+(?:a\s+|the\s+)?(?:new\s+)?`(?P<c>\w+)`\s+(?:table|model)\b"
    r"|\bcreate\s+(?:a\s+|the\s+)?(?:new\s+)?(?:table|model)\s+`(?P<d>\w+)`",
    re.IGNORECASE,
)


def created_objects(plan: ParsedPlan, roles: Iterable[BlockRoleFact]) -> list[SchemaObject]:
    """What the plan's proposed blocks and prose create."""
    out: list[SchemaObject] = []
    code: set[int] = set()
    for fact in roles:
        block = fact.block
        code.update(range(block.start_line - 1, block.end_line + 2))
        if not fact.is_proposal:
            continue
        if block.language in PRISMA_LANGUAGES:
            out.extend(_prisma_objects(block.text, path=plan.path, first_line=block.start_line,
                                       origin="plan"))
        elif block.language in SQL_BLOCK_LANGUAGES:
            out.extend(_sql_objects(block.text, path=plan.path, first_line=block.start_line))
        elif block.language in ("ruby", "rb"):
            out.extend(_rails_objects(block.text, path=plan.path, first_line=block.start_line))
    for number, text in enumerate(plan.lines, start=1):
        if number in code:
            continue
        for m in _PROSE_NEW.finditer(text):
            name = next(g for g in m.groups() if g)
            out.append(SchemaObject(name.lower(), None, plan.path, number, "prose"))
    return out


def schema_delta(
    plan: ParsedPlan, roles: Iterable[BlockRoleFact], files: Mapping[str, str]
) -> SchemaDelta:
    existing, sources = existing_objects(files)
    return SchemaDelta(tuple(created_objects(plan, roles)), tuple(existing), tuple(sources))
