"""Loading cases: case.yaml validated against the shipped schema; a malformed case is
reported with its path and offending field while the others still load."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from planreview.errors import UserInputError
from planreview.evals.case import case_schema, discover, load_case
from planreview.models import Category, Severity
from tests.evals.evalkit import case_data, write_case

DESIGN_EXAMPLE = """\
id: add-orders-table
plan: plan.md            # relative to the case folder
repo: repo/              # optional; a plain folder or a git repo
expected:
  - id: g1
    category: indexing
    severity: P1
    title: Foreign key orders.customer_id has no index
    match: [["index"], ["customer_id"]]   # every group: one term present (case-insensitive)
rejected:                 # things a good reviewer must NOT raise
  - id: r1
    title: Add a cache
    match: [["cache"]]
"""


def _malformed(tmp_path: Path, data: dict[str, Any] | str) -> tuple[str, str]:
    write_case(tmp_path, "bad", data)
    found = discover(tmp_path)
    assert found.cases == ()
    [bad] = found.malformed
    assert bad.path == tmp_path / "bad" / "case.yaml"
    return bad.field, bad.message


def test_the_design_example_loads_into_typed_fields(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "add-orders-table", DESIGN_EXAMPLE)
    (folder / "repo").mkdir()
    c = load_case(folder)
    assert (c.id, c.plan, c.repo) == ("add-orders-table", "plan.md", folder / "repo/")
    [g1] = c.expected
    assert (g1.category, g1.severity) == (Category.indexing, Severity.P1)
    assert g1.match == (("index",), ("customer_id",))
    assert [r.id for r in c.rejected] == ["r1"]
    assert c.plan_path == folder / "plan.md"


def test_repo_and_rejected_are_optional(tmp_path: Path) -> None:
    c = load_case(write_case(tmp_path, "c1", case_data("c1")))
    assert c.repo is None
    assert c.rejected == ()


def test_a_clean_case_may_expect_nothing(tmp_path: Path) -> None:
    c = load_case(write_case(tmp_path, "clean", case_data("clean", expected=[])))
    assert c.expected == ()


def test_a_folder_of_cases_loads_every_case_in_name_order(tmp_path: Path) -> None:
    for cid in ("b-case", "a-case"):
        write_case(tmp_path, cid, case_data(cid))
    assert [c.id for c in discover(tmp_path).cases] == ["a-case", "b-case"]


def test_a_single_case_folder_loads_just_that_case(tmp_path: Path) -> None:
    folder = write_case(tmp_path, "only", case_data("only"))
    assert [c.id for c in discover(folder).cases] == ["only"]


def test_a_malformed_case_is_reported_and_the_others_still_load(tmp_path: Path) -> None:
    write_case(tmp_path, "good", case_data("good"))
    bad = case_data("bad")
    bad["expected"][0]["severity"] = "P4"
    write_case(tmp_path, "bad", bad)
    found = discover(tmp_path)
    assert [c.id for c in found.cases] == ["good"]
    [report] = found.malformed
    assert (report.path, report.field) == (tmp_path / "bad" / "case.yaml", "expected[0].severity")
    assert "'P4'" in report.message
    assert str(report).startswith(f"{tmp_path / 'bad' / 'case.yaml'}: expected[0].severity: ")


def test_a_missing_required_key_is_named_as_the_field(tmp_path: Path) -> None:
    data = case_data("c1")
    del data["expected"][0]["match"]
    assert _malformed(tmp_path, data)[0] == "expected[0].match"


def test_an_unknown_key_is_named_as_the_field(tmp_path: Path) -> None:
    assert _malformed(tmp_path, case_data("c1", rejeted=[]))[0] == "rejeted"


def test_match_must_be_a_list_of_keyword_groups(tmp_path: Path) -> None:
    data = case_data("c1")
    data["expected"][0]["match"] = ["index", "customer_id"]
    assert _malformed(tmp_path, data)[0] == "expected[0].match[0]"


def test_an_empty_keyword_group_is_malformed(tmp_path: Path) -> None:
    data = case_data("c1")
    data["expected"][0]["match"] = [["index"], []]
    assert _malformed(tmp_path, data)[0] == "expected[0].match[1]"


def test_a_category_outside_the_four_specialties_is_malformed(tmp_path: Path) -> None:
    data = case_data("c1")
    data["expected"][0]["category"] = "security"
    assert _malformed(tmp_path, data)[0] == "expected[0].category"


def test_yaml_that_does_not_parse_is_reported_with_its_line(tmp_path: Path) -> None:
    field, message = _malformed(tmp_path, "id: x\nexpected: [unclosed\n")
    assert field == "case.yaml"
    assert "line" in message


def test_an_empty_case_file_is_malformed(tmp_path: Path) -> None:
    assert _malformed(tmp_path, "")[0] == "case.yaml"


def test_a_plan_that_does_not_exist_is_reported_as_the_plan_field(tmp_path: Path) -> None:
    assert _malformed(tmp_path, case_data("c1", plan="missing.md"))[0] == "plan"


def test_a_repo_folder_that_does_not_exist_is_reported_as_the_repo_field(tmp_path: Path) -> None:
    assert _malformed(tmp_path, case_data("c1", repo="repo/"))[0] == "repo"


def test_ids_must_be_unique_across_expected_and_rejected(tmp_path: Path) -> None:
    data = case_data("c1", rejected=[{"id": "g1", "title": "noise", "match": [["x"]]}])
    field, message = _malformed(tmp_path, data)
    assert field == "rejected[0].id"
    assert "duplicate" in message


def test_two_cases_with_one_id_report_the_second(tmp_path: Path) -> None:
    write_case(tmp_path, "a", case_data("same"))
    write_case(tmp_path, "b", case_data("same"))
    found = discover(tmp_path)
    assert [c.folder.name for c in found.cases] == ["a"]
    assert [(m.path.parent.name, m.field) for m in found.malformed] == [("b", "id")]


def test_a_subfolder_without_case_yaml_is_reported_not_skipped(tmp_path: Path) -> None:
    write_case(tmp_path, "good", case_data("good"))
    (tmp_path / "misnamed").mkdir()
    (tmp_path / "misnamed" / "case.yml").write_text("id: x\n", encoding="utf-8")
    found = discover(tmp_path)
    assert [c.id for c in found.cases] == ["good"]
    assert [(m.path.parent.name, m.field, m.message) for m in found.malformed] == [
        ("misnamed", "case.yaml", "missing")
    ]


def test_a_missing_case_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        discover(tmp_path / "nope")


def test_a_file_instead_of_a_folder_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text("id: x\n", encoding="utf-8")
    with pytest.raises(UserInputError, match="not a folder"):
        discover(tmp_path / "case.yaml")


def test_a_folder_with_no_cases_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="no evaluation cases"):
        discover(tmp_path)


def test_the_schema_ships_with_the_package_and_accepts_the_design_example() -> None:
    schema = case_schema()
    Draft202012Validator.check_schema(schema)
    assert list(Draft202012Validator(schema).iter_errors(yaml.safe_load(DESIGN_EXAMPLE))) == []
