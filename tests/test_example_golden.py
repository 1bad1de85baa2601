"""The bundled example: `make demo`'s report is pinned, and it covers every specialty.

Regenerate the golden file after an intended change with:
    UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_example_golden.py
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from planreview.config import Settings
from planreview.models import Report, report_json_schema
from planreview.repo import open_repo
from planreview.report.markdown import render_markdown
from planreview.review import ReviewRequest, run_review

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_REPO = ROOT / "examples" / "repo"
EXAMPLE_PLAN = EXAMPLE_REPO / "docs" / "plans" / "2026-03-01-orders-plan.md"
GOLDEN = Path(__file__).parent / "golden" / "example-report.md"


@pytest.fixture(scope="module")
def example_report() -> Report:
    request = ReviewRequest(
        plan_path=EXAMPLE_PLAN, repo=open_repo(EXAMPLE_REPO, search_parents=False),
        settings=Settings(engine="rules"), repo_label="examples/repo",
    )
    return run_review(request, now=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


def test_example_report_matches_the_golden_file(example_report: Report) -> None:
    rendered = render_markdown(example_report)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(rendered, encoding="utf-8")
    assert rendered == GOLDEN.read_text(encoding="utf-8")


def test_example_has_findings_from_every_specialty(example_report: Report) -> None:
    raised = {r for f in example_report.findings for r in f.reviewers}
    assert raised == {"performance", "migration", "indexing", "caching"}


def test_example_review_is_complete_and_grounded(example_report: Report) -> None:
    assert [r.status for r in example_report.reviewers] == ["ok"] * 4
    assert all(f.grounded and f.evidence for f in example_report.findings)


def test_example_json_validates_against_the_schema(example_report: Report) -> None:
    data = json.loads(example_report.model_dump_json())
    jsonschema.validate(data, report_json_schema())
    assert data["summary"]["total"] == len(data["findings"])
