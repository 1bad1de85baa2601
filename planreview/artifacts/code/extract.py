"""Entry points: scan a snippet, every code unit of a review, a file's route."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from planreview.artifacts.code.javascript import JsScanner
from planreview.artifacts.code.masking import Unterminated, mask_js, mask_py
from planreview.artifacts.code.model import (
    FILE_SUFFIXES,
    PLAN_LANGUAGES,
    CodeUnit,
    Language,
    Origin,
    Route,
)
from planreview.artifacts.code.python import PyScanner
from planreview.artifacts.code.scanner import Scanner

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts


# --- entry points ------------------------------------------------------------------------

_APP_ROUTE = re.compile(r"(?:^|/)app/((?:.*/)?)(page|layout|route)\.(?:tsx|ts|jsx|js|mdx)$")
_PAGES_ROUTE = re.compile(r"(?:^|/)pages/(.*?)\.(?:tsx|ts|jsx|js)$")


def route_of(path: str) -> Route | None:
    """The Next.js route a file serves, from its path alone."""
    m = _APP_ROUTE.search(path)
    if m:
        segments = [
            s
            for s in m.group(1).split("/")
            if s and not (s.startswith("(") and s.endswith(")")) and not s.startswith("@")
        ]
        kind = m.group(2)
    else:
        m = _PAGES_ROUTE.search(path)
        if not m or m.group(1).startswith(("_", "api/")):
            return None
        segments = [s for s in m.group(1).split("/") if s and s != "index"]
        kind = "page"
    url = "/" + "/".join(segments)
    params = tuple(
        re.sub(r"^\.\.\.", "", s[1:-1].strip("[]")) for s in segments if s.startswith("[")
    )
    return Route(url=url, kind=kind, params=params)


def scan(
    text: str,
    language: Language,
    path: str = "<snippet>",
    first_line: int = 1,
    origin: Origin = "repo",
) -> CodeUnit:
    """Scan one snippet or file. Raises Unterminated when a comment/string never ends."""
    masked = mask_js(text) if language == "typescript" else mask_py(text)
    scanner: Scanner = (
        JsScanner(text, masked, first_line)
        if language == "typescript"
        else PyScanner(text, masked, first_line)
    )
    unit = CodeUnit(
        path=path,
        language=language,
        origin=origin,
        start_line=first_line,
        end_line=first_line + text.count("\n") - (1 if text.endswith("\n") else 0),
        text=text,
        masked=masked,
        route=route_of(path) if origin == "repo" else None,
    )
    assert isinstance(scanner, (JsScanner, PyScanner))
    scanner.scan()
    return scanner.finish(unit)


def _sources(
    artifacts: Artifacts,
) -> Iterator[tuple[str, str, Language, int, Origin, tuple[str, ...]]]:
    for block in artifacts.plan.code_blocks:
        language = PLAN_LANGUAGES.get(block.language)
        if language:
            yield (
                artifacts.plan.path,
                block.text,
                language,
                block.start_line,
                "plan",
                block.heading_path,
            )
    for path, loaded in artifacts.context.files.items():
        suffix = path[path.rfind(".") :] if "." in path else ""
        language = FILE_SUFFIXES.get(suffix)
        if language:
            yield path, loaded.text, language, 1, "repo", ()


def extract_code(artifacts: Artifacts) -> list[CodeUnit]:
    """Every ts/js/python code block of the plan and every loaded source file, scanned."""
    from planreview.artifacts import Unparsed

    units: list[CodeUnit] = []
    for path, text, language, first_line, origin, heading in _sources(artifacts):
        try:
            unit = scan(text, language, path, first_line, origin)
        except Unterminated as exc:
            offset = exc.args[1] if len(exc.args) > 1 else 0
            line = first_line + text.count("\n", 0, max(0, offset))
            artifacts.unparsed.append(Unparsed(path, line, "code", str(exc.args[0])))
            continue
        unit.heading_path = heading
        units.append(unit)
    return units
