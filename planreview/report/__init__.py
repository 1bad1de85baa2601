"""Renderers: Markdown (the human report), JSON (the contract), SARIF, reviewdog's rdjson.

The GitHub comment is rendered in planreview.github.comment."""

from __future__ import annotations

from typing import Literal

from planreview.models import Report

Format = Literal["md", "json", "sarif", "rdjson"]


def render(report: Report, fmt: Format) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "sarif":
        from planreview.report.sarif import render_sarif

        return render_sarif(report)
    if fmt == "rdjson":
        from planreview.report.rdjson import render_rdjson

        return render_rdjson(report)
    from planreview.report.markdown import render_markdown

    return render_markdown(report)
