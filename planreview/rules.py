"""The deterministic rules framework: a rule is a small function with an id.

A rule reads a `RuleContext` (the parsed plan, the loaded repository files and the
artifacts parsed from both) and yields `Hit`s. The runner turns hits into contract
`Finding`s, applies suppressions (`<!-- planreview-ignore: rule-id -->` above a block),
disabled rules and severity overrides from the configuration.

Rules live in `planreview/reviewers/<specialty>/<theme>.py`, marked with `@rule(...)`;
each specialist's package lists its rule modules in its `Specialist` value.
Each docstring says what the rule catches, why it matters, and the fix: its first
line is the one-line summary `planreview rules` prints, the rest is `docs/rules.md`.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import ModuleType
from typing import TYPE_CHECKING, Literal

from planreview.models import Category, Confidence, Evidence, Finding, Location, Severity
from planreview.preconditions import Skip, check_preconditions

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts
    from planreview.facts import PlanFacts
    from planreview.facts.dialect import Dialect
    from planreview.facts.roles import BlockRole
    from planreview.pgsemantics.versions import PgVersion
    from planreview.plan import ParsedPlan
    from planreview.repo import Repo, RepoContext


@dataclass(frozen=True)
class Hit:
    """What a rule found. The runner adds the rule id, categories and reviewer."""

    title: str
    locations: list[Location]
    issue: str
    impact: str
    recommendation: str
    evidence: list[Evidence] = field(default_factory=list)
    severity: Severity | None = None
    """Overrides the rule's default (e.g. raised by the plan's stated scale)."""
    confidence: Confidence = 100
    also: tuple[Category, ...] = ()
    """Extra categories beyond the rule's own."""
    tables: tuple[str, ...] = ()
    """The tables or entities whose row counts the cost grows with (the rows a loop walks,
    the model it writes); the scale precondition looks up their stated sizes."""


RuleFn = Callable[["RuleContext"], Iterable[Hit]]
ScalePolicy = Literal["keep", "skip"]


@dataclass(frozen=True)
class Rule:
    id: str
    category: Category
    severity: Severity
    fn: RuleFn
    roles: tuple[BlockRole, ...] = ("proposed",)
    """The block roles whose code the rule reads; a hit located only in other blocks
    (current code, rejected alternatives, tests, dev-only scripts...) is dropped."""
    dialects: tuple[Dialect, ...] | None = None
    """The SQL dialects the rule is true for; None: dialect-neutral. A hit in SQL of
    another known dialect is dropped; of an unknown dialect, kept at lower confidence
    with the assumption stated."""
    unknown_scale: ScalePolicy = "keep"
    """"skip": the rule's cost grows with row counts, so its hits are dropped unless the
    plan states a table of a thousand rows or more (always when it says there is no real
    data yet)."""

    @property
    def summary(self) -> str:
        return (inspect.getdoc(self.fn) or "").strip().splitlines()[0] if self.fn.__doc__ else ""

    @property
    def doc(self) -> str:
        return inspect.getdoc(self.fn) or ""


_RULE_ID = re.compile(r"^(performance|migration|indexing|caching)/[a-z0-9]+(-[a-z0-9]+)*$")
_ATTR = "__planreview_rule__"


def rule(
    rule_id: str,
    *,
    severity: Severity,
    roles: tuple[BlockRole, ...] = ("proposed",),
    dialects: tuple[Dialect, ...] | None = None,
    unknown_scale: ScalePolicy = "keep",
) -> Callable[[RuleFn], RuleFn]:
    """Mark a function as a rule. The id's prefix is its specialty: `migration/some-name`.

    Preconditions (enforced by the runner, see `planreview.preconditions`): `roles`, the
    block roles the rule reads (only the proposal by default); `dialects`, the SQL
    dialects it holds for (None: any); `unknown_scale`, "skip" for a rule that only
    matters when the plan states a table of a thousand rows or more.

    Marking registers nothing: a specialist lists its rule modules (`rules_in`) and the
    caller hands the rules to `run_rules`.
    """
    if not _RULE_ID.match(rule_id):
        raise ValueError(f"bad rule id {rule_id!r}")

    def mark(fn: RuleFn) -> RuleFn:
        if not (fn.__doc__ or "").strip():
            raise ValueError(f"rule {rule_id} needs a docstring")
        category = Category(rule_id.split("/", 1)[0])
        setattr(fn, _ATTR, Rule(rule_id, category, severity, fn, tuple(roles),
                                None if dialects is None else tuple(dialects),
                                unknown_scale))
        return fn

    return mark


