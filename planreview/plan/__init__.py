"""Markdown plan -> ParsedPlan: sections, code blocks, tables, front matter, references.

Line numbers are 1-based and exact in the original text (CRLF, tabs, `~~~` fences,
nested lists), because every finding cites them.

Line endings: `\n`, `\r\n` and a lone `\r` end a line — exactly the separators
markdown-it recognises, so its token line maps and `ParsedPlan.lines` always agree.
Other characters that `str.splitlines()` would split on (`\v`, `\f`, `\x1c`-`\x1e`,
`\x85`, U+2028, U+2029) stay inside their line, as they do in markdown-it and in git
diffs. A leading UTF-8 BOM is dropped.
"""

from __future__ import annotations

from planreview.plan.loading import load_plan_file, parse_plan_bytes, parse_plan_text
from planreview.plan.markdown import parse_plan, split_lines
from planreview.plan.model import CodeBlock, ParsedPlan, Reference, ReferenceForm, Section, Table
from planreview.plan.references import Cited, clean_path, find_references

__all__ = [
    "Cited",
    "CodeBlock",
    "ParsedPlan",
    "Reference",
    "ReferenceForm",
    "Section",
    "Table",
    "clean_path",
    "find_references",
    "load_plan_file",
    "parse_plan",
    "parse_plan_bytes",
    "parse_plan_text",
    "split_lines",
]
