"""Start-up: a command imports only what it needs (checked in a fresh interpreter).

`planreview --help`, `rules` and `schema` never load LangGraph, the OpenAI client or the
GitHub stack; a rules-engine review loads LangGraph (it is the pipeline) but never the
OpenAI client. What a command imports is read from sys.modules after it ran, in a
subprocess, so that this test process's own imports do not count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The GitHub stack: the bot's modules and the HTTP/JWT/web-server libraries they use.
# planreview.github.cli only declares the click commands (their bodies import lazily).
GITHUB = ("planreview.github.", "httpx", "jwt", "starlette", "uvicorn")
CLICK_ONLY = {"planreview.github", "planreview.github.cli"}
NEVER_AT_START = ("langgraph", "langchain_core", "openai", *GITHUB)

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


@pytest.mark.parametrize("args", [["--help"], ["rules"], ["schema"]], ids=" ".join)
def test_help_rules_and_schema_load_neither_langgraph_nor_openai_nor_github(
    args: list[str],
) -> None:
    assert matching(imported_by(*args), NEVER_AT_START) == []


def test_a_rules_engine_review_never_loads_the_openai_client(
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
    assert matching(modules, ("openai",)) == []
