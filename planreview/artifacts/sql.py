"""SQL statements from plans, code blocks and migration files, parsed with libpg_query.

Each statement is split out and parsed on its own (pgparse, BSD-3), so one broken or
pseudo-code statement never hides the others (squawk's failure mode: one syntax error
silences a whole file). Statements inside `DO $$ ... $$` bodies are found through the
PL/pgSQL parser. Template holes (`${...}`) in TypeScript raw queries become `$1`, a
parameter placeholder Postgres accepts wherever a value goes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import pgparse

from planreview.artifacts import Unparsed

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts
    from planreview.plan import CodeBlock, ParsedPlan

Source = Literal["plan", "file", "code"]
SQL_LANGUAGES = frozenset({"sql", "postgresql", "postgres", "pgsql", "psql", "plpgsql"})
CODE_LANGUAGES = frozenset(
    {"ts", "typescript", "tsx", "js", "javascript", "jsx", "mjs", "python", "py", "python3"}
)
_PRISMA_MIGRATION_FILE = re.compile(r"(^|/)migrations/[^/]+/migration\.sql$")

Tree = dict[str, Any]


@dataclass(frozen=True)
class SqlStatement:
    kind: str
    """libpg_query node type: IndexStmt, AlterTableStmt, UpdateStmt, DoStmt, ..."""
    tree: Tree
    """The node's own dict (the value under `kind`)."""
    text: str
    """The statement as written (template holes replaced), without its `;`."""
    path: str
    start_line: int
    end_line: int
    source: Source
    in_transaction: bool
    """Inside BEGIN ... COMMIT, a `$transaction` block, or a multi-statement Prisma
    migration file (Prisma runs each file as one transaction)."""
    group: int
    """Statements of the same block or file share a group number."""
    index: int = 0
    """Position within its group (0-based)."""
    in_do: bool = False
    """Found inside a `DO $$ ... $$` body."""
    explicit_transaction: bool = False
    """Inside a BEGIN ... COMMIT the text itself opens (not an implied one)."""
    transaction: int = 0
    """Which BEGIN ... COMMIT of its group it belongs to (1, 2, ...); 0 outside any."""

    @property
    def table(self) -> str | None:
        """The table the statement acts on (relation name, unquoted), when it has one."""
        rel = self.tree.get("relation")
        if isinstance(rel, dict):
            name = rel.get("relname")
            return str(name) if name else None
        return None

    @property
    def concurrent(self) -> bool:
        return bool(self.tree.get("concurrent"))

    @property
    def alter_cmds(self) -> list[Tree]:
        """AlterTableCmd dicts of an ALTER TABLE (empty for other statements)."""
        if self.kind != "AlterTableStmt":
            return []
        return [c["AlterTableCmd"] for c in self.tree.get("cmds", []) if "AlterTableCmd" in c]

    @property
    def is_ddl(self) -> bool:
        return self.kind in DDL_KINDS

    @property
    def first_line_text(self) -> str:
        return self.text.strip().splitlines()[0] if self.text.strip() else ""


DDL_KINDS = frozenset(
    {
        "AlterTableStmt", "IndexStmt", "DropStmt", "RenameStmt", "CreateStmt", "AlterEnumStmt",
        "CreateEnumStmt", "TruncateStmt", "ReindexStmt", "AlterDomainStmt", "CreateDomainStmt",
        "ClusterStmt", "VacuumStmt", "RefreshMatViewStmt",
    }
)


@dataclass
class _Scanned:
    text: str
    start: int
    end: int


