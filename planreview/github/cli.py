"""Click commands: `planreview github action` and `planreview serve`."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click


@click.group(name="github")
def github_group() -> None:
    """Review pull requests that change plans (GitHub Action, App server)."""


@github_group.command()
@click.option("--fail-on", type=click.Choice(["none", "P1", "P2", "P3"]), default=None,
              help="Fail the check run (and exit 1) at or above this severity.")
@click.option("--engine", type=click.Choice(["auto", "rules", "llm"]), default=None)
@click.option("--reviewers", default=None, help="Comma-separated subset of reviewers.")
@click.option("--model", default=None, help="Model name for the LLM reviewers.")
@click.option("--sarif", "sarif_path", type=click.Path(path_type=Path), default=None,
              help="Also write SARIF 2.1.0 here (for github/codeql-action/upload-sarif).")
def action(sarif_path: Path | None, **flags: Any) -> None:
    """Run inside GitHub Actions on a pull_request event (reads GITHUB_* variables)."""
    from planreview.github.action import run_action

    code = run_action(os.environ, sys.stdout, flags=flags, sarif_path=sarif_path)
    sys.exit(code)


@click.command(name="serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
def serve_command(host: str, port: int) -> None:
    """Run the GitHub App webhook server (configured by PLANREVIEW_* variables)."""
    from planreview.github.server import serve

    serve(os.environ, host=host, port=port)
