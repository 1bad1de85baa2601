"""Start-up: a command imports only what it needs (checked in a fresh interpreter).

`planreview --help`, `rules` and `schema` never load LangGraph, the OpenAI client, the MCP
SDK or the GitHub stack; a rules-engine review loads LangGraph (it is the pipeline) but
none of the others; a blank plan's review loads neither LangGraph nor (quiet) rich
(graph/direct.py runs the same nodes, and gives the same report). What a command imports
is read from sys.modules after it ran, in a subprocess, so that this test process's own
imports do not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from planreview.config import Settings
from planreview.graph.build import build_graph
from planreview.graph.direct import run_nodes
from planreview.graph.state import ReviewState, RunContext
from planreview.repo import open_repo
from planreview.review import ReviewRequest

# The GitHub stack: the bot's modules and the HTTP/JWT/web-server libraries they use.
# planreview.github.cli only declares the click commands (their bodies import lazily).
GITHUB = ("planreview.github.", "httpx", "jwt", "starlette", "uvicorn")
CLICK_ONLY = {"planreview.github", "planreview.github.cli"}
NEVER_AT_START = ("langgraph", "langchain_core", "openai", "mcp", *GITHUB)
# httpx comes with LangGraph itself (langgraph.runtime -> langgraph_sdk), so a review that
# runs the graph has it; the bot's own modules and libraries it must not have.
NOT_FOR_RULES = ("openai", "mcp", *(p for p in GITHUB if p != "httpx"))
ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_REPO = ROOT / "examples" / "repo"
EXAMPLE_PLAN = EXAMPLE_REPO / "docs" / "plans" / "2026-03-01-orders-plan.md"

PROBE = """
import json, sys
from planreview.cli import run
code = run(sys.argv[1:])
print("\\n" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def imported_by(*args: str, cwd: Path | None = None) -> list[str]:
    """The modules loaded by `planreview ARGS` in a fresh interpreter."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "LANGSMITH_"))}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False,
        env=env, cwd=cwd, timeout=120,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    modules: list[str] = result["modules"]
    return modules


def matching(modules: list[str], prefixes: tuple[str, ...]) -> list[str]:
    return [
        m for m in modules
        if any(m == p.rstrip(".") or m.startswith(p if p.endswith(".") else p + ".")
               for p in prefixes)
        and m not in CLICK_ONLY
    ]


@pytest.mark.parametrize("args", [["--help"], ["rules"], ["schema"], ["mcp", "--help"]],
                         ids=" ".join)
def test_help_rules_and_schema_load_neither_langgraph_nor_openai_nor_github(
    args: list[str],
) -> None:
    assert matching(imported_by(*args), NEVER_AT_START) == []


def test_a_rules_engine_review_never_loads_the_llm_or_github_stack(
    git_repo: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    repo = git_repo({
        "server/src/orders.ts": "export const a = 1;\n",
        "docs/plans/orders.md": "# Orders\n\n```sql\nCREATE INDEX i ON orders (a);\n```\n",
    })
    out = tmp_path / "report.json"

    modules = imported_by(
        "review", str(repo / "docs/plans/orders.md"), "--repo", str(repo), "--engine", "rules",
        "--quiet", "--format", "json", "--out", str(out),
    )

    assert json.loads(out.read_text(encoding="utf-8"))["engine"] == "rules"
    assert "langgraph" in modules  # the pipeline did run
    assert matching(modules, NOT_FOR_RULES) == []


def test_a_blank_plan_is_reviewed_without_loading_langgraph_or_rich(
    git_repo: Callable[[dict[str, str | bytes]], Path], tmp_path: Path
) -> None:
    repo = git_repo({"docs/plans/blank.md": "\n   \n\t\n"})
    out = tmp_path / "report.json"

    modules = imported_by(
        "review", str(repo / "docs/plans/blank.md"), "--repo", str(repo), "--engine", "rules",
        "--quiet", "--format", "json", "--out", str(out),
    )

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["notes"][0] == "The plan is empty: there is nothing to review."
    assert [r["status"] for r in report["reviewers"]] == ["ok"] * 4
    assert matching(modules, (*NEVER_AT_START, "rich")) == []


@pytest.mark.parametrize("plan_text", ["", "\n  \n", None], ids=["empty", "blank", "example"])
def test_the_nodes_run_without_langgraph_give_the_graphs_report(plan_text: str | None) -> None:
    request = ReviewRequest(
        plan_path=EXAMPLE_PLAN, repo=open_repo(EXAMPLE_REPO, search_parents=False),
        settings=Settings(engine="rules"), repo_label="examples/repo", plan_text=plan_text,
    )

    def ctx() -> RunContext:
        return RunContext(request=request, now=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    by_graph = build_graph().invoke(ReviewState(), context=ctx())["report"]
    direct = run_nodes(ctx())

    assert without_durations(direct.model_dump(mode="json")) == without_durations(
        by_graph.model_dump(mode="json"))
    assert plan_text is not None or len(direct.findings) > 5  # the example has findings


def without_durations(report: dict[str, Any]) -> dict[str, Any]:
    for run in report["reviewers"]:
        run["duration_ms"] = 0
    return report
