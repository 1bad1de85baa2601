"""Migration DSLs: Rails and Alembic calls read as the SQL they run."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from planreview.artifacts import Unparsed
from planreview.artifacts.sql.model import SqlStatement
from planreview.artifacts.sql.parsing import parse_text

if TYPE_CHECKING:
    pass


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
_ROLLBACK_DEF = re.compile(r"^(\s*)def\s+(?:self\.)?(?:down|downgrade)\b")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rollback_lines(lines: list[str], *, ruby: bool) -> set[int]:
    """Indexes of the lines of a migration's rollback half: Rails `def down ... end`,
    Alembic `def downgrade(): ...`. Those statements undo the proposal (DROP TABLE of the
    table `up` creates); they are its rollback path, not steps it proposes."""
    out: set[int] = set()
    i = 0
    while i < len(lines):
        m = _ROLLBACK_DEF.match(lines[i])
        if m is None:
            i += 1
            continue
        depth, j = len(m.group(1)), i + 1
        while j < len(lines):
            line = lines[j]
            if line.strip() and _indent(line) <= depth:
                # Ruby: the method's own `end` closes it; Python: any dedent does.
                if ruby and line.strip() == "end" and _indent(line) == depth:
                    j += 1
                break
            j += 1
        out.update(range(i, j))
        i = j
    return out


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
    rollback = rollback_lines(lines, ruby=ruby)
    out: list[SqlStatement] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if i in rollback:
            i += 1
            continue
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
