"""reviewdog's Diagnostic Result format (rdjson), for `reviewdog -f=rdjson`.

P1 -> ERROR, P2 -> WARNING, P3 -> INFO. One diagnostic per finding: its location is the
first cited line range in the plan (reviewdog keeps only diagnostics inside the diff,
and the plan is what changed), else the first cited range; the other ranges are
`related_locations`. A range without columns is whole lines, end line included. The
code is the rule id (`llm/<category>` for a finding only an LLM raised) with a link to
the rule's section of docs/rules.md.

Messages carry plan and model text and reviewdog posts them as Markdown PR comments,
so they are cleaned like the bot's own comment (no HTML, images, foreign links or
`@mentions`), after control characters (escape codes, bidi overrides) are removed.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

from planreview.explain import rule_url
from planreview.github.render import SafeMarkdown
from planreview.models import Finding, Location, Report, Severity
from planreview.report.sarif import rule_id

SOURCE_URL = "https://pypi.org/project/planreview/"
SEVERITIES = {Severity.P1: "ERROR", Severity.P2: "WARNING", Severity.P3: "INFO"}

_SAFE = SafeMarkdown(())  # relative and #anchor links only: the host is not known here


def render_rdjson(report: Report, *more: Report) -> str:
    return json.dumps(diagnostic_result(report, *more), indent=2, ensure_ascii=False) + "\n"


def diagnostic_result(report: Report, *more: Report) -> dict[str, Any]:
    """One result holding every report's findings (several plans: one reviewdog run)."""
    return {
        "source": {"name": "planreview", "url": SOURCE_URL},
        "diagnostics": [_diagnostic(f, r.plan) for r in (report, *more) for f in r.findings],
    }


def _diagnostic(finding: Finding, plan: str) -> dict[str, Any]:
    locations = _ordered(finding.locations, plan)
    code: dict[str, str] = {"value": rule_id(finding)}
    if finding.rule:
        code["url"] = rule_url(finding.rule)
    diagnostic: dict[str, Any] = {
        "message": _message(finding),
        "severity": SEVERITIES[finding.severity],
        "code": code,
    }
    if locations:
        diagnostic["location"] = _location(locations[0])
    if len(locations) > 1:
        diagnostic["related_locations"] = [
            {"message": "Also cited:", "location": _location(loc)} for loc in locations[1:]]
    return diagnostic


def _ordered(locations: list[Location], plan: str) -> list[Location]:
    """The first range in the plan first, the others in their cited order."""
    first = next((loc for loc in locations if loc.path == plan), None)
    if first is None:
        return list(locations)
    return [first, *(loc for loc in locations if loc is not first)]


def _location(loc: Location) -> dict[str, Any]:
    return {"path": loc.path, "range": {"start": {"line": loc.start_line},
                                        "end": {"line": loc.end_line}}}


def _message(finding: Finding) -> str:
    parts = [f"{finding.id}: {finding.title}" if finding.id else finding.title,
             finding.issue, f"Impact: {finding.impact}",
             f"Recommendation: {finding.recommendation}"]
    if not finding.grounded:
        parts.append("UNGROUNDED: evidence not found at the cited lines.")
    return _SAFE.clean("\n\n".join(_printable(p) for p in parts))


def _printable(text: str) -> str:
    """Text without control or format characters (ANSI escapes, bidi overrides, NUL);
    newlines and tabs are kept as whitespace."""
    return "".join(
        ch if ch in "\n\t" or unicodedata.category(ch)[0] != "C" else " " for ch in text
    )
