"""The Markdown scoreboard: totals, one row per case, recall per category and severity,
malformed cases, and (with --show-misses) what each case expected and did not get,
which rejected findings it raised, and which predictions matched nothing.

Rendered from `Results` alone, so a saved results JSON renders the same board.
"""

from __future__ import annotations

from planreview.evals.results import Bucket, CaseRecord, Results, Scores


def render_scoreboard(results: Results, *, show_misses: bool = False) -> str:
    t = results.totals
    engine = results.engine + (f", model {results.model}" if results.model else "")
    lines = [
        f"# planreview eval ({engine})",
        "",
        f"{t.cases} cases: {t.scored} scored, {t.failed} crashed, {t.malformed} malformed"
        + (f", {t.skipped} skipped (no mirror)." if t.skipped else "."),
        "",
        "## Totals",
        "",
        "| metric | value |",
        "|---|---|",
        f"| recall | {_ratio(t.recall, t.matched, t.expected)} |",
        f"| weighted recall (P1=3, P2=2, P3=1) | "
        f"{_ratio(t.weighted_recall, t.matched_weight, t.expected_weight)} |",
        f"| precision | {_ratio(t.precision, t.relevant, t.predictions)} |",
        f"| precision, P1 | {_ratio(t.p1_precision, t.p1_relevant, t.p1_predictions)} |",
        f"| rejected hits | {t.rejected_hits} |",
        f"| unlabelled predictions | {t.unlabelled} |",
        f"| findings per plan | {_num(t.findings_per_plan)} ({t.predictions}/{t.plans}) |",
        f"| plans with a finding | "
        f"{_ratio(t.share_with_finding, t.plans_with_finding, t.plans)} |",
        f"| severity agreement | {_ratio(t.severity_agreement, t.agreeing, t.matched)} |",
        f"| duplicates | {t.duplicates} |",
        f"| tokens (prompt / completion) | {_tokens(t)} |",
        f"| wall time, summed | {t.wall_ms} ms |",
        "",
        "## Cases",
        "",
        "| case | found | recall | weighted | precision | rejected | severity agr. "
        "| duplicates | tokens | ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *(_case_row(c) for c in results.cases),
        "",
        "## Recall per category",
        "",
        *_buckets("category", t.per_category),
        "",
        "## Recall per severity",
        "",
        *_buckets("severity", t.per_severity),
        "",
        "## Precision per specialty",
        "",
        "| specialty | relevant / raised | precision | rejected hits |",
        "|---|---|---|---|",
        *(f"| {key} | {r.relevant}/{r.predictions} | {_num(r.precision)} | {r.rejected} |"
          for key, r in t.precision_per_category.items()),
    ]
    if results.malformed:
        lines += ["", "## Malformed cases (not run)", ""]
        lines += [f"- `{m.path}`: `{m.field}`: {m.error}" for m in results.malformed]
    if show_misses:
        lines += ["", "## Misses", "", *_misses(results.cases)]
    return "\n".join(lines) + "\n"


def _case_row(c: CaseRecord) -> str:
    if c.skipped is not None:
        return f"| {_cell(c.id)} | skipped: {_cell(c.skipped)} | | | | | | | | |"
    if c.error is not None:
        return f"| {_cell(c.id)} | crashed: {_cell(c.error)} | | | | | | | | {c.wall_ms} |"
    cells = [
        _cell(c.id), f"{c.matched}/{c.expected}", _num(c.recall), _num(c.weighted_recall),
        _num(c.precision), str(c.rejected_hits), _num(c.severity_agreement),
        str(c.duplicates), _tokens(c), str(c.wall_ms),
    ]
    return "| " + " | ".join(cells) + " |"


def _buckets(label: str, buckets: dict[str, Bucket]) -> list[str]:
    rows = [f"| {label} | found | recall |", "|---|---|---|"]
    rows += [f"| {key} | {b.matched}/{b.expected} | {_num(b.recall)} |"
             for key, b in buckets.items()]
    return rows


def _misses(cases: list[CaseRecord]) -> list[str]:
    lines: list[str] = []
    for c in cases:
        if c.skipped is not None:
            continue
        if c.error is not None:
            lines += [f"### {c.id}", "", f"Crashed: {c.error}", ""]
            continue
        titles = {e.id: e for e in c.expected_findings}
        rejected = {r.id: r for r in c.rejected_findings}
        # Paired and duplicate predictions are exactly those matching an expected
        # finding, so the rest are noise or a gap in the case's labels.
        labelled = {p.prediction for p in c.matched_pairs} | set(c.duplicate_predictions)
        unmatched = [i for i in range(len(c.predicted)) if i not in labelled]
        if not c.missed and not c.rejected and not unmatched:
            continue
        lines += [f"### {c.id}", ""]
        for missed_id in c.missed:
            e = titles[missed_id]
            lines.append(f"- missed {e.id} ({e.severity.value}, {e.category.value}): {e.title}")
        for hit in c.rejected:
            raised = c.predicted[hit.prediction].title
            lines.append(
                f"- raised rejected {hit.rejected} ({rejected[hit.rejected].title}): "
                f"{hit.finding_id or '#' + str(hit.prediction)} {raised}"
            )
        for index in unmatched:
            f = c.predicted[index]
            lines.append(f"- unmatched {f.id or '#' + str(index)} ({f.severity.value}): {f.title}")
        lines.append("")
    return lines or ["Nothing missed."]


def _ratio(value: float | None, numerator: int, denominator: int) -> str:
    return f"{_num(value)} ({numerator}/{denominator})"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _tokens(s: Scores) -> str:
    return f"{s.tokens.prompt_tokens} / {s.tokens.completion_tokens}"


def _cell(text: str) -> str:
    """Table cells are one line, and a pipe would end the cell early."""
    return " ".join(text.split()).replace("|", "\\|")
