"""Caching rules about routes: renamed routes without a redirect, revalidation of the old route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from planreview.artifacts.code import route_of
from planreview.models import Evidence, Location, Severity
from planreview.repo import SkipError
from planreview.reviewers.caching.reading import read_units
from planreview.reviewers.common import (
    at,
    evidence,
    location,
)
from planreview.rules import Hit, RuleContext, rule

# --- route rename --------------------------------------------------------------------------

_ROUTE_TOKEN = re.compile(r"[\w./()\[\]@-]*\[[\w.]+\][\w./()\[\]@-]*")
_RENAME = re.compile(r"(?i)\b(renam\w*|mov\w*|replac\w*|becom\w*|chang\w*|migrat\w*)\b|→|->")
_REMOVE = re.compile(r"(?i)\b(remov\w*|delet\w*|drop\w*)\b")
_NOT_DECIDED = re.compile(r"(?i)open question|alternative|future|out of scope|non-goal|consider")
_REDIRECT = re.compile(r"(?i)\bredirect|permanentRedirect|\b30[178]\b")


def _segments(token: str) -> list[str]:
    token = token.strip("`'\"()., ")
    if "app/" in token:
        token = token.split("app/", 1)[1]
    token = re.sub(r"/?(page|layout|route)\.(tsx|ts|jsx|js|mdx)$", "", token)
    return [
        s
        for s in token.split("/")
        if s and not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")
    ]


def _suffix_of(short: list[str], full: list[str]) -> bool:
    return 0 < len(short) <= len(full) and full[-len(short) :] == short


def _route_files(ctx: RuleContext) -> dict[str, str | None]:
    """Route file path -> its text (None when it cannot be read)."""
    out: dict[str, str | None] = {p: f.text for p, f in ctx.context.files.items() if route_of(p)}
    if ctx.repo is not None:
        for path in ctx.repo.list_files():
            if path not in out and route_of(path):
                try:
                    out[path] = ctx.repo.read_text(path)
                except SkipError:
                    out[path] = None
    return out


_CACHED_ROUTE = re.compile(r"(?m)^\s*export\s+const\s+revalidate\s*=\s*([1-9]\d*)")


@rule("caching/route-renamed-without-redirect", severity=Severity.P2)
def route_renamed_without_redirect(ctx: RuleContext) -> Iterator[Hit]:
    """A cached (ISR) route is renamed or removed, and the plan commits to no redirect.

    Why: the old URLs live on in search results, emails and shared links, and the CDN/ISR
    cache keeps serving the old page until it revalidates. Then the page's data lookup
    fails (its slug or model is gone) and visitors get a 404 or 500.
    Fix: keep the old route as a redirect (`redirect()`/`permanentRedirect()` to the new
    URL, `revalidate = 0`), and purge the old paths on deploy (`revalidatePath`).
    A redirect mentioned only under open questions or alternatives does not count.
    """
    redirects = [
        text
        for n, text in enumerate(ctx.plan.lines, start=1)
        if _REDIRECT.search(text) and not _undecided(ctx, n)
    ]
    for move in _moved_routes(ctx):
        if any(_redirects_old(r, _segments(move.path)) for r in redirects):
            continue
        yield _route_hit(ctx, move)


@dataclass(frozen=True)
class _Move:
    """A cached route file the plan renames (`new` set) or removes."""

    line: int
    path: str
    source: str
    cached: re.Match[str]
    old: str
    new: str | None


def _moved_routes(ctx: RuleContext) -> list[_Move]:
    mentions = any(
        _ROUTE_TOKEN.search(text) and (_RENAME.search(text) or _REMOVE.search(text))
        for text in ctx.plan.lines
    )
    routes = _route_files(ctx) if mentions else {}  # reading route files costs I/O
    out: list[_Move] = []
    seen: set[str] = set()
    for n, text in enumerate(ctx.plan.lines, start=1):
        tokens = _ROUTE_TOKEN.findall(text)
        for path, source in routes.items():
            if path in seen:
                continue
            full = _segments(path)
            old = [t for t in tokens if _names_route(t, full)]
            if not old:
                continue
            new = [t for t in tokens if t not in old and ("/" in t or "/" not in old[0])]
            renamed = bool(new) and bool(_RENAME.search(text))
            if not renamed and not _REMOVE.search(text):
                continue
            cached = _CACHED_ROUTE.search(source or "")
            if not cached:
                continue
            seen.add(path)
            out.append(_Move(n, path, source or "", cached, old[0], new[0] if new else None))
    return out


@rule("caching/revalidation-targets-old-route", severity=Severity.P2)
def revalidation_targets_old_route(ctx: RuleContext) -> Iterator[Hit]:
    """A cached route moves, but the code that revalidates it still names the old path.

    Why: `revalidatePath('/blog/...')` after the move purges a path nothing serves, so
    publishes and fixes never refresh the new pages: they stay stale for the whole
    `revalidate` interval.
    Fix: update every `revalidatePath`/`revalidateTag` caller (webhooks, admin actions) to
    the new paths in the same change, and test a publish end to end.
    """
    for move in _moved_routes(ctx):
        if move.new is None:
            continue
        old_prefix = _static_prefix(_segments(move.path))
        new_prefix = _static_prefix(_segments(move.new))
        if not old_prefix or old_prefix == new_prefix:
            continue
        updated = any(
            re.search(r"(?i)revalidat", text) and new_prefix and new_prefix in text
            for text in ctx.plan.lines
        )
        if updated:
            continue
        old_path = re.compile(rf"[`'\"]{re.escape(old_prefix)}(?:[/`'\"$]|$)")
        for unit in read_units(ctx):
            calls = [
                c for c in unit.caches if c.kind == "revalidate-path" and old_path.search(c.args)
            ]
            if not calls:
                continue
            seconds = int(move.cached.group(1))
            first = calls[0]
            yield Hit(
                title=f"Revalidation still targets `{old_prefix}` after the move to `{new_prefix}`",
                locations=[ctx.plan_location(move.line)]
                + [location(ctx, unit, c.start_line, c.end_line) for c in calls],
                issue=(
                    f"Plan line {move.line} moves `{move.old}` to `{move.new}`, but "
                    f"{at(unit, first.start_line)} still calls "
                    f"`revalidatePath({first.args.strip()})` and the plan does not update it."
                ),
                impact=(
                    "Publishes and corrections purge a path nothing serves any more: the new "
                    f"pages stay stale for up to their `revalidate = {seconds}` s after every "
                    "edit."
                ),
                recommendation=(
                    f"Change the revalidation calls to the new paths (`{new_prefix}/...`) in the "
                    "same PR as the move, and add a publish-then-view check to the tests."
                ),
                evidence=[ctx.plan_evidence(move.line)]
                + [evidence(ctx, unit, c.start_line, c.end_line) for c in calls],
                confidence=75,
            )


def _static_prefix(segments: list[str]) -> str:
    """`['blog', '[slug]']` -> `/blog`: the leading segments before the first parameter."""
    static = []
    for segment in segments:
        if segment.startswith("["):
            break
        static.append(segment)
    return "/" + "/".join(static) if static else ""


def _names_route(token: str, full: list[str]) -> bool:
    """The token names this route: a path ending like it, or its last dynamic segment."""
    segments = _segments(token)
    if "/" in token.strip("/"):
        return _suffix_of(segments, full)
    return len(segments) == 1 and bool(full) and segments[0] == full[-1] and "[" in full[-1]


_OLD_URL = re.compile(
    r"(?i)\b(old|legacy|previous|existing|former)\b[^.]{0,40}\b(url|route|path|link|page)s?"
)


def _redirects_old(text: str, full: list[str]) -> bool:
    """A committed redirect line that is about this route's old URLs."""
    dynamic = [s.strip("[]") for s in full if s.startswith("[")]
    return (
        any(_names_route(t, full) for t in _ROUTE_TOKEN.findall(text))
        or any(re.search(rf"\b{re.escape(d)}\b", text) for d in dynamic[-1:])
        or bool(_OLD_URL.search(text))
    )


