"""`planreview eval`: scoreboard on stdout, results JSON, baseline gate, exit codes.

The review itself is scripted (the pipeline is replaced at its one seam,
`runner.pipeline_review`), so these tests pin the command, not the rules.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from planreview.cli import run
from planreview.config import Settings
from planreview.evals import runner
from planreview.models import Report
from tests.evals.evalkit import ScriptedReview, case_data, finding, report, write_case

Cli = Callable[..., tuple[int, str, str]]
Script = Callable[[dict[str, Report | Exception]], ScriptedReview]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(["eval", *args, "--quiet"])
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def review_with(monkeypatch: pytest.MonkeyPatch, scripted: Script) -> Callable[..., list[Settings]]:
    """Script the review of each case id; returns the Settings the command built."""
    seen: list[Settings] = []

    def install(script: dict[str, Report | Exception]) -> list[Settings]:
        fake = scripted(script)

        def pipeline_review(settings: Settings, mirrors: Path | None = None) -> ScriptedReview:
            seen.append(settings)
            return fake

        monkeypatch.setattr(runner, "pipeline_review", pipeline_review)
        return seen

    return install


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """Two cases: 'orders' expects an index (P1) and a lock (P2); 'clean' expects nothing."""
    root = tmp_path / "cases"
    orders = case_data("orders", rejected=[{"id": "r1", "title": "cache", "match": [["cache"]]}])
    orders["expected"].append({"id": "g2", "category": "migration", "severity": "P2",
                               "title": "ALTER TABLE holds a lock", "match": [["lock"]]})
    write_case(root, "orders", orders)
    write_case(root, "clean", case_data("clean", expected=[]))
    return root


FOUND_INDEX = report([finding("orders.customer_id has no index", "P1", fid="P1-1")])
FOUND_BOTH = report([finding("orders.customer_id has no index", "P1", fid="P1-1"),
                     finding("ALTER TABLE lock", "P2", fid="P2-1")])
Evaluate = Callable[..., tuple[int, str, str]]


@pytest.fixture
def evaluate(cli: Cli, review_with: Callable[..., list[Settings]], cases: Path) -> Evaluate:
    """Run `planreview eval` on both cases; 'orders' gets `orders`, 'clean' no findings."""

    def invoke(orders: Report | Exception, *args: str) -> tuple[int, str, str]:
        review_with({"orders": orders, "clean": report([])})
        return cli(str(cases), *args)

    return invoke


@pytest.fixture
def baseline_of(evaluate: Evaluate, tmp_path: Path) -> Callable[..., Path]:
    """The results file of a run in which 'orders' got `orders` (optionally edited)."""

    def make(orders: Report, **totals_changes: Any) -> Path:
        out = tmp_path / "baseline.json"
        assert evaluate(orders, "--out", str(out))[0] == 0
        data = json.loads(out.read_text(encoding="utf-8"))
        data["totals"].update(totals_changes)
        out.write_text(json.dumps(data), encoding="utf-8")
        return out

    return make


def test_eval_prints_the_scoreboard_and_writes_results(
    evaluate: Evaluate, tmp_path: Path,
) -> None:
    out = tmp_path / "results.json"
    code, stdout, _ = evaluate(FOUND_INDEX, "--out", str(out))
    assert code == 0
    assert "| orders | 1/2 | 0.50 | 0.60 |" in stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [c["id"] for c in data["cases"]] == ["clean", "orders"]
    # By hand: 1 of 2 expected found; weights 3 of 3+2; the one prediction is relevant.
    assert (data["totals"]["recall"], data["totals"]["weighted_recall"]) == (0.5, 0.6)
    assert data["totals"]["precision"] == 1.0
    assert data["cases"][1]["missed"] == ["g2"]


def test_the_default_engine_is_rules_and_flags_reach_the_settings(
    evaluate: Evaluate, review_with: Callable[..., list[Settings]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen = review_with({})
    assert evaluate(FOUND_INDEX)[0] == 0
    assert seen[-1].engine == "rules"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # scripted: never called
    assert evaluate(FOUND_INDEX, "--engine", "llm", "--model", "local-model")[0] == 0
    assert (seen[-1].engine, seen[-1].model) == ("llm", "local-model")


def test_a_planted_weighted_recall_regression_exits_1(
    evaluate: Evaluate, baseline_of: Callable[..., Path],
) -> None:
    before = baseline_of(FOUND_BOTH)
    code, _, stderr = evaluate(FOUND_INDEX, "--baseline", str(before))
    assert code == 1
    assert "regression" in stderr and "weighted_recall 1.0 -> 0.600" in stderr


def test_an_unchanged_run_against_its_baseline_exits_0(
    evaluate: Evaluate, baseline_of: Callable[..., Path],
) -> None:
    before = baseline_of(FOUND_INDEX)
    assert evaluate(FOUND_INDEX, "--baseline", str(before)) == (
        0, evaluate(FOUND_INDEX)[1], ""
    )


def test_a_recall_drop_within_tolerance_exits_0(
    evaluate: Evaluate, baseline_of: Callable[..., Path],
) -> None:
    before = baseline_of(FOUND_INDEX, weighted_recall=0.65)  # this run: 0.6
    assert evaluate(FOUND_INDEX, "--baseline", str(before), "--tolerance", "0.1")[0] == 0
    assert evaluate(FOUND_INDEX, "--baseline", str(before))[0] == 1


def test_a_new_rejected_hit_exits_1(
    evaluate: Evaluate, baseline_of: Callable[..., Path],
) -> None:
    before = baseline_of(FOUND_INDEX)
    noisy = report([*FOUND_INDEX.findings, finding("Add a cache", "P3", fid="P3-1")])
    code, _, stderr = evaluate(noisy, "--baseline", str(before))
    assert code == 1
    assert "rejected_hits 0 -> 1" in stderr
    assert evaluate(noisy, "--baseline", str(before), "--rejected-tolerance", "1")[0] == 0


def test_a_crashing_case_exits_3_and_the_other_cases_are_still_scored(
    evaluate: Evaluate, tmp_path: Path,
) -> None:
    out = tmp_path / "results.json"
    code, stdout, _ = evaluate(RuntimeError("boom"), "--out", str(out))
    assert code == 3
    assert "| orders | crashed: RuntimeError: boom |" in stdout
    data = json.loads(out.read_text(encoding="utf-8"))
    assert (data["totals"]["scored"], data["totals"]["failed"]) == (1, 1)


def test_a_malformed_case_is_reported_the_others_run_and_the_exit_is_2(
    cli: Cli, review_with: Callable[..., list[Settings]], cases: Path,
) -> None:
    write_case(cases, "broken", case_data("broken", plan="nope.md"))
    review_with({"orders": FOUND_INDEX, "clean": report([])})
    code, stdout, stderr = cli(str(cases))
    assert code == 2
    assert f"malformed case {cases / 'broken' / 'case.yaml'}: plan: " in stderr
    assert "| orders | 1/2 |" in stdout


def test_show_misses_prints_what_each_case_expected_and_did_not_get(
    evaluate: Evaluate,
) -> None:
    _, stdout, _ = evaluate(FOUND_INDEX, "--show-misses")
    assert "- missed g2 (P2, migration): ALTER TABLE holds a lock" in stdout


def test_a_single_case_folder_runs_just_that_case(
    cli: Cli, review_with: Callable[..., list[Settings]], cases: Path,
) -> None:
    review_with({"orders": FOUND_INDEX})
    code, stdout, _ = cli(str(cases / "orders"))
    assert code == 0
    assert "1 cases: 1 scored" in stdout


def test_a_missing_case_folder_is_one_error_line_and_exit_2(cli: Cli, tmp_path: Path) -> None:
    code, stdout, stderr = cli(str(tmp_path / "nope"))
    assert (code, stdout) == (2, "")
    assert stderr == f"Error: case folder {tmp_path / 'nope'} does not exist\n"


def test_a_bad_baseline_is_exit_2_before_any_case_runs(
    cli: Cli, review_with: Callable[..., list[Settings]], cases: Path, tmp_path: Path,
) -> None:
    seen = review_with({})
    code, _, stderr = cli(str(cases), "--baseline", str(tmp_path / "missing.json"))
    assert code == 2
    assert stderr.startswith("Error: baseline ")
    assert seen == []


def test_concurrency_below_one_is_a_usage_error(cli: Cli, cases: Path) -> None:
    assert cli(str(cases), "--concurrency", "0")[0] == 2


def test_engine_llm_without_a_model_server_is_exit_2_before_any_case_runs(
    cli: Cli, review_with: Callable[..., list[Settings]], cases: Path,
) -> None:
    seen = review_with({})
    code, _, stderr = cli(str(cases), "--engine", "llm")
    assert code == 2
    assert stderr.startswith("Error: --engine llm needs a model server")
    assert seen == []


def test_out_creates_its_missing_parent_folder(evaluate: Evaluate, tmp_path: Path) -> None:
    out = tmp_path / ".cache" / "eval-results.json"
    assert evaluate(FOUND_INDEX, "--out", str(out))[0] == 0
    assert json.loads(out.read_text(encoding="utf-8"))["totals"]["cases"] == 2


def test_out_pointing_at_a_folder_is_exit_2_before_any_case_runs(
    cli: Cli, review_with: Callable[..., list[Settings]], cases: Path, tmp_path: Path,
) -> None:
    seen = review_with({})
    code, _, stderr = cli(str(cases), "--out", str(tmp_path))
    assert (code, stderr) == (2, f"Error: --out {tmp_path} is a directory\n")
    assert seen == []
