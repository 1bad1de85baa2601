"""`planreview eval CASES`: review every case, print the scoreboard, gate on a baseline.

Exit codes: 0 ok; 1 regression against --baseline; 2 bad input (missing folder, bad
baseline — one `Error:` line — or, after the run, a malformed case); 3 a case crashed
or a reviewer failed in one. When several apply the highest wins: a crash or a
malformed case makes the totals untrustworthy, so it outranks a regression.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planreview.errors import UserInputError
from planreview.evals.baseline import RECALL_TOLERANCE, REJECTED_TOLERANCE, compare, load_baseline

if TYPE_CHECKING:  # `planreview --help` should not pay for jsonschema and the result models
    from planreview.evals.results import Results

EXIT_OK, EXIT_REGRESSION, EXIT_BAD_INPUT, EXIT_CRASHED = 0, 1, 2, 3


@click.command("eval")
@click.argument("cases_dir", metavar="CASES", type=click.Path(path_type=Path))
@click.option("--engine", type=click.Choice(["rules", "llm", "auto"]), default="rules",
              show_default=True, help="rules: offline deterministic rules; llm: the model.")
@click.option("--model", default=None, help="Model name for --engine llm/auto.")
@click.option("--concurrency", type=click.IntRange(min=1), default=4, show_default=True,
              help="Cases reviewed at once (threads).")
@click.option("--out", type=click.Path(path_type=Path), default=None,
              help="Write the results JSON here (atomically).")
@click.option("--baseline", type=click.Path(path_type=Path), default=None,
              help="Earlier results JSON; exit 1 when this run regresses against it.")
@click.option("--tolerance", type=click.FloatRange(min=0), default=RECALL_TOLERANCE,
              show_default=True, help="Allowed absolute drop in weighted recall.")
@click.option("--rejected-tolerance", type=click.IntRange(min=0), default=REJECTED_TOLERANCE,
              show_default=True, help="Allowed rise in rejected hits.")
@click.option("--show-misses", is_flag=True, default=False,
              help="List, per case, expected findings not found, rejected ones raised, and "
              "predictions that match nothing labelled.")
@click.option("--mirrors", type=click.Path(path_type=Path), default=None,
              help="Folder of local git mirrors (DIR/owner+name, as `fetch` lays them out) "
              "that real-repository cases (`source:`) are materialized from; without it, "
              "or without a case's mirror, the case is skipped and counted.")
@click.option("-q", "--quiet", is_flag=True, default=False, help="No progress on stderr.")
def eval_command(
    cases_dir: Path, engine: str, model: str | None, concurrency: int, out: Path | None,
    baseline: Path | None, tolerance: float, rejected_tolerance: int, show_misses: bool,
    mirrors: Path | None, quiet: bool,
) -> None:
    """Score reviews of the evaluation cases in CASES (one case folder or a folder of
    them) against their expected findings, and print a Markdown scoreboard."""
    from planreview.atomic import write_atomically
    from planreview.config import build_settings
    from planreview.evals.case import discover
    from planreview.evals.progress import EvalProgress
    from planreview.evals.results import build_results
    from planreview.evals.runner import pipeline_review, run_cases
    from planreview.evals.scoreboard import render_scoreboard

    if out is not None and out.is_dir():
        raise UserInputError(f"--out {out} is a directory")  # say so before a long run
    if mirrors is not None and not mirrors.is_dir():
        raise UserInputError(f"--mirrors {mirrors} is not a folder")
    found = discover(cases_dir)
    before = load_baseline(baseline) if baseline is not None else None
    settings = build_settings({"engine": engine, "model": model}, os.environ, Path.cwd())
    if settings.engine == "llm" and not settings.llm_configured:
        # Every case would fail the same way; say it once, as bad input.
        raise UserInputError(
            "--engine llm needs a model server: set OPENAI_API_KEY (OpenAI) or "
            "OPENAI_BASE_URL (a local OpenAI-compatible server)"
        )
    for bad in found.malformed:
        click.echo(f"eval: malformed case {bad}", err=True)
    with EvalProgress(len(found.cases), enabled=not quiet) as progress:
        runs = run_cases(found.cases, pipeline_review(settings, mirrors),
                         concurrency=concurrency, on_done=progress, mirrors=mirrors)
    results = build_results(runs, found.malformed, engine=engine,
                            model=settings.model if settings.use_llm else None)
    if out is not None:
        _make_parent(out)
        write_atomically(out, results.model_dump_json(indent=2) + "\n")
    click.echo(render_scoreboard(results, show_misses=show_misses), nl=False)
    regressed = False
    if before is not None:
        regressions = compare(results.totals, before, recall_tolerance=tolerance,
                              rejected_tolerance=rejected_tolerance)
        for regression in regressions:
            click.echo(f"eval: regression against {baseline}: {regression}", err=True)
        regressed = bool(regressions)
    sys.exit(exit_code(results, regressed=regressed))


def _make_parent(out: Path) -> None:
    """Results usually go to a scratch folder (`make eval`: .cache/) that a fresh
    checkout does not have yet."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserInputError(f"cannot write {out}: {exc.strerror or exc}") from None


def exit_code(results: Results, *, regressed: bool) -> int:
    t = results.totals
    if t.failed or t.incomplete:
        return EXIT_CRASHED
    if t.malformed:
        return EXIT_BAD_INPUT
    return EXIT_REGRESSION if regressed else EXIT_OK
