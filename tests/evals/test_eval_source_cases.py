"""Real-repository cases (`source: {repo, commit, plan_path, plan_commit}`): found in a
local git mirror (DIR/owner+name, fetch's layout), materialized at the named commit,
reviewed through the real pipeline; skipped and counted, never failed, without one."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from planreview.cli import run
from planreview.evals.case import Source, discover
from planreview.evals.materialize import MirrorError, find_mirror, materialize
from planreview.models import Severity
from planreview.reviewers import all_rules
from planreview.rules import Hit, RuleContext, rule
from tests.conftest import AddRule
from tests.evals.evalkit import write_case

RULE = "performance/test-eval-source-marker"
MARKER = re.compile(r"MARKER-(\w+)")
IDENT = ["-c", "user.email=t@example.com", "-c", "user.name=T", "-c", "commit.gpgsign=false"]


@pytest.fixture
def marker_rule(add_rule: AddRule) -> None:
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
def upstream(tmp_path: Path, git: Callable[..., str]) -> dict[str, str]:
    """A public repository's history: the plan, then a later edit of the plan."""
    work = tmp_path / "upstream"
    (work / "docs" / "plans").mkdir(parents=True)
    (work / "src").mkdir()
    (work / "src" / "orders.ts").write_text("export const orders = [];\n", encoding="utf-8")
    plan = work / "docs" / "plans" / "orders.md"
    plan.write_text("# Orders\n\nMARKER-alpha\n", encoding="utf-8")
    git(work, "init", "-q", "-b", "main")
    git(work, *IDENT, "add", "-A")
    git(work, *IDENT, "commit", "-q", "-m", "plan v1")
    first = git(work, "rev-parse", "HEAD").strip()
    plan.write_text("# Orders\n\nMARKER-beta\n", encoding="utf-8")
    (work / "src" / "later.ts").write_text("export {};\n", encoding="utf-8")
    git(work, *IDENT, "commit", "-q", "-am", "plan v2")
    git(work, *IDENT, "add", "-A")
    git(work, *IDENT, "commit", "-q", "-m", "later code")
    second = git(work, "rev-parse", "HEAD").strip()
    return {"work": str(work), "first": first, "second": second}


def _mirror(tmp_path: Path, upstream: dict[str, str]) -> Path:
    """fetch's layout: DIR/owner+name/repo is a bare git directory."""
    mirrors = tmp_path / "mirrors"
    (mirrors / "acme+shop").mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", upstream["work"],
                    str(mirrors / "acme+shop" / "repo")], check=True)
    return mirrors


def _source_case(root: Path, cid: str, commit: str, **source: Any) -> Path:
    folder = write_case(root, cid, {
        "id": cid,
        "source": {"repo": "acme/shop", "commit": commit,
                   "plan_path": "docs/plans/orders.md", **source},
        "expected": [{"id": "g1", "category": "performance", "severity": "P2",
                      "title": "alpha", "reason": "a real problem", "label": "TRUE",
                      "match": [["marker alpha"]]}],
        "rejected": [{"id": "r1", "title": "beta", "reason": "noise here", "label": "NOISE",
                      "root_cause": "scale", "match": [["marker beta"]]}],
    })
    (folder / "plan.md").unlink()  # a source case bundles no files
    return folder


