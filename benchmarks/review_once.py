"""One measured review in a fresh process, for bench_pipeline.py (which caps its time).

    python benchmarks/review_once.py --repo R --plan P --cache DIR [--runs N] [--warm-up W]

With --warm-up (a plan in another, tiny repository) one review runs first so that the
timed ones pay no import or first-call costs, only the repository's and the plan's. Each
timed review opens the repository afresh, as one CLI run does; the cache directory (LLM
cache today, the repository index when there is one) is --cache, through the settings and
XDG_CACHE_HOME alike. Prints one JSON line: {"ms": [...], "findings": N}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repo", type=Path, required=True)
    parser.add_argument("--plan", type=Path, required=True)
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--warm-up", type=Path, default=None)
    args = parser.parse_args()
    os.environ["XDG_CACHE_HOME"] = str(args.cache)  # before planreview reads it

    from planreview.config import Settings
    from planreview.repo import open_repo
    from planreview.review import ReviewRequest, run_review

    settings = Settings(engine="rules", cache_dir=args.cache)

    def review(plan: Path, root: Path) -> int:
        request = ReviewRequest(plan_path=plan, repo=open_repo(root), settings=settings)
        return run_review(request).summary.total

    if args.warm_up is not None:
        review(args.warm_up, args.warm_up.parent)
    times, findings = [], 0
    for _ in range(args.runs):
        start = time.perf_counter()
        findings = review(args.plan, args.repo)
        times.append((time.perf_counter() - start) * 1000)
    print(json.dumps({"ms": times, "findings": findings}))


if __name__ == "__main__":
    main()