def split_statements(sql: str) -> list[_Scanned]:
    """Split on top-level `;`, respecting quotes, dollar-quotes and comments.

    Leading whitespace and comments are left out of each statement; chunks that hold only
    comments are dropped. An unterminated quote runs to the end (the parser reports it).
    """
    out: list[_Scanned] = []
    i, n = 0, len(sql)
    begin: int | None = None  # first significant offset of the current statement
    while i < n:
        c = sql[i]
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j
            continue
        if c == "/" and sql.startswith("/*", i):
            i = _comment_end(sql, i)
            continue
        if c.isspace():
            i += 1
            continue
        if begin is None:
            begin = i
        if c == ";":
            if begin < i:
                out.append(_Scanned(sql[begin:i], begin, i))
            begin = None
            i += 1
            continue
        if c == "'":
            escaped = i > 0 and sql[i - 1] in "eE" and (i < 2 or not sql[i - 2].isalnum())
            i = _quote_end(sql, i, "'", backslash=escaped)
            continue
        if c == '"':
            i = _quote_end(sql, i, '"', backslash=False)
            continue
        if c == "$":
            m = _DOLLAR.match(sql, i)
            if m and not (i > 0 and (sql[i - 1].isalnum() or sql[i - 1] == "_")):
                tag = m.group(0)
                j = sql.find(tag, m.end())
                i = n if j < 0 else j + len(tag)
                continue
        i += 1
    if begin is not None and sql[begin:].strip():
        out.append(_Scanned(sql[begin:].rstrip(), begin, begin + len(sql[begin:].rstrip())))
    return out


_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z_0-9]*)?\$")


def _comment_end(sql: str, i: int) -> int:
    depth, i, n = 0, i, len(sql)
    while i < n:
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def _quote_end(sql: str, i: int, q: str, *, backslash: bool) -> int:
    i += 1
    n = len(sql)
    while i < n:
        c = sql[i]
        if backslash and c == "\\":
            i += 2
            continue
        if c == q:
            if i + 1 < n and sql[i + 1] == q:
                i += 2
                continue
            return i + 1
        i += 1
    return n


# --- parsing -------------------------------------------------------------------------------


class _Group:
    """Counts groups across one extraction so statements of a block share a number."""

    def __init__(self) -> None:
        self.next = 0

    def take(self) -> int:
        self.next += 1
        return self.next


def parse_text(
    sql: str,
    *,
    path: str,
    first_line: int,
    source: Source,
    group: int,
    unparsed: list[Unparsed],
    implied_transaction: bool = False,
) -> list[SqlStatement]:
    """Parse every statement of `sql`, whose first line is absolute line `first_line`."""
    out: list[SqlStatement] = []
    in_tx = False
    transaction = 0
    pieces = split_statements(sql)
    implied = implied_transaction and len(pieces) > 1
    # Lines are counted incrementally: counting from 0 for each piece is quadratic.
    seen_offset, seen_lines = 0, 0
    for piece in pieces:
        seen_lines += sql.count("\n", seen_offset, piece.start)
        seen_offset = piece.start
        start = first_line + seen_lines
        end = start + piece.text.count("\n")
        try:
            parsed = pgparse.parse(piece.text)
        except pgparse.PGQueryError as exc:
            unparsed.append(Unparsed(path, start, "sql", f"not valid PostgreSQL: {exc}"))
            continue
        if not parsed:
            continue
        kind, tree = _node(parsed[0])
        closing = False
        if kind == "TransactionStmt":
            what = tree.get("kind", "")
            if what in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                in_tx = True
                transaction += 1
            elif what in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"):
                closing = in_tx
        # The COMMIT belongs to the transaction it closes.
        stmt = SqlStatement(
            kind=kind, tree=tree, text=piece.text, path=path, start_line=start, end_line=end,
            source=source, in_transaction=in_tx or implied,
            group=group, index=len(out), explicit_transaction=in_tx,
            transaction=transaction if in_tx else 0,
        )
        if closing:
            in_tx = False
        out.append(stmt)
        if kind == "DoStmt":
            out.extend(_do_body(stmt, unparsed))
    # Renumber: DO bodies were appended in place.
    return [
        SqlStatement(**{**s.__dict__, "index": i}) if s.index != i else s
        for i, s in enumerate(out)
    ]


def _node(raw: Tree) -> tuple[str, Tree]:
    stmt = raw.get("stmt", raw)
    kind = next(iter(stmt))
    return kind, stmt[kind]


