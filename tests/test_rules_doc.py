"""docs/rules.md is generated from the rules' docstrings and must stay in step."""

from __future__ import annotations

from pathlib import Path

from planreview.reviewers import all_rules
from planreview.rules_doc import rules_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_docs_rules_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == rules_markdown(), "run `make docs`"


def test_every_rule_says_why_it_matters_and_the_fix() -> None:
    for r in all_rules():
        doc = r.doc.lower()
        assert len(r.doc.splitlines()) >= 3, r.id
        assert "why" in doc and "fix" in doc, r.id
