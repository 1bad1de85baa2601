"""`make bench` (part 3): the real local model's figures on the bundled example plan.

Gemma 3 270M served by llama.cpp on loopback (see planreview/local_llm.py). Prints
seconds per reviewer call, whole-review wall time, prompt/completion tokens and
findings kept vs dropped as ungrounded. Skipped when the `local` extra is missing.
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from planreview.config import build_settings
from planreview.repo import open_repo
from planreview.review import ReviewRequest, run_review

ROOT = Path(__file__).resolve().parent.parent
REPO = ROOT / "examples" / "repo"
PLAN = REPO / "docs" / "plans" / "2026-03-01-orders-plan.md"


def main() -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        print("local model: skipped (pip install 'planreview[local]' or make test-local-llm)")
        return
    from planreview.local_llm import MODEL_ALIAS, running_server

    with tempfile.TemporaryDirectory() as cache, running_server() as url:
        flags = {
            "engine": "llm", "model": MODEL_ALIAS, "base_url": url, "concurrency": 1,
            "context_tokens": 4000, "max_output_tokens": 1024, "timeout_s": 300.0,
            "cache": False, "cache_dir": cache,
        }
        settings = build_settings(flags, {}, REPO)
        request = ReviewRequest(plan_path=PLAN, repo=open_repo(REPO, search_parents=False),
                                settings=settings)
        start = time.perf_counter()
        report = run_review(request)
        wall = time.perf_counter() - start
    print(f"local model ({MODEL_ALIAS}, llama.cpp, 2 cores), example plan, one reviewer at a time")
    print(f"{'reviewer':<12} {'status':<7} {'seconds':>8} {'prompt tok':>11} {'compl. tok':>11} "
          f"{'returned':>9} {'ungrounded':>11} {'mode':<20}")
    for r in report.reviewers:
        print(f"{r.name:<12} {r.status:<7} {r.duration_ms / 1000:>8.1f} "
              f"{r.usage.prompt_tokens:>11} {r.usage.completion_tokens:>11} {r.findings:>9} "
              f"{r.dropped.ungrounded:>11} {r.structured_output or '-':<20}")
    llm_kept = sum(1 for f in report.findings if f.rule is None)
    print(f"whole review: {wall:.1f} s; findings in report: {len(report.findings)} "
          f"({llm_kept} from the model alone); dropped as ungrounded: "
          f"{sum(r.dropped.ungrounded for r in report.reviewers)}")


if __name__ == "__main__":
    main()
