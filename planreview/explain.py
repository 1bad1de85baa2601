"""`planreview explain RULE`: one rule's reference text, the same as its docs/rules.md section.

The text is the rule's docstring (what it catches, why, the fix) under a line with its
id, specialist and default severity, and the link to its section of docs/rules.md.
Importing this module is cheap: the rules are loaded only when a rule is looked up.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

from planreview.errors import UserInputError

if TYPE_CHECKING:
    from planreview.rules import Rule

RULES_DOC_URL = "https://github.com/planreview/planreview/blob/main/docs/rules.md"
"""Where docs/rules.md is published; a rule's anchor is appended to it."""

_NOT_IN_ANCHOR = re.compile(r"[^\w\- ]")


def rule_anchor(heading: str) -> str:
    """GitHub's anchor for a docs/rules.md heading (`## \\`RULE\\``): lowercased,
    punctuation other than `-` and `_` dropped (backticks, `/`, `.`), spaces to `-`."""
    return _NOT_IN_ANCHOR.sub("", heading.lower()).replace(" ", "-")


def rule_url(rule_id: str) -> str:
    return f"{RULES_DOC_URL}#{rule_anchor(rule_id)}"


def find_rule(rule_id: str) -> Rule:
    """The built-in rule with this id; UserInputError naming close matches otherwise."""
    from planreview.reviewers import all_rules

    rules = {r.id: r for r in all_rules()}
    wanted = rule_id.strip()
    if wanted in rules:
        return rules[wanted]
    raise UserInputError(f"unknown rule {wanted!r}; {_suggestion(wanted, list(rules))}")


def _suggestion(wanted: str, ids: list[str]) -> str:
    """Close ids, by the whole id and by the name after the specialty."""
    lowered = wanted.lower()
    names = {i.split("/", 1)[1]: i for i in ids}
    close = difflib.get_close_matches(lowered, ids, n=3, cutoff=0.6)
    close += [names[n] for n in difflib.get_close_matches(
        lowered.rsplit("/", 1)[-1], list(names), n=3, cutoff=0.6)]
    close += [i for i in ids if lowered and lowered in i]
    unique = list(dict.fromkeys(close))[:3]
    if not unique:
        return "`planreview rules` lists them all"
    return "did you mean " + ", ".join(unique) + "?"


def explain_text(rule_id: str) -> str:
    """The reference text for one rule (raises UserInputError for an unknown id)."""
    r = find_rule(rule_id)
    head = f"{r.id}\nSpecialist: {r.category.value} · Default severity: {r.severity.value}"
    return f"{head}\nDocs: {rule_url(r.id)}\n\n{r.doc}\n"
