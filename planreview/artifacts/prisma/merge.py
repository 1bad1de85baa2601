"""The repository's schema merged with the plan's prisma blocks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from planreview.artifacts.prisma.model import (
    MAX_SCHEMA_FILES,
    PRISMA_LANGUAGES,
    PrismaEnum,
    PrismaField,
    PrismaModel,
    PrismaSchema,
)
from planreview.artifacts.prisma.parsing import parse_schema

if TYPE_CHECKING:
    from planreview.artifacts import Artifacts


# --- the merged view ---------------------------------------------------------------------------


def build_schema(artifacts: Artifacts) -> PrismaSchema:
    """The repository's schema merged with the plan's prisma blocks."""
    schema = PrismaSchema()
    for path, text in _repo_sources(artifacts):
        parsed = parse_schema(text, path=path, origin="repo", unparsed=artifacts.unparsed)
        schema.repo.models.update(parsed.models)
        schema.repo.enums.update(parsed.enums)
        schema.repo_paths.append(path)
    for block in artifacts.plan.code_blocks:
        if block.language in PRISMA_LANGUAGES:
            parsed = parse_schema(
                block.text, path=artifacts.plan.path, first_line=block.start_line, origin="plan",
                unparsed=artifacts.unparsed,
            )
            schema.plan.models.update(parsed.models)
            schema.plan.enums.update(parsed.enums)
    for name, model in schema.repo.models.items():
        schema.models[name] = _copy_model(model)
    for name, enum in schema.repo.enums.items():
        schema.enums[name] = PrismaEnum(
            enum.name, enum.path, enum.line, enum.end_line, "repo", dict(enum.values)
        )
    for name, model in schema.plan.models.items():
        schema.models[name] = _merge_model(schema.repo.models.get(name), model)
    for name, enum in schema.plan.enums.items():
        schema.enums[name] = _merge_enum(schema.repo.enums.get(name), enum)
    return schema


def _copy_model(model: PrismaModel) -> PrismaModel:
    return PrismaModel(
        model.name, model.path, model.line, model.end_line, model.origin,
        dict(model.fields), list(model.indexes), model.map, model.stubbed,
    )


def _merge_model(  # noqa: C901 -- one branch per documented merge case
    repo: PrismaModel | None, plan: PrismaModel
) -> PrismaModel:
    merged = PrismaModel(
        plan.name, plan.path, plan.line, plan.end_line, "plan",
        map=plan.map or (repo.map if repo else None),
        stubbed=plan.stubbed, plan_line=plan.line, plan_end_line=plan.end_line,
    )
    if repo is None:
        # "// ... existing fields" says the model exists even when no repo schema was found.
        merged.status = "changed" if plan.stubbed else "new"
        for f in plan.fields.values():
            f.status = "new"
            merged.fields[f.name] = f
        for ix in plan.indexes:
            ix.status = "new"
            merged.indexes.append(ix)
        return merged
    merged.status = "changed"
    merged.repo_fields = dict(repo.fields)
    # Stub fields resolve from the repo; so do all repo fields when the plan elides some.
    keep_repo = plan.stubbed
    for name, f in repo.fields.items():
        if keep_repo and name not in plan.fields:
            merged.fields[name] = f
    for f in plan.fields.values():
        old = repo.fields.get(f.name)
        if old is None:
            f.status = "new"
        elif _field_sig(old) != _field_sig(f):
            f.status = "changed"
            f.previous = old
        merged.fields[f.name] = f
    for name, line in plan.removal_notes.items():
        if name in repo.fields:
            merged.removed_fields[name] = line
    shared = [n for n in plan.fields if n in repo.fields]
    if not plan.stubbed and len(shared) * 2 >= len(repo.fields):
        # A full restatement: what it leaves out, it removes.
        for name in repo.fields:
            if name not in plan.fields:
                merged.removed_fields.setdefault(name, plan.line)
    for name in merged.removed_fields:
        merged.fields.pop(name, None)
    repo_keys = {(ix.kind, tuple(ix.fields)) for ix in repo.indexes}
    plan_keys = {(ix.kind, tuple(ix.fields)) for ix in plan.indexes}
    for ix in plan.indexes:
        ix.status = "existing" if (ix.kind, tuple(ix.fields)) in repo_keys else "new"
        merged.indexes.append(ix)
    if keep_repo:
        for ix in repo.indexes:
            key = (ix.kind, tuple(ix.fields))
            if key not in plan_keys and all(c in merged.fields for c in ix.fields):
                merged.indexes.append(ix)
    return merged


def _field_sig(f: PrismaField) -> tuple[str, bool, bool, str | None]:
    return (f.type, f.optional, f.is_list, f.native_type)


def _merge_enum(repo: PrismaEnum | None, plan: PrismaEnum) -> PrismaEnum:
    merged = PrismaEnum(plan.name, plan.path, plan.line, plan.end_line, "plan", dict(plan.values))
    if repo is None:
        merged.status = "new"
        return merged
    merged.status = "changed" if set(repo.values) != set(plan.values) else "existing"
    merged.repo_values = dict(repo.values)
    merged.repo_path = repo.path
    merged.removed = [v for v in repo.values if v not in plan.values]
    return merged


def _repo_sources(artifacts: Artifacts) -> list[tuple[str, str]]:
    """The repo's schema files: loaded ones first, else the usual locations."""
    loaded = [(p, f.text) for p, f in artifacts.context.files.items() if p.endswith(".prisma")]
    if loaded or artifacts.repo is None:
        return loaded
    from planreview.repo import SkipError, find_files

    try:
        paths = find_files(artifacts.repo, "prisma/schema.prisma", "**/schema.prisma",
                           "prisma/schema/*.prisma")
    except (OSError, SkipError):
        return []
    out: list[tuple[str, str]] = []
    for path in paths[:MAX_SCHEMA_FILES]:
        if "node_modules/" in path:
            continue
        try:
            out.append((path, artifacts.repo.read_text(path)))
        except (OSError, SkipError):
            continue
    return out
