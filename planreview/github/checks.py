"""The check run: conclusion from --fail-on, annotations at the findings' locations.

GitHub takes at most 50 annotations per request: the run is created with the first 50
and PATCHed with the rest, 50 at a time. Annotations are plain text on GitHub's side.
"""

from __future__ import annotations

from typing import Any

from planreview.config import Settings
from planreview.github.api import GitHubClient
from planreview.models import Report, Severity

BATCH = 50
_LEVELS = {Severity.P1: "failure", Severity.P2: "warning", Severity.P3: "notice"}
_TEXT_LIMIT = 65_535


def conclusion_for(severities: list[Severity], settings: Settings, incomplete: bool) -> str:
    if incomplete and not settings.allow_partial:
        return "failure"
    if settings.fail_on == "none":
        return "success" if not severities else "neutral"
    threshold = Severity(settings.fail_on).rank
    return "failure" if any(s.rank <= threshold for s in severities) else "success"


def finding_annotations(report: Report) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for f in report.findings:
        for loc in f.locations:
            out.append({
                "path": loc.path, "start_line": loc.start_line, "end_line": loc.end_line,
                "annotation_level": _LEVELS[f.severity],
                "title": f"{f.id}: {f.title}"[:255],
                "message": f"{f.issue}\n\nRecommendation: {f.recommendation}"[:_TEXT_LIMIT],
            })
    return out


def publish_check(client: GitHubClient, repo: str, head_sha: str, *, name: str,
                  conclusion: str, title: str, summary: str,
                  notes: list[dict[str, Any]]) -> int:
    """Create the completed check run; returns its id."""
    output: dict[str, Any] = {"title": title[:255], "summary": summary[:_TEXT_LIMIT],
                              "annotations": notes[:BATCH]}
    run = client.create_check_run(repo, {
        "name": name, "head_sha": head_sha, "status": "completed",
        "conclusion": conclusion, "output": output,
    })
    run_id = int(run["id"])
    for start in range(BATCH, len(notes), BATCH):
        client.update_check_run(repo, run_id, {"output": {
            "title": title[:255], "summary": summary[:_TEXT_LIMIT],
            "annotations": notes[start:start + BATCH],
        }})
    return run_id
