"""The deployment environment a script targets, where the plan states one.

"Run against production after the deploy", `RAILS_ENV=production`, `--env staging`,
"WARNING: only run in development": a destructive script for a developer's laptop is
not a production incident. Only explicit statements count: the block's own code and
comments, the paragraph right above it, its headings. A block whose role is dev-only
targets development.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from planreview.facts.roles import BlockRoleFact
from planreview.plan import CodeBlock, ParsedPlan

Environment = Literal["development", "staging", "production"]


@dataclass(frozen=True)
class EnvironmentFact:
    block: CodeBlock
    environment: Environment
    line: int
    text: str

    def describe(self) -> str:
        return f"block at line {self.block.start_line} targets {self.environment} " \
               f"(line {self.line}: '{self.text}')"


_VARIABLE = re.compile(
    r"\b(?:NODE_ENV|RAILS_ENV|APP_ENV|ENV|ENVIRONMENT|DJANGO_ENV|FLASK_ENV|STAGE)\s*=\s*"
    r"['\"]?(?P<value>production|prod|staging|stage|development|dev|local)\b",
)
_FLAG = re.compile(
    r"--(?:env|environment|stage|site)[= ]['\"]?(?P<value>production|prod|staging|stage|"
    r"development|dev|local)\b"
)
_PROSE = re.compile(
    r"\b(?:run|execute|apply|deploy|ship)\w*\s+(?:\w+\s+){0,4}?(?:on|in|against|to)\s+"
    r"(?:the\s+)?(?P<value>production|prod|staging|development|dev|local)\b"
    r"(?:\s+(?:db|database|environment|server|cluster|instance))?",
    re.IGNORECASE,
)
_VALUES: dict[str, Environment] = {
    "production": "production", "prod": "production", "staging": "staging",
    "stage": "staging", "development": "development", "dev": "development",
    "local": "development",
}
_FENCE = re.compile(r"^\s*(?:```|~~~)")


def _in_text(text: str) -> tuple[Environment, int, str] | None:
    """(environment, 0-based line, excerpt) of the first statement in `text`."""
    for pattern in (_VARIABLE, _FLAG, _PROSE):
        m = pattern.search(text)
        if m is not None:
            line = text.count("\n", 0, m.start())
            return _VALUES[m.group("value").lower()], line, m.group().strip()
    return None


def _above(plan: ParsedPlan, block: CodeBlock) -> tuple[int, str]:
    """(first line, text) of the paragraph right above the block's opening fence."""
    number = block.start_line - 2
    lines: list[str] = []
    while number >= 1 and len(lines) < 6:
        text = plan.line(number)
        if not text.strip():
            if lines:
                break
        elif text.lstrip().startswith("#") or _FENCE.match(text):
            break
        else:
            lines.append(text)
        number -= 1
    lines.reverse()
    return number + 1, "\n".join(lines)


def block_environment(
    plan: ParsedPlan, fact: BlockRoleFact, *, heading_lines: dict[tuple[str, ...], int] | None
    = None
) -> EnvironmentFact | None:
    """The environment `fact`'s block targets, when stated. `heading_lines` (heading path
    -> line) saves rebuilding the map for every block."""
    block = fact.block
    if fact.role == "dev-only":
        line = fact.evidence.line if fact.evidence.line is not None else block.start_line
        return EnvironmentFact(block, "development", line, fact.evidence.text)
    found = _in_text(block.text)
    if found is not None:
        env, offset, text = found
        return EnvironmentFact(block, env, block.line_of(offset), text)
    first, prose = _above(plan, block)
    found = _in_text(prose)
    if found is not None:
        env, offset, text = found
        return EnvironmentFact(block, env, first + offset, text)
    starts = heading_lines if heading_lines is not None else _heading_lines(plan)
    path = block.heading_path
    for depth in range(len(path), 0, -1):
        found = _in_text(path[depth - 1]) or _heading_word(path[depth - 1])
        if found is not None:
            env, _, text = found
            return EnvironmentFact(block, env, starts.get(path[:depth], 0), text)
    return None


def _heading_lines(plan: ParsedPlan) -> dict[tuple[str, ...], int]:
    return {s.heading_path: s.start_line for s in plan.sections}


_HEADING_WORD = re.compile(r"\b(?P<value>production|staging)\b", re.IGNORECASE)


def _heading_word(title: str) -> tuple[Environment, int, str] | None:
    """A heading such as "Production rollout" or "Staging verification"."""
    m = _HEADING_WORD.search(title)
    return (_VALUES[m.group("value").lower()], 0, title) if m else None


def block_environments(
    plan: ParsedPlan, roles: Iterable[BlockRoleFact]
) -> tuple[EnvironmentFact, ...]:
    """The environment of every block that states one, in plan order."""
    out: list[EnvironmentFact] = []
    starts = _heading_lines(plan)
    for fact in roles:
        env = block_environment(plan, fact, heading_lines=starts)
        if env is not None:
            out.append(env)
    return tuple(out)