def _undecided(ctx: RuleContext, line: int) -> bool:
    section = ctx.plan.section_at(line)
    return bool(section and any(_NOT_DECIDED.search(h) for h in section.heading_path))


def _route_hit(ctx: RuleContext, move: _Move) -> Hit:
    line, path, source, cached = move.line, move.path, move.source, move.cached
    old, new = move.old, move.new
    seconds = int(cached.group(1))
    revalidate_line = source.count("\n", 0, cached.start(1)) + 1
    locations: list[Location] = [ctx.plan_location(line)]
    proof: list[Evidence] = [ctx.plan_evidence(line)]
    if path in ctx.context.files:
        locations.append(ctx.file_location(path, revalidate_line))
        proof.append(ctx.file_evidence(path, revalidate_line))
    change = f"renamed to `{new}`" if new else "removed"
    return Hit(
        title=f"Cached route `{old}` is {change.split(' to ')[0]} with no redirect or purge",
        locations=locations,
        issue=(
            f"Plan line {line}: `{old}` is {change}. The current page `{path}` is cached "
            f"with `revalidate = {seconds}`, and no phase keeps the old URL as a redirect "
            "or purges its cached pages."
        ),
        impact=(
            f"For up to {seconds} s after deploy the cache serves old pages whose data may "
            "be gone, and after that every old link (search results, emails, shared "
            "booking links) returns 404 or 500."
        ),
        recommendation=(
            f"Keep `{old}` as a redirect page (`permanentRedirect` to the new URL, "
            "`export const revalidate = 0`) for a transition period, make it part of a "
            "phase's acceptance criteria, and purge the old paths on deploy "
            "(`revalidatePath`)."
        ),
        evidence=proof,
        confidence=75,
    )