def _do_body(do: SqlStatement, unparsed: list[Unparsed]) -> list[SqlStatement]:
    body = None
    for arg in do.tree.get("args", []):
        elem = arg.get("DefElem", {})
        if elem.get("defname") == "as":
            body = elem.get("arg", {}).get("String", {}).get("sval")
    if not body:
        return []
    at = do.text.find(body)
    body_line = do.start_line + (do.text.count("\n", 0, at) if at >= 0 else 0)
    wrapper = (
        f"CREATE FUNCTION planreview_do() RETURNS void AS $pr_do${body}$pr_do$ LANGUAGE plpgsql"
    )
    try:
        functions = pgparse.parse_pgsql(wrapper)
    except pgparse.PGQueryError as exc:
        unparsed.append(Unparsed(do.path, do.start_line, "plpgsql", f"DO body: {exc}"))
        return []
    out: list[SqlStatement] = []
    for lineno, query in _execsql(functions):
        try:
            parsed = pgparse.parse(query)
        except pgparse.PGQueryError:
            continue
        if not parsed:
            continue
        kind, tree = _node(parsed[0])
        line = body_line + max(lineno - 1, 0)
        out.append(
            SqlStatement(
                kind=kind, tree=tree, text=query, path=do.path, start_line=line,
                end_line=line + query.count("\n"), source=do.source,
                in_transaction=do.in_transaction, group=do.group, in_do=True,
                explicit_transaction=do.explicit_transaction, transaction=do.transaction,
            )
        )
    return out


def _execsql(node: Any) -> Iterator[tuple[int, str]]:
    if isinstance(node, dict):
        ex = node.get("PLpgSQL_stmt_execsql")
        if isinstance(ex, dict):
            query = ex.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query")
            if isinstance(query, str):
                yield int(ex.get("lineno", 1)), query
        for value in node.values():
            yield from _execsql(value)
    elif isinstance(node, list):
        for value in node:
            yield from _execsql(value)


# --- SQL inside code ------------------------------------------------------------------------

_RAW_CALL = re.compile(
    r"(?P<fn>\$(?:executeRaw|queryRaw)(?:Unsafe)?|Prisma\.sql|\bsql|\btext|\.execute|"
    r"\bop\.execute|\.raw|\.query)\s*(?:<[^>()]*>)?\s*(?P<open>`|\(\s*(?:`|\"\"\"|'''|\"|'))"
)


@dataclass(frozen=True)
class CodeSql:
    text: str
    """The SQL with template holes replaced by `$1` (newlines kept)."""
    offset: int
    """Offset of the SQL's first character in the code text."""
    call_offset: int


def sql_in_code(code: str) -> list[CodeSql]:
    """Raw SQL in tagged templates and string arguments of raw-query calls."""
    out: list[CodeSql] = []
    pos = 0
    while True:
        m = _RAW_CALL.search(code, pos)
        if m is None:
            return out
        opener = m.group("open").lstrip("(").strip()
        body_start = m.end()
        if opener == "`":
            text, end = _template(code, body_start)
        else:
            text, end = _string(code, body_start, opener)
        pos = max(end, m.end())
        if text is not None and _looks_like_sql(text):
            out.append(CodeSql(text, body_start, m.start()))


_SQL_START = re.compile(
    r"^\s*(?:--[^\n]*\n\s*)*(SELECT|INSERT|UPDATE|DELETE|WITH|ALTER|CREATE|DROP|TRUNCATE|"
    r"BEGIN|COMMIT|SET|VACUUM|REINDEX|REFRESH|DO|COPY|LOCK|ANALYZE|COMMENT|GRANT)\b",
    re.IGNORECASE,
)


def _looks_like_sql(text: str) -> bool:
    return bool(_SQL_START.match(text))


def _template(code: str, i: int) -> tuple[str | None, int]:
    """Template literal body from `i` (after the backtick) with `${...}` holes as `$1`."""
    out: list[str] = []
    n = len(code)
    while i < n:
        c = code[i]
        if c == "\\" and i + 1 < n:
            out.append(code[i + 1])
            i += 2
            continue
        if c == "`":
            return "".join(out), i + 1
        if c == "$" and i + 1 < n and code[i + 1] == "{":
            depth, j = 1, i + 2
            while j < n and depth:
                if code[j] == "{":
                    depth += 1
                elif code[j] == "}":
                    depth -= 1
                j += 1
            hole = code[i:j]
            out.append("$1" + "\n" * hole.count("\n"))
            i = j
            continue
        out.append(c)
        i += 1
    return None, n


