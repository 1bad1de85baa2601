"""`planreview mcp`, driven by the SDK's own stdio client as an agent host would."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GitRepoFactory

pytest.importorskip("mcp")

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

PLAN = """# Orders: add a status column

## Migration

```sql
ALTER TABLE orders ADD COLUMN status text NOT NULL DEFAULT 'new';
CREATE INDEX orders_status_idx ON orders (status);
```
"""


async def _session(repo: Path, calls: list[tuple[str, dict[str, Any]]]) -> tuple[Any, list[Any]]:
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "planreview", "mcp", "--repo", str(repo)],
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        listed = await session.list_tools()
        results = [await session.call_tool(name, args) for name, args in calls]
    return listed, results


def run_session(repo: Path, *calls: tuple[str, dict[str, Any]]) -> tuple[Any, list[Any]]:
    out: list[tuple[Any, list[Any]]] = []

    async def main() -> None:
        with anyio.fail_after(120):
            out.append(await _session(repo, list(calls)))

    anyio.run(main)
    return out[0]


def text_of(result: Any) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


def test_a_session_reviews_a_plan_refuses_outside_paths_and_keeps_answering(
    git_repo: GitRepoFactory, tmp_path: Path
) -> None:
    repo = git_repo({"docs/plans/orders.md": PLAN, "src/orders.py": "x = 1\n"})
    outside = tmp_path / "elsewhere.md"
    outside.write_text(PLAN, encoding="utf-8")

    listed, (review, escaped, dotted, rules) = run_session(
        repo,
        ("review_plan", {"plan": "docs/plans/orders.md", "fail_on": "P2"}),
        ("review_plan", {"plan": str(outside)}),
        ("review_plan", {"plan": "../elsewhere.md"}),
        ("list_rules", {}),
    )

    assert {t.name for t in listed.tools} == {"review_plan", "list_rules", "explain_rule"}
    assert not review.is_error
    report = review.structured_content
    assert report["engine"] == "rules"
    assert report["plan"].endswith("orders.md")
    assert report["findings"], "the plan's NOT NULL column and plain CREATE INDEX are findings"
    assert "fail_on P2:" in text_of(review)
    assert "# " in text_of(review)  # the Markdown report
    for refused in (escaped, dotted):
        assert refused.is_error
        assert "outside the repository" in text_of(refused)
        assert text_of(refused).startswith("Error: ")
    assert not rules.is_error
    assert any(r["id"].startswith("migration/") for r in rules.structured_content["rules"])


def test_bad_input_is_a_tool_error_with_the_clis_message(git_repo: GitRepoFactory) -> None:
    repo = git_repo({"docs/plans/orders.md": PLAN})

    _, (missing, unknown, explained) = run_session(
        repo,
        ("review_plan", {"plan": "docs/plans/nope.md"}),
        ("explain_rule", {"rule": "migration/no-such-rule"}),
        ("explain_rule", {"rule": "migration/set-not-null"}),
    )

    assert missing.is_error and "nope.md" in text_of(missing)
    assert len(text_of(missing).splitlines()) == 1
    assert unknown.is_error and "unknown rule" in text_of(unknown)
    assert not explained.is_error and "Docs:" in text_of(explained)


def test_the_bundled_example_is_reviewed_like_the_cli_does(tmp_path: Path) -> None:
    import shutil
    import subprocess

    repo = tmp_path / "example"
    shutil.copytree(Path(__file__).resolve().parent.parent / "examples" / "repo", repo)
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    plan = "docs/plans/2026-03-01-orders-plan.md"

    _, (review,) = run_session(repo, ("review_plan", {"plan": plan, "fail_on": "P1"}))
    cli = subprocess.run(
        [sys.executable, "-m", "planreview", "review", plan, "--repo", str(repo),
         "--engine", "rules", "--format", "json", "--quiet"],
        capture_output=True, text=True, check=False, cwd=repo, timeout=120,
    )

    assert not review.is_error
    expected = json.loads(cli.stdout)
    got = review.structured_content
    assert [f["rule"] for f in got["findings"]] == [f["rule"] for f in expected["findings"]]
    assert text_of(review).startswith("fail_on P1: ")


def test_a_missing_repository_is_one_line_exit_2() -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "planreview", "mcp", "--repo", "/nonexistent/repo"],
        capture_output=True, text=True, check=False, timeout=60, stdin=subprocess.DEVNULL,
    )

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: repository path /nonexistent/repo does not exist"]
