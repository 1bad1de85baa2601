"""`planreview hook claude-code`, fed recorded Claude Code PostToolUse payloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planreview.cli import run
from tests.conftest import GitRepoFactory

HOOKS = Path(__file__).parent / "data" / "hooks"

RISKY_PLAN = """# Orders: add a status column

The orders table has ~40M rows.

## Migration

```sql
ALTER TABLE orders ADD COLUMN status text NOT NULL;
CREATE INDEX orders_status_idx ON orders (status);
```
"""

SAFE_PLAN = """# Orders: rename a label in the admin

Only the admin template changes; no schema or query changes.
"""


def hook(payload: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(payload))
    code = run(["hook", "claude-code"])
    out, err = capsys.readouterr()
    return code, out, err


def recorded(name: str, repo: Path) -> str:
    return (HOOKS / name).read_text(encoding="utf-8").replace("{repo}", str(repo))


@pytest.fixture
def repo(git_repo: GitRepoFactory) -> Path:
    return git_repo({
        "docs/plans/orders-status.md": RISKY_PLAN,
        "design/rfcs/orders-status.md": RISKY_PLAN,
        "src/orders.py": "x = 1\n",
    })


@pytest.mark.parametrize("name", ["write-plan.json", "edit-plan-relative.json"])
def test_a_written_plan_with_p1_p2_findings_is_fed_back_to_the_agent(
    name: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = hook(recorded(name, repo), monkeypatch, capsys)

    assert (code, err) == (0, "")
    answer = json.loads(out)
    assert answer["decision"] == "block"
    lines = answer["reason"].splitlines()
    assert "docs/plans/orders-status.md" in lines[0]
    assert any("`migration/add-column-not-null-without-default`" in line
               and "docs/plans/orders-status.md:8" in line for line in lines[1:])
    assert all(line.startswith("- **P1**") or line.startswith("- **P2**") for line in lines[1:])


def test_a_plan_without_p1_p2_findings_says_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / "docs/plans/orders-status.md").write_text(SAFE_PLAN, encoding="utf-8")

    assert hook(recorded("write-plan.json", repo), monkeypatch, capsys) == (0, "", "")


@pytest.mark.parametrize("name", ["multiedit-code.json", "bash-tool.json",
                                  "write-configured-plan.json"])
def test_code_files_other_tools_and_unconfigured_folders_are_silent(
    name: str, repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert hook(recorded(name, repo), monkeypatch, capsys) == (0, "", "")


def test_the_configured_plans_globs_are_plans_too(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".planreview.toml").write_text('plans = ["design/rfcs/*.md"]\n', encoding="utf-8")

    code, out, _ = hook(recorded("write-configured-plan.json", repo), monkeypatch, capsys)

    assert code == 0
    assert "design/rfcs/orders-status.md" in json.loads(out)["reason"]


def test_an_excluded_plan_is_silent(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ".planreview.toml").write_text('exclude = ["docs/plans/orders-*.md"]\n',
                                           encoding="utf-8")

    assert hook(recorded("write-plan.json", repo), monkeypatch, capsys) == (0, "", "")


@pytest.mark.parametrize(("payload", "message"), [
    ("not json", "hook payload is not JSON"),
    ("[1, 2]", "hook payload is not a JSON object"),
    ('{"tool_input": {"file_path": "a.md"}}', "hook payload has no tool_name"),
    ('{"tool_name": "Write", "tool_input": {}}', "has no tool_input.file_path"),
])
def test_a_malformed_payload_is_one_line_and_exit_1_not_the_blocking_2(
    payload: str, message: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = hook(payload, monkeypatch, capsys)

    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("Error: ") and message in err
