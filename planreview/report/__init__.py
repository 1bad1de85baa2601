"""Renderers: Markdown (the human report), JSON (the contract), SARIF, reviewdog's rdjson.

The GitHub comment is rendered in planreview.github.comment."""

from __future__ import annotations

from typing import Literal

from planreview.models import Report

Format = Literal["md", "json", "sarif", "rdjson"]


def render(report: Report, fmt: Format, *more: Report) -> str:
    """One report, or several plans' (`more`): Markdown reports one after the other,
    one SARIF run or rdjson result holding them all. JSON is one report only."""
    if fmt == "json":
        if more:
            raise ValueError("the JSON report holds one plan")
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "sarif":
        from planreview.report.sarif import render_sarif

        return render_sarif(report, *more)
    if fmt == "rdjson":
        from planreview.report.rdjson import render_rdjson

        return render_rdjson(report, *more)
    from planreview.report.markdown import render_markdown

    return "\n".join(render_markdown(r) for r in (report, *more))
