"""Which SQL dialect the repository and each SQL block of a plan speak.

PostgreSQL rules (CONCURRENTLY, `lock_timeout`) are wrong on a SQLite app, and MariaDB
SQL is not "invalid PostgreSQL". The repository's dialect comes from what configures the
database, strongest first: ORM/framework configuration (Prisma `datasource provider`,
drizzle config, Rails `database.yml` adapter, Django `ENGINE`), then the framework
(Frappe runs on MariaDB), then driver dependencies (`pg`, `mysql2`, `better-sqlite3`,
`sqflite`, ...). Two dialects at the same strength are a conflict: unknown, said so.
A block's dialect comes from its fence language, then the markers its text carries
outside strings and comments (backticks and `%s` say MySQL, AUTOINCREMENT and PRAGMA
say SQLite, `::` casts and CONCURRENTLY say PostgreSQL), then the plan's own words,
then the repository.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from planreview.plan import CodeBlock, ParsedPlan

Dialect = Literal["postgresql", "mysql", "sqlite", "unknown"]
KNOWN: tuple[Dialect, ...] = ("postgresql", "mysql", "sqlite")
DISPLAY: dict[Dialect, str] = {
    "postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite",
    "unknown": "unknown",
}

SQL_BLOCK_LANGUAGES = frozenset({
    "sql", "postgresql", "postgres", "pgsql", "psql", "plpgsql", "mysql", "mariadb",
    "sqlite", "sqlite3",
})
_LANGUAGE_DIALECT: dict[str, Dialect] = {
    "postgresql": "postgresql", "postgres": "postgresql", "pgsql": "postgresql",
    "psql": "postgresql", "plpgsql": "postgresql", "mysql": "mysql", "mariadb": "mysql",
    "sqlite": "sqlite", "sqlite3": "sqlite",
}


@dataclass(frozen=True)
class DialectFact:
    dialect: Dialect
    source: str
    """Where it was read: a repository path, "plan" or "block"; "" when nothing said."""
    line: int | None
    reason: str
    """What said it: "datasource provider", "dependency better-sqlite3", "backticks"."""

    @property
    def known(self) -> bool:
        return self.dialect != "unknown"

    def describe(self) -> str:
        if not self.known:
            return f"unknown ({self.reason})" if self.reason else "unknown"
        where = self.source + (f":{self.line}" if self.line else "")
        return f"{DISPLAY[self.dialect]} (from {where} {self.reason})"


UNKNOWN = DialectFact("unknown", "", None, "")


@dataclass(frozen=True)
class BlockDialect:
    block: CodeBlock
    fact: DialectFact


# --------------------------------------------------------------------------- repository

_PROVIDERS: dict[str, Dialect] = {
    "postgresql": "postgresql", "postgres": "postgresql", "mysql": "mysql",
    "sqlite": "sqlite",
}
_DATASOURCE = re.compile(r"^\s*datasource\s+\w+\s*\{(?P<body>[^}]*)\}", re.MULTILINE)
_PROVIDER = re.compile(r"^[ \t]*provider\s*=\s*\"(?P<value>[\w-]+)\"", re.MULTILINE)
_DRIZZLE = re.compile(r"\b(?P<key>dialect|driver)\s*:\s*['\"](?P<value>[\w-]+)['\"]")
_DRIZZLE_VALUES: dict[str, Dialect] = {
    "postgresql": "postgresql", "pg": "postgresql", "mysql": "mysql", "mysql2": "mysql",
    "singlestore": "mysql", "sqlite": "sqlite", "turso": "sqlite", "better-sqlite": "sqlite",
    "libsql": "sqlite", "d1": "sqlite", "d1-http": "sqlite", "expo": "sqlite",
}
_RAILS_ADAPTER = re.compile(r"^\s*adapter\s*:\s*['\"]?(?P<value>[\w-]+)", re.MULTILINE)
_RAILS_VALUES: dict[str, Dialect] = {
    "postgresql": "postgresql", "postgis": "postgresql", "mysql2": "mysql", "trilogy": "mysql",
    "mysql": "mysql", "sqlite3": "sqlite", "sqlite": "sqlite",
}
_DJANGO_ENGINE = re.compile(
    r"['\"]ENGINE['\"]\s*:\s*['\"](?:django\.db\.backends|django\.contrib\.gis\.db\.backends)"
    r"\.(?P<value>\w+)['\"]"
)
_DJANGO_VALUES: dict[str, Dialect] = {
    "postgresql": "postgresql", "postgresql_psycopg2": "postgresql", "postgis": "postgresql",
    "mysql": "mysql", "sqlite3": "sqlite", "spatialite": "sqlite",
}
_NPM_DRIVERS: dict[str, Dialect] = {
    "pg": "postgresql", "postgres": "postgresql", "@neondatabase/serverless": "postgresql",
    "@vercel/postgres": "postgresql", "pg-promise": "postgresql", "@supabase/supabase-js":
    "postgresql", "mysql2": "mysql", "mysql": "mysql", "mariadb": "mysql",
    "@planetscale/database": "mysql", "better-sqlite3": "sqlite", "sqlite3": "sqlite",
    "@libsql/client": "sqlite", "sql.js": "sqlite", "expo-sqlite": "sqlite",
    "react-native-sqlite-storage": "sqlite",
}
_DART_DRIVERS: dict[str, Dialect] = {
    "sqflite": "sqlite", "sqflite_common_ffi": "sqlite", "sqlite3": "sqlite",
    "drift": "sqlite", "sqlite3_flutter_libs": "sqlite", "postgres": "postgresql",
    "mysql1": "mysql", "mysql_client": "mysql",
}
_PY_DRIVERS: dict[str, Dialect] = {
    "psycopg2": "postgresql", "psycopg2-binary": "postgresql", "psycopg": "postgresql",
    "asyncpg": "postgresql", "mysqlclient": "mysql", "pymysql": "mysql",
    "mysql-connector-python": "mysql", "aiomysql": "mysql", "mariadb": "mysql",
    "aiosqlite": "sqlite",
}
_RUBY_DRIVERS: dict[str, Dialect] = {"pg": "postgresql", "mysql2": "mysql", "sqlite3": "sqlite"}
_PY_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)", re.MULTILINE)
_PY_QUOTED = re.compile(r"['\"](?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:[<>=~!;\[]|['\"])")
_GEM = re.compile(r"^\s*gem\s+['\"](?P<name>[\w-]+)['\"]", re.MULTILINE)
_PUBSPEC_DEP = re.compile(r"^\s{2}(?P<name>[a-z_][a-z0-9_]*)\s*:", re.MULTILINE)
_FRAPPE = re.compile(r"^\s*(?:import\s+frappe|from\s+frappe\b)", re.MULTILINE)

_Found = tuple[Dialect, str, int | None, str]
"""(dialect, path, line, reason)"""


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _name(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _configured(path: str, text: str) -> list[_Found]:
    """Tier 1: ORM and framework configuration."""
    name = _name(path)
    out: list[_Found] = []
    if name.endswith(".prisma"):
        for source in _DATASOURCE.finditer(text):
            provider = _PROVIDER.search(source.group("body"))
            if provider is not None:
                value = provider.group("value").lower()
                line = _line_of(text, source.start("body") + provider.start())
                dialect = _PROVIDERS.get(value, "unknown")
                out.append((dialect, path, line, f"datasource provider \"{value}\""))
    elif name.startswith("drizzle.config."):
        for m in _DRIZZLE.finditer(text):
            value = m.group("value").lower()
            dialect = _DRIZZLE_VALUES.get(value, "unknown")
            out.append((dialect, path, _line_of(text, m.start()), f"{m.group('key')} \"{value}\""))
    elif path.endswith("config/database.yml"):
        for m in _RAILS_ADAPTER.finditer(text):
            value = m.group("value").lower()
            dialect = _RAILS_VALUES.get(value, "unknown")
            out.append((dialect, path, _line_of(text, m.start()), f"adapter {value}"))
    elif name.endswith(".py"):
        for m in _DJANGO_ENGINE.finditer(text):
            value = m.group("value").lower()
            dialect = _DJANGO_VALUES.get(value, "unknown")
            out.append((dialect, path, _line_of(text, m.start()), f"ENGINE {value}"))
    return out


def _framework(path: str, text: str) -> list[_Found]:
    """Tier 2: frameworks bound to one database (Frappe apps run on MariaDB)."""
    name = _name(path)
    if name == "hooks.py" and re.search(r"^\s*app_name\s*=", text, re.MULTILINE):
        m = _FRAPPE.search(text) or re.search(r"^\s*app_name\s*=", text, re.MULTILINE)
        line = _line_of(text, m.start()) if m else None
        return [("mysql", path, line, "Frappe app (Frappe runs on MariaDB)")]
    if name in ("requirements.txt", "pyproject.toml", "setup.py") and re.search(
        r"(?:^|['\"\s])frappe(?:\s*[<>=~@]|['\"\s]|$)", text, re.MULTILINE
    ):
        m = re.search(r"frappe", text)
        line = _line_of(text, m.start()) if m else None
        return [("mysql", path, line, "Frappe dependency (Frappe runs on MariaDB)")]
    return []


def _drivers(path: str, text: str) -> list[_Found]:
    """Tier 3: database driver dependencies."""
    name = _name(path)
    out: list[_Found] = []
    if name == "package.json":
        try:
            data = json.loads(text)
        except ValueError:
            return []
        if not isinstance(data, dict):
            return []
        for key in ("dependencies", "devDependencies", "optionalDependencies"):
            deps = data.get(key)
            if not isinstance(deps, dict):
                continue
            for dep in deps:
                dialect = _NPM_DRIVERS.get(str(dep))
                if dialect is not None and key != "devDependencies":
                    line = _line_of(text, max(text.find(f'"{dep}"'), 0))
                    out.append((dialect, path, line, f"dependency {dep}"))
    elif name == "pubspec.yaml":
        for m in _PUBSPEC_DEP.finditer(text):
            dialect = _DART_DRIVERS.get(m.group("name"))
            if dialect is not None:
                out.append((dialect, path, _line_of(text, m.start("name")),
                            f"dependency {m.group('name')}"))
    elif (name.startswith("requirements") and name.endswith(".txt")) or name == "pyproject.toml":
        pattern = _PY_REQUIREMENT if name.endswith(".txt") else _PY_QUOTED
        for m in pattern.finditer(text):
            dialect = _PY_DRIVERS.get(m.group("name").lower())
            if dialect is not None:
                out.append((dialect, path, _line_of(text, m.start("name")),
                            f"dependency {m.group('name')}"))
    elif name == "Gemfile":
        for m in _GEM.finditer(text):
            dialect = _RUBY_DRIVERS.get(m.group("name"))
            if dialect is not None:
                out.append((dialect, path, _line_of(text, m.start("name")),
                            f"gem {m.group('name')}"))
    return out


def _decide(found: list[_Found]) -> DialectFact | None:
    known = [f for f in found if f[0] != "unknown"]
    if not found:
        return None
    dialects = sorted({f[0] for f in known})
    if len(dialects) == 1:
        dialect, path, line, reason = next(f for f in known)
        return DialectFact(dialect, path, line, reason)
    if not dialects:
        _, path, line, reason = found[0]
        return DialectFact("unknown", path, line, f"{reason} at {path}: not a dialect we check")
    names = ", ".join(f"{DISPLAY[d]} ({next(f[3] for f in known if f[0] == d)})"
                      for d in dialects)
    return DialectFact("unknown", "", None, f"the repository names several: {names}")


def repo_dialect(files: Mapping[str, str]) -> DialectFact:
    """The repository's dialect from its configuration files (path -> text)."""
    for tier in (_configured, _framework, _drivers):
        found = [item for path in sorted(files) for item in tier(path, files[path])]
        decided = _decide(found)
        if decided is not None:
            return decided
    return UNKNOWN


