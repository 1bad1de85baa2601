"""The sticky PR comment: one per plan, found again by its hidden marker and author.

The marker's first line names the plan and the hash of what was reviewed (plan,
referenced files, settings), so an unchanged plan is skipped; the second line carries
the findings' fingerprints (base64 JSON, so nothing from the plan can close the HTML
comment) for the "resolved since the last review" list. Bodies never exceed GitHub's
65,536 characters: they are cut between findings and say so, pointing at the full report.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from planreview.github.render import SafeMarkdown, open_fence_at_end
from planreview.models import Finding, Report, Severity
from planreview.report.markdown import render_finding as finding_markdown
from planreview.report.sarif import fingerprint

MAX_COMMENT_CHARS = 65_536
_PREFIX = "<!-- planreview:plan="
_FINDINGS_PREFIX = "<!-- planreview:findings="
_SUFFIX = " -->"
_SEVERITIES = frozenset(s.value for s in Severity)


@dataclass(frozen=True)
class Marker:
    plan: str
    hash: str
    findings: dict[str, str] = field(default_factory=dict)
    """fingerprint -> 'P1 title' of every finding in that review."""

    def render(self) -> str:
        encoded = base64.b64encode(json.dumps(self.findings, sort_keys=True).encode()).decode()
        return (f"{_PREFIX}{quote(self.plan, safe='/')} hash={self.hash}{_SUFFIX}\n"
                f"{_FINDINGS_PREFIX}{encoded}{_SUFFIX}")

    def severities(self) -> list[Severity]:
        return [Severity(label[:2]) for label in self.findings.values() if label[:2] in _SEVERITIES]


def parse_marker(body: str) -> Marker | None:
    """The marker at the very top of `body`; None when there is none. Only the first two
    lines count, so a marker quoted inside a finding's evidence is never taken."""
    lines = body.split("\n", 2)
    head = lines[0]
    if not (head.startswith(_PREFIX) and head.endswith(_SUFFIX)):
        return None
    plan, _, digest = head[len(_PREFIX):-len(_SUFFIX)].rpartition(" hash=")
    findings: dict[str, str] = {}
    if len(lines) > 1 and lines[1].startswith(_FINDINGS_PREFIX) and lines[1].endswith(_SUFFIX):
        try:
            decoded = json.loads(base64.b64decode(lines[1][len(_FINDINGS_PREFIX):-len(_SUFFIX)]))
        except (binascii.Error, ValueError):
            decoded = {}
        if isinstance(decoded, dict):
            findings = {str(k): str(v) for k, v in decoded.items()}
    return Marker(plan=unquote(plan), hash=digest, findings=findings)


@dataclass(frozen=True)
class Sticky:
    comment_id: int
    marker: Marker


def find_sticky(comments: Iterable[dict[str, Any]], plan: str, bot_login: str) -> Sticky | None:
    """Our comment for `plan`: the marker alone is not enough (anyone can paste one),
    it must also be authored by the bot."""
    for comment in comments:
        if (comment.get("user") or {}).get("login") != bot_login:
            continue
        marker = parse_marker(str(comment.get("body") or ""))
        if marker is not None and marker.plan == plan:
            return Sticky(int(comment["id"]), marker)
    return None


def marker_for(report: Report, content_hash: str) -> Marker:
    return Marker(plan=report.plan, hash=content_hash, findings={
        fingerprint(f): f"{f.severity.value} {f.title}" for f in report.findings
    })


@dataclass(frozen=True)
class CommentParts:
    """What the comment says besides the findings."""

    commit: str
    resolved: Sequence[str] = ()
    """'P1 title' labels of findings gone since the last review."""
    full_report_hint: str = "The full report is in the workflow run's job summary."


def render_comment(report: Report, marker: Marker, parts: CommentParts, safe: SafeMarkdown,
                   *, limit: int = MAX_COMMENT_CHARS) -> str:
    head = [marker.render(), _heading(report, parts, safe)]
    blocks = [safe.clean("\n".join(finding_markdown(f))) for f in report.findings
              if f.severity is not Severity.P3]
    p3 = [safe.clean("\n".join(finding_markdown(f))) for f in report.findings
          if f.severity is Severity.P3]
    footer = "<sub>planreview edits this comment in place on every push.</sub>\n"
    body = _assemble(head, blocks, p3, footer, report, parts, limit)
    assert len(body) <= limit
    return body


def _heading(report: Report, parts: CommentParts, safe: SafeMarkdown) -> str:
    s = report.summary
    counts = f"**{s.P1} P1 · {s.P2} P2 · {s.P3} P3**" if s.total else "**No findings.**"
    plan = report.plan.replace("`", "")
    out = [f"## planreview: `{plan}`", "",
           f"{counts} at commit `{parts.commit[:12]}` ({report.engine} engine)", ""]
    failed = [r for r in report.reviewers if r.status == "failed"]
    if failed:
        out.append("> **Incomplete review**: " + "; ".join(
            f"{r.name} failed ({safe.clean(r.error or 'no reason given')})" for r in failed))
        out.append("")
    if parts.resolved:
        out += ["**Resolved since the last review:**", ""]
        out += [f"- ~~{safe.clean(label)}~~" for label in parts.resolved]
        out.append("")
    return "\n".join(out)


def _assemble(head: list[str], blocks: list[str], p3: list[str], footer: str,
              report: Report, parts: CommentParts, limit: int) -> str:
    # Room kept for the truncation notice and the footer, whatever happens.
    budget = _Budget(limit - len(footer) - 600)
    out = budget.add("\n".join(head) + "\n")
    out += "".join(budget.fill(blocks))
    if p3 and not budget.truncated:
        out += f"<details><summary>{len(p3)} P3 finding(s): low risk</summary>\n\n"
        out += "".join(budget.fill(p3)) + "\n</details>\n\n"
    if budget.truncated:
        out += (f"\n> **Truncated**: {budget.shown} of {len(blocks) + len(p3)} findings "
                f"shown in full; the whole review is over GitHub's {MAX_COMMENT_CHARS:,}-"
                f"character comment limit. {parts.full_report_hint}\n\n")
    return out + footer


class _Budget:
    """Characters left for finding blocks; the first block that does not fit is cut."""

    def __init__(self, room: int) -> None:
        self.left = room
        self.shown = 0
        self.truncated = False

    def add(self, text: str) -> str:
        self.left -= len(text)
        return text

    def fill(self, blocks: list[str]) -> list[str]:
        out: list[str] = []
        for block in blocks:
            if len(block) + 1 > self.left - 60:  # 60: the <details> wrapper
                out.append(self.add(_cut(block, self.left - 60)))
                self.truncated = True
                break
            out.append(self.add(block + "\n"))
            self.shown += 1
        return out


def _cut(block: str, room: int) -> str:
    """As much of `block` as fits in `room`, cut at a line, with any open fence closed."""
    if room <= 0:
        return ""
    cut = block[:max(0, room - 20)]
    cut = cut[:cut.rfind("\n") + 1] if "\n" in cut else ""
    fence = open_fence_at_end(cut)
    return cut + (f"{fence}\n" if fence else "") + "\n…\n"


def resolved_labels(previous: Marker | None, findings: Sequence[Finding]) -> list[str]:
    if previous is None:
        return []
    current = {fingerprint(f) for f in findings}
    return [label for fp, label in sorted(previous.findings.items(), key=lambda kv: kv[1])
            if fp not in current]
