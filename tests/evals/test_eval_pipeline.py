"""`planreview eval` through the real pipeline (rules engine, no subprocess) on two small
cases: one whose repo is a git repository, one with no repo at all.

Only a test rule is enabled (every other rule is disabled in .planreview.toml), so the
expected numbers can be counted by hand from the plans below.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from planreview.cli import run
from planreview.models import Severity
from planreview.reviewers import all_rules
from planreview.rules import Hit, RuleContext, rule
from tests.conftest import AddRule
from tests.evals.evalkit import write_case

RULE = "performance/test-eval-marker"
MARKER = re.compile(r"MARKER-(\w+)")


@pytest.fixture
def marker_rule(add_rule: AddRule) -> None:
    """Flags every `MARKER-<word>` in the plan as a P2 finding titled `Marker <word>`."""

    @rule(RULE, severity=Severity.P2)
    def marker(ctx: RuleContext) -> Iterator[Hit]:
        """Flags MARKER-<word> plan lines (a test rule)."""
        for number, text in enumerate(ctx.plan.lines, start=1):
            for found in MARKER.finditer(text):
                yield Hit(
                    title=f"Marker {found.group(1)}", locations=[ctx.plan_location(number)],
                    issue="marker", impact="none", recommendation="remove it",
                    evidence=[ctx.plan_evidence(number)],
                )

    add_rule(marker)


@pytest.fixture
def cases(tmp_path: Path, git: Callable[..., str], marker_rule: None,
          monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "cases"
    with_repo = write_case(root, "with-repo", {
        "id": "with-repo", "plan": "plan.md", "repo": "repo",
        "expected": [
            {"id": "g1", "category": "performance", "severity": "P2", "title": "alpha",
             "match": [["marker alpha"]]},
            {"id": "g2", "category": "indexing", "severity": "P1", "title": "gamma",
             "match": [["marker gamma"]]},
        ],
        "rejected": [{"id": "r1", "title": "beta is fine", "match": [["marker beta"]]}],
    }, plan="# Orders\n\nSee `src/orders.ts:1`.\n\nMARKER-alpha\n\nMARKER-beta\n")
    repo = with_repo / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "orders.ts").write_text("export const orders = [];\n", encoding="utf-8")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=T", "add", "-A")
    git(repo, "-c", "user.email=t@example.com", "-c", "user.name=T",
        "-c", "commit.gpgsign=false", "commit", "-q", "-m", "init")
    write_case(root, "no-repo", {"id": "no-repo", "plan": "plan.md", "expected": []},
               plan="# Clean plan\n\nNothing to see.\n")
    others = [r.id for r in all_rules() if r.id != RULE]
    (tmp_path / ".planreview.toml").write_text(
        f"disable = {json.dumps(others)}\n", encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    return root


def test_the_real_pipeline_scores_two_cases_as_counted_by_hand(
    cases: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "results.json"
    code = run(["eval", str(cases), "--out", str(out), "--quiet"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    data = json.loads(out.read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in data["cases"]}
    # with-repo: predictions "Marker alpha" (P2) and "Marker beta" (P2).
    # alpha matches g1 (same severity); gamma (g2, P1) is missed; beta is rejected r1.
    first = by_id["with-repo"]
    assert first["error"] is None
    assert [f["title"] for f in first["predicted"]] == ["Marker alpha", "Marker beta"]
    assert (first["recall"], first["weighted_recall"], first["precision"]) == (0.5, 0.4, 0.5)
    assert (first["rejected_hits"], first["severity_agreement"]) == (1, 1.0)
    assert first["missed"] == ["g2"]
    # no-repo: a clean plan, nothing predicted: every ratio undefined.
    second = by_id["no-repo"]
    assert (second["error"], second["predictions"]) == (None, 0)
    assert (second["recall"], second["precision"]) == (None, None)
    totals = data["totals"]
    assert (totals["recall"], totals["weighted_recall"], totals["precision"]) == (0.5, 0.4, 0.5)
    assert (totals["cases"], totals["scored"], totals["rejected_hits"]) == (2, 2, 1)
    assert "| with-repo | 1/2 | 0.50 | 0.40 | 0.50 | 1 |" in captured.out
