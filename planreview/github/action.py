"""`planreview github action`: review a pull_request event's changed plans in Actions.

Reads the standard Actions environment (passed in as a Mapping, never os.environ deep
down): GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_TOKEN, GITHUB_API_URL,
GITHUB_SERVER_URL, GITHUB_RUN_ID, GITHUB_STEP_SUMMARY. Writes the job summary (the
full reports) and, optionally, SARIF. When the token cannot write (a fork PR), it says
so in the job summary and as workflow-command warnings, and annotates the findings with
workflow commands instead of a check run; the exit code still follows --fail-on.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from planreview.errors import UserInputError
from planreview.github.api import DEFAULT_API_URL, GitHubClient, Sleep
from planreview.github.pull import PullRequest, PullResult, PullReviewer, ReviewFn
from planreview.github.render import open_fence_at_end
from planreview.models import Severity
from planreview.report.sarif import SARIF_SCHEMA, sarif_log

ACTIONS_BOT = "github-actions[bot]"
_WORKFLOW_ANNOTATION_CAP = 50
_COMMANDS = {Severity.P1: "error", Severity.P2: "warning", Severity.P3: "notice"}
EXIT_OK, EXIT_FINDINGS, EXIT_INCOMPLETE = 0, 1, 3
SUMMARY_LIMIT_BYTES = 1_048_576


def run_action(env: Mapping[str, str], out: TextIO, *, flags: Mapping[str, Any] | None = None,
               review: ReviewFn | None = None, sleep: Sleep = time.sleep,
               sarif_path: Path | None = None) -> int:
    event = _event(env)
    pull = event.get("pull_request")
    if not isinstance(pull, dict):
        raise UserInputError("planreview github action runs on pull_request events "
                             "(this event has no pull_request)")
    repo = env.get("GITHUB_REPOSITORY") or str(event.get("repository", {}).get("full_name", ""))
    token = env.get("GITHUB_TOKEN", "")
    if not repo or not token:
        raise UserInputError("GITHUB_REPOSITORY and GITHUB_TOKEN must be set "
                             "(pass `github-token` to the action)")
    out.write(f"::add-mask::{token}\n")
    pr = PullRequest.from_payload(pull, repo)
    server = env.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    run_id = env.get("GITHUB_RUN_ID")
    hint = (f"The full report is in the [job summary]({server}/{repo}/actions/runs/{run_id})."
            if run_id else "The full report is in the workflow run's job summary.")
    with GitHubClient(token, base_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
                      sleep=sleep) as client:
        bot = env.get("PLANREVIEW_BOT_LOGIN") or client.authenticated_login() or ACTIONS_BOT
        reviewer = PullReviewer(client=client, bot_login=bot, flags=flags or {}, env=env,
                                server_url=server, full_report_hint=hint)
        if review is not None:
            reviewer.review = review
        result = reviewer.run(pr)
    if result.read_only:
        _degrade(result, pr, out)
    summary = env.get("GITHUB_STEP_SUMMARY")
    if summary:
        with Path(summary).open("a", encoding="utf-8") as handle:
            handle.write(job_summary(result, pr))
    if sarif_path is not None:
        _write_sarif(result, sarif_path)
    for outcome in result.outcomes:
        out.write(f"planreview: {outcome.plan}: {outcome.status} ({outcome.conclusion})\n")
    return exit_code(result)


def _event(env: Mapping[str, str]) -> dict[str, Any]:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        raise UserInputError("GITHUB_EVENT_PATH is not set: run inside GitHub Actions "
                             "or point it at a pull_request event JSON")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserInputError(f"cannot read the event at {path}: {exc}") from None
    if not isinstance(data, dict):
        raise UserInputError(f"the event at {path} is not a JSON object")
    return data


def _degrade(result: PullResult, pr: PullRequest, out: TextIO) -> None:
    why = "a fork PR's token is read-only" if pr.fork else "the token is read-only"
    out.write(_command("warning", f"planreview could not post its review: {why} "
                       f"({result.read_only}). The findings are in the job summary and below.",
                       title="planreview: review not posted"))
    shown = 0
    for outcome in result.outcomes:
        for f in outcome.report.findings if outcome.report else []:
            for loc in f.locations[:1]:
                if shown >= _WORKFLOW_ANNOTATION_CAP:
                    return
                out.write(_command(_COMMANDS[f.severity], f"{f.issue} Recommendation: "
                                   f"{f.recommendation}", file=loc.path, line=loc.start_line,
                                   end_line=loc.end_line, title=f"{f.id}: {f.title}"))
                shown += 1


def _command(name: str, message: str, **props: object) -> str:
    """A workflow command line, with GitHub's escaping (the message is untrusted text:
    a newline in it must not start a second command)."""
    def esc(value: str, prop: bool) -> str:
        value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        return value.replace(":", "%3A").replace(",", "%2C") if prop else value

    keys = {"end_line": "endLine"}
    rendered = ",".join(f"{keys.get(k, k)}={esc(str(v), True)}" for k, v in props.items())
    return f"::{name} {rendered}::{esc(message, False)}\n"


def job_summary(result: PullResult, pr: PullRequest) -> str:
    out = [f"# planreview: PR #{pr.number}", ""]
    if result.read_only:
        out += ["> [!WARNING]",
                f"> **The review was not posted on the PR**: {result.read_only}."
                + (" This is a pull request from a fork, whose `GITHUB_TOKEN` cannot write."
                   if pr.fork else ""),
                "> The full review is below; findings are also annotated on the run.", ""]
    if not result.outcomes:
        out += ["No changed plan matches "
                + ", ".join(f"`{g}`" for g in result.settings.plans) + ".", ""]
    for outcome in result.outcomes:
        plan = outcome.plan.replace("`", "'").replace("<", "&lt;")
        out += [f"## `{plan}`: {outcome.status}", ""]
        if outcome.error:
            out += [f"Not reviewed: {outcome.error.replace('<', '&lt;')}", ""]
        elif outcome.status == "unchanged":
            out += ["Unchanged since the last review; the PR comment stands.", ""]
        if outcome.full_markdown:
            out += [outcome.full_markdown, ""]
    return _cap_summary("\n".join(out) + "\n")


def _cap_summary(text: str) -> str:
    """GitHub drops a step summary over 1 MiB entirely: cut it (closing any open fence)
    and say so, rather than lose it all."""
    if len(text.encode("utf-8")) <= SUMMARY_LIMIT_BYTES:
        return text
    cut = text.encode("utf-8")[:SUMMARY_LIMIT_BYTES - 2_000].decode("utf-8", "ignore")
    cut = cut[:cut.rfind("\n") + 1]
    fence = open_fence_at_end(cut)
    return (cut + (f"{fence}\n" if fence else "") + "\n> **Truncated**: the job summary "
            "is limited to 1 MiB; run `planreview review` on the plan for the rest.\n")


def _write_sarif(result: PullResult, path: Path) -> None:
    reports = [o.report for o in result.outcomes if o.report]
    log: dict[str, Any] = (sarif_log(*reports) if reports else
                           {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": []})
    path.write_text(json.dumps(log, indent=2) + "\n", encoding="utf-8")


def exit_code(result: PullResult) -> int:
    settings = result.settings
    reports = [o.report for o in result.outcomes if o.report]
    if any(r.incomplete for r in reports) and not settings.allow_partial:
        return EXIT_INCOMPLETE
    # Unchanged plans have no report this run: their conclusion comes from the marker.
    if any(o.conclusion == "failure" for o in result.outcomes):
        return EXIT_FINDINGS
    return EXIT_OK
