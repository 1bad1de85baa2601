"""A tolerant Prisma schema parser, and the repo schema merged with the plan's changes.

No maintained Python parser for Prisma exists and the npm ones pin Node and Prisma
versions, so this is a small line-oriented hand parser. Plans hold partial models
(`// ... existing fields`), so it recovers per line and per block: a line it cannot read
is recorded in `Artifacts.unparsed` and skipped, a missing `}` ends the block at the next
block header.

`build_schema` merges the repository's schema with the plan's prisma blocks: a plan model
extends or overrides the repo model of the same name, and every model, field and index
remembers whether the plan adds it ("new"), changes it ("changed") or leaves it as it was
("existing"), with the line it is written on.
"""

from __future__ import annotations

from planreview.artifacts.prisma.merge import build_schema
from planreview.artifacts.prisma.model import (
    MAX_SCHEMA_FILES,
    PRISMA_LANGUAGES,
    IndexKind,
    Origin,
    ParsedSchema,
    PrismaEnum,
    PrismaField,
    PrismaIndex,
    PrismaModel,
    PrismaSchema,
    Relation,
    Status,
)
from planreview.artifacts.prisma.parsing import parse_schema
from planreview.artifacts.prisma.tokens import (
    Attribute,
    bracket_list,
    parse_attributes,
    split_args,
)

__all__ = [
    "MAX_SCHEMA_FILES",
    "PRISMA_LANGUAGES",
    "Attribute",
    "IndexKind",
    "Origin",
    "ParsedSchema",
    "PrismaEnum",
    "PrismaField",
    "PrismaIndex",
    "PrismaModel",
    "PrismaSchema",
    "Relation",
    "Status",
    "bracket_list",
    "build_schema",
    "parse_attributes",
    "parse_schema",
    "split_args",
]
