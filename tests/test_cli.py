"""The CLI: reports, exit codes, and one-line errors (exit 2) for every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from planreview.cli import run
from planreview.models import Report, Severity
from planreview.reviewers import all_rules
from planreview.rules import Hit, RuleContext, rule
from tests.conftest import AddRule

PLAN = "# Orders plan\n\nWe add `server/src/orders.ts:1-2`.\n\nMARKER line for the test rule.\n"
FILES: dict[str, str | bytes] = {
    "server/src/orders.ts": "export const a = 1;\nexport const b = 2;\n",
    "docs/plans/orders.md": PLAN,
}

Runner = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Runner:
    def invoke(*args: str) -> tuple[int, str, str]:
        code = run(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return invoke


@pytest.fixture
def marker_rule(add_rule: AddRule) -> str:
    """A test rule that flags every plan line containing MARKER (P2)."""

    @rule("caching/test-marker", severity=Severity.P2)
    def marker(ctx: RuleContext) -> Iterator[Hit]:
        """Flags MARKER lines (a test rule)."""
        for number, text in enumerate(ctx.plan.lines, start=1):
            if "MARKER" in text:
                yield Hit(
                    title="Marker found", locations=[ctx.plan_location(number)],
                    issue="i", impact="m", recommendation="r",
                    evidence=[ctx.plan_evidence(number)],
                )

    return add_rule(marker)


@pytest.fixture
def repo(git_repo: Callable[[dict[str, str | bytes]], Path]) -> Path:
    return git_repo(FILES)


def plan_arg(repo: Path) -> str:
    return str(repo / "docs/plans/orders.md")


def test_markdown_report_goes_to_stdout(cli: Runner, repo: Path, marker_rule: str) -> None:
    code, out, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q")
    assert code == 0
    assert out.startswith("# Plan Review -- Findings")
    assert "### P2-1: Marker found" in out
    assert "**Plan:** `docs/plans/orders.md`" in out


def test_json_report_validates_against_the_published_schema(
    cli: Runner, repo: Path, marker_rule: str
) -> None:
    import jsonschema

    code, out, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--format", "json")
    _, schema_out, _ = cli("schema")
    data = json.loads(out)
    jsonschema.validate(data, json.loads(schema_out))
    report = Report.model_validate(data)
    assert code == 0 and report.schema_version == 1
    assert report.summary.P2 == sum(1 for f in report.findings if f.severity is Severity.P2)
    assert report.repo.commit is not None and len(report.repo.commit) == 40


def test_fail_on_exits_1_when_a_finding_is_at_or_above(
    cli: Runner, repo: Path, marker_rule: str
) -> None:
    assert cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--fail-on", "P2")[0] == 1
    assert cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--fail-on", "P1")[0] == 0


def test_out_writes_the_report_to_a_file(cli: Runner, repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    code, out, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(target))
    assert code == 0 and out == ""
    assert target.read_text().startswith("# Plan Review")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_progress_lines_go_to_stderr_unless_quiet(cli: Runner, repo: Path) -> None:
    _, _, err = cli("review", plan_arg(repo), "--repo", str(repo))
    assert "planreview: migration: done" in err
    assert cli("review", plan_arg(repo), "--repo", str(repo), "-q")[2] == ""


def test_a_crashing_reviewer_exits_3_and_the_report_says_why(
    cli: Runner, repo: Path, add_rule: AddRule
) -> None:
    @rule("indexing/test-crash", severity=Severity.P2)
    def crash(ctx: RuleContext) -> Iterator[Hit]:
        """Always raises (a test rule)."""
        raise RuntimeError("kaput")
        yield  # pragma: no cover

    add_rule(crash)
    code, out, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q")
    partial = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--allow-partial")[0]
    assert code == 3
    assert "Incomplete review" in out and "indexing/test-crash crashed: RuntimeError" in out
    assert partial == 0


def test_empty_plan_says_there_is_nothing_to_review(cli: Runner, repo: Path) -> None:
    (repo / "empty.md").write_text("\n  \n")
    code, out, _ = cli("review", str(repo / "empty.md"), "--repo", str(repo), "-q")
    assert code == 0
    assert "nothing to review" in out


# Bad input: one line, exit 2, never a traceback.


def assert_one_line_error(result: tuple[int, str, str], *fragments: str) -> None:
    code, out, err = result
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("Error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def test_missing_plan(cli: Runner, repo: Path) -> None:
    result = cli("review", str(repo / "nope.md"), "--repo", str(repo), "-q")
    assert_one_line_error(result, "nope.md")


def test_plan_is_a_directory(cli: Runner, repo: Path) -> None:
    assert_one_line_error(cli("review", str(repo / "docs"), "--repo", str(repo)), "directory")


def test_binary_plan(cli: Runner, repo: Path) -> None:
    (repo / "plan.bin").write_bytes(b"# x\x00\x01\x02binary")
    assert_one_line_error(cli("review", str(repo / "plan.bin"), "--repo", str(repo)), "binary")


def test_invalid_utf8_plan(cli: Runner, repo: Path) -> None:
    (repo / "latin1.md").write_bytes("# Café plan\n".encode("latin-1"))
    result = cli("review", str(repo / "latin1.md"), "--repo", str(repo))
    assert_one_line_error(result, "UTF-8")


def test_plan_over_the_size_limit(cli: Runner, repo: Path) -> None:
    result = cli("review", plan_arg(repo), "--repo", str(repo), "--max-plan-bytes", "10")
    assert_one_line_error(result, "limit")


def test_bad_ref(cli: Runner, repo: Path) -> None:
    result = cli("review", plan_arg(repo), "--repo", str(repo), "--ref", "no-such-branch")
    assert_one_line_error(result, "no-such-branch")


def test_ref_on_a_plain_folder(cli: Runner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(PLAN)
    result = cli("review", str(tmp_path / "plan.md"), "--repo", str(tmp_path), "--ref", "HEAD")
    assert_one_line_error(result, "git")


def test_plain_folder_without_ref_works(cli: Runner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(PLAN)
    code, out, _ = cli("review", str(tmp_path / "plan.md"), "--repo", str(tmp_path), "-q")
    assert code == 0 and "# Plan Review" in out


def test_unknown_reviewer(cli: Runner, repo: Path) -> None:
    result = cli("review", plan_arg(repo), "--repo", str(repo), "--reviewers", "security")
    assert_one_line_error(result, "unknown reviewer 'security'")


def test_broken_config_file(cli: Runner, repo: Path) -> None:
    (repo / ".planreview.toml").write_text("fail_on = [\n")
    assert_one_line_error(cli("review", plan_arg(repo), "--repo", str(repo)), "config")


def test_unwritable_out_leaves_nothing_behind(cli: Runner, repo: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "report.md"
    result = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(target))
    assert_one_line_error(result, "cannot write")
    assert not target.parent.exists()


def test_existing_out_is_untouched_when_the_review_fails(
    cli: Runner, repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.md"
    target.write_text("previous report\n")
    result = cli("review", str(repo / "nope.md"), "--repo", str(repo), "--out", str(target))
    assert result[0] == 2
    assert target.read_text() == "previous report\n"


def test_missing_repo(cli: Runner, tmp_path: Path) -> None:
    (tmp_path / "plan.md").write_text(PLAN)
    result = cli("review", str(tmp_path / "plan.md"), "--repo", str(tmp_path / "nowhere"))
    assert_one_line_error(result, "nowhere")


def test_usage_error_is_one_line(cli: Runner) -> None:
    assert_one_line_error(cli("review"), "PLAN")


def test_rules_lists_every_rule_with_id_specialty_and_severity(cli: Runner) -> None:
    code, out, _ = cli("rules")
    assert code == 0
    listed = []
    for line in out.splitlines():
        rule_id, specialty, severity = line.split()[:3]
        assert rule_id.startswith(specialty + "/") and severity in ("P1", "P2", "P3")
        listed.append(rule_id)
    assert listed == [r.id for r in all_rules()]
    assert {r.split("/")[0] for r in listed} == {"performance", "migration", "indexing", "caching"}


def test_out_on_a_fifo_writes_into_it_and_leaves_the_fifo(
    cli: Runner, repo: Path, tmp_path: Path
) -> None:
    """`--out /dev/null` once replaced the device with a regular file (as root)."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, _, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(fifo))
    reader.join(timeout=30)
    assert code == 0 and received[0].startswith("# Plan Review")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_out_on_dev_null_leaves_the_device(cli: Runner, repo: Path) -> None:
    import os
    import stat

    code, _, _ = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", os.devnull)
    assert code == 0 and stat.S_ISCHR(Path(os.devnull).stat().st_mode)


def test_out_on_dev_full_is_a_one_line_error_and_the_device_stays(
    cli: Runner, repo: Path
) -> None:
    import stat

    result = cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", "/dev/full")
    assert_one_line_error(result, "cannot write")
    assert stat.S_ISCHR(Path("/dev/full").stat().st_mode)


def test_out_through_a_symlink_writes_its_target(
    cli: Runner, repo: Path, tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "latest.md"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    assert cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(link))[0] == 0
    assert link.is_symlink() and target.read_text().startswith("# Plan Review")


def test_out_keeps_the_existing_files_mode_and_new_files_follow_the_umask(
    cli: Runner, repo: Path, tmp_path: Path
) -> None:
    import os

    kept = tmp_path / "kept.md"
    kept.write_text("old\n")
    kept.chmod(0o640)
    assert cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(kept))[0] == 0
    assert kept.stat().st_mode & 0o777 == 0o640
    previous = os.umask(0o022)
    try:
        fresh = tmp_path / "fresh.md"
        assert cli("review", plan_arg(repo), "--repo", str(repo), "-q", "--out", str(fresh))[0] == 0
    finally:
        os.umask(previous)
    assert fresh.stat().st_mode & 0o777 == 0o644
