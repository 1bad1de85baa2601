"""Function volatility: whether a DEFAULT expression is evaluated once or per row.

Source: PostgreSQL documentation, section 38.7 "Function Volatility Categories", and
ALTER TABLE, "Notes": "When a column is added with ADD COLUMN and a non-volatile DEFAULT
is specified, the default is evaluated at the time of the statement and the result
stored in the table's metadata ... Adding a column with a volatile DEFAULT ... will
require the entire table and its indexes to be rewritten" (PostgreSQL 11 and later).

Only functions listed here are known to be stable or immutable (their `provolatile` in
pg_proc); any other function — an extension's, the application's own — is assumed
VOLATILE, as CREATE FUNCTION's default is ("VOLATILE is the default assumption").
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from planreview.artifacts.sql.tree import walk

DOC_VOLATILITY = "https://www.postgresql.org/docs/current/xfunc-volatility.html"


class Volatility(IntEnum):
    """Weakest first, so max() of parts is the expression's."""

    IMMUTABLE = 0
    STABLE = 1
    VOLATILE = 2


# pg_proc.provolatile of common built-ins used in defaults.
_STABLE = frozenset(
    {
        "now", "statement_timestamp", "transaction_timestamp", "current_setting", "to_char",
        "to_timestamp", "to_date", "current_database", "current_schema", "date_trunc",
        "age", "timezone", "jsonb_build_object", "json_build_object", "to_jsonb", "to_json",
        "concat", "concat_ws", "format", "jsonb_build_array", "json_build_array",
    }
)
_IMMUTABLE = frozenset(
    {
        "lower", "upper", "md5", "length", "abs", "round", "trunc", "floor", "ceil",
        "coalesce", "nullif", "greatest", "least", "replace", "substr", "substring", "btrim",
        "ltrim", "rtrim", "left", "right", "make_interval", "make_date", "make_timestamp",
        "make_timestamptz_utc", "int4", "int8", "numeric", "text", "array_length",
        "jsonb_typeof", "sha256", "encode", "decode", "char_length", "split_part",
    }
)
# Known VOLATILE, named so a finding can say so rather than "unknown".
KNOWN_VOLATILE = frozenset(
    {
        "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4",
        "uuidv4", "uuidv7", "random", "random_normal", "clock_timestamp", "timeofday",
        "nextval", "setval", "txid_current", "pg_current_xact_id", "gen_random_bytes",
        "uuid_generate_v7", "uuid_time_nextval", "ulid",
    }
)

# SQLValueFunction (CURRENT_TIMESTAMP, CURRENT_DATE, CURRENT_USER, LOCALTIME, ...): all
# stable (section 9.9.5 "Current Date/Time": "the value ... does not change during the
# transaction"; CURRENT_USER and friends are fixed for the statement).


def volatility(function: str) -> Volatility:
    """The volatility of a function by its (unqualified) name; unknown = VOLATILE."""
    name = function.lower()
    if name in _IMMUTABLE:
        return Volatility.IMMUTABLE
    if name in _STABLE:
        return Volatility.STABLE
    return Volatility.VOLATILE


def expression_volatility(expr: Any) -> tuple[Volatility, str | None]:
    """(volatility, the function that makes it so) of a libpg_query expression tree.

    Constants, casts of constants and SQLValueFunctions are stable at worst; every
    FuncCall counts by name; a subquery or a sequence default is volatile.
    """
    worst, culprit = Volatility.IMMUTABLE, None
    for node in walk(expr):
        call = node.get("FuncCall")
        if isinstance(call, dict):
            parts = [i["String"]["sval"] for i in call.get("funcname", []) if "String" in i]
            if parts:
                v = volatility(parts[-1])
                if v > worst:
                    worst, culprit = v, parts[-1]
            continue
        if "SubLink" in node:
            return Volatility.VOLATILE, "a subquery"
        if "SQLValueFunction" in node and worst < Volatility.STABLE:
            worst = Volatility.STABLE
    return worst, culprit