def _string(code: str, i: int, quote: str) -> tuple[str | None, int]:
    n = len(code)
    if len(quote) == 3:
        j = code.find(quote, i)
        return (None, n) if j < 0 else (code[i:j], j + 3)
    out: list[str] = []
    while i < n:
        c = code[i]
        if c == "\\" and i + 1 < n:
            nxt = code[i + 1]
            out.append({"n": "\n", "t": "\t"}.get(nxt, nxt))
            i += 2
            continue
        if c == quote:
            return "".join(out), i + 1
        if c == "\n":
            return None, i
        out.append(c)
        i += 1
    return None, n


# --- extraction -----------------------------------------------------------------------------


def extract_statements(artifacts: Artifacts) -> list[SqlStatement]:
    """Every SQL statement the plan and its loaded files contain, in document order."""
    plan = artifacts.plan
    groups = _Group()
    out: list[SqlStatement] = []
    tx_spans = _transaction_spans(artifacts)
    for block in plan.code_blocks:
        if block.language in SQL_LANGUAGES:
            out.extend(
                parse_text(
                    block.text, path=plan.path, first_line=block.start_line, source="plan",
                    group=groups.take(), unparsed=artifacts.unparsed,
                    implied_transaction=is_implied_transaction(plan, block),
                )
            )
        if block.language in CODE_LANGUAGES:
            out.extend(
                _from_code(block.text, plan.path, block.start_line, groups, artifacts, tx_spans)
            )
        if block.language in RUBY_LANGUAGES | PYTHON_LANGUAGES:
            out.extend(
                dsl_statements(
                    block.text, block.language, path=plan.path, first_line=block.start_line,
                    group=groups.take(), unparsed=artifacts.unparsed,
                )
            )
    for path, loaded in artifacts.context.files.items():
        if path.endswith(".sql"):
            out.extend(
                parse_text(
                    loaded.text, path=path, first_line=1, source="file", group=groups.take(),
                    unparsed=artifacts.unparsed,
                    implied_transaction=bool(_PRISMA_MIGRATION_FILE.search(path)),
                )
            )
        elif path.rsplit(".", 1)[-1] in {"ts", "tsx", "js", "mjs", "py"}:
            out.extend(_from_code(loaded.text, path, 1, groups, artifacts, tx_spans))
    return out


def _from_code(
    code: str,
    path: str,
    first_line: int,
    groups: _Group,
    artifacts: Artifacts,
    tx_spans: dict[str, list[tuple[int, int]]],
) -> list[SqlStatement]:
    out: list[SqlStatement] = []
    for found in sql_in_code(code):
        line = first_line + code.count("\n", 0, found.offset)
        call_line = first_line + code.count("\n", 0, found.call_offset)
        in_tx = any(lo <= call_line <= hi for lo, hi in tx_spans.get(path, []))
        stmts = parse_text(
            found.text, path=path, first_line=line, source="code", group=groups.take(),
            unparsed=artifacts.unparsed,
        )
        out.extend(
            SqlStatement(**{**s.__dict__, "in_transaction": True}) if in_tx else s for s in stmts
        )
    return out


def _transaction_spans(artifacts: Artifacts) -> dict[str, list[tuple[int, int]]]:
    """Line spans of `$transaction(...)` blocks per path, from the code scanner."""
    spans: dict[str, list[tuple[int, int]]] = {}
    for unit in artifacts.code:
        for tx in unit.transactions:
            spans.setdefault(unit.path, []).append((tx.start_line, tx.end_line))
    return spans


_MIGRATION_HINT = re.compile(
    r"migration\.sql|prisma[/ ]migrat|prisma/migrations/|migrate (dev|deploy)", re.IGNORECASE
)
# The section comments `prisma migrate` writes into every generated migration.sql.
_PRISMA_MARKER = re.compile(
    r"^\s*-- (CreateTable|AlterTable|CreateIndex|AddForeignKey|DropIndex|CreateEnum|AlterEnum|"
    r"DropForeignKey|DropTable|RenameIndex)\s*$",
    re.MULTILINE,
)
LOOKBACK_LINES = 6


_TX_HINT = re.compile(
    r"\b(?:wraps?|runs?|executes?)\b[^.]{0,40}\b(?:in|inside)\s+(?:a|one|the same|a single)\s+"
    r"transaction\b",
    re.IGNORECASE,
)