def rule_of(fn: RuleFn) -> Rule:
    """The Rule a `@rule(...)` function declares."""
    found = getattr(fn, _ATTR, None)
    if not isinstance(found, Rule):
        raise ValueError(f"{getattr(fn, '__name__', fn)!r} is not marked with @rule")
    return found


def rules_in(*modules: ModuleType) -> tuple[Rule, ...]:
    """The rules defined in these modules (marked with `@rule`), sorted by id."""
    found: dict[str, Rule] = {}
    for module in modules:
        for value in vars(module).values():
            r = getattr(value, _ATTR, None)
            if isinstance(r, Rule) and r.fn.__module__ == module.__name__:
                if r.id in found:
                    raise ValueError(f"duplicate rule id {r.id!r}")
                found[r.id] = r
    return tuple(sorted(found.values(), key=lambda r: r.id))


@dataclass(frozen=True)
class Specialist:
    """A specialist's whole identity: the one value its package declares."""

    name: str
    prompt: str
    """File name under planreview/prompts/."""
    focus: str
    """One line: what this specialist looks at."""
    relevant: re.Pattern[str]
    """Which repository files matter to it (path or text) when the LLM context is cut."""
    rules: tuple[Rule, ...]

    def __post_init__(self) -> None:
        for r in self.rules:
            if r.category.value != self.name:
                raise ValueError(f"rule {r.id} does not belong to specialist {self.name}")
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate rule ids in specialist {self.name}")


RuleSets = Mapping[str, Sequence[Rule]]
"""Specialty -> the rules to run for it."""


@dataclass
class RuleContext:
    """What every rule reads. Artifacts are parsed once, lazily, and shared."""

    plan: ParsedPlan
    context: RepoContext
    repo: Repo | None = None
    postgres_version: int | None = None
    """The configured PostgreSQL major (`postgres-version`), None when not configured."""

    @cached_property
    def artifacts(self) -> Artifacts:
        from planreview.artifacts import Artifacts

        return Artifacts(self.plan, self.context, self.repo)

    @cached_property
    def facts(self) -> PlanFacts:
        """The plan facts (roles, dialects, scale, schema delta), computed once."""
        from planreview.facts import compute_facts, facts_files

        return compute_facts(self.plan, facts_files(self.repo, self.context))

    @cached_property
    def pg_version(self) -> PgVersion:
        """The PostgreSQL major the review assumes: configured, else named by the
        repository (service images, CI, .tool-versions), else `ASSUMED_VERSION`."""
        from planreview.pgsemantics.versions import target_version, version_files

        if self.postgres_version is not None:
            return target_version(self.postgres_version, {})
        files = {p: f.text for p, f in self.context.files.items()}
        return target_version(None, {**version_files(self.repo), **files})

    # Evidence helpers: quotes are always copied from the real lines.

    def plan_location(self, start: int, end: int | None = None) -> Location:
        return Location(path=self.plan.path, start_line=start, end_line=end or start)

    def plan_evidence(self, start: int, end: int | None = None) -> Evidence:
        end = end or start
        quote = "\n".join(self.plan.line(n) for n in range(start, end + 1)).strip()
        return Evidence(path=self.plan.path, start_line=start, end_line=end, quote=quote)

    def file_location(self, path: str, start: int, end: int | None = None) -> Location:
        return Location(path=path, start_line=start, end_line=end or start)

    def location(self, path: str, start: int, end: int | None = None) -> Location:
        """A location in the plan or in a loaded file, whichever `path` names."""
        if path == self.plan.path:
            return self.plan_location(start, end)
        return self.file_location(path, start, end)

    def evidence(self, path: str, start: int, end: int | None = None) -> Evidence:
        """A quote copied from the plan or a loaded file, whichever `path` names."""
        if path == self.plan.path:
            return self.plan_evidence(start, end)
        return self.file_evidence(path, start, end)

    def file_evidence(self, path: str, start: int, end: int | None = None) -> Evidence:
        end = end or start
        lines = self.context.files[path].lines if path in self.context.files else []
        quote = "\n".join(lines[start - 1 : end]).strip()
        return Evidence(path=path, start_line=start, end_line=end, quote=quote)


# --- running ---------------------------------------------------------------------------

_IGNORE = re.compile(r"<!--\s*planreview-ignore:\s*([^>]*?)\s*-->")


