"""`make bench`: pipeline wall time, whole-process time and peak RSS on generated plans.

Figures, not assertions: these machines are noisy. Sizes from issue 2: a 1,200-line
plan with 40 code blocks referencing 30 repository files, and a 12,000-line one.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.generate import make_plan, make_repo
from planreview.config import Settings
from planreview.repo import open_repo
from planreview.review import ReviewRequest, run_review

CASES = [("1,200-line plan, 40 blocks, 30 files", 1_200, 40),
         ("12,000-line plan, 400 blocks, 30 files", 12_000, 400)]


def pipeline_ms(plan: Path, root: Path, runs: int) -> tuple[float, int]:
    repo = open_repo(root)
    request = ReviewRequest(plan_path=plan, repo=repo, settings=Settings(engine="rules"))
    run_review(request)  # warm imports and caches
    times, findings = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        report = run_review(request)
        times.append((time.perf_counter() - start) * 1000)
        findings = report.summary.total
    return statistics.median(times), findings


def process_run(plan: Path, root: Path) -> tuple[float, float]:
    exe = Path(sys.executable).with_name("planreview")
    out = root.parent / "report.json"  # never a device: --out on /dev/null once replaced it
    start = time.perf_counter()
    child = subprocess.Popen([str(exe), "review", str(plan), "--repo", str(root), "--quiet",
                              "--format", "json", "--out", str(out)])
    _, _, usage = os.wait4(child.pid, 0)  # this child's own peak RSS, not the max of all
    wall = (time.perf_counter() - start) * 1000
    return wall, usage.ru_maxrss / 1024


def main() -> None:
    header = ('case', 'pipeline ms', 'process ms', 'peak RSS MB', 'findings')
    print(f"{header[0]:<42} {header[1]:>12} {header[2]:>11} {header[3]:>12} {header[4]:>9}")
    base = None
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        refs = make_repo(root, 30)
        for label, lines, blocks in CASES:
            plan = root / "docs/plans" / f"plan-{lines}.md"
            plan.parent.mkdir(parents=True, exist_ok=True)
            plan.write_text(make_plan(lines, blocks, refs), encoding="utf-8")
            ms, findings = pipeline_ms(plan, root, runs=5 if lines < 5000 else 3)
            wall, rss = process_run(plan, root)
            print(f"{label:<42} {ms:>12.1f} {wall:>11.0f} {rss:>12.1f} {findings:>9}")
            base = base or ms
        print(f"growth 12,000 / 1,200 lines: {ms / base:.1f}x (linear would be ~10x)")


if __name__ == "__main__":
    main()
