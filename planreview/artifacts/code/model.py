"""What the code scanner finds: functions, loops, transactions, queries, awaits, caches, routes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    pass


Language = Literal["typescript", "python"]
Origin = Literal["plan", "repo"]
Orm = Literal["prisma", "drizzle", "typeorm", "sqlalchemy", "django", "raw"]

PLAN_LANGUAGES: dict[str, Language] = {
    **dict.fromkeys(("ts", "typescript", "tsx", "js", "javascript", "jsx", "mjs"), "typescript"),
    **dict.fromkeys(("python", "py", "python3"), "python"),
}
FILE_SUFFIXES: dict[str, Language] = {
    **dict.fromkeys((".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts"), "typescript"),
    ".py": "python",
}

READ_METHODS = frozenset(
    {
        "findMany",
        "findFirst",
        "findFirstOrThrow",
        "findUnique",
        "findUniqueOrThrow",
        "count",
        "aggregate",
        "groupBy",
        # Drizzle / SQLAlchemy / Django
        "select",
        "selectDistinct",
        "query",
        "execute",
        "scalars",
        "scalar",
        "get",
        "filter",
        "all",
        "exclude",
        "exists",
        "first",
        "last",
        "values",
        "values_list",
        "in_bulk",
        "order_by",
    }
)
WRITE_METHODS = frozenset(
    {
        "create",
        "createMany",
        "createManyAndReturn",
        "update",
        "updateMany",
        "updateManyAndReturn",
        "upsert",
        "delete",
        "deleteMany",
        "insert",
        "add",
        "add_all",
        "merge",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
        "save",
        "bulk_save_objects",
        "bulk_insert_mappings",
        "commit",
        "flush",
        "remove",
    }
)
SINGLE_ROW_WRITES = frozenset(
    {
        "create",
        "update",
        "upsert",
        "delete",
        "insert",
        "add",
        "merge",
        "save",
        "get_or_create",
        "update_or_create",
        "commit",
        "flush",
        "remove",
    }
)
PRISMA_METHODS = (
    "findMany|findFirstOrThrow|findFirst|findUniqueOrThrow|findUnique|count|aggregate|groupBy|"
    "createManyAndReturn|createMany|create|updateManyAndReturn|updateMany|update|upsert|"
    "deleteMany|delete"
)


# --- the result types ------------------------------------------------------------------


@dataclass(frozen=True)
class Where:
    """What encloses an event: indexes into its unit's loops/transactions/functions."""

    loops: tuple[int, ...] = ()
    """Enclosing loops, outermost first."""
    transaction: int | None = None
    """Innermost enclosing transaction."""
    function: int | None = None
    """Innermost enclosing function."""
    in_promise_all: bool = False


@dataclass(frozen=True)
class Function:
    name: str
    """'' for an anonymous function (a callback)."""
    params: str
    start_line: int
    end_line: int
    is_async: bool


@dataclass(frozen=True)
class Loop:
    kind: str
    """for, for-of, for-in, while, do, forEach, map, flatMap, ... (Python: for, while)."""
    start_line: int
    """Line of the loop header (`for`, `while`, `.forEach(`)."""
    end_line: int
    header: str
    """The header's line, stripped."""
    variable: str | None
    """The loop variable(s) as written (`pkg`, `{ id, name }`)."""
    iterable: str | None
    """What is iterated, as written (`packages`, `Object.entries(bySegment)`)."""
    concurrent: bool = False
    """An async `.map` inside `Promise.all`: the iterations run at once."""
    where: Where = Where()


TransactionKind = Literal["interactive", "batch", "sqlalchemy", "django"]


@dataclass(frozen=True)
class Transaction:
    kind: TransactionKind
    receiver: str
    """`prisma`, `this.prisma`, `session`, `transaction` (Django)."""
    client: str | None
    """The transaction client's name inside the callback (`tx`), when there is one."""
    start_line: int
    end_line: int
    options: str | None
    """Text of the options object (`{ timeout: 120000 }`); None when absent."""
    where: Where = Where()


