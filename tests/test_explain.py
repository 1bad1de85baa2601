"""`planreview explain RULE`: the rule's docs/rules.md text; an unknown id is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from planreview.cli import run
from planreview.explain import explain_text, rule_url
from planreview.reviewers import all_rules
from tests.test_startup_imports import NEVER_AT_START, imported_by, matching

ROOT = Path(__file__).resolve().parent.parent


def explain(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(["explain", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_explain_prints_id_specialist_severity_and_the_docstring(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = explain(capsys, "migration/create-index-not-concurrently")

    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "migration/create-index-not-concurrently"
    assert lines[1] == "Specialist: migration · Default severity: P2"  # P1 at stated scale
    assert lines[2] == "Docs: " + rule_url("migration/create-index-not-concurrently")
    assert "CONCURRENTLY" in out and "Fix:" in out


def test_explain_shows_the_same_text_as_docs_rules_md_for_every_rule() -> None:
    docs = (ROOT / "docs/rules.md").read_text("utf-8")
    for r in all_rules():
        text = explain_text(r.id)
        body = text.split("\n\n", 1)[1].rstrip("\n")
        section = (f"## `{r.id}`\n\n*{r.category.value}, default {r.severity.value}*\n\n"
                   f"{body}\n")
        assert section in docs, r.id


@pytest.mark.parametrize(("given", "suggested"), [
    ("foreign-key-without-index", "indexing/foreign-key-without-index"),
    ("migration/create-index-not-concurently", "migration/create-index-not-concurrently"),
    ("indexing/foreign-key-without-index ", None),  # surrounding space: taken as the id
])
def test_an_unknown_id_is_one_line_naming_close_matches_exit_2(
    capsys: pytest.CaptureFixture[str], given: str, suggested: str | None,
) -> None:
    code, out, err = explain(capsys, given)
    if suggested is None:
        assert code == 0
        return
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("Error: unknown rule ")
    assert suggested in err


def test_an_id_with_nothing_close_points_at_planreview_rules(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = explain(capsys, "\x1b[31mzzz")
    assert code == 2
    assert "\x1b" not in err and "planreview rules" in err and err.count("\n") == 1


def test_explain_without_an_id_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = explain(capsys)
    assert code == 2 and err.startswith("Error: ") and err.count("\n") == 1


def test_explain_loads_neither_langgraph_nor_openai_nor_github() -> None:
    modules = imported_by("explain", "indexing/foreign-key-without-index")
    assert matching(modules, NEVER_AT_START) == []
    assert "planreview.reviewers" in modules