DIALECT_FILE_PATTERNS = (
    "**/*.prisma", "**/drizzle.config.*", "**/config/database.yml", "**/settings.py",
    "**/settings/*.py", "**/hooks.py", "package.json", "*/package.json", "pubspec.yaml",
    "*/pubspec.yaml", "requirements*.txt", "pyproject.toml", "setup.py", "Gemfile",
)
"""Globs (planreview.repo.find_files syntax) of the files `repo_dialect` reads."""


# --------------------------------------------------------------------------- the plan's words

_PLAN_WORDS: tuple[tuple[Dialect, re.Pattern[str]], ...] = (
    ("postgresql", re.compile(r"\b(?:postgres(?:ql)?|supabase|pg\s?\d{2}|psql|neon\s+postgres)\b",
                              re.I)),
    ("mysql", re.compile(r"\b(?:mysql|maria\s?db|planetscale|innodb|frappe)\b", re.I)),
    ("sqlite", re.compile(r"\b(?:sqlite3?|sqflite|better-sqlite3|libsql|turso)\b", re.I)),
)


def plan_dialect(plan: ParsedPlan) -> DialectFact:
    """The dialect the plan's prose names, when it names one (or one far more often)."""
    in_code = bytearray(len(plan.lines) + 2)
    for block in plan.code_blocks:
        for number in range(max(block.start_line - 1, 1), block.end_line + 2):
            if number < len(in_code):
                in_code[number] = 1
    counts: dict[Dialect, list[tuple[int, str]]] = {}
    for number, text in enumerate(plan.lines, start=1):
        if in_code[number]:
            continue
        for dialect, pattern in _PLAN_WORDS:
            for m in pattern.finditer(text):
                counts.setdefault(dialect, []).append((number, m.group()))
    if not counts:
        return UNKNOWN
    ranked = sorted(counts.items(), key=lambda item: -len(item[1]))
    top, mentions = ranked[0]
    if len(ranked) > 1 and len(mentions) < 3 * len(ranked[1][1]):
        return DialectFact("unknown", "plan", None,
                           "the plan names " + " and ".join(DISPLAY[d] for d, _ in ranked))
    line, word = mentions[0]
    return DialectFact(top, "plan", line, f"says '{word}'")


