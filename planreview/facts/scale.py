"""The scale a plan states, per table: numbers ("10M+ rows") and words ("tiny",
"a handful per tenant", "no real users - all demo data").

Numbers come from `planreview.artifacts.scale` (one reader of counts, not two); this
module adds the qualitative statements and the plan-wide "there is no real data yet",
and sorts each table into a size class a rule can gate on. A rule that wants a P1 on
scale needs `large`; a table the plan calls empty or tiny keeps rewrite and lock
findings below P1; a table with no statement is `unknown` and the finding says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from planreview.artifacts.scale import LARGE_ROWS, entity_key, parse_count, stated_counts
from planreview.plan import ParsedPlan

SizeClass = Literal["empty", "tiny", "small", "large", "unknown"]
TINY_ROWS = 1_000
"""Below this a table is tiny: any scan, rewrite or lock on it is over in milliseconds."""
_ORDER: tuple[SizeClass, ...] = ("empty", "tiny", "small", "large")


def size_class(rows: int) -> SizeClass:
    if rows <= 0:
        return "empty"
    if rows < TINY_ROWS:
        return "tiny"
    return "small" if rows < LARGE_ROWS else "large"


@dataclass(frozen=True)
class ScaleFact:
    table: str
    """Entity key (`entity_key`: lower-case, singular, snake_case); "" for plan-wide."""
    size: SizeClass
    rows: int | None
    """The stated count when the plan gives a number."""
    per: str | None
    """"tenant" for "tens of rows per tenant"; None when the figure is a total."""
    phrase: str
    """The words as written ("about 100 rows", "no real users")."""
    line: int

    def describe(self) -> str:
        name = self.table or "all tables"
        amount = f"~{self.rows:,} rows" if self.rows is not None else self.size
        per = f" per {self.per}" if self.per else ""
        return f"{name} {amount}{per} (plan line {self.line}: '{self.phrase}')"


_NO_DATA = re.compile(
    r"\bno\s+real\s+(?:users|data|customers|traffic|production\s+data)\b"
    r"|\b(?:all|only)\s+(?:demo|test|seed|fake|sample|dummy)\s+data\b"
    r"|\b(?:demo|test|seed|sample|dummy)\s+data\s+only\b"
    r"|\bno\s+(?:production|existing|live|prod)\s+(?:data|users|rows|customers)\b"
    r"|\bno\s+users\s+yet\b|\bnot\s+(?:yet\s+)?(?:launched|in\s+production)\b"
    r"|\bpre-?launch\b|\bclean\s+cut-?over\b|\bgreenfield\b"
    r"|\b(?:tables?|database)\s+(?:is|are)\s+(?:still\s+)?empty\b",
    re.IGNORECASE,
)
_WORDS: tuple[tuple[SizeClass, re.Pattern[str]], ...] = (
    ("tiny", re.compile(
        r"\b(?:tiny|a\s+handful|a\s+few(?:\s+dozen)?|tens|dozens|a\s+couple(?:\s+of)?|"
        r"few|hundreds|single[- ]digit|very\s+few|small\s+number)\b"
        r"(?:\s+(?:of\s+)?(?:rows?|records?|entries|items))?", re.IGNORECASE)),
    ("small", re.compile(r"\b(?:thousands|small)\s+(?:of\s+)?(?:rows?|records?|tables?)\b",
                         re.IGNORECASE)),
    ("large", re.compile(
        r"\b(?:millions|billions|tens\s+of\s+millions|hundreds\s+of\s+millions|huge|massive|"
        r"very\s+large|large|big|hot)\s+(?:of\s+)?(?:rows?|records?|tables?)\b", re.IGNORECASE)),
)
_PER = re.compile(r"\s*(?:rows?\s+)?per\s+(?P<per>tenant|user|org(?:anization)?|account|"
                  r"workspace|company|customer|store|shop|site|project)\b", re.IGNORECASE)
_BACKTICKED = re.compile(r"`(?P<name>[A-Za-z_][\w]*)(?:\.\w+)?`")
_NAMED = re.compile(
    r"\b(?P<name>[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+|[a-z][a-z0-9]*(?:_[a-z0-9]+)+)\b"
)
_THE_TABLE = re.compile(r"\bthe\s+(?P<name>[A-Za-z_]\w*)\s+table\b", re.IGNORECASE)
_STOP = frozenset({"row", "rows", "record", "records", "table", "tables", "data"})


def _table_near(text: str, start: int, end: int) -> str | None:
    """The table a phrase at text[start:end] is about: the nearest backticked name before
    it, else `the X table`, else a CamelCase/snake_case word; then the same after it."""
    for rx in (_BACKTICKED, _THE_TABLE, _NAMED):
        before = [m for m in rx.finditer(text, 0, start) if m.group("name").lower() not in _STOP]
        if before:
            return before[-1].group("name")
    for rx in (_BACKTICKED, _THE_TABLE):
        after = rx.search(text, end)
        if after is not None and after.start() - end < 40:
            return after.group("name")
    return None


def _code_lines(plan: ParsedPlan) -> set[int]:
    lines: set[int] = set()
    for block in plan.code_blocks:
        lines.update(range(block.start_line, block.end_line + 1))
    return lines


def qualitative(plan: ParsedPlan) -> list[ScaleFact]:
    """Scale in words, per table where a table is named near them, else plan-wide for
    "no real users"-style statements."""
    out: list[ScaleFact] = []
    code = _code_lines(plan)
    for number, text in enumerate(plan.lines, start=1):
        if number in code:
            continue
        for m in _NO_DATA.finditer(text):
            out.append(ScaleFact("", "empty", 0, None, m.group(), number))
        for size, pattern in _WORDS:
            for m in pattern.finditer(text):
                phrase = m.group()
                if size == "tiny" and not re.search(
                    r"rows?|records?|entries|items|per\s", text[m.start():m.end() + 30], re.I
                ) and not re.match(r"tiny", phrase, re.I):
                    continue  # "a few changes", "tens of seconds": not about rows
                per = _PER.match(text, m.end())
                table = _table_near(text, m.start(), m.end())
                if table is None:
                    continue
                out.append(ScaleFact(
                    entity_key(table), size, None, per.group("per").lower() if per else None,
                    text[m.start(): per.end() if per else m.end()].strip(), number,
                ))
    return out


_PER_AFTER_COUNT = re.compile(
    r"\d[^.;:!?\d]{0,40}?\bper\s+(?P<per>tenant|user|org|organization|account|workspace|"
    r"customer|store|shop|site|project)\b",
    re.IGNORECASE,
)
_FIGURE = re.compile(
    r"[~<>≈]?\s*(?P<num>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)\s*"
    r"(?P<mult>k|m|mm|b|bn|thousand|million|billion)?\b\+?(?:\s*[A-Za-z_`-]+){0,2}",
    re.IGNORECASE,
)


def numeric(plan: ParsedPlan) -> list[ScaleFact]:
    """Counts from `planreview.artifacts.scale`, with their size class and "per X"."""
    stated = stated_counts(plan)
    out: list[ScaleFact] = []
    for index, item in enumerate(stated):
        if item.entity == "row":
            continue  # the table the rows belong to is credited beside it when named
        text = plan.line(item.line)
        following = stated[index + 1] if index + 1 < len(stated) else None
        if following is not None and following.line == item.line and \
                following.count == item.count and _adjective_of(item.entity, following.entity,
                                                                text):
            continue  # "12,000 published articles": the articles are counted
        figure = _figure(text, item.count)
        per = _PER_AFTER_COUNT.search(text, figure.start()) if figure else None
        phrase = _counted_phrase(figure.group(), item.entity) if figure else _short(text)
        out.append(ScaleFact(item.entity, size_class(item.count), item.count,
                             per.group("per").lower() if per else None, phrase, item.line))
    return out


def _adjective_of(first: str, second: str, text: str) -> bool:
    stem = re.escape(second[:-1] if len(second) > 3 else second)
    return re.search(rf"\b{re.escape(first)}\w*\s+(?:[A-Za-z]\w*\s+)?{stem}", text,
                     re.IGNORECASE) is not None


def _figure(text: str, count: int) -> re.Match[str] | None:
    """Where `count` is written on the line ("10M+ rows", "12,000 published articles")."""
    for m in _FIGURE.finditer(text):
        try:
            value = parse_count(m.group("num"), m.group("mult"))
        except ValueError:
            continue
        if value == count:
            return m
    return None


def _counted_phrase(figure: str, entity: str) -> str:
    """`10M+ rows in` -> `10M+ rows`: the figure up to the word it counts."""
    words = figure.split()
    for index, word in enumerate(words[1:], start=1):
        if entity_key(word.strip("`")) in (entity, "row"):
            return " ".join(words[: index + 1])
    return figure.strip()


def _short(text: str) -> str:
    clean = " ".join(text.split())
    return clean if len(clean) <= 60 else clean[:59] + "…"


@dataclass(frozen=True)
class StatedScale:
    facts: tuple[ScaleFact, ...]
    no_real_data: ScaleFact | None
    """The plan-wide statement that there is no real data yet, when it makes one."""

    def for_table(self, table: str) -> tuple[ScaleFact, ...]:
        key = entity_key(table)
        flat = key.replace("_", "")
        return tuple(f for f in self.facts if f.table and
                     (f.table == key or f.table.replace("_", "") == flat))

    def size_of(self, table: str) -> SizeClass:
        """The table's size class: the largest total the plan states for it, else the
        largest qualitative one, else empty when the plan says there is no real data,
        else unknown. A per-tenant figure alone never makes a table large."""
        facts = self.for_table(table)
        totals = [f for f in facts if f.per is None]
        chosen = totals or [f for f in facts if f.size != "large"]
        if chosen:
            return max((f.size for f in chosen), key=_ORDER.index)
        if self.no_real_data is not None:
            return "empty"
        return "unknown"

    def evidence_for(self, table: str) -> ScaleFact | None:
        """The statement `size_of` relied on."""
        facts = self.for_table(table)
        totals = [f for f in facts if f.per is None] or [f for f in facts if f.size != "large"]
        if totals:
            size = max((f.size for f in totals), key=_ORDER.index)
            return next(f for f in totals if f.size == size)
        return self.no_real_data

    def is_large(self, table: str) -> bool:
        return self.size_of(table) == "large"

    def is_small(self, table: str) -> bool:
        """Stated (or implied by "no real data") to be below `LARGE_ROWS`."""
        return self.size_of(table) in ("empty", "tiny", "small")


def stated_scale(plan: ParsedPlan) -> StatedScale:
    facts = tuple(sorted(numeric(plan) + qualitative(plan), key=lambda f: (f.line, f.table)))
    no_data = next((f for f in facts if not f.table), None)
    return StatedScale(tuple(f for f in facts if f.table), no_data)
