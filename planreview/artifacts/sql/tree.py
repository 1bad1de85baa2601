"""Helpers over libpg_query parse trees, shared by the rules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from planreview.artifacts.sql.model import Tree

if TYPE_CHECKING:
    pass


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
