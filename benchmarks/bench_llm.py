"""`make bench` (LLM part): parallel fan-out latency and prompt tokens per review.

Through the local stub server (tests/stub_openai.py), never a real provider:

1. Latency: every call takes 2 s. Four reviewers fanned out in parallel should take
   about one call's latency; with --concurrency 1 they take four.
2. Prompt tokens per review (estimated at 4 characters per token, as sent): ours --
   cited windows of the referenced files, one shared prefix -- against a naive baseline
   that sends the whole plan plus every referenced file in full to every reviewer.
   With a provider prompt cache the shared prefix is paid about once, so the cacheable
   share is printed too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "llm"))

import reference01  # noqa: E402
from stub_openai import StubServer, answer  # noqa: E402

from benchmarks.generate import make_plan, make_repo  # noqa: E402
from planreview import prompts  # noqa: E402
from planreview.config import ALL_REVIEWERS, Settings  # noqa: E402
from planreview.llm import LLMClient, estimate_tokens  # noqa: E402
from planreview.plan import parse_plan  # noqa: E402
from planreview.repo import open_repo  # noqa: E402
from planreview.review import ReviewRequest, run_review  # noqa: E402
from planreview.specialist import specialist_part  # noqa: E402

LATENCY_S = 2.0


def reference_repo(root: Path) -> Path:
    """The plan of reference review 01 and the files it cites (tests/llm/reference01.py)."""
    for rel, text in {reference01.PLAN: reference01.PLAN_TEXT, **reference01.FILES}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root / reference01.PLAN


def _review(stub: StubServer, plan: Path, root: Path, cache_dir: Path,
            concurrency: int = 4, delay_s: float = 0.0) -> float:
    stub.script(*(answer({"findings": []}, when=f"**{name}** specialist", delay_s=delay_s)
                  for name in ALL_REVIEWERS))
    settings = Settings(base_url=stub.base_url, api_key="bench", model="stub-model",
                        cache=False, cache_dir=cache_dir, concurrency=concurrency)
    request = ReviewRequest(plan_path=plan, repo=open_repo(root), settings=settings)
    start = time.perf_counter()
    run_review(request, llm=LLMClient.from_settings(settings))
    return time.perf_counter() - start


def fan_out_latency(plan: Path, root: Path, cache_dir: Path) -> None:
    stub = StubServer().start()
    try:
        _review(stub, plan, root, cache_dir)  # warm up: imports, first connection
        parallel = _review(stub, plan, root, cache_dir, 4, LATENCY_S)
        serial = _review(stub, plan, root, cache_dir, 1, LATENCY_S)
    finally:
        stub.stop()
    print(f"fan-out, {LATENCY_S:.0f} s per call, 4 reviewers:")
    print(f"  --concurrency 4: {parallel:5.1f} s  ({parallel / LATENCY_S:.2f} x one call)")
    print(f"  --concurrency 1: {serial:5.1f} s  ({serial / LATENCY_S:.2f} x one call)")


def prompt_tokens(label: str, plan: Path, root: Path, cache_dir: Path) -> None:
    stub = StubServer().start()
    try:
        _review(stub, plan, root, cache_dir)
        sent = list(stub.requests)
    finally:
        stub.stop()
    ours = sum(estimate_tokens(m["content"]) for r in sent for m in r.messages)
    prefix = {(r.messages[0]["content"], r.messages[1]["content"]) for r in sent}
    shared = sum(estimate_tokens(a) + estimate_tokens(b) for a, b in prefix)
    cached_once = ours - shared * (len(sent) - len(prefix))

    parsed = parse_plan(plan.read_text(encoding="utf-8"), plan.relative_to(root).as_posix())
    files = {ref.path for ref in parsed.references if (root / ref.path).is_file()}
    whole = sum(estimate_tokens((root / p).read_text(encoding="utf-8")) for p in files)
    system = estimate_tokens(prompts.render("system.md"))
    naive = sum(
        system + estimate_tokens(parsed.text) + whole + estimate_tokens(specialist_part(n, []))
        for n in ALL_REVIEWERS
    )
    print(f"{label}: {len(files)} referenced files")
    print(f"  naive (whole plan + every file, to each reviewer): {naive:>9,} prompt tokens")
    print(f"  planreview (cited windows, shared prefix):         {ours:>9,} prompt tokens"
          f"  ({ours / naive:.0%} of naive)")
    print(f"  of which a provider prompt cache serves:           {ours - cached_once:>9,}"
          f"  (uncached ~{cached_once:,})")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache_dir = Path(tmp) / "cache"
        ref_root = Path(tmp) / "reference01"
        ref_plan = reference_repo(ref_root)
        fan_out_latency(ref_plan, ref_root, cache_dir)
        prompt_tokens("reference review 01's plan", ref_plan, ref_root, cache_dir)
        root = Path(tmp) / "repo"
        refs = make_repo(root, 30)
        plan = root / "docs/plans/plan-1200.md"
        plan.parent.mkdir(parents=True, exist_ok=True)
        plan.write_text(make_plan(1_200, 40, refs), encoding="utf-8")
        prompt_tokens("generated 1,200-line plan", plan, root, cache_dir)


if __name__ == "__main__":
    main()
