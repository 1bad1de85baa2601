"""Which `ALTER COLUMN ... TYPE` changes rewrite the table.

Source: PostgreSQL documentation, ALTER TABLE, "Notes": "changing the type of an
existing column will require the entire table and its indexes to be rewritten. As an
exception, when changing the type of an existing column, if the USING clause does not
change the column contents and the old type is either binary coercible to the new type
or an unconstrained domain over the new type, a table rewrite is not needed" — binary
coercible casts are those with `castmethod = 'b'` in pg_cast (CREATE CAST, "Notes"), and
a wider length or precision is a no-op through the types' support functions
(varchar_support, numeric_support, varbit_support, timestamp_support).

A change this module cannot decide (the old type is unknown) answers None: the rules
then stay quiet rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DOC_ALTER_TABLE_NOTES = "https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-NOTES"

# Names the parser leaves as written -> the catalog name.
_ALIASES = {
    "int": "int4", "integer": "int4", "int4": "int4", "smallint": "int2", "bigint": "int8",
    "character varying": "varchar", "decimal": "numeric", "bool": "bool", "boolean": "bool",
    "float": "float8", "double precision": "float8", "real": "float4",
    "timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
    "bit varying": "varbit", "character": "bpchar", "char": "bpchar",
}

# Binary coercible without a length check (pg_cast castmethod 'b', unconstrained target).
_BINARY_COERCIBLE = frozenset({("varchar", "text"), ("text", "varchar"), ("cidr", "inet")})
# Types whose typmod only narrows values: a wider (or removed) one needs no rewrite.
_LENGTH_TYPES = frozenset({"varchar", "varbit"})
_PRECISION_TYPES = frozenset({"timestamp", "timestamptz", "time", "timetz", "interval"})


@dataclass(frozen=True)
class TypeRef:
    """A column type as written: catalog name, type modifiers, array or not."""

    name: str
    mods: tuple[int, ...] = ()
    array: bool = False

    @classmethod
    def from_node(cls, node: dict[str, Any] | None) -> TypeRef | None:
        """From a libpg_query TypeName node; None when it names no type."""
        if not node:
            return None
        parts = [i["String"]["sval"] for i in node.get("names", []) if "String" in i]
        if not parts:
            return None
        name = parts[-1].lower()
        mods: list[int] = []
        for m in node.get("typmods", []) or []:
            value = m.get("A_Const", {}).get("ival", {})
            if isinstance(value, dict) and isinstance(value.get("ival", 0), int):
                mods.append(int(value.get("ival", 0)))
            else:
                return cls(_ALIASES.get(name, name), (), bool(node.get("arrayBounds")))
        return cls(_ALIASES.get(name, name), tuple(mods), bool(node.get("arrayBounds")))

    def describe(self) -> str:
        mods = f"({','.join(map(str, self.mods))})" if self.mods else ""
        return f"{self.name}{mods}{'[]' if self.array else ''}"


def _wider_or_equal(old: tuple[int, ...], new: tuple[int, ...]) -> bool:
    if not new:
        return True  # unconstrained target
    if not old:
        return False  # an unconstrained value may not fit the new limit
    return new[0] >= old[0]


def rewrites_for_type_change(old: TypeRef | None, new: TypeRef, *, using: bool) -> bool | None:
    """True: the change rewrites the table; False: catalog only; None: cannot tell.

    `using`: the statement has a USING expression that is more than the column itself
    (optionally cast to the new type) — it may change every value, so it rewrites.
    """
    if using:
        return True
    if old is None:
        return None
    if old.array != new.array:
        return True
    if old == new:
        return False
    if old.name == new.name:
        if old.name in _LENGTH_TYPES or old.name in _PRECISION_TYPES:
            return not _wider_or_equal(old.mods, new.mods)
        if old.name == "numeric":
            if not new.mods:
                return False
            if not old.mods:
                return True
            old_scale = old.mods[1] if len(old.mods) > 1 else 0
            new_scale = new.mods[1] if len(new.mods) > 1 else 0
            return not (new_scale == old_scale and new.mods[0] >= old.mods[0])
        return True
    if (old.name, new.name) in _BINARY_COERCIBLE:
        return bool(new.mods)  # text -> varchar(n) checks (and rewrites) every value
    return True