@pytest.fixture
def only_marker(tmp_path: Path, marker_rule: None, monkeypatch: pytest.MonkeyPatch) -> None:
    others = [r.id for r in all_rules() if r.id != RULE]
    (tmp_path / ".planreview.toml").write_text(f"disable = {json.dumps(others)}\n",
                                               encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def test_a_source_case_is_loaded_with_its_plan_named_by_the_source(tmp_path: Path) -> None:
    folder = _source_case(tmp_path / "cases", "c1", "abc1234")
    found = discover(folder)
    assert found.malformed == ()
    (c,) = found.cases
    assert c.source == Source("acme/shop", "abc1234", "docs/plans/orders.md")
    assert (c.plan, c.repo) == ("docs/plans/orders.md", None)
    assert (c.expected[0].reason, c.rejected[0].root_cause) == ("a real problem", "scale")


def test_a_source_case_that_also_bundles_a_plan_is_malformed(tmp_path: Path) -> None:
    folder = write_case(tmp_path / "cases", "c1", {
        "id": "c1", "plan": "plan.md", "expected": [],
        "source": {"repo": "acme/shop", "commit": "abc1234", "plan_path": "p.md"},
    })
    (bad,) = discover(folder).malformed
    assert bad.field == "plan"


def test_a_plan_path_leaving_the_repository_is_malformed(tmp_path: Path) -> None:
    folder = _source_case(tmp_path / "cases", "c1", "abc1234", plan_path="../../etc/passwd")
    (bad,) = discover(folder).malformed
    assert bad.field == "source.plan_path"


@pytest.mark.parametrize("layout", ["repo", "repo/.git", ".git", ""])
def test_the_mirror_is_found_in_every_documented_layout(
    tmp_path: Path, upstream: dict[str, str], layout: str,
) -> None:
    base = tmp_path / "mirrors" / "acme+shop"
    target = base / layout if layout else base
    if layout.endswith(".git"):
        subprocess.run(["git", "clone", "-q", upstream["work"], str(target.parent)], check=True)
    else:
        subprocess.run(["git", "clone", "-q", "--bare", upstream["work"], str(target)],
                       check=True)
    source = Source("acme/shop", upstream["first"], "docs/plans/orders.md")
    assert find_mirror(tmp_path / "mirrors", source) == target


def test_no_mirror_folder_means_no_mirror(tmp_path: Path) -> None:
    assert find_mirror(tmp_path, Source("acme/shop", "abc1234", "p.md")) is None


def test_materializing_writes_the_code_at_commit_and_the_plan_at_plan_commit(
    tmp_path: Path, upstream: dict[str, str],
) -> None:
    git_dir = find_mirror(_mirror(tmp_path, upstream), Source("acme/shop", "x" * 7, "p"))
    assert git_dir is not None
    source = Source("acme/shop", upstream["second"], "docs/plans/orders.md",
                    plan_commit=upstream["first"])
    into = tmp_path / "out"
    into.mkdir()
    done = materialize(git_dir, source, into)
    assert done.plan.read_text(encoding="utf-8") == "# Orders\n\nMARKER-alpha\n"
    assert (into / "src" / "later.ts").is_file()


def test_a_commit_the_mirror_lacks_is_a_mirror_error(
    tmp_path: Path, upstream: dict[str, str],
) -> None:
    git_dir = find_mirror(_mirror(tmp_path, upstream), Source("acme/shop", "x" * 7, "p"))
    assert git_dir is not None
    with pytest.raises(MirrorError, match="ls-tree"):
        materialize(git_dir, Source("acme/shop", "0" * 40, "docs/plans/orders.md"),
                    tmp_path)


def test_eval_with_mirrors_reviews_the_plan_as_it_was(
    tmp_path: Path, upstream: dict[str, str], only_marker: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mirrors = _mirror(tmp_path, upstream)
    _source_case(tmp_path / "cases", "at-first", upstream["first"])
    _source_case(tmp_path / "cases", "at-second", upstream["second"])
    out = tmp_path / "results.json"
    code = run(["eval", str(tmp_path / "cases"), "--mirrors", str(mirrors), "--quiet",
                "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    data = json.loads(out.read_text(encoding="utf-8"))
    by_id = {c["id"]: c for c in data["cases"]}
    assert [f["title"] for f in by_id["at-first"]["predicted"]] == ["Marker alpha"]
    assert [f["title"] for f in by_id["at-second"]["predicted"]] == ["Marker beta"]
    assert by_id["at-second"]["rejected"][0]["rejected"] == "r1"
    assert by_id["at-first"]["source"] == f"acme/shop@{upstream['first']}"
    totals = data["totals"]
    assert (totals["scored"], totals["skipped"], totals["precision"]) == (2, 0, 0.5)
    assert totals["precision_per_category"]["performance"]["relevant"] == 1


def test_without_the_mirror_a_source_case_is_skipped_and_counted_not_failed(
    tmp_path: Path, only_marker: None, capsys: pytest.CaptureFixture[str],
) -> None:
    _source_case(tmp_path / "cases", "real", "abc1234")
    write_case(tmp_path / "cases", "bundled", {"id": "bundled", "plan": "plan.md",
                                               "expected": []})
    (tmp_path / "empty").mkdir()
    out = tmp_path / "results.json"
    for extra in ([], ["--mirrors", str(tmp_path / "empty")]):
        code = run(["eval", str(tmp_path / "cases"), "--quiet", "--out", str(out), *extra])
        printed = capsys.readouterr().out
        assert code == 0
        totals = json.loads(out.read_text(encoding="utf-8"))["totals"]
        assert (totals["cases"], totals["scored"], totals["skipped"]) == (1, 1, 1)
        assert "1 skipped (no mirror)" in printed
        assert "| real | skipped:" in printed


def test_mirrors_that_is_not_a_folder_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    write_case(tmp_path / "cases", "bundled", {"id": "bundled", "plan": "plan.md",
                                               "expected": []})
    code = run(["eval", str(tmp_path / "cases"), "--mirrors", str(tmp_path / "nope")])
    assert code == 2
    assert "--mirrors" in capsys.readouterr().err


def test_a_blob_the_snapshot_lacks_is_left_out_and_counted_not_fatal(
    tmp_path: Path, upstream: dict[str, str], git: Callable[..., str],
) -> None:
    # The upstream's own git directory holds its objects loose: copy it as the mirror.
    bare = tmp_path / "mirrors" / "acme+shop" / "repo"
    shutil.copytree(Path(upstream["work"]) / ".git", bare)
    sha = git(Path(upstream["work"]), "rev-parse", "HEAD:src/later.ts").strip()
    (bare / "objects" / sha[:2] / sha[2:]).unlink()
    into = tmp_path / "out"
    into.mkdir()
    done = materialize(bare, Source("acme/shop", upstream["second"], "docs/plans/orders.md"),
                       into)
    assert done.missing == ("src/later.ts",)
    assert (into / "src" / "orders.ts").is_file()
