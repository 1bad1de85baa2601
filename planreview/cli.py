"""Command line: `planreview review PLAN`, `planreview schema`, `planreview rules`, ...

Exit codes: 0 done, nothing at or above --fail-on; 1 findings at or above --fail-on;
2 bad input or usage (one `Error: ...` line, never a traceback); 3 incomplete review
(a reviewer failed; the report still comes out and says which and why).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from planreview.atomic import write_atomically
from planreview.config import ALL_REVIEWERS, Settings, build_settings
from planreview.errors import UserInputError
from planreview.evals.cli import eval_command
from planreview.github.cli import github_group, serve_command
from planreview.models import Report, at_or_above

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INCOMPLETE = 0, 1, 2, 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="planreview")
def main() -> None:
    """Review implementation plans before they are built.

    Reads a Markdown plan and the repository files it references, runs the
    performance, migration, indexing and caching reviewers, and prints one
    P1/P2/P3 report.
    """


@main.command()
@click.argument("plans", metavar="PLAN...", nargs=-1, required=True,
                type=click.Path(path_type=Path))
@click.option("--repo", "repo_path", type=click.Path(path_type=Path), default=Path(),
              show_default=True, help="Repository the plan's file references resolve against.")
@click.option("--ref", default=None,
              help="Read repository files at this commit-ish instead of the working tree.")
@click.option("--format", "fmt", type=click.Choice(["md", "json", "sarif", "rdjson"]), default="md",
              show_default=True, help="Report format.")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the report here (atomically) instead of stdout.")
@click.option("--fail-on", type=click.Choice(["none", "P1", "P2", "P3"]), default=None,
              help="Exit 1 when a finding at or above this severity exists. [default: none]")
@click.option("--engine", type=click.Choice(["auto", "rules", "llm"]), default=None,
              help="auto: LLM reviewers when OPENAI_API_KEY or OPENAI_BASE_URL is set.")
@click.option("--reviewers", default=None,
              help=f"Comma-separated subset of: {', '.join(ALL_REVIEWERS)}.")
@click.option("--model", default=None, help="Model name for the LLM reviewers.")
@click.option("--structured-output", type=click.Choice(["auto", "json_schema", "json_object",
              "text"]), default=None, help="Force a structured-output mode (default: detect).")
@click.option("--concurrency", type=int, default=None, help="Reviewers run at once (default 4).")
@click.option("--max-tokens-per-run", type=int, default=None,
              help="Stop making LLM calls once this many tokens were spent.")
@click.option("--context-tokens", type=int, default=None,
              help="Token budget for the plan + repository context sent to each LLM reviewer.")
@click.option("--max-output-tokens", type=int, default=None,
              help="Cap on the tokens one LLM answer may generate (default 16000).")
@click.option("--timeout", "timeout_s", type=float, default=None,
              help="Seconds one LLM call may take before it is retried (default 120).")
@click.option("--max-plan-bytes", type=int, default=None,
              help="Refuse plans larger than this (default 5 MB).")
@click.option("--postgres-version", type=int, default=None,
              help="PostgreSQL major the migrations run on (default: read from the repository).")
@click.option("--no-cache", is_flag=True, default=False, help="Bypass the LLM response cache.")
@click.option("--resume", is_flag=True, default=False,
              help="Continue a crashed LLM run without paying again for finished reviewers.")
@click.option("--keep-ungrounded", is_flag=True, default=False,
              help="Keep (flagged) LLM findings whose quotes are not found at their citation.")
@click.option("--allow-partial", is_flag=True, default=False,
              help="Exit 0/1 even when a reviewer failed (default: exit 3).")
@click.option("-q", "--quiet", is_flag=True, default=False, help="No progress on stderr.")
def review(plans: tuple[Path, ...], repo_path: Path | None, ref: str | None, fmt: str,
           out: Path | None, quiet: bool, **options: Any) -> None:
    """Review PLAN (a Markdown file) against the repository at --repo.

    Several PLANs (as pre-commit passes them) are reviewed one after the other: one
    Markdown report each, or one SARIF / rdjson file holding all; the exit code is the
    worst of theirs.
    """
    from planreview.progress import Progress  # rich, git, the plan parser: not for --help
    from planreview.repo import open_repo
    from planreview.review import ReviewRequest, run_review

    flags = _flags(options)
    # An explicit --repo is taken as given (a subfolder is its own repository); by default
    # we look upwards from the current directory, like git does.
    repo = open_repo(repo_path or Path(), ref, search_parents=repo_path is None)
    settings = build_settings(flags, os.environ, repo.root)
    if len(plans) > 1 and fmt == "json":
        raise UserInputError("--format json is one report: give one PLAN (or use sarif/rdjson)")
    for plan in plans:
        if plan.is_dir():
            raise UserInputError(f"plan {plan} is a directory, not a Markdown file")
    llm = None
    if settings.use_llm and os.environ.get("LANGSMITH_TRACING", "").lower() == "true":
        from planreview.llm import LLMClient

        llm = LLMClient.from_settings(settings, tracing=True)  # model calls traced: opt-in
    reports: list[Report] = []
    for plan in plans:
        request = ReviewRequest(plan_path=plan, repo=repo, settings=settings,
                                repo_label=str(repo_path or "."))
        progress = Progress(enabled=not quiet)
        with progress:
            reports.append(run_review(request, progress=progress, llm=llm))
    rendered = _render(reports, fmt)
    if out is None:
        click.echo(rendered, nl=False)
    else:
        write_atomically(out, rendered)
    sys.exit(max(exit_code(report, settings) for report in reports))


def _flags(options: dict[str, Any]) -> dict[str, Any]:
    flags = dict(options)
    flags["cache"] = False if flags.pop("no_cache") else None
    for key in ("resume", "keep_ungrounded", "allow_partial"):
        flags[key] = flags[key] or None  # an unset flag must not beat env or file
    return flags


def _render(reports: list[Report], fmt: str) -> str:
    from planreview.report import render

    return render(reports[0], fmt, *reports[1:])  # type: ignore[arg-type]


def exit_code(report: Report, settings: Settings) -> int:
    if report.incomplete and not settings.allow_partial:
        return EXIT_INCOMPLETE
    if at_or_above(report.findings, settings.fail_on):
        return EXIT_FINDINGS
    return EXIT_OK


@main.command()
def schema() -> None:
    """Print the JSON Schema of the findings report (--format json)."""
    from planreview.models import report_json_schema

    click.echo(json.dumps(report_json_schema(), indent=2))


@main.command()
@click.option("--markdown", is_flag=True, help="Print the docs/rules.md reference instead.")
def rules(markdown: bool) -> None:
    """List every deterministic rule: id, specialty, severity, summary."""
    from planreview.reviewers import all_rules
    from planreview.rules_doc import rules_markdown

    if markdown:
        click.echo(rules_markdown(), nl=False)
        return
    for r in all_rules():
        click.echo(f"{r.id:<52} {r.category.value:<12} {r.severity.value}  {r.summary}")


@main.command()
@click.argument("rule_id", metavar="RULE")
def explain(rule_id: str) -> None:
    """Explain one rule: what it catches, why, the fix (its docs/rules.md section)."""
    from planreview.explain import explain_text

    click.echo(explain_text(rule_id), nl=False)


@main.command()
@click.option("--repo", "repo_path", type=click.Path(path_type=Path), default=Path(),
              show_default=True, help="Repository the tools may read plans from.")
def mcp(repo_path: Path) -> None:
    """Serve review_plan, list_rules and explain_rule over MCP (stdio) to coding agents."""
    try:
        from planreview.agents.mcp_server import serve  # the SDK: only for this command
    except ModuleNotFoundError as exc:
        raise UserInputError(f"the MCP SDK is missing ({exc.msg}): pip install "
                             "'planreview[mcp]'") from None
    serve(repo_path, os.environ)


@main.group()
def hook() -> None:
    """Hooks for coding agents: review a plan right after the agent writes it."""


@hook.command("claude-code")
def hook_claude_code() -> None:
    """Claude Code PostToolUse hook: reads its JSON on stdin; P1/P2 findings in a written
    plan are printed as {"decision": "block", "reason": ...} for the agent to act on."""
    from planreview.agents.hook import parse_payload, review_written

    try:
        written = parse_payload(sys.stdin.read())
        answer = review_written(written, os.environ) if written else None
    except UserInputError as exc:
        # Not exit 2: Claude Code reads exit 2 as "block" and feeds stderr to the model.
        # A broken payload or an unreadable plan is the user's to see, so exit 1 (shown
        # to the user, the agent goes on).
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    if answer:
        click.echo(answer)


main.add_command(eval_command, name="eval")
main.add_command(github_group, name="github")
main.add_command(serve_command, name="serve")


def run(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return the exit code; every expected error is one line, exit 2."""
    try:
        main.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except UserInputError as exc:
        return _fail(str(exc))
    except click.exceptions.Abort:
        return _fail("aborted")
    except click.ClickException as exc:
        return _fail(exc.format_message(), exc.exit_code)
    return EXIT_OK


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    click.echo(f"Error: {message}", err=True)
    return code


def entry() -> NoReturn:
    sys.exit(run())


__all__ = ["entry", "main", "run"]