# --------------------------------------------------------------------------- SQL text

_STRIP = re.compile(
    r"--[^\n]*|/\*.*?\*/|'(?:[^'\\]|\\.|'')*'|\"(?:[^\"\\]|\\.)*\"|\$(\w*)\$.*?\$\1\$",
    re.DOTALL,
)
_MARKERS: tuple[tuple[Dialect, str, re.Pattern[str]], ...] = (
    ("mysql", "backtick identifiers", re.compile(r"`[^`\n]+`")),
    ("mysql", "AUTO_INCREMENT", re.compile(r"\bAUTO_INCREMENT\b", re.I)),
    ("mysql", "ENGINE=", re.compile(r"\bENGINE\s*=\s*\w+", re.I)),
    ("mysql", "UNSIGNED", re.compile(r"\bUNSIGNED\b", re.I)),
    ("mysql", "ON DUPLICATE KEY", re.compile(r"\bON\s+DUPLICATE\s+KEY\b", re.I)),
    ("mysql", "MODIFY COLUMN", re.compile(r"\bMODIFY\s+(?:COLUMN\s+)?\w+\s+\w", re.I)),
    ("mysql", "Frappe `tab` table", re.compile(r"\btab[A-Z]\w*\b")),
    ("sqlite", "AUTOINCREMENT", re.compile(r"\bAUTOINCREMENT\b", re.I)),
    ("sqlite", "PRAGMA", re.compile(r"^\s*PRAGMA\b", re.I | re.M)),
    ("sqlite", "sqlite_master", re.compile(r"\bsqlite_(?:master|schema|sequence)\b", re.I)),
    ("sqlite", "WITHOUT ROWID", re.compile(r"\bWITHOUT\s+ROWID\b", re.I)),
    ("sqlite", "INSERT OR REPLACE", re.compile(r"\bINSERT\s+OR\s+(?:REPLACE|IGNORE)\b", re.I)),
    ("postgresql", "CONCURRENTLY", re.compile(r"\bCONCURRENTLY\b", re.I)),
    ("postgresql", ":: casts", re.compile(r"\w::\w")),
    ("postgresql", "$n placeholders", re.compile(r"\$\d+\b")),
    ("postgresql", "PostgreSQL types", re.compile(
        r"\b(?:JSONB|TIMESTAMPTZ|BIGSERIAL|TSVECTOR|BYTEA|CITEXT)\b", re.I)),
    ("postgresql", "PostgreSQL syntax", re.compile(
        r"\b(?:ILIKE|gen_random_uuid|DO\s+\$\$|LANGUAGE\s+plpgsql|"
        r"SET\s+(?:LOCAL\s+)?(?:lock_timeout|statement_timeout))\b", re.I)),
)


