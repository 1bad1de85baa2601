"""Which code the caching rules read: the plan's proposal and the repository's application
code, never test code, the current/rejected code a plan quotes, or dev-only scripts.

A plan block's role comes from the plan facts (`planreview.facts.roles`); only blocks that
are the proposal (or an example of it) count. Inside any block, and in repository files,
test functions (`setUp`, `tearDown`, `test_*`, `beforeEach`) are skipped too, and so are
repository test files (`tests/`, `*.test.ts`, `test_*.py`). Until the rule framework drops
hits outside the proposal for every rule, the caching rules use this module for it.
"""

from __future__ import annotations

import re
import threading

from planreview.artifacts.code import CodeUnit
from planreview.facts.roles import BlockRole, block_roles
from planreview.plan import ParsedPlan
from planreview.rules import RuleContext

READ_ROLES: tuple[BlockRole, ...] = ("proposed", "example")

_TEST_FILE = re.compile(
    r"(?:^|/)(?:__tests__|tests?|spec|specs|e2e|__mocks__|fixtures?)/"
    r"|(?:^|/)(?:test_[^/]*|[^/]*_test)\.py$"
    r"|\.(?:test|spec)\.[cm]?[jt]sx?$"
    r"|_spec\.rb$|_test\.(?:go|dart|rb)$"
)
_TEST_FUNCTION = re.compile(
    r"^(?:test\w*|setUp\w*|tearDown\w*|beforeEach|afterEach|beforeAll|afterAll|it|describe)$"
)


def is_test_file(path: str) -> bool:
    return bool(_TEST_FILE.search(path))


def read_units(ctx: RuleContext) -> list[CodeUnit]:
    """The code units the caching rules analyse: plan blocks in the proposal, and
    repository files that are not tests."""
    proposal = _proposal_lines(ctx)
    return [
        u
        for u in ctx.artifacts.code
        if (u.start_line in proposal if u.origin == "plan" else not is_test_file(u.path))
    ]


def is_skipped_line(ctx: RuleContext, line: int) -> bool:
    """Plan `line` lies in a code block the rules do not read (a test, current or
    rejected code, a dev-only script); prose and proposed blocks are read."""
    for block in ctx.plan.code_blocks:
        if block.start_line <= line <= block.end_line:
            return block.start_line not in _proposal_lines(ctx)
    return False


_RECENT: dict[int, tuple[ParsedPlan, frozenset[int]]] = {}
"""id(plan) -> (plan, proposal lines): the roles of the last few plans, computed once per
review rather than once per rule (the plan is held, so its id is not reused meanwhile)."""
_KEEP = 16
_LOCK = threading.Lock()


def _proposal_lines(ctx: RuleContext) -> frozenset[int]:
    """First content lines of the plan's blocks whose role the rules read."""
    with _LOCK:
        held = _RECENT.get(id(ctx.plan))
    if held is not None and held[0] is ctx.plan:
        return held[1]
    lines = frozenset(f.block.start_line for f in block_roles(ctx.plan) if f.role in READ_ROLES)
    with _LOCK:
        if len(_RECENT) >= _KEEP:
            _RECENT.pop(next(iter(_RECENT)))
        _RECENT[id(ctx.plan)] = (ctx.plan, lines)
    return lines


_BROWSER = re.compile(
    r"""^\s*['"]use client['"]|(?<![\w$.])(?:localStorage|sessionStorage|document|window)\s*\."""
    r"|(?<![\w$.])use(?:State|Effect|Memo|Callback|Ref)\s*\(",
    re.M,
)


def is_browser_code(unit: CodeUnit) -> bool:
    """Code that runs in the browser: `'use client'`, DOM/storage APIs or React hooks."""
    return bool(_BROWSER.search(unit.text))


def in_test_code(unit: CodeUnit, line: int) -> bool:
    """`line` sits in a test function (or a `describe`/`it` callback) of `unit`."""
    return any(
        fn.start_line <= line <= fn.end_line and _TEST_FUNCTION.match(fn.name or "")
        for fn in unit.functions
    )