def is_implied_transaction(plan: ParsedPlan, block: CodeBlock) -> bool:
    """A plan SQL block its migration tool runs as one transaction: a Prisma migration,
    or one whose introduction says the tool wraps each file in a transaction."""
    if is_prisma_migration_block(plan, block):
        return True
    before = " ".join(plan.line(block.start_line - d) for d in range(2, 2 + LOOKBACK_LINES))
    return bool(_TX_HINT.search(before))


def is_prisma_migration_block(plan: ParsedPlan, block: CodeBlock) -> bool:
    """A plan SQL block presented as a Prisma migration file (run as one transaction):
    it carries Prisma's generated section comments, or its first line or the paragraph
    just before its fence names a Prisma migration."""
    if _PRISMA_MARKER.search(block.text):
        return True
    before = [plan.line(block.start_line - d) for d in range(2, 2 + LOOKBACK_LINES)]
    lines = [plan.line(block.start_line), *before]
    return any(_MIGRATION_HINT.search(line) for line in lines)


# --- tree helpers shared by the rules -------------------------------------------------------


def names(items: list[Tree] | None) -> list[str]:
    """`[{"String": {"sval": "a"}}, ...]` -> ["a", ...]."""
    return [i["String"]["sval"] for i in items or [] if "String" in i]


def type_name(type_node: Tree | None) -> str:
    """`{"names": [pg_catalog, int4], ...}` -> "int4" (the last name, lower-case)."""
    if not type_node:
        return ""
    parts = names(type_node.get("names"))
    return parts[-1].lower() if parts else ""