def suppressions(plan: ParsedPlan) -> dict[str, list[tuple[int, int]]]:
    """Rule id (or '*') -> plan line ranges where it is suppressed.

    A comment suppresses the block or paragraph that follows it: up to the next blank
    line, or to the end of the code block that starts right after it.
    """
    out: dict[str, list[tuple[int, int]]] = {}
    blocks = {b.start_line - 1: b.end_line + 1 for b in plan.code_blocks}
    for number, text in enumerate(plan.lines, start=1):
        for match in _IGNORE.finditer(text):
            nxt = number + 1
            while nxt <= len(plan.lines) and not plan.line(nxt).strip():
                nxt += 1
            end = blocks.get(nxt)
            if end is None:
                end = nxt
                while end + 1 <= len(plan.lines) and plan.line(end + 1).strip():
                    end += 1
            for rule_id in re.split(r"[,\s]+", match.group(1).strip()):
                if rule_id:
                    out.setdefault(rule_id, []).append((number, end))
    return out


def _suppressed(finding: Finding, plan_path: str, ranges: dict[str, list[tuple[int, int]]]) -> bool:
    spans = ranges.get(finding.rule or "", []) + ranges.get("*", [])
    return any(
        loc.path == plan_path and lo <= loc.start_line <= hi
        for loc in finding.locations
        for lo, hi in spans
    )


@dataclass
class RuleResults:
    findings: dict[str, list[Finding]] = field(default_factory=dict)
    """Specialty -> findings of its rules."""
    errors: dict[str, str] = field(default_factory=dict)
    """Specialty -> why its rules could not run (a rule raised)."""
    suppressed: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    """One line per hit a rule's preconditions dropped: rule id, where, and why."""


def _to_finding(r: Rule, hit: Hit, overrides: dict[str, Severity]) -> Finding:
    severity = overrides.get(r.id) or hit.severity or r.severity
    categories = [r.category, *(c for c in hit.also if c is not r.category)]
    return Finding(
        severity=severity, title=hit.title, categories=categories, reviewers=[r.category.value],
        rule=r.id, locations=hit.locations, issue=hit.issue, impact=hit.impact,
        recommendation=hit.recommendation, evidence=hit.evidence, confidence=hit.confidence,
    )


def run_rules(
    ctx: RuleContext,
    rule_sets: RuleSets,
    *,
    disable: Iterable[str] = (),
    overrides: dict[str, Severity] | None = None,
) -> RuleResults:
    """Run every enabled rule of each specialty; one specialty's crash never hides another's.

    `rule_sets` maps each specialty to run to its rules (`planreview.reviewers.rule_sets`
    for the built-in ones; tests build their own).

    A rule that raises is our bug, not the user's: the specialty is reported as failed
    with the rule id and the exception, so the report says the review is incomplete.
    """
    disabled = set(disable)
    ranges = suppressions(ctx.plan)
    results = RuleResults()
    for specialty, specialty_rules in rule_sets.items():
        found: list[Finding] = []
        suppressed = 0
        rules = [r for r in specialty_rules if r.id not in disabled]
        try:
            for r in rules:
                for raw in _run_one(r, ctx):
                    checked = check_preconditions(r, raw, ctx)
                    if isinstance(checked, Skip):
                        results.skipped.append(checked.line)
                        continue
                    finding = _to_finding(r, checked, overrides or {})
                    if _suppressed(finding, ctx.plan.path, ranges):
                        suppressed += 1
                    else:
                        found.append(finding)
        except RuleCrash as crash:
            results.errors[specialty] = str(crash)
            continue
        results.findings[specialty] = found
        results.suppressed[specialty] = suppressed
    return results



class RuleCrash(Exception):
    """A rule raised: a bug in planreview, reported as a failed reviewer."""


def _run_one(r: Rule, ctx: RuleContext) -> Iterator[Hit]:
    try:
        yield from list(r.fn(ctx))
    except Exception as exc:  # the one boundary where a buggy rule is turned into a record
        raise RuleCrash(f"rule {r.id} crashed: {type(exc).__name__}: {exc}") from exc


def __getattr__(name: str) -> Callable[[], list[Rule]]:
    """Transitional: `from planreview.rules import all_rules` (branches written before the
    specialist packages) still works. New code imports `planreview.reviewers.all_rules`;
    remove this once no caller is left, it is the one import back into reviewers/."""
    if name == "all_rules":
        from planreview.reviewers import all_rules

        return all_rules
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
