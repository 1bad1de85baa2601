"""`make bench`: the rules pipeline on inputs that look like real use, each capped in time.

Figures, not assertions: these machines are noisy. Every measurement runs in its own
process (benchmarks/review_once.py, or the CLI) and is stopped at its cap, so a case that
is quadratic today reports "did not finish in N s" instead of holding up the run.

Cases (targets from issue 15):
- a 30-file repository with the 1,200-line plan (40 blocks) and the 12,000-line one;
- a generated 4,000-file TypeScript/Prisma repository (benchmarks/realistic_repo.py) in
  a real git repository, the 1,200-line plan citing ~160 of its files: cold (a fresh
  cache directory), then warm (a new process, the same cache directory: what a disk
  index keyed by the tree id makes cheap), then an empty plan;
- 1,000 and 10,000 code blocks, and their ratio (linear: about 10x);
- the squawk corpus, ours in one process against squawk in one process, all files;
- start-up (best of 5): `planreview --help` (process and -X importtime), `planreview
  rules`, `planreview schema`, `import langgraph.graph`, and whole CLI reviews in the
  4,000-file repository: an empty plan ("# Plan", the LangGraph pipeline), a blank one
  (whitespace only: the same nodes without LangGraph, graph/direct.py), the 1,200-line plan.

Prints a table and writes every figure to --out (JSON).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.generate import make_plan, make_repo  # noqa: E402
from benchmarks.realistic_repo import make_realistic_repo, plan_references  # noqa: E402

GROUPS = ("small", "big", "blocks", "squawk", "startup")
PY = sys.executable
CLI = str(Path(sys.executable).with_name("planreview"))
REVIEW_ONCE = str(ROOT / "benchmarks" / "review_once.py")


@dataclass
class Row:
    case: str
    ms: float | None
    """The figure (median of runs, or best of runs for processes); None: did not finish."""
    target: str = ""
    findings: int | None = None
    rss_mb: float | None = None
    cap_s: float | None = None
    runs: list[float] | None = None
    note: str = ""

    @property
    def shown(self) -> str:
        if self.ms is not None:
            return f"{self.ms:.0f}"
        return f"did not finish in {self.cap_s:.0f} s" if self.cap_s else self.note


@dataclass
class Child:
    stdout: str
    wall_ms: float
    rss_mb: float


def run_capped(argv: list[str], cap_s: float, env: dict[str, str] | None = None) -> Child | None:
    """Run argv; None when it is still running after cap_s (it is killed)."""
    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        start = time.perf_counter()
        child = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > cap_s:
                child.kill()
                os.wait4(child.pid, 0)
                return None
            time.sleep(0.01)
        wall = (time.perf_counter() - start) * 1000
        if os.waitstatus_to_exitcode(status) not in (0, 1):  # 1: findings at --fail-on
            raise RuntimeError(f"{argv[:3]} exited {os.waitstatus_to_exitcode(status)}")
        out.seek(0)
        return Child(out.read(), wall, usage.ru_maxrss / 1024)


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "PLANREVIEW_"))}
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def pipeline(case: str, repo: Path, plan: Path, cache: Path, *, runs: int, warm_up: Path,
             cap_s: float, target: str = "", pick: str = "median") -> list[Row]:
    """run_review timed in a fresh process (after a warm-up review elsewhere)."""
    argv = [PY, REVIEW_ONCE, "--repo", str(repo), "--plan", str(plan), "--cache", str(cache),
            "--runs", str(runs), "--warm-up", str(warm_up)]
    child = run_capped(argv, cap_s, _env(cache))
    if child is None:
        return [Row(case, None, target, cap_s=cap_s)]
    got = json.loads(child.stdout.strip().splitlines()[-1])
    ms = got["ms"]
    if pick == "first":  # the first run, then the in-process repeats on their own row
        rows = [Row(case, ms[0], target, got["findings"], child.rss_mb, cap_s, ms)]
        if len(ms) > 1:
            rows.append(Row("  ... repeated in that process", statistics.median(ms[1:]),
                            "", got["findings"], child.rss_mb, cap_s, ms[1:]))
        return rows
    return [Row(case, statistics.median(ms), target, got["findings"], child.rss_mb, cap_s, ms)]


def process(case: str, argv: list[str], cache: Path, *, best_of: int, cap_s: float,
            target: str = "") -> Row:
    """Whole-process wall time, best of `best_of`."""
    walls, rss = [], 0.0
    for _ in range(best_of):
        child = run_capped(argv, cap_s, _env(cache))
        if child is None:
            return Row(case, None, target, cap_s=cap_s)
        walls.append(child.wall_ms)
        rss = max(rss, child.rss_mb)
    return Row(case, min(walls), target, rss_mb=rss, cap_s=cap_s, runs=walls)


def help_import_ms(cache: Path) -> Row:
    """Sum of the top-level cumulative import times of `planreview --help`."""
    done = subprocess.run([PY, "-X", "importtime", "-m", "planreview", "--help"],
                          capture_output=True, text=True, check=False, env=_env(cache))
    total_us = 0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            total_us += int(parts[1])
    return Row("planreview --help: imports (-X importtime)", total_us / 1000, "≤ 250")


def squawk_rows() -> list[Row]:
    """The squawk corpus: our SQL rules over every file in one process, and squawk's one
    process for all files (best of 3 each)."""
    from benchmarks import compare_squawk as cs

    files = sorted(cs.CORPUS.glob("*.sql"))
    texts = [(p, p.read_text(encoding="utf-8")) for p in files]
    spans = {p: cs.statement_spans(t) for p, t in texts}
    cs.our_flags(texts[0][1], texts[0][0].name, spans[texts[0][0]])  # imports, first calls
    ours = []
    for _ in range(3):
        start = time.perf_counter()
        for path, text in texts:
            cs.our_flags(text, path.name, spans[path], cs._plan_header(path))
        ours.append((time.perf_counter() - start) * 1000)
    rows = [Row(f"squawk corpus ({len(files)} files): planreview, one process", min(ours),
                "≤ 5x squawk", runs=ours)]
    if not cs.SQUAWK.exists():
        rows.append(Row("squawk corpus: squawk", None, note="squawk not installed "
                        "(pip install squawk-cli); ours only"))
        return rows
    theirs = [cs.squawk_one_process(files) * 1000 for _ in range(3)]
    rows.append(Row(f"squawk corpus ({len(files)} files): squawk, one process", min(theirs),
                    runs=theirs))
    rows.append(Row("  ratio planreview / squawk", None, "≤ 5x",
                    note=f"{min(ours) / min(theirs):.1f}x"))
    return rows


@dataclass
class Setup:
    """The generated inputs, under one temporary folder."""

    tmp: Path
    warm_up: Path
    small: Path
    plans: dict[int, Path]
    """blocks -> a plan in the 30-file repository."""
    big: Path
    real_plan: Path
    empty_plan: Path
    cap: float
    block_cap: float

    def cache(self, name: str) -> Path:
        return self.tmp / f"cache-{name}"


def prepare(tmp: Path, cap: float, block_cap: float) -> Setup:
    tiny = tmp / "tiny"
    make_repo(tiny, 1)
    warm_up = tiny / "warm.md"
    warm_up.write_text(make_plan(40, 3, ["server/src/services/service0.service.ts"]),
                       encoding="utf-8")
    small = tmp / "small"
    refs = make_repo(small, 30)
    plans = {}
    for lines, blocks in ((1_200, 40), (12_000, 400), (10_000, 1_000), (100_000, 10_000)):
        plans[blocks] = small / "docs/plans" / f"plan-{blocks}.md"
        plans[blocks].parent.mkdir(parents=True, exist_ok=True)
        plans[blocks].write_text(make_plan(lines, blocks, refs), encoding="utf-8")
    started = time.perf_counter()
    big = tmp / "big"
    layout = make_realistic_repo(big)
    real_plan = big / "docs/plans/2026-03-01-tiered-pricing.md"
    real_plan.parent.mkdir(parents=True, exist_ok=True)
    real_plan.write_text(make_plan(1_200, 40, plan_references(layout), layout.models,
                                   prose_refs=4), encoding="utf-8")
    empty_plan = big / "docs/plans/2026-03-02-empty.md"
    empty_plan.write_text("# Plan\n", encoding="utf-8")
    _commit_all(big, "plans")  # committed, as a reviewed plan is: a clean tree
    print(f"(generated {layout.files} files, {sum(layout.lines.values()):,} lines, "
          f"in {time.perf_counter() - started:.1f} s)", flush=True)
    return Setup(tmp, warm_up, small, plans, big, real_plan, empty_plan, cap, block_cap)


def small_rows(s: Setup) -> list[Row]:
    return [
        *pipeline("30 files, 1,200-line plan, 40 blocks", s.small, s.plans[40],
                  s.cache("small"), runs=5, warm_up=s.warm_up, cap_s=s.cap, target="≤ 300"),
        *pipeline("30 files, 12,000-line plan, 400 blocks", s.small, s.plans[400],
                  s.cache("small"), runs=3, warm_up=s.warm_up, cap_s=s.cap),
    ]


def big_rows(s: Setup) -> list[Row]:
    cold = s.cache("big")
    return [
        *pipeline("4,000 files, 1,200-line plan citing 161 files, cold", s.big, s.real_plan,
                  cold, runs=1, warm_up=s.warm_up, cap_s=s.cap, target="≤ 1000"),
        *pipeline("4,000 files, same plan, warm (new process, same cache dir)", s.big,
                  s.real_plan, cold, runs=3, warm_up=s.warm_up, cap_s=s.cap, target="≤ 300",
                  pick="first"),
        *pipeline("4,000 files, empty plan", s.big, s.empty_plan, s.cache("empty"), runs=3,
                  warm_up=s.warm_up, cap_s=s.cap, target="≤ 300"),
    ]


def block_rows(s: Setup) -> list[Row]:
    one = pipeline("1,000 code blocks (10,000 lines), 30 files", s.small, s.plans[1_000],
                   s.cache("small"), runs=1, warm_up=s.warm_up, cap_s=s.cap)[0]
    ten = pipeline("10,000 code blocks (100,000 lines), 30 files", s.small, s.plans[10_000],
                   s.cache("small"), runs=1, warm_up=s.warm_up, cap_s=s.block_cap)[0]
    if one.ms is None:
        return [one, ten]
    if ten.ms is not None:
        ratio = f"{ten.ms / one.ms:.1f}x"
    else:
        ratio = f"> {s.block_cap * 1000 / one.ms:.0f}x (10,000 did not finish)"
    return [one, ten, Row("  ratio 10,000 / 1,000 blocks", None, "≤ 12x", note=ratio)]


def startup_rows(s: Setup) -> list[Row]:
    cache = s.cache("empty")
    rows = [
        help_import_ms(cache),
        process("planreview --help", [CLI, "--help"], cache, best_of=5, cap_s=s.cap),
        process("planreview rules", [CLI, "rules"], cache, best_of=5, cap_s=s.cap),
        process("python -c 'import langgraph.graph'", [PY, "-c", "import langgraph.graph"],
                cache, best_of=5, cap_s=s.cap),
        process("planreview schema", [CLI, "schema"], cache, best_of=5, cap_s=s.cap),
    ]
    review = [CLI, "review", "--repo", str(s.big), "--engine", "rules", "--quiet",
              "--format", "json", "--out", str(s.tmp / "report.json")]
    # "# Plan": nothing to find, but not blank, so the LangGraph pipeline runs.
    empty = process("CLI review, empty plan, 4,000 files", [*review, str(s.empty_plan)],
                    cache, best_of=5, cap_s=s.cap, target="≤ 1.2x lg")
    blank = s.tmp / "blank.md"
    blank.write_text("\n", encoding="utf-8")
    rows.append(process("CLI review, blank plan (no LangGraph), 4,000 files",
                        [*review, str(blank)], cache, best_of=5, cap_s=s.cap))
    full = process("CLI review, 1,200-line plan, 4,000 files (2nd run)",
                   [*review, str(s.real_plan)], s.cache("big"), best_of=1, cap_s=s.cap,
                   target="≤ 1.3x empty")
    rows += [empty, full]
    if rows[3].ms and empty.ms:
        rows.append(Row("  ratio empty-plan review / import langgraph.graph", None, "≤ 1.2x",
                        note=f"{empty.ms / rows[3].ms:.2f}x"))
    if empty.ms and full.ms:
        rows.append(Row("  ratio 1,200-line / empty-plan review", None, "≤ 1.3x",
                        note=f"{full.ms / empty.ms:.2f}x"))
    return rows


def show(rows: list[Row]) -> list[Row]:
    for row in rows:
        extra = f" ({row.note})" if row.note and row.ms is not None else ""
        print(f"{row.case:<60} {row.shown:>24} {row.target:>12} "
              f"{'' if row.findings is None else row.findings:>8}{extra}", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=ROOT / ".cache" / "bench-results.json")
    parser.add_argument("--cap", type=float, default=90.0, help="seconds per measurement")
    parser.add_argument("--block-cap", type=float, default=150.0,
                        help="seconds for the 10,000-block plan")
    parser.add_argument("--only", default=",".join(GROUPS),
                        help=f"comma-separated groups to run, of: {', '.join(GROUPS)}")
    args = parser.parse_args(argv)
    only = [g for g in GROUPS if g in args.only.split(",")]
    rows: list[Row] = []
    print(f"{'case':<60} {'ms':>24} {'target ms':>12} {'findings':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        setup = prepare(Path(tmp), args.cap, args.block_cap)
        groups = {"small": small_rows, "big": big_rows, "blocks": block_rows,
                  "squawk": lambda s: squawk_rows(), "startup": startup_rows}
        for name in only:
            rows += show(groups[name](setup))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "commit": _commit(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "groups": only, "rows": [asdict(r) for r in rows],
    }, indent=2) + "\n", encoding="utf-8")
    print(f"results: {args.out}")
    return 0


def _commit_all(root: Path, message: str) -> None:
    for git_args in (["add", "-A"], ["-c", "user.email=b@example.com", "-c", "user.name=bench",
                                     "commit", "-qm", message]):
        subprocess.run(["git", *git_args], cwd=root, check=True)


def _commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    return done.stdout.strip()


if __name__ == "__main__":
    sys.exit(main())