def sql_markers(text: str, *, language: str = "sql") -> list[tuple[Dialect, str, int]]:
    """(dialect, marker, 0-based line) for every dialect marker of `text`.

    In SQL, markers count outside string literals and comments. In other languages the
    SQL is inside strings, so the whole text is read, without the markers that
    language's own syntax produces (template-literal backticks in JavaScript, `::` in
    Ruby, PHP or Rust). `%s` and `?` placeholders are no marker: psycopg2 uses `%s` as
    MySQLdb does, and every SQLite and MySQL driver takes `?`."""
    out: list[tuple[Dialect, str, int]] = []
    embedded = language not in SQL_BLOCK_LANGUAGES and language != ""
    blank = text if embedded else _STRIP.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    for dialect, name, pattern in _MARKERS:
        if (name == "backtick identifiers" and language in _JS_LANGUAGES) or (
            name == ":: casts" and embedded and language not in _NO_COLONS
        ):
            continue
        m = pattern.search(blank)
        if m is not None:
            out.append((dialect, name, blank.count("\n", 0, m.start())))
    return out


_EMBEDDED_SQL = re.compile(
    r"\b(?:CREATE\s+(?:UNIQUE\s+)?(?:TABLE|INDEX)|ALTER\s+TABLE|SELECT\s+[\w*`\"]|INSERT\s+INTO|"
    r"UPDATE\s+[\w`\"]+\s+SET|DELETE\s+FROM)"
)
_JS_LANGUAGES = frozenset({"ts", "typescript", "tsx", "js", "javascript", "jsx", "mjs", "cjs"})
# Languages whose own syntax has no `::`, so a `::` inside their SQL strings is a cast.
_NO_COLONS = _JS_LANGUAGES | {"python", "py", "python3", "dart", "go", "java", "kotlin", "kt"}