@dataclass(frozen=True)
class QueryCall:
    orm: Orm
    receiver: str
    """`prisma`, `tx`, `this.prisma`, `session`, `Booking.objects`, `db`."""
    model: str | None
    """Prisma delegate / Django model (`package`, `Booking`); None when not visible."""
    method: str
    args: str
    """Text inside the call's parentheses (the template for raw tagged templates)."""
    chain: str
    """The whole expression from the receiver through chained calls
    (`db.select().from(users).where(...)`)."""
    start_line: int
    end_line: int
    awaited: bool
    """Awaited (TS), or a Python call that runs the query right away."""
    assigned_to: tuple[str, ...]
    where: Where = Where()

    @property
    def is_write(self) -> bool:
        if self.orm == "raw":
            return bool(re.match(r"\s*(insert|update|delete|merge)\b", self.args, re.I))
        return self.method in WRITE_METHODS

    @property
    def is_read(self) -> bool:
        return not self.is_write


@dataclass(frozen=True)
class Await:
    expr: str
    """The awaited expression (without `await`)."""
    start_line: int
    end_line: int
    assigned_to: tuple[str, ...]
    statement_level: bool
    """A statement of its own: `await x;`, `const a = await x;`, `return await x;`."""
    block: int
    """Identifies the enclosing block; statements in the same block share it."""
    where: Where = Where()


CacheKind = Literal[
    "lru",
    "map",
    "get",
    "set",
    "delete",
    "clear",
    "redis-keys",
    "unstable-cache",
    "revalidate-export",
    "revalidate-path",
    "revalidate-tag",
    "invalidate",
]


@dataclass(frozen=True)
class CacheCall:
    kind: CacheKind
    name: str
    """The cache's variable (`bootstrapCache`), receiver (`redis`) or called function."""
    args: str
    start_line: int
    end_line: int
    ttl_seconds: float | None = None
    """For caches and writes that state a lifetime (`ttl`, `EX`, `revalidate`)."""
    ttl_line: int | None = None
    where: Where = Where()


@dataclass(frozen=True)
class Route:
    """A Next.js route file: `app/t/[slug]/book/[packageSlug]/page.tsx`."""

    url: str
    """`/t/[slug]/book/[packageSlug]` (route groups and slots removed)."""
    kind: str
    """page, layout, route (app router) or page for the pages router."""
    params: tuple[str, ...]


@dataclass
class CodeUnit:
    """One code block of the plan or one loaded repository file, scanned."""

    path: str
    language: Language
    origin: Origin
    start_line: int
    """Absolute line of the unit's first line (the block's first content line)."""
    end_line: int
    text: str
    masked: str
    """`text` with strings, comments and regex literals blanked (offsets preserved)."""
    functions: list[Function] = field(default_factory=list)
    loops: list[Loop] = field(default_factory=list)
    transactions: list[Transaction] = field(default_factory=list)
    queries: list[QueryCall] = field(default_factory=list)
    awaits: list[Await] = field(default_factory=list)
    promise_alls: list[tuple[int, int]] = field(default_factory=list)
    """(start_line, end_line) of each `Promise.all(...)` / `asyncio.gather(...)`."""
    caches: list[CacheCall] = field(default_factory=list)
    route: Route | None = None
    heading_path: tuple[str, ...] = ()
    """For plan blocks: the section the block sits in."""

    @cached_property
    def _lines(self) -> list[str]:
        return self.text.split("\n")

    @cached_property
    def _masked_lines(self) -> list[str]:
        return self.masked.split("\n")

    def line(self, number: int) -> str:
        """Text of absolute line `number` within this unit ('' outside it)."""
        index = number - self.start_line
        return self._lines[index] if 0 <= index < len(self._lines) else ""

    def masked_between(self, start_line: int, end_line: int) -> str:
        """Masked text of the absolute lines start..end (inclusive)."""
        first = max(0, start_line - self.start_line)
        return "\n".join(self._masked_lines[first : end_line - self.start_line + 1])

    def function_at(self, where: Where) -> Function | None:
        return self.functions[where.function] if where.function is not None else None

    def named_function(self, where: Where) -> Function | None:
        """The innermost enclosing function that has a name (skips callbacks)."""
        if where.function is None:
            return None
        return self.function_around(self.functions[where.function].start_line)

    def function_around(self, line: int, *, named: bool = True) -> Function | None:
        """The innermost function (with a name, unless `named=False`) containing `line`."""
        best: Function | None = None
        for fn in self.functions:
            inside = fn.start_line <= line <= fn.end_line and (fn.name or not named)
            if inside and (best is None or fn.start_line >= best.start_line):
                best = fn
        return best
