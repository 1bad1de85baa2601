"""Parsing statements with libpg_query, one at a time, including `DO $$ ... $$` bodies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pgparse

from planreview.artifacts import Unparsed
from planreview.artifacts.sql.model import Source, SqlStatement, Tree
from planreview.artifacts.sql.split import split_statements

if TYPE_CHECKING:
    pass


# --- parsing -------------------------------------------------------------------------------


class Group:
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