def has_sql(block: CodeBlock) -> bool:
    """An SQL block, or code carrying SQL strings (`db.execute('CREATE TABLE ...')`)."""
    return block.language in SQL_BLOCK_LANGUAGES or (
        block.language not in ("", "text", "md", "markdown")
        and _EMBEDDED_SQL.search(block.text) is not None
    )


def block_dialect(block: CodeBlock, *, fallback: DialectFact) -> DialectFact:
    """The dialect of one block: fence language, then its markers, then `fallback`."""
    named = _LANGUAGE_DIALECT.get(block.language)
    if named is not None:
        return DialectFact(named, "block", block.start_line - 1, f"fence language {block.language}")
    markers = sql_markers(block.text, language=block.language)
    dialects = {d for d, _, _ in markers}
    if block.language == "dart" and re.search(r"\b(?:rawQuery|rawInsert|openDatabase)\b",
                                              block.text):
        dialects.add("sqlite")
        markers.append(("sqlite", "sqflite calls", 0))
    if len(dialects) == 1:
        dialect = next(iter(dialects))
        name, offset = next((n, o) for d, n, o in markers if d == dialect)
        return DialectFact(dialect, "block", block.line_of(offset), name)
    if len(dialects) > 1:
        found = ", ".join(sorted({f"{n} ({DISPLAY[d]})" for d, n, _ in markers}))
        return DialectFact("unknown", "block", block.start_line, f"mixed markers: {found}")
    return fallback


def block_dialects(plan: ParsedPlan, *, fallback: DialectFact) -> tuple[BlockDialect, ...]:
    """The dialect of every block holding SQL, in plan order."""
    return tuple(
        BlockDialect(block, block_dialect(block, fallback=fallback))
        for block in plan.code_blocks if has_sql(block)
    )
