"""Performance rules about external calls: network calls in transactions or per row, pre-
rendering every row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from planreview.artifacts.code import Where
from planreview.models import Severity
from planreview.reviewers.common import at, evidence, is_relevant, location
from planreview.reviewers.performance.awaits import _EXTERNAL
from planreview.reviewers.performance.helpers import row_sources, stated_rows
from planreview.reviewers.performance.queries import _per_row
from planreview.rules import Hit, RuleContext, rule


@rule("performance/external-call-in-transaction", severity=Severity.P2)
def external_call_in_transaction(ctx: RuleContext) -> Iterator[Hit]:
    """A network call (HTTP, Stripe, email, LLM) awaited inside an open transaction.

    Why: the transaction keeps its locks and its pooled connection for the whole round-trip
    to a third party (100 ms to 30 s, unbounded on retries). Concurrent requests queue on
    the locked rows, the pool drains, and a slow provider turns into a database outage.
    Fix: call the external service before the transaction (or after commit, with an outbox
    row written inside it), and keep only database statements in the transaction.
    """
    for unit in ctx.artifacts.code:
        for a in unit.awaits:
            if a.where.transaction is None or not _EXTERNAL.match(a.expr):
                continue
            tx = unit.transactions[a.where.transaction]
            if tx.kind == "batch" or not is_relevant(ctx, unit, a.start_line, a.where):
                continue
            call = a.expr.split("(")[0].strip()
            yield Hit(
                title=f"`{call}()` is awaited inside the transaction at line {tx.start_line}",
                locations=[location(ctx, unit, a.start_line, a.end_line)],
                issue=(
                    f"{at(unit, a.start_line)} awaits the external call `{call}()` while the "
                    f"transaction opened at line {tx.start_line} holds its locks and connection."
                ),
                impact=(
                    "Every row the transaction has touched stays locked and one pool "
                    "connection stays busy for the provider's full latency (and its retries); "
                    "under load the pool drains and unrelated requests time out."
                ),
                recommendation=(
                    "Make the external call before opening the transaction, or after commit "
                    "via an outbox row written inside it; keep the transaction to database "
                    "statements only."
                ),
                evidence=[evidence(ctx, unit, tx.start_line), evidence(ctx, unit, a.start_line)],
                confidence=100,
            )


@rule("performance/external-call-per-row", severity=Severity.P2)
def external_call_per_row(ctx: RuleContext) -> Iterator[Hit]:
    """A network call (email, HTTP, Stripe) awaited one row at a time in a loop over rows.

    Why: each iteration waits a full provider round-trip (50-500 ms); 10,000 rows at
    ~100 ms is ~17 minutes of sequential waiting, and one slow call stalls the rest.
    Fix: enqueue one job per row (a queue with bounded concurrency and retries), or use the
    provider's batch API, or run a bounded number concurrently (p-limit, asyncio.Semaphore).
    """
    for unit in ctx.artifacts.code:
        sources = row_sources(unit)
        reported: set[int] = set()
        for a in unit.awaits:
            if not a.where.loops or a.where.transaction is not None:
                continue
            if not _EXTERNAL.match(a.expr):
                continue
            hit = _per_row(ctx, unit, a.where, sources, reported)
            if hit is None:
                continue
            loop, source = hit
            if loop.concurrent:
                continue
            call = a.expr.split("(")[0].strip()
            rows = (loop.iterable or "the rows").strip()
            yield Hit(
                title=f"`{call}()` is awaited once per row of `{rows}`, sequentially",
                locations=[location(ctx, unit, loop.start_line, loop.end_line)],
                issue=(
                    f"The loop at {at(unit, loop.start_line)} over `{rows}` (loaded by "
                    f"`{source.how}`, line {source.line}) awaits the external call `{call}()` "
                    f"for every row (line {a.start_line}), one after another."
                ),
                impact=(
                    "The run takes rows x provider latency: 10,000 rows at ~100 ms is ~17 "
                    "minutes, and a slow or failing provider stalls everything behind it "
                    "with no retry of the rows already skipped."
                ),
                recommendation=(
                    "Enqueue one job per row on a queue with bounded concurrency and retries "
                    "(or use the provider's batch API); at minimum run a bounded number "
                    "concurrently (p-limit / asyncio.Semaphore) instead of awaiting each in turn."
                ),
                evidence=[evidence(ctx, unit, loop.start_line), evidence(ctx, unit, a.start_line)],
                confidence=75,
            )


PRERENDER_ROWS = 1_000
"""Pages above which pre-rendering every one at build time is a problem worth a finding."""


@rule("performance/prerender-every-row", severity=Severity.P2)
def prerender_every_row(ctx: RuleContext) -> Iterator[Hit]:
    """`generateStaticParams` pre-renders a page for every row of a large table at build.

    Why: every build renders (and fetches data for) all N pages before deploy: 12,000
    articles mean 12,000 data fetches per build, builds that take tens of minutes, and a
    burst of load on the CMS or database on every deploy.
    Fix: return only the most visited N (e.g. top 500 by traffic) and let ISR render the
    rest on first request (`dynamicParams = true`, the default).
    Only fires when the plan states the entity's row count (>= 1,000).
    """
    for unit in ctx.artifacts.code:
        for fn in unit.functions:
            if fn.name != "generateStaticParams":
                continue
            body = unit.masked_between(fn.start_line, fn.end_line)
            if re.search(r"\b(take|limit|slice|top)\b", body):
                continue
            words = {
                w.lower()
                for name in re.findall(r"([A-Za-z_$][\w$]*)\s*\(", body)
                for w in re.findall(r"[A-Z]?[a-z]+", name)
            }
            stated = [(rows, w) for w in words if (rows := stated_rows(ctx, w))]
            if not stated:
                continue
            rows, entity = max(stated)
            if rows < PRERENDER_ROWS or not is_relevant(ctx, unit, fn.start_line, Where()):
                continue
            yield Hit(
                title=f"`generateStaticParams` pre-renders all ~{rows:,} {entity} pages on "
                "every build",
                locations=[location(ctx, unit, fn.start_line, fn.end_line)],
                issue=(
                    f"`generateStaticParams` ({at(unit, fn.start_line)}) returns a param for "
                    f"every {entity}, and the plan states ~{rows:,} of them."
                ),
                impact=(
                    f"Each build renders and fetches data for ~{rows:,} pages: long builds and "
                    "deploys, and a load spike on the data source on every release."
                ),
                recommendation=(
                    "Pre-render only the most visited pages (e.g. the top 500 by traffic) and "
                    "let ISR render the rest on first request (`dynamicParams` stays true)."
                ),
                evidence=[evidence(ctx, unit, fn.start_line, fn.end_line)],
                confidence=75,
            )
