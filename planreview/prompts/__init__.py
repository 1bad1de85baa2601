"""Prompt templates: Markdown files rendered with `string.Template`.

`$name` placeholders only, so the braces of SQL, JSON and TypeScript in a prompt are
plain text; a literal dollar sign is written `$$` (e.g. `$$transaction`). A missing
variable or a stray `$` raises `PromptError` instead of sending a half-filled prompt.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from string import Template


class PromptError(Exception):
    """A prompt template could not be rendered: a bug in planreview, not user input."""


@cache
def load(name: str) -> str:
    """The raw text of `planreview/prompts/<name>`."""
    return resources.files(__package__).joinpath(name).read_text(encoding="utf-8")


def render(name: str, /, **variables: str) -> str:
    """`name` with every `$placeholder` filled; raises PromptError when one is missing."""
    try:
        return Template(load(name)).substitute(variables)
    except KeyError as exc:
        raise PromptError(f"prompt {name} needs variable {exc.args[0]!r}") from None
    except ValueError as exc:
        raise PromptError(f"prompt {name}: {exc} (write a literal dollar as $$)") from None


@cache
def prompt_version() -> str:
    """Hash of every prompt file: a changed prompt must not reuse old answers or runs."""
    digest = hashlib.sha256()
    files = sorted(
        (f for f in resources.files(__package__).iterdir() if f.name.endswith(".md")),
        key=lambda f: f.name,
    )
    for f in files:
        digest.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return digest.hexdigest()[:12]
