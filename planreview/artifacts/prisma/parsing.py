"""The tolerant line-oriented Prisma schema parser."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from planreview.artifacts import Unparsed
from planreview.artifacts.prisma.model import (
    IndexKind,
    Origin,
    ParsedSchema,
    PrismaEnum,
    PrismaField,
    PrismaIndex,
    PrismaModel,
)
from planreview.artifacts.prisma.tokens import (
    _unquote,
    bracket_list,
    parse_attributes,
    strip_comment,
)

if TYPE_CHECKING:
    pass


# --- parsing ----------------------------------------------------------------------------------

_BLOCK = re.compile(r"^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{?\s*$")
_FIELD = re.compile(r"^\s*(\w+)\s+([A-Za-z_][\w.]*(?:\([^)]*\))?)(\[\])?(\?)?(?:\s+(.*))?$")
_REMOVAL = re.compile(
    r"//\s*(?:`?(\w+)`?\s+(?:is\s+|was\s+)?(?:removed|dropped|deleted)\b"
    r"|(?:remove|drop|delete)[ds]?:?\s+`?(\w+)`?)",
    re.IGNORECASE,
)
_STUB = re.compile(r"^\s*(//\s*)?(\.\.\.|…)|//.*\b(existing|unchanged|other|rest|same)\b", re.I)


def parse_schema(  # noqa: C901 -- per-line dispatch of a recovering line parser
    text: str,
    *,
    path: str,
    first_line: int = 1,
    origin: Origin,
    unparsed: list[Unparsed] | None = None,
) -> ParsedSchema:
    """Parse models and enums from `text` (line `first_line` of `path`). Never raises."""
    out = ParsedSchema()
    lines = text.split("\n")
    kind: str | None = None
    model: PrismaModel | None = None
    enum: PrismaEnum | None = None
    for offset, raw in enumerate(lines):
        number = first_line + offset
        header = _BLOCK.match(strip_comment(raw))
        if header:
            kind = header.group(1)
            name = header.group(2)
            model = enum = None
            if kind in ("model", "view"):
                model = PrismaModel(name, path, number, number, origin)
                out.models[name] = model
            elif kind == "enum":
                enum = PrismaEnum(name, path, number, number, origin)
                out.enums[name] = enum
            continue
        if kind is None:
            continue
        body = strip_comment(raw).strip()
        if body == "}" or body.startswith("}"):
            if model is not None:
                model.end_line = number
            if enum is not None:
                enum.end_line = number
            kind, model, enum = None, None, None
            continue
        if model is not None:
            model.end_line = number
            removal = _REMOVAL.search(raw) if not body else None
            if removal:
                model.removal_notes[removal.group(1) or removal.group(2)] = number
                continue
            if _STUB.search(raw) and not body:
                model.stubbed = True
                continue
            if body in ("...", "…"):
                model.stubbed = True
                continue
            if not body:
                continue
            if body.startswith("@@"):
                _block_attribute(model, body, number)
                continue
            m = _FIELD.match(body)
            if m is None:
                if unparsed is not None:
                    reason = f"unreadable line in model {model.name}"
                    unparsed.append(Unparsed(path, number, "prisma", reason))
                continue
            attrs = parse_attributes(m.group(5) or "")
            f = PrismaField(
                name=m.group(1), type=m.group(2), optional=bool(m.group(4)),
                is_list=bool(m.group(3)), attributes=attrs, path=path, line=number, origin=origin,
            )
            model.fields[f.name] = f
            if f.is_id:
                model.indexes.append(
                    PrismaIndex("id", [f.name], path, number, origin, implicit=True)
                )
            if f.is_unique:
                model.indexes.append(
                    PrismaIndex("unique", [f.name], path, number, origin, implicit=True)
                )
        elif enum is not None:
            enum.end_line = number
            if not body:
                continue
            if body in ("...", "…"):
                continue
            vm = re.match(r"^(\w+)", body)
            if vm and not body.startswith("@"):
                enum.values[vm.group(1)] = number
    open_block = model or enum
    if unparsed is not None and open_block is not None:
        unparsed.append(Unparsed(path, open_block.line, "prisma", "block not closed with '}'"))
    return out


def _block_attribute(model: PrismaModel, body: str, number: int) -> None:
    for attr in parse_attributes(body):
        kinds: dict[str, IndexKind] = {"id": "id", "unique": "unique", "index": "index"}
        if attr.name in kinds:
            fields = bracket_list(attr.arg("fields") or attr.positional())
            name = attr.arg("name") or attr.arg("map")
            model.indexes.append(
                PrismaIndex(kinds[attr.name], fields, model.path, number, model.origin,
                            name=_unquote(name) if name else None)
            )
        elif attr.name == "map":
            target = attr.positional() or attr.arg("name")
            if target:
                model.map = _unquote(target)
