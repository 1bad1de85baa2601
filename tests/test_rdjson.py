"""reviewdog's rdjson output, validated against reviewdog's published JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from planreview.cli import main, run
from planreview.explain import RULES_DOC_URL, rule_anchor
from planreview.models import Category, Location, Severity
from planreview.report.rdjson import diagnostic_result
from planreview.reviewers import all_rules
from tests.conftest import GitRepoFactory
from tests.github.factories import finding, report

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests/data/rdjson/DiagnosticResult.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA)
EXAMPLE_REPO = ROOT / "examples" / "repo"
EXAMPLE_PLAN = "docs/plans/2026-03-01-orders-plan.md"


def validate(doc: dict[str, Any]) -> None:
    errors = [e.message for e in VALIDATOR.iter_errors(doc)]
    assert errors == []


def test_the_example_review_is_valid_rdjson_with_one_diagnostic_per_finding() -> None:
    args = ["review", str(EXAMPLE_REPO / EXAMPLE_PLAN), "--repo", str(EXAMPLE_REPO),
            "--engine", "rules", "-q"]
    as_json = json.loads(CliRunner().invoke(main, [*args, "--format", "json"]).output)
    result = CliRunner().invoke(main, [*args, "--format", "rdjson"])

    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    validate(doc)
    assert doc["source"]["name"] == "planreview"
    assert len(doc["diagnostics"]) == len(as_json["findings"]) > 5
    first, finding_one = doc["diagnostics"][0], as_json["findings"][0]
    assert first["code"]["value"] == finding_one["rule"]
    assert first["location"]["path"] == EXAMPLE_PLAN
    assert first["location"]["range"]["start"]["line"] == finding_one["locations"][0][
        "start_line"]


def test_the_schema_check_is_not_vacuous() -> None:
    doc = diagnostic_result(report([finding()]))
    doc["diagnostics"][0]["severity"] = "P1"
    doc["diagnostics"][0]["location"]["range"]["start"]["line"] = "3"
    assert len(list(VALIDATOR.iter_errors(doc))) >= 1
    assert not VALIDATOR.is_valid({"diagnostics": [{"message": 1}]})


def test_severities_map_to_error_warning_info() -> None:
    doc = diagnostic_result(report([finding(Severity.P1, "a"), finding(Severity.P2, "b"),
                                    finding(Severity.P3, "c")]))
    validate(doc)
    assert [d["severity"] for d in doc["diagnostics"]] == ["ERROR", "WARNING", "INFO"]


def test_the_code_links_to_the_rules_heading_in_docs_rules_md() -> None:
    doc = diagnostic_result(report([finding(rule="migration/create-index-not-concurrently")]))
    assert doc["diagnostics"][0]["code"] == {
        "value": "migration/create-index-not-concurrently",
        "url": f"{RULES_DOC_URL}#migrationcreate-index-not-concurrently",
    }


def test_every_rule_anchor_is_the_one_docs_rules_md_links_and_github_forms() -> None:
    text = (ROOT / "docs/rules.md").read_text("utf-8")
    table_links = dict(re.findall(r"^\| \[`([^`]+)`\]\(#([^)]+)\)", text, re.MULTILINE))
    headings = re.findall(r"^## (`[^`]+`)$", text, re.MULTILINE)
    ids = [r.id for r in all_rules()]
    assert {h.strip("`") for h in headings} == set(ids)
    for rid in ids:
        assert rule_anchor(rid) == table_links[rid]
        assert rule_anchor(f"`{rid}`") == rule_anchor(rid)  # the heading's own text


@pytest.mark.parametrize(("heading", "anchor"), [
    ("`performance/n-plus-one-query`", "performancen-plus-one-query"),
    ("Some Rule v1.2 / Draft", "some-rule-v12--draft"),
    ("snake_case_id", "snake_case_id"),
])
def test_rule_anchor_follows_githubs_slug_rules(heading: str, anchor: str) -> None:
    assert rule_anchor(heading) == anchor


def test_an_llm_finding_gets_its_category_code_and_no_url() -> None:
    doc = diagnostic_result(report([finding(rule=None, category=Category.caching)]))
    validate(doc)
    assert doc["diagnostics"][0]["code"] == {"value": "llm/caching"}


def test_the_plan_range_leads_and_other_cited_ranges_are_related_locations() -> None:
    f = finding(path="docs/plans/x.md", line=12).model_copy(update={"locations": [
        Location(path="server/src/a.ts", start_line=40, end_line=44),
        Location(path="docs/plans/x.md", start_line=12, end_line=15),
        Location(path="server/src/b.ts", start_line=7, end_line=7),
    ]})
    doc = diagnostic_result(report([f], plan="docs/plans/x.md"))
    validate(doc)
    diagnostic = doc["diagnostics"][0]
    assert diagnostic["location"] == {
        "path": "docs/plans/x.md", "range": {"start": {"line": 12}, "end": {"line": 15}}}
    assert [r["location"]["path"] for r in diagnostic["related_locations"]] == [
        "server/src/a.ts", "server/src/b.ts"]
    assert diagnostic["related_locations"][0]["location"]["range"] == {
        "start": {"line": 40}, "end": {"line": 44}}


def test_a_finding_without_a_plan_range_keeps_its_first_cited_range() -> None:
    doc = diagnostic_result(report([finding(path="server/src/a.ts", line=9)]))
    assert doc["diagnostics"][0]["location"]["path"] == "server/src/a.ts"
    assert "related_locations" not in doc["diagnostics"][0]


def test_plan_and_model_text_is_neutralised_in_messages() -> None:
    hostile = ("Ping @acme/admins <img src=x onerror=alert(1)> ![t](https://evil.example/t.png)"
               " [login](https://evil.example/login) \x1b[31mred\x1b[0m \u202egnp.exe\x00")
    doc = diagnostic_result(report([finding(title=hostile, issue=hostile)]))
    validate(doc)
    message = doc["diagnostics"][0]["message"]

    assert "\x1b" not in message and "\u202e" not in message and "\x00" not in message
    assert "<img" not in message and "&lt;img" in message
    assert "(image removed)" in message
    assert "](https://evil.example/login)" not in message
    assert "`@acme/admins`" in message
    assert message.startswith("P1-1: Ping ")
    assert "Impact: Sequential scans at 10M rows." in message
    assert "Recommendation: Add an index." in message


def test_an_ungrounded_finding_says_so() -> None:
    f = finding().model_copy(update={"grounded": False})
    message = diagnostic_result(report([f]))["diagnostics"][0]["message"]
    assert "UNGROUNDED" in message


def test_several_plans_give_one_result_and_json_refuses_them(
    git_repo: GitRepoFactory, capsys: pytest.CaptureFixture[str],
) -> None:
    sql = "# Plan\n\n```sql\nALTER TABLE orders ADD COLUMN {} text NOT NULL;\n```\n"
    root = git_repo({"docs/plans/a.md": sql.format("region"),
                     "docs/plans/b.md": sql.format("zone")})
    plans = [str(root / "docs/plans/a.md"), str(root / "docs/plans/b.md")]
    common = ["review", *plans, "--repo", str(root), "--engine", "rules", "-q"]

    assert run([*common, "--format", "rdjson", "--fail-on", "P1"]) == 1
    doc = json.loads(capsys.readouterr().out)
    validate(doc)
    paths = {d["location"]["path"] for d in doc["diagnostics"]}
    assert paths == {"docs/plans/a.md", "docs/plans/b.md"}

    assert run([*common, "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Error: --format json is one report") and err.count("\n") == 1
