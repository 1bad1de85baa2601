"""The evaluation harness: score planreview's findings against expert-labelled cases.

case.py loads and validates cases, match.py pairs predictions with expected findings,
metrics.py counts, results.py builds the results JSON, runner.py reviews the cases in
parallel, baseline.py gates on an earlier run, scoreboard.py renders Markdown, and
cli.py is `planreview eval`.
"""
