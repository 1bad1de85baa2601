"""SARIF 2.1.0, for GitHub code scanning and any SARIF viewer.

P1 -> error, P2 -> warning, P3 -> note. `ruleId` is stable across runs: the rule's id,
or `llm/<category>` for a finding only an LLM raised. `partialFingerprints` hash the
rule, the first location's path and the normalised title — never line numbers — so
an alert survives edits above it in the plan.
"""

from __future__ import annotations

import hashlib
import json
import re
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from planreview.models import Finding, Report, Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
FINGERPRINT_KEY = "planreview/v1"
LEVELS = {Severity.P1: "error", Severity.P2: "warning", Severity.P3: "note"}

_NON_WORD = re.compile(r"[^a-z0-9]+")


def rule_id(finding: Finding) -> str:
    if finding.rule:
        return finding.rule
    category = finding.categories[0].value if finding.categories else "general"
    return f"llm/{_slug(category)}"


def fingerprint(finding: Finding) -> str:
    """A short stable id for "the same finding" across runs (SARIF and the PR comment's
    resolved-since-last-review list both use it)."""
    path = finding.locations[0].path if finding.locations else ""
    title = " ".join(_NON_WORD.sub(" ", finding.title.lower()).split())
    digest = hashlib.sha256("\0".join((rule_id(finding), path, title)).encode())
    return digest.hexdigest()[:16]


def _slug(text: str) -> str:
    return _NON_WORD.sub("-", text.lower()).strip("-") or "general"


def render_sarif(report: Report, *more: Report) -> str:
    return json.dumps(sarif_log(report, *more), indent=2) + "\n"


def sarif_log(report: Report, *more: Report) -> dict[str, Any]:
    """One run holding every report's results: code scanning refuses a file with several
    runs of the same tool and category, so several plans share one run."""
    rules: dict[str, dict[str, Any]] = {}
    results: list[dict[str, Any]] = []
    for finding in (f for r in (report, *more) for f in r.findings):
        rid = rule_id(finding)
        rules.setdefault(rid, _rule(rid, finding))
        results.append(_result(finding, rid, list(rules).index(rid)))
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "planreview",
            "version": _version(),
            "informationUri": "https://pypi.org/project/planreview/",
            "rules": list(rules.values()),
        }},
        "results": results,
        "properties": {"plan": report.plan, "plans": [r.plan for r in (report, *more)],
                       "engine": report.engine,
                       "incomplete": any(r.incomplete for r in (report, *more))},
    }
    if report.repo.commit:
        run["versionControlProvenance"] = [
            {"repositoryUri": report.repo.path, "revisionId": report.repo.commit}
        ]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def _rule(rid: str, finding: Finding) -> dict[str, Any]:
    name = rid if finding.rule else f"LLM {finding.categories[0].value} review"
    return {
        "id": rid,
        "name": _slug(rid),
        "shortDescription": {"text": name},
        "defaultConfiguration": {"level": LEVELS[finding.severity]},
        "properties": {"tags": [c.value for c in finding.categories]},
    }


def _result(finding: Finding, rid: str, index: int) -> dict[str, Any]:
    text = f"{finding.title}\n\n{finding.issue}\n\nImpact: {finding.impact}\n\n" \
           f"Recommendation: {finding.recommendation}"
    locations = [
        {"physicalLocation": {
            "artifactLocation": {"uri": loc.path, "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": loc.start_line, "endLine": loc.end_line},
        }}
        for loc in finding.locations
    ]
    return {
        "ruleId": rid,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": text},
        "locations": locations,
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint(finding)},
        "properties": {
            "id": finding.id, "severity": finding.severity.value,
            "confidence": finding.confidence, "grounded": finding.grounded,
            "categories": [c.value for c in finding.categories],
        },
    }


def _version() -> str:
    try:
        return version("planreview")
    except PackageNotFoundError:
        return "0"
