"""`planreview hook claude-code`: review a plan right after a coding agent writes it.

Claude Code runs the command after each matching tool call (a `PostToolUse` hook) with
a JSON payload on stdin: `{"tool_name": "Write", "tool_input": {"file_path": ...},
"cwd": ...}`. When the written file is a plan (under docs/plans/, or matching the
configured `plans` globs, and not `exclude`), the rules review runs on it; P1/P2
findings are printed as `{"decision": "block", "reason": ...}`, which Claude Code
feeds back to the agent so that it revises the plan. Anything else: silent, exit 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from planreview.errors import UserInputError
from planreview.models import Finding, Severity

WRITING_TOOLS = ("Write", "Edit", "MultiEdit")
BLOCKING = (Severity.P1, Severity.P2)
MAX_LISTED = 15
"""Findings listed in the reason; the rest are counted (the agent reruns the review)."""


@dataclass(frozen=True)
class Written:
    file: Path
    cwd: Path


def parse_payload(raw: str) -> Written | None:
    """The file a writing tool call wrote; None for other tools; UserInputError when the
    payload is not a PostToolUse payload."""
    try:
        payload = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserInputError(f"hook payload is not JSON ({exc.msg} at line {exc.lineno})") \
            from None
    if not isinstance(payload, dict):
        raise UserInputError("hook payload is not a JSON object")
    tool = payload.get("tool_name")
    if not isinstance(tool, str):
        raise UserInputError("hook payload has no tool_name")
    if tool not in WRITING_TOOLS:
        return None
    tool_input = payload.get("tool_input")
    file_path = tool_input.get("file_path") if isinstance(tool_input, dict) else None
    if not isinstance(file_path, str) or not file_path:
        raise UserInputError(f"hook payload for {tool} has no tool_input.file_path")
    cwd = payload.get("cwd")
    base = Path(cwd) if isinstance(cwd, str) and cwd else Path()
    return Written(file=base / file_path, cwd=base)


def review_written(written: Written, env: Mapping[str, str]) -> str | None:
    """The hook's JSON answer for this write, or None when there is nothing to say."""
    from planreview.config import build_settings
    from planreview.repo import is_plan_path, open_repo

    if not written.cwd.is_dir():
        raise UserInputError(f"hook payload cwd {written.cwd} is not a folder")
    repo = open_repo(written.cwd)
    root = repo.root.resolve()
    file = written.file.resolve()
    if not file.is_relative_to(root) or file.suffix.lower() not in (".md", ".markdown"):
        return None
    relative = file.relative_to(root).as_posix()
    settings = build_settings({"engine": "rules"}, env, repo.root)
    plans = ("docs/plans/**/*.md", *settings.plans)  # also when `plans` is configured
    if not is_plan_path(relative, plans, settings.exclude):
        return None
    if not file.is_file():
        return None  # written, then moved or deleted: nothing to review
    from planreview.review import ReviewRequest, run_review

    report = run_review(ReviewRequest(plan_path=file, repo=repo, settings=settings,
                                      repo_label="."))
    blocking = [f for f in report.findings if f.severity in BLOCKING]
    if not blocking:
        return None
    answer: dict[str, Any] = {"decision": "block", "reason": reason(blocking, relative)}
    return json.dumps(answer)


def reason(findings: list[Finding], plan: str) -> str:
    lines = [f"planreview found {len(findings)} P1/P2 finding(s) in {plan}; revise the plan "
             "(`planreview explain RULE` says why and how to fix each):"]
    lines += [f"- {_line(f, plan)}" for f in findings[:MAX_LISTED]]
    if len(findings) > MAX_LISTED:
        lines.append(f"- ... and {len(findings) - MAX_LISTED} more "
                     f"(`planreview review {plan} --engine rules`)")
    return "\n".join(lines)


def _line(finding: Finding, plan: str) -> str:
    where = [loc for loc in finding.locations if loc.path == plan] or finding.locations
    spans = ", ".join(
        f"{loc.path}:{loc.start_line}" + (f"-{loc.end_line}" if loc.end_line > loc.start_line
                                          else "") for loc in where[:3])
    rule = f" `{finding.rule}`" if finding.rule else ""
    at = f" ({spans})" if spans else ""
    return f"**{finding.severity.value}**{rule}{at}: {finding.title}"
