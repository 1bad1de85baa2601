"""SARIF 2.1.0 output: levels, stable rule ids and fingerprints, and the CLI format."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from planreview.cli import main
from planreview.models import Category, Severity
from planreview.report.sarif import FINGERPRINT_KEY, sarif_log
from tests.conftest import GitRepoFactory
from tests.github.factories import finding, report


def test_severities_map_to_sarif_levels() -> None:
    log = sarif_log(report([finding(Severity.P1, "a"), finding(Severity.P2, "b"),
                            finding(Severity.P3, "c")]))
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error", "warning", "note"]
    assert log["version"] == "2.1.0"


def test_llm_findings_get_a_rule_id_from_their_category() -> None:
    log = sarif_log(report([finding(rule=None, category=Category.caching)]))
    result = log["runs"][0]["results"][0]
    assert result["ruleId"] == "llm/caching"
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert rules[result["ruleIndex"]]["id"] == "llm/caching"


def test_fingerprint_ignores_line_moves_but_not_title_changes() -> None:
    def fp(**kw: object) -> str:
        log = sarif_log(report([finding(**kw)]))  # type: ignore[arg-type]
        return str(log["runs"][0]["results"][0]["partialFingerprints"][FINGERPRINT_KEY])

    assert fp(line=3) == fp(line=40)
    assert fp(title="Booking.tierId has no index") == fp(title="Booking.tierId has no  index!")
    assert fp(title="Booking.tierId has no index") != fp(title="Tier.segmentId has no index")


def test_locations_carry_path_and_line_range() -> None:
    log = sarif_log(report([finding(path="src/a.ts", line=7)]))
    region = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert region["artifactLocation"]["uri"] == "src/a.ts"
    assert region["region"] == {"startLine": 7, "endLine": 7}


def test_review_command_prints_sarif(git_repo: GitRepoFactory) -> None:
    plan = "# Plan\n\n```sql\nCREATE INDEX idx_b ON bookings (tier_id);\n```\n"
    root = git_repo({"docs/plans/p.md": plan})
    result = CliRunner().invoke(
        main, ["review", str(root / "docs/plans/p.md"), "--repo", str(root),
               "--format", "sarif", "--engine", "rules", "-q"],
    )
    assert result.exit_code == 0, result.output
    log = json.loads(result.output)
    assert log["runs"][0]["tool"]["driver"]["name"] == "planreview"
    assert Path(log["runs"][0]["properties"]["plan"]).name == "p.md"


def test_several_plans_share_one_run_with_one_rule_table() -> None:
    first = report([finding(Severity.P1)], plan="docs/plans/a.md")
    second = report([finding(Severity.P2), finding(Severity.P3, title="Other")],
                    plan="docs/plans/b.md")

    [run] = sarif_log(first, second)["runs"]

    assert len(run["results"]) == 3
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["indexing/fk-without-index"]
    assert {r["ruleIndex"] for r in run["results"]} == {0}
    assert run["properties"]["plans"] == ["docs/plans/a.md", "docs/plans/b.md"]
