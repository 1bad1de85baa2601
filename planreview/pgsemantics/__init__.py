"""PostgreSQL facts the migration rules rely on, by server version, each citing the
PostgreSQL documentation section that states it.

- `locks`: the table lock each statement takes and what that lock blocks;
- `types`: which `ALTER COLUMN ... TYPE` changes are binary coercible (no rewrite);
- `volatility`: which functions are known stable or immutable (anything else is volatile);
- `versions`: which major version changed what, and the version a repository targets;
- `claims`: the rule claims above written as data, to check against a real server.

No rule reads the documentation at run time: the facts are code, the citations say where
a reviewer can check them.
"""

from __future__ import annotations

from planreview.pgsemantics.locks import (
    LockMode,
    blocks_reads,
    blocks_writes,
    conflicts,
    statement_lock,
)
from planreview.pgsemantics.types import TypeRef, rewrites_for_type_change
from planreview.pgsemantics.versions import (
    ASSUMED_VERSION,
    Feature,
    PgVersion,
    detect_version,
    supports,
)
from planreview.pgsemantics.volatility import Volatility, expression_volatility, volatility

__all__ = [
    "ASSUMED_VERSION",
    "Feature",
    "LockMode",
    "PgVersion",
    "TypeRef",
    "Volatility",
    "blocks_reads",
    "blocks_writes",
    "conflicts",
    "detect_version",
    "expression_volatility",
    "rewrites_for_type_change",
    "statement_lock",
    "supports",
    "volatility",
]
