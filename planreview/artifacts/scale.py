"""Row counts the plan states: "<1000 packages, <10000 bookings", "2M rows", "~50k tenants".

Rules raise severity with these numbers (a lock held while 10 million orders are
rewritten is another matter than one over 200 rows), so only explicit counts count:
a number directly followed by the entity it counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planreview.plan import ParsedPlan

LARGE_ROWS = 100_000
"""From here a full-table scan or rewrite takes seconds, and a plain index build blocks
writes long enough for users to notice."""

_MULTIPLIER = {
    "k": 1_000, "thousand": 1_000, "m": 1_000_000, "mm": 1_000_000, "million": 1_000_000,
    "b": 1_000_000_000, "bn": 1_000_000_000, "billion": 1_000_000_000,
}
_COUNT = re.compile(
    r"(?<![\w.$])(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(?P<mult>k|m|mm|b|bn|thousand|million|billion)?\b\s*"
    r"(?:\+\s*)?(?P<entity>[A-Za-z][A-Za-z_-]{2,40}(?:\s+rows)?)",
    re.IGNORECASE,
)
# Words that follow a number without being something counted.
_NOT_ENTITIES = frozenset(
    {
        "ms", "sec", "secs", "second", "seconds", "minute", "minutes", "min", "mins", "hour",
        "hours", "day", "days", "week", "weeks", "month", "months", "year", "years", "percent",
        "chars", "char", "characters", "character", "tokens", "token", "bytes", "byte", "kb",
        "mb", "gb", "tb", "px", "times", "steps", "step", "phases", "phase", "lines", "line",
        "columns", "column", "fields", "field", "tables", "table", "indexes", "index", "and",
        "or", "to", "of", "per", "the", "a", "an", "in", "at", "is", "are", "with", "for",
        "from", "on", "by", "retries", "attempts", "turns", "turn", "requests", "request",
        "calls", "call", "queries", "query", "concurrent", "max", "batches", "batch",
        "workers", "worker", "threads", "connections", "connection", "items", "item",
    }
)


@dataclass(frozen=True)
class Stated:
    entity: str
    count: int
    line: int


@dataclass
class Scale:
    counts: dict[str, int] = field(default_factory=dict)
    """Entity (lower-case, singular) -> the largest count the plan states for it."""
    lines: dict[str, int] = field(default_factory=dict)
    """Entity -> the plan line stating that count."""
    max: int | None = None
    """The largest stated count of anything (rows or entities)."""

    def rows_for(self, table: str) -> int | None:
        """Stated rows for a table (`"Booking"`, `bookings`, `tier_add_on`)."""
        key = entity_key(table)
        if key in self.counts:
            return self.counts[key]
        flat = key.replace("_", "")
        for entity, count in self.counts.items():
            if entity.replace("_", "") == flat:
                return count
        return None

    def line_for(self, table: str) -> int | None:
        key = entity_key(table)
        return self.lines.get(key)

    def is_large(self, table: str) -> bool:
        rows = self.rows_for(table)
        return rows is not None and rows >= LARGE_ROWS

    def is_small(self, table: str) -> bool:
        """The plan states a count for this table, and it is small."""
        rows = self.rows_for(table)
        return rows is not None and rows < LARGE_ROWS


def entity_key(word: str) -> str:
    """`Bookings` -> `booking`, `TierAddOns` -> `tier_add_on`, `categories` -> `category`."""
    word = word.strip().strip('"`').removesuffix(" rows")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", word).lower().replace("-", "_")
    return singular(snake)


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def parse_count(num: str, mult: str | None) -> int:
    value = float(num.replace(",", ""))
    return int(value * _MULTIPLIER.get((mult or "").lower(), 1))


def stated_counts(plan: ParsedPlan) -> list[Stated]:
    """Every "<number> <entity>" the plan's prose, tables and comments state."""
    out: list[Stated] = []
    for number, text in enumerate(plan.lines, start=1):
        for m in _COUNT.finditer(text):
            entity = m.group("entity")
            first = entity.split()[0].lower()
            if first in _NOT_ENTITIES or first in _MULTIPLIER:
                continue
            mult = m.group("mult")
            # "2 m" is ambiguous with metres; a bare single letter needs to touch the number.
            if mult and len(mult) <= 2 and text[m.start("mult") - 1].isspace():
                mult_word = mult.lower()
                if mult_word not in ("mm", "bn"):
                    continue
            count = parse_count(m.group("num"), mult)
            out.append(Stated(entity_key(entity), count, number))
            # "12,000 published articles", "500 active tenants": the counted noun may follow
            # up to two adjectives; credit the first plural word too.
            noun = _counted_noun(text[m.end():]) if not entity.lower().endswith("s") else None
            if noun is not None:
                out.append(Stated(entity_key(noun), count, number))
            if entity_key(entity) == "row":
                table = _table_before(text, m.start())
                if table is not None:
                    out.append(Stated(entity_key(table), count, number))
    out.extend(_table_counts(plan))
    return out


_FOLLOWING = re.compile(r"\s+([A-Za-z][A-Za-z_-]{2,40})")


def _counted_noun(rest: str) -> str | None:
    """The first plural word among the (at most two) words right after a count's first
    word, stopping at a word that cannot be part of the noun phrase ("with", "per")."""
    for _ in range(2):
        m = _FOLLOWING.match(rest)
        if m is None or m.group(1).lower() in _NOT_ENTITIES:
            return None
        if m.group(1).lower().endswith("s"):
            return m.group(1)
        rest = rest[m.end():]
    return None


_BACKTICKED = re.compile(r"`([A-Za-z_][\w]*)(?:\.\w+)?`")
_NAMED = re.compile(r"\b([A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b")


def _table_before(text: str, end: int) -> str | None:
    """The table a "N rows" figure is about: the nearest backticked identifier before it
    on the line (`orders`: ~8.5M rows), else the nearest CamelCase or snake_case word."""
    for rx in (_BACKTICKED, _NAMED):
        found = list(rx.finditer(text, 0, end))
        if found:
            return found[-1].group(1)
    return None


_CELL_COUNT = re.compile(
    r"^(?:~|≈|<=?|>=?|≤|≥|up\s+to|under|over|about|approx\.?|around)?\s*(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*(k|m|b|bn|million|billion)?(?![a-z])",
    re.IGNORECASE,
)


def _table_counts(plan: ParsedPlan) -> list[Stated]:
    """Markdown tables with a `rows` column: | table | rows | -> one count per row."""
    out: list[Stated] = []
    for table in plan.tables:
        header = [h.strip().lower() for h in table.header]
        if "rows" not in header or not header or header.index("rows") == 0:
            continue
        col = header.index("rows")
        for offset, row in enumerate(table.rows):
            if len(row) <= col:
                continue
            m = _CELL_COUNT.match(row[col].strip().strip("~").strip())
            name = row[0].strip().strip("`")
            if m and re.fullmatch(r"[A-Za-z_]\w*", name):
                count = parse_count(m.group(1), m.group(2))
                out.append(Stated(entity_key(name), count, table.start_line + 2 + offset))
    return out


def stated_scale(plan: ParsedPlan) -> Scale:
    scale = Scale()
    for s in stated_counts(plan):
        if s.count > scale.counts.get(s.entity, -1):
            scale.counts[s.entity] = s.count
            scale.lines[s.entity] = s.line
        scale.max = max(scale.max or 0, s.count)
    return scale
