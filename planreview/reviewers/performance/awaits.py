"""Performance rules about awaits: sequential independent reads, fetching every row to test
existence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from planreview.artifacts.code import Await, CodeUnit, Where
from planreview.models import Confidence, Severity
from planreview.reviewers.common import at, evidence, is_relevant, location
from planreview.reviewers.performance.helpers import row_sources
from planreview.rules import Hit, RuleContext, rule

_READ_CALL = re.compile(
    r"^(?:[\w$]+\s*\??\.\s*)*(get|find|count|has|list|load|fetch|is|exists)(?:[A-Z_][\w$]*)?\s*\("
)


def _read_await(unit: CodeUnit, expr: str, line: int) -> bool:
    """The awaited expression is a database read (a query call or a getter by name)."""
    for q in unit.queries:
        if q.start_line == line and expr.startswith(q.chain.strip()[:20]):
            return q.is_read
    if expr.startswith(("Promise.", "new ", "fetch(", "axios", "sleep")):
        return False
    return bool(_READ_CALL.match(expr)) and expr.rstrip(";").endswith(")")


@rule("performance/sequential-independent-awaits", severity=Severity.P3)
def sequential_independent_awaits(ctx: RuleContext) -> Iterator[Hit]:
    """Consecutive awaited reads where neither uses the other's result.

    Why: each await waits for the previous round-trip; independent reads run back to back
    add their latencies (3 reads x 20 ms = 60 ms instead of ~20 ms).
    Fix: `const [a, b] = await Promise.all([readA(), readB()])` (or `asyncio.gather`).
    Only adjacent statements in one block, outside transactions and loops, are flagged;
    a later read that mentions an earlier result is never flagged.
    """
    for unit in ctx.artifacts.code:
        runs: list[list[int]] = []
        awaits = unit.awaits
        for k, a in enumerate(awaits):
            ok = (
                bool(a.assigned_to)  # a bare `await check(x)` is a guard, not a value
                and a.statement_level
                and a.where.transaction is None
                and not a.where.loops
                and _read_await(unit, a.expr, a.start_line)
            )
            if not ok:
                continue
            prev = runs[-1][-1] if runs else None
            if (
                prev is not None
                and _follows(unit, awaits[prev], a)
                and not _uses_any(a.expr, [n for i in runs[-1] for n in awaits[i].assigned_to])
            ):
                runs[-1].append(k)
            else:
                runs.append([k])
        for run in runs:
            if len(run) < 2:
                continue
            first, last = awaits[run[0]], awaits[run[-1]]
            if not is_relevant(ctx, unit, first.start_line, first.where):
                continue
            calls = ", ".join(f"`{awaits[i].expr.split('(')[0]}()`" for i in run)
            yield Hit(
                title=(
                    f"{len(run)} independent reads awaited one after another at "
                    f"{at(unit, first.start_line)}"
                ),
                locations=[location(ctx, unit, first.start_line, last.end_line)],
                issue=(
                    f"{calls} are awaited sequentially (lines {first.start_line}-"
                    f"{last.end_line}) although none uses another's result."
                ),
                impact=(
                    f"The request pays {len(run)} round-trip latencies back to back instead "
                    "of one; on a hot path this is pure added latency."
                ),
                recommendation=(
                    "Run them together: `const [a, b] = await Promise.all([...])` "
                    "(Python: `asyncio.gather`), or fold them into one query with `include`."
                ),
                evidence=[evidence(ctx, unit, first.start_line, last.end_line)],
                confidence=75,
            )


def _follows(unit: CodeUnit, a: Await, b: Await) -> bool:
    """b is the statement right after a in the same block (only blank lines between)."""
    if a.block != b.block or a.where.function != b.where.function:
        return False
    if b.start_line <= a.end_line:
        return False
    return not unit.masked_between(a.end_line + 1, b.start_line - 1).strip()


def _uses_any(expr: str, names: Iterable[str]) -> bool:
    return any(re.search(rf"(?<![\w$.]){re.escape(n)}\b", expr) for n in names if n)


_LENGTH_TEST = (
    r"(?:\.length\s*(?:===?|!==?|>=?|<=?)\s*[01]\b|\.length\s*\)|\.length\s*&&|\.length\s*\|\||"
    r"\.length\s*\?|\.length\s*$)"
)


def length_only_names(unit: CodeUnit) -> Iterator[tuple[str, int, str, bool]]:
    """(name, line, what loaded it, exact) for results used only to test `.length`."""
    if unit.language == "python":
        return
    for name, src in row_sources(unit).items():
        fn_lines = _function_span(unit, src.line)
        body = unit.masked_between(src.line + 1, fn_lines[1])
        uses = list(re.finditer(rf"(?<![\w$.]){re.escape(name)}\b([^\n]*)", body))
        if not uses or any(not re.match(_LENGTH_TEST, u.group(1)) for u in uses):
            continue
        yield name, src.line, src.how, src.exact


def _function_span(unit: CodeUnit, line: int) -> tuple[int, int]:
    fn = unit.function_around(line, named=False)
    return (fn.start_line, fn.end_line) if fn else (unit.start_line, unit.end_line)


_INLINE_LENGTH = re.compile(
    r"\(\s*await\s+([^;]*?\b(?:findMany|getAll\w*|list\w*|findAll\w*|fetchAll\w*)\s*\([^;]*?\))\s*\)"
    r"\s*\.length\s*(?:===?|!==?|>=?|<=?|>)\s*[01]\b"
)
# Python: len(session.query(X).all()) == 0, len(Model.objects.filter(...)) > 0
_PY_INLINE_LENGTH = re.compile(
    r"\blen\(\s*([\w.]+\.(?:query|filter|all|scalars)\([^\n]*?\)(?:\.\w+\([^()\n]*\))*)\s*\)"
    r"\s*(?:==|!=|>=?|<=?)\s*[01]\b"
)


@rule("performance/fetch-all-to-check-existence", severity=Severity.P2)
def fetch_all_to_check_existence(ctx: RuleContext) -> Iterator[Hit]:
    """Fetching every row only to test `.length` (existence or emptiness).

    Why: `(await findMany(...)).length === 0` loads and deserializes all matching rows to
    answer a yes/no question; the cost grows with the data while the answer does not.
    Fix: `findFirst({ where, select: { id: true } })` (existence) or `count({ where })`;
    SQL: `SELECT EXISTS (SELECT 1 ... LIMIT 1)`; Django `.exists()`; SQLAlchemy
    `session.query(q.exists()).scalar()`.
    """
    for unit in ctx.artifacts.code:
        hits: list[tuple[int, int, str, Confidence]] = []
        for name, line, how, exact in length_only_names(unit):
            hits.append((line, _last_use(unit, name, line), how, 100 if exact else 75))
        inline = _INLINE_LENGTH if unit.language == "typescript" else _PY_INLINE_LENGTH
        for m in inline.finditer(unit.masked):
            line = unit.start_line + unit.text.count("\n", 0, m.start())
            call = unit.text[m.start(1) : m.end(1)]
            hits.append((line, line, call.split("(")[0].strip(), 100))
        for line, use_line, how, confidence in hits:
            where = next((q.where for q in unit.queries if q.start_line == line), None)
            where = where or next((a.where for a in unit.awaits if a.start_line == line), Where())
            if not is_relevant(ctx, unit, line, where):
                continue
            yield Hit(
                title=f"`{how}()` loads every row only to test `.length` ({at(unit, line)})",
                locations=[location(ctx, unit, line, use_line)],
                issue=(
                    f"The result of `{how}()` (line {line}) is used only for its `.length` "
                    f"(line {use_line}): an existence check that fetches the whole set."
                ),
                impact=(
                    "The check costs a full fetch and deserialization of every matching row; "
                    "it slows down as the tenant's data grows while the answer stays yes/no."
                ),
                recommendation=(
                    "Ask the database the yes/no question: `findFirst({ where, select: { id: "
                    "true } })` for existence or `count({ where })`, not the full list."
                ),
                evidence=[evidence(ctx, unit, line)]
                + ([evidence(ctx, unit, use_line)] if use_line != line else []),
                confidence=confidence,
            )


def _last_use(unit: CodeUnit, name: str, line: int) -> int:
    last = line
    end = _function_span(unit, line)[1]
    for n in range(line + 1, end + 1):
        if re.search(rf"(?<![\w$.]){re.escape(name)}\b", unit.masked_between(n, n)):
            last = n
            break
    return last


_EXTERNAL = re.compile(
    r"^(?:fetch|got|axios|ky|superagent|sleep|setTimeout|requests|httpx|aiohttp|urllib)\b"
    r"|^(?:[\w$]+\s*\??\.\s*)*(?:stripe|openai|anthropic|resend|sendgrid|twilio|mailer|s3|sqs|"
    r"sns|slack|http|httpClient|apiClient|webhook\w*|email\w*|mail\w*)\s*\??\.",
    re.I,
)
