"""The Markdown report, in the shape of an experienced engineer's plan review.

Title, plan, date, reviewers; P1/P2/P3 sections with Location / Issue / Impact /
Recommendation per finding; a summary table of counts and themes; coverage per
reviewer; then what the reader should know about the run (engine, skipped files).
"""

from __future__ import annotations

from planreview.models import Finding, Location, Report, Severity

HEADINGS = {
    Severity.P1: "P1 -- Critical Risks (Must Fix Before Ship)",
    Severity.P2: "P2 -- Moderate Risks (Should Fix)",
    Severity.P3: "P3 -- Low Risk / Optimization Opportunities",
}


def render_markdown(report: Report) -> str:
    out: list[str] = ["# Plan Review -- Findings", ""]
    out += [f"**Plan:** `{report.plan}`", f"**Reviewed:** {report.reviewed_at[:10]}"]
    names = ", ".join(r.name for r in report.reviewers) or "none"
    out += [f"**Reviewers:** {names} ({_engine_line(report)})", ""]
    failed = [r for r in report.reviewers if r.status == "failed"]
    if failed:
        out.append("> **Incomplete review.** These reviewers failed, so their specialty was not")
        out.append("> checked:")
        for r in failed:
            out.append(f"> - **{r.name}**: {r.error or 'no reason given'}")
        out.append("")
    out += ["---", ""]
    if not report.findings:
        out += ["No findings.", ""]
    for severity in Severity:
        group = [f for f in report.findings if f.severity is severity]
        if not group:
            continue
        out += [f"## {HEADINGS[severity]}", ""]
        for finding in group:
            out += render_finding(finding)
    out += _summary(report)
    out += _coverage(report)
    out += _notes(report)
    return "\n".join(out).rstrip() + "\n"


def _engine_line(report: Report) -> str:
    if report.engine == "rules":
        return "rules engine"
    models = sorted({r.model for r in report.reviewers if r.model})
    return "LLM: " + ", ".join(models) if models else "LLM"


def format_location(loc: Location) -> str:
    lines = (
        f"line {loc.start_line}"
        if loc.start_line == loc.end_line
        else f"lines {loc.start_line}-{loc.end_line}"
    )
    return f"`{loc.path}` ({lines})"


def render_finding(f: Finding) -> list[str]:
    out = [f"### {f.id}: {f.title}", ""]
    out += ["**Location:** " + "; ".join(format_location(loc) for loc in f.locations), ""]
    out += [f"**Issue:** {f.issue}", ""]
    for ev in f.evidence[:3]:
        fence = "```"
        while fence in ev.quote:
            fence += "`"
        out += [f"{fence}", ev.quote, fence, ""]
    out += [f"**Impact:** {f.impact}", ""]
    out += [f"**Recommendation:** {f.recommendation}", ""]
    meta = [f"Rule: `{f.rule}`" if f.rule else "Raised by the LLM reviewer"]
    meta.append("Reviewers: " + ", ".join(f.reviewers))
    meta.append(f"Confidence: {f.confidence}")
    if not f.grounded:
        meta.append("**UNGROUNDED: evidence not found at the cited lines**")
    out += ["_" + " · ".join(meta) + "_", "", "---", ""]
    return out


def _themes(findings: list[Finding]) -> str:
    """Short themes, one per rule (with a count when it fired more than once); an
    LLM-only finding contributes its shortened title."""
    counts: dict[str, int] = {}
    for f in findings:
        if f.rule:
            theme = f.rule.split("/", 1)[1].replace("-", " ")
        else:
            theme = f.title if len(f.title) <= 48 else f.title[:45].rstrip() + "..."
        counts[theme] = counts.get(theme, 0) + 1
    parts = [t if n == 1 else f"{t} (x{n})" for t, n in counts.items()]
    return ", ".join(parts).replace("|", "\\|") or "--"


def _summary(report: Report) -> list[str]:
    out = ["## Summary", "", "| Severity | Count | Key Themes |", "| --- | --- | --- |"]
    for severity in Severity:
        group = [f for f in report.findings if f.severity is severity]
        out.append(f"| {severity.value} | {len(group)} | {_themes(group)} |")
    out += [f"| **Total** | **{report.summary.total}** | |", ""]
    return out


def _coverage(report: Report) -> list[str]:
    """Per reviewer: status, engine, findings, drops, merges, tokens. LLM runs add what a
    reader pays for and trusts: findings kept in the report, the structured-output mode,
    and tokens including those a provider's prompt cache served, with a total."""
    llm = report.engine == "llm"
    counts = "Returned | Kept" if llm else "Findings"
    tokens = "prompt / cached / completion" if llm else "prompt / completion"
    out = [
        "## Coverage",
        "",
        f"| Reviewer | Status | Engine | {counts} | Dropped (ungrounded / low confidence) "
        f"| Merged | Suppressed | Tokens ({tokens}) |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |" + (" --- |" if llm else ""),
    ]
    for r in report.reviewers:
        engine = r.engine if not r.model else f"{r.engine} ({r.model})"
        if r.structured_output:
            engine += f", {r.structured_output}"
        status = r.status if not r.error else f"{r.status}: {r.error}"
        found = str(r.findings)
        used = f"{r.usage.prompt_tokens} / {r.usage.completion_tokens}"
        if llm:
            found += f" | {sum(1 for f in report.findings if r.name in f.reviewers)}"
            used = (f"{r.usage.prompt_tokens:,} / {r.usage.cached_tokens:,} "
                    f"/ {r.usage.completion_tokens:,}")
        out.append(
            f"| {r.name} | {status.replace('|', '/')} | {engine} | {found} "
            f"| {r.dropped.ungrounded} / {r.dropped.below_confidence} | {r.dropped.merged} "
            f"| {r.dropped.suppressed} | {used} |"
        )
    if llm:
        prompt = sum(r.usage.prompt_tokens for r in report.reviewers)
        cached = sum(r.usage.cached_tokens for r in report.reviewers)
        completion = sum(r.usage.completion_tokens for r in report.reviewers)
        out += [
            "",
            f"Tokens for this review: {prompt:,} prompt ({cached:,} served from the "
            f"provider's prompt cache) and {completion:,} completion.",
        ]
    return [*out, ""]


def _notes(report: Report) -> list[str]:
    out = ["## Notes", ""]
    commit = f" at `{report.repo.commit[:12]}`" if report.repo.commit else ""
    ref = "working tree" if report.repo.ref == "WORKTREE" else f"ref `{report.repo.ref}`"
    out.append(f"- Repository read from the {ref}{commit}.")
    out += [f"- {note}" for note in report.notes]
    if report.skipped_references:
        out.append("- Referenced files not read:")
        out += [f"  - `{s.path}`: {s.reason}" for s in report.skipped_references]
    return [*out, ""]