def walk(node: Any) -> Iterator[Tree]:
    """Every dict in the tree, depth first."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def column_refs(node: Any) -> list[str]:
    """Names of the columns (last field of each ColumnRef) under `node`."""
    out: list[str] = []
    for d in walk(node):
        ref = d.get("ColumnRef")
        if isinstance(ref, dict):
            fields = names(ref.get("fields"))
            if fields:
                out.append(fields[-1])
    return out


# --- the repository's own migrations (what indexes exist) ------------------------------------

MAX_REPO_SQL_FILES = 400
MAX_REPO_SQL_BYTES = 2_000_000
_SCHEMA_KINDS = frozenset({"CreateStmt", "IndexStmt", "AlterTableStmt"})


def repo_schema_statements(artifacts: Artifacts) -> list[SqlStatement]:
    """CREATE TABLE / CREATE INDEX / ALTER TABLE statements of the repository's .sql files
    that the context did not load: they say which tables and indexes already exist.
    Bounded (file count and total bytes); unreadable files are skipped."""
    repo = artifacts.repo
    if repo is None:
        return []
    from planreview.repo import SkipError

    try:
        listed = repo.list_files()
    except (OSError, SkipError):
        return []
    paths = [
        p for p in listed
        if p.endswith(".sql") and p not in artifacts.context.files and "node_modules/" not in p
    ][:MAX_REPO_SQL_FILES]
    out: list[SqlStatement] = []
    budget = MAX_REPO_SQL_BYTES
    groups = _Group()
    for path in sorted(paths):
        try:
            text = repo.read_text(path)
        except (OSError, SkipError):
            continue
        budget -= len(text)
        if budget < 0:
            break
        stmts = parse_text(
            text, path=path, first_line=1, source="file", group=groups.take(), unparsed=[]
        )
        out.extend(s for s in stmts if s.kind in _SCHEMA_KINDS)
    return out


# --- migration DSLs: Rails and Alembic calls read as the SQL they run -------------------------
#
# Plans for Rails or Python services write `add_index :orders, :user_id` or
# `op.create_index(...)` rather than SQL. Each call is translated into the statement it
# executes, on the call's own line, so the SQL rules apply unchanged.

RUBY_LANGUAGES = frozenset({"ruby", "rb"})
PYTHON_LANGUAGES = frozenset({"python", "py", "python3"})

_RAILS_TYPES = {
    "string": "varchar", "text": "text", "integer": "integer", "bigint": "bigint",
    "boolean": "boolean", "datetime": "timestamp", "timestamp": "timestamp", "date": "date",
    "uuid": "uuid", "decimal": "numeric", "float": "double precision", "jsonb": "jsonb",
    "json": "json", "references": "bigint", "serial": "serial", "bigserial": "bigserial",
}
_SA_TYPES = {
    "Integer": "integer", "BigInteger": "bigint", "SmallInteger": "smallint",
    "String": "varchar", "Text": "text", "Boolean": "boolean", "DateTime": "timestamptz",
    "Date": "date", "Numeric": "numeric", "Float": "double precision", "JSON": "json",
    "UUID": "uuid", "Uuid": "uuid", "Enum": "text",
}
_SYM = r":(\w+)|[\"'](\w+)[\"']"


def _q(name: str) -> str:
    return '"' + name.replace('"', "") + '"'


def _sym(m: re.Match[str], i: int) -> str:
    return m.group(i) or m.group(i + 1)


def _symbols(text: str) -> list[str]:
    return [a or b for a, b in re.findall(r":(\w+)|[\"'](\w+)[\"']", text)]


def _rails_default(opts: str) -> str:
    m = re.search(r"\bdefault:\s*(->\s*\{\s*[\"']([^\"']+)[\"']\s*\}|[^,)]+)", opts)
    if m is None:
        return ""
    value = m.group(2) or m.group(1).strip()
    if value in ("nil",):
        return ""
    if value.startswith(":"):
        value = f"'{value[1:]}'"
    elif value.startswith('"'):
        value = "'" + value.strip('"') + "'"
    return f" DEFAULT {value}"


def _rails_line(line: str) -> list[str]:
    """The SQL one Rails migration line runs ([] when it is not a schema call)."""
    code = line.split("#", 1)[0].strip()
    m = re.match(rf"add_index\s+(?:{_SYM})\s*,\s*(\[[^\]]*\]|{_SYM})(.*)", code)
    if m:
        table, cols = _sym(m, 1), _symbols(m.group(3))
        opts = m.group(6) or ""
        unique = "UNIQUE " if re.search(r"unique:\s*true", opts) else ""
        conc = "CONCURRENTLY " if "algorithm: :concurrently" in opts else ""
        name = f"index_{table}_on_{'_and_'.join(cols)}"
        columns = ", ".join(_q(c) for c in cols)
        return [f"CREATE {unique}INDEX {conc}{_q(name)} ON {_q(table)} ({columns})"]
    m = re.match(rf"remove_index\s+(?:{_SYM})(.*)", code)
    if m:
        opts = m.group(3)
        named = re.search(r"name:\s*[\"'](\w+)[\"']", opts)
        cols = _symbols(re.sub(r"\w+:\s*:?\w+", "", opts))
        name = named.group(1) if named else f"index_{_sym(m, 1)}_on_{'_and_'.join(cols)}"
        conc = "CONCURRENTLY " if "algorithm: :concurrently" in opts else ""
        return [f"DROP INDEX {conc}{_q(name)}"]
    m = re.match(rf"add_column\s+(?:{_SYM})\s*,\s*(?:{_SYM})\s*,\s*:(\w+)(.*)", code)
    if m:
        table, col, kind, opts = _sym(m, 1), _sym(m, 3), m.group(5), m.group(6)
        null = " NOT NULL" if re.search(r"null:\s*false", opts) else ""
        sql_type = _RAILS_TYPES.get(kind, "text")
        return [
            f"ALTER TABLE {_q(table)} ADD COLUMN {_q(col)} {sql_type}{_rails_default(opts)}{null}"
        ]
    m = re.match(rf"add_reference\s+(?:{_SYM})\s*,\s*(?:{_SYM})(.*)", code)
    if m:
        table, ref, opts = _sym(m, 1), _sym(m, 3), m.group(5)
        col = f"{ref}_id"
        out = [f"ALTER TABLE {_q(table)} ADD COLUMN {_q(col)} bigint"]
        if not re.search(r"index:\s*false", opts):
            conc = "CONCURRENTLY " if "algorithm: :concurrently" in opts else ""
            name = _q(f"index_{table}_on_{col}")
            out.append(f"CREATE INDEX {conc}{name} ON {_q(table)} ({_q(col)})")
        if re.search(r"foreign_key:\s*(true|\{)", opts):
            valid = " NOT VALID" if "validate: false" in opts else ""
            out.append(
                f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(f'fk_{table}_{col}')} FOREIGN KEY "
                f"({_q(col)}) REFERENCES {_q(ref + 's')} (id){valid}"
            )
        return out
    m = re.match(rf"add_foreign_key\s+(?:{_SYM})\s*,\s*(?:{_SYM})(.*)", code)
    if m:
        table, to, opts = _sym(m, 1), _sym(m, 3), m.group(5)
        column = re.search(r"column:\s*(?::(\w+)|[\"'](\w+)[\"'])", opts)
        col = (column.group(1) or column.group(2)) if column else f"{to.rstrip('s')}_id"
        valid = " NOT VALID" if "validate: false" in opts else ""
        return [
            f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(f'fk_rails_{table}_{col}')} FOREIGN KEY "
            f"({_q(col)}) REFERENCES {_q(to)} (id){valid}"
        ]
    m = re.match(rf"validate_foreign_key\s+(?:{_SYM})\s*,\s*(?:{_SYM})", code)
    if m:
        table, to = _sym(m, 1), _sym(m, 3).rstrip("s")
        return [f"ALTER TABLE {_q(table)} VALIDATE CONSTRAINT {_q(f'fk_rails_{table}_{to}_id')}"]
    simple: list[tuple[str, Callable[[re.Match[str]], str]]] = [
        (rf"remove_column\s+(?:{_SYM})\s*,\s*(?:{_SYM})",
         lambda m: f"ALTER TABLE {_q(_sym(m, 1))} DROP COLUMN {_q(_sym(m, 3))}"),
        (rf"rename_column\s+(?:{_SYM})\s*,\s*(?:{_SYM})\s*,\s*(?:{_SYM})",
         lambda m: f"ALTER TABLE {_q(_sym(m, 1))} RENAME COLUMN {_q(_sym(m, 3))} "
                   f"TO {_q(_sym(m, 5))}"),
        (rf"rename_table\s+(?:{_SYM})\s*,\s*(?:{_SYM})",
         lambda m: f"ALTER TABLE {_q(_sym(m, 1))} RENAME TO {_q(_sym(m, 3))}"),
        (rf"drop_table\s+(?:{_SYM})", lambda m: f"DROP TABLE {_q(_sym(m, 1))}"),
        (rf"change_column\s+(?:{_SYM})\s*,\s*(?:{_SYM})\s*,\s*:(\w+)",
         lambda m: f"ALTER TABLE {_q(_sym(m, 1))} ALTER COLUMN {_q(_sym(m, 3))} TYPE "
                   f"{_RAILS_TYPES.get(m.group(5), 'text')}"),
        (rf"change_column_null\s+(?:{_SYM})\s*,\s*(?:{_SYM})\s*,\s*false",
         lambda m: f"ALTER TABLE {_q(_sym(m, 1))} ALTER COLUMN {_q(_sym(m, 3))} SET NOT NULL"),
    ]
    for pattern, build in simple:
        m = re.match(pattern, code)
        if m:
            return [build(m)]
    return []


_PY_STR = r"[\"'](\w+)[\"']"


def _alembic_line(line: str) -> list[str]:
    """The SQL one Alembic operation runs ([] when it is not a schema call)."""
    code = line.split("#", 1)[0].strip()
    m = re.search(
        rf"op\.create_index\(\s*(?:op\.f\()?{_PY_STR}\)?\s*,\s*{_PY_STR}\s*,\s*\[([^\]]*)\](.*)",
        code,
    )
    if m:
        name, table, opts = m.group(1), m.group(2), m.group(4)
        unique = "UNIQUE " if re.search(r"unique\s*=\s*True", opts) else ""
        conc = "CONCURRENTLY " if re.search(r"postgresql_concurrently\s*=\s*True", opts) else ""
        columns = ", ".join(_q(c) for c in re.findall(_PY_STR, m.group(3)))
        return [f"CREATE {unique}INDEX {conc}{_q(name)} ON {_q(table)} ({columns})"]
    m = re.search(rf"op\.drop_index\(\s*(?:op\.f\()?{_PY_STR}(.*)", code)
    if m:
        conc = "CONCURRENTLY " if "postgresql_concurrently=True" in m.group(2) else ""
        return [f"DROP INDEX {conc}{_q(m.group(1))}"]
    m = re.search(
        rf"op\.add_column\(\s*{_PY_STR}\s*,\s*sa\.Column\(\s*{_PY_STR}\s*,\s*sa\.(\w+)(.*)", code
    )
    if m:
        table, col, kind, opts = m.groups()
        null = " NOT NULL" if re.search(r"nullable\s*=\s*False", opts) else ""
        default = re.search(r"server_default\s*=\s*(?:sa\.text\()?[\"']([^\"']+)[\"']", opts)
        dflt = f" DEFAULT {default.group(1)}" if default else ""
        sql_type = _SA_TYPES.get(kind, "text")
        return [f"ALTER TABLE {_q(table)} ADD COLUMN {_q(col)} {sql_type}{dflt}{null}"]
    m = re.search(rf"op\.alter_column\(\s*{_PY_STR}\s*,\s*{_PY_STR}(.*)", code)
    if m:
        table, col, opts = m.groups()
        out = []
        if re.search(r"nullable\s*=\s*False", opts):
            out.append(f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(col)} SET NOT NULL")
        kind = re.search(r"type_\s*=\s*sa\.(\w+)", opts)
        if kind:
            out.append(
                f"ALTER TABLE {_q(table)} ALTER COLUMN {_q(col)} TYPE "
                f"{_SA_TYPES.get(kind.group(1), 'text')}"
            )
        new = re.search(rf"new_column_name\s*=\s*{_PY_STR}", opts)
        if new:
            out.append(f"ALTER TABLE {_q(table)} RENAME COLUMN {_q(col)} TO {_q(new.group(1))}")
        return out
    m = re.search(
        rf"op\.create_foreign_key\(\s*(?:{_PY_STR}|None)\s*,\s*{_PY_STR}\s*,\s*{_PY_STR}\s*,"
        rf"\s*\[([^\]]*)\]\s*,\s*\[([^\]]*)\](.*)",
        code,
    )
    if m:
        name, table, ref, cols, refcols, opts = m.groups()
        valid = " NOT VALID" if re.search(r"postgresql_not_valid\s*=\s*True", opts) else ""
        local = ", ".join(_q(c) for c in re.findall(_PY_STR, cols))
        remote = ", ".join(_q(c) for c in re.findall(_PY_STR, refcols))
        return [
            f"ALTER TABLE {_q(table)} ADD CONSTRAINT {_q(name or f'{table}_fkey')} FOREIGN KEY "
            f"({local}) REFERENCES {_q(ref)} ({remote}){valid}"
        ]
    m = re.search(rf"op\.drop_column\(\s*{_PY_STR}\s*,\s*{_PY_STR}", code)
    if m:
        return [f"ALTER TABLE {_q(m.group(1))} DROP COLUMN {_q(m.group(2))}"]
    m = re.search(rf"op\.drop_table\(\s*{_PY_STR}", code)
    if m:
        return [f"DROP TABLE {_q(m.group(1))}"]
    return []


_HEREDOC = re.compile(r"execute\s*\(?\s*<<[~-]?['\"]?(\w+)['\"]?")


def dsl_statements(
    block_text: str,
    language: str,
    *,
    path: str,
    first_line: int,
    group: int,
    unparsed: list[Unparsed],
) -> list[SqlStatement]:
    """Rails (`ruby`) or Alembic (`python`) migration calls in a code block, as SQL.

    Both frameworks run a migration in one transaction unless told otherwise
    (`disable_ddl_transaction!`, `autocommit_block()`), which `in_transaction` reflects."""
    ruby = language in RUBY_LANGUAGES
    if ruby:
        in_tx = "disable_ddl_transaction!" not in block_text
    else:
        in_tx = "autocommit_block" not in block_text and "op." in block_text
    lines = block_text.split("\n")
    out: list[SqlStatement] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        heredoc = _HEREDOC.search(line) if ruby else None
        if heredoc:
            end = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() == heredoc.group(1)),
                len(lines),
            )
            body = parse_text(
                "\n".join(lines[i + 1 : end]), path=path, first_line=first_line + i + 1,
                source="code", group=group, unparsed=unparsed,
            )
            out.extend(SqlStatement(**{**s.__dict__, "in_transaction": in_tx}) for s in body)
            i = end + 1
            continue
        for sql in _rails_line(line) if ruby else _alembic_line(line):
            stmts = parse_text(
                sql, path=path, first_line=first_line + i, source="code", group=group,
                unparsed=[],
            )
            out.extend(
                SqlStatement(**{**s.__dict__, "in_transaction": in_tx}) for s in stmts
            )
        i += 1
    return out
