"""Evaluation cases: find them, validate `case.yaml` against the shipped JSON Schema,
and turn each into a typed `Case`.

A malformed case never stops the others: discovery returns the good cases and one
`MalformedCase` (path, offending field, message) per bad one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from jsonschema.exceptions import ValidationError  # type: ignore[import-untyped]

from planreview.errors import UserInputError
from planreview.models import Category, Severity

CASE_FILE = "case.yaml"

MatchGroups = tuple[tuple[str, ...], ...]
"""Every group needs at least one of its terms in the finding's text."""


@dataclass(frozen=True)
class Expected:
    """A finding a senior reviewer would raise on the case's plan."""

    id: str
    category: Category
    severity: Severity
    title: str
    match: MatchGroups
    reason: str = ""
    label: str = ""
    """TRUE, TRUE-WRONG-SEVERITY or MISS on a labelled real plan; empty on a written case."""


@dataclass(frozen=True)
class Rejected:
    """A finding a good reviewer must not raise (noise)."""

    id: str
    title: str
    match: MatchGroups
    reason: str = ""
    label: str = ""
    """NOISE or FALSE on a labelled real plan."""
    root_cause: str = ""


@dataclass(frozen=True)
class Source:
    """A public git repository a case is materialized from instead of bundled files."""

    repo: str
    """owner/name"""
    commit: str
    plan_path: str
    """The plan, relative to the repository root."""
    plan_commit: str | None = None
    """The plan's own version, when it differs from `commit`."""

    @property
    def mirror_name(self) -> str:
        """The mirror folder's name: owner+name (how `fetch` lays mirrors out)."""
        return self.repo.replace("/", "+")


@dataclass(frozen=True)
class Case:
    id: str
    folder: Path
    plan: str
    """The plan as written in case.yaml, relative to the folder; also its name in reports."""
    repo: Path | None
    expected: tuple[Expected, ...]
    rejected: tuple[Rejected, ...] = ()
    source: Source | None = None
    """Set for a real-repository case: `plan` is then `source.plan_path`, and the plan
    and repository exist only once materialized from a mirror (see materialize.py)."""

    @property
    def plan_path(self) -> Path:
        return self.folder / self.plan


@dataclass(frozen=True)
class MalformedCase:
    """A case that cannot be run, and why: `field` is a dotted path such as
    `expected[2].severity`, or `case.yaml` when the file as a whole is the problem."""

    path: Path
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.field}: {self.message}"


class CaseFormatError(Exception):
    """case.yaml does not follow the case format; carries the offending field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Discovery:
    cases: tuple[Case, ...]
    malformed: tuple[MalformedCase, ...]


def discover(path: Path) -> Discovery:
    """Load one case folder, or every case folder directly inside `path`.

    Raises UserInputError when `path` is missing, not a folder, or holds no case at all.
    A sub-folder without case.yaml is reported as malformed, so a misnamed file is
    never silently skipped.
    """
    if not path.exists():
        raise UserInputError(f"case folder {path} does not exist")
    if not path.is_dir():
        raise UserInputError(f"{path} is not a folder (give a case folder or a folder of cases)")
    folders = [path] if (path / CASE_FILE).is_file() else sorted(
        child for child in path.iterdir() if child.is_dir() and not child.name.startswith(".")
    )
    if not folders:
        raise UserInputError(f"no evaluation cases in {path} (no {CASE_FILE} found)")
    cases: list[Case] = []
    malformed: list[MalformedCase] = []
    for folder in folders:
        try:
            cases.append(load_case(folder))
        except CaseFormatError as exc:
            malformed.append(MalformedCase(folder / CASE_FILE, exc.field, exc.message))
    _report_duplicate_ids(cases, malformed)
    return Discovery(tuple(c for c in cases if not _is_dropped(c, malformed)), tuple(malformed))


def _report_duplicate_ids(cases: list[Case], malformed: list[MalformedCase]) -> None:
    """Results are keyed by case id, so two cases with one id would overwrite each other."""
    first: dict[str, Case] = {}
    for case in cases:
        if case.id in first:
            malformed.append(MalformedCase(
                case.folder / CASE_FILE, "id",
                f"duplicate case id {case.id!r} (also used by {first[case.id].folder})",
            ))
        else:
            first[case.id] = case


def _is_dropped(case: Case, malformed: list[MalformedCase]) -> bool:
    return any(m.path == case.folder / CASE_FILE for m in malformed)


def load_case(folder: Path) -> Case:
    """Read and validate `folder/case.yaml`; raises CaseFormatError naming the field."""
    data = _read_yaml(folder / CASE_FILE)
    _validate(data)
    source = _source(data)
    repo = None
    if source is not None:
        plan = source.plan_path
    else:
        plan = data["plan"]
        if not (folder / plan).is_file():
            raise CaseFormatError("plan", f"plan file {plan!r} not found in {folder}")
        if "repo" in data:
            repo = folder / data["repo"]
            if not repo.is_dir():
                raise CaseFormatError("repo", f"repository folder {data['repo']!r} not found")
    expected = tuple(
        Expected(
            id=item["id"], category=Category(item["category"]),
            severity=Severity(item["severity"]), title=item["title"],
            match=_groups(item["match"]), reason=item.get("reason", ""),
            label=item.get("label", ""),
        )
        for item in data["expected"]
    )
    rejected = tuple(
        Rejected(id=item["id"], title=item["title"], match=_groups(item["match"]),
                 reason=item.get("reason", ""), label=item.get("label", ""),
                 root_cause=item.get("root_cause", ""))
        for item in data.get("rejected", [])
    )
    _check_unique_ids(expected, rejected)
    return Case(id=data["id"], folder=folder, plan=plan, repo=repo,
                expected=expected, rejected=rejected, source=source)


def _source(data: dict[str, Any]) -> Source | None:
    """A case names either bundled files (`plan`, optional `repo`) or a `source`."""
    if "source" not in data:
        if "plan" not in data:
            raise CaseFormatError("plan", "'plan' is a required property (or give 'source')")
        return None
    for bundled in ("plan", "repo"):
        if bundled in data:
            raise CaseFormatError(
                bundled, f"a case with 'source' has no '{bundled}' (it comes from the mirror)")
    raw = data["source"]
    plan_path = raw["plan_path"]
    if plan_path.startswith("/") or ".." in plan_path.split("/"):
        raise CaseFormatError("source.plan_path", "must be a path inside the repository")
    return Source(repo=raw["repo"], commit=raw["commit"], plan_path=plan_path,
                  plan_commit=raw.get("plan_commit"))


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        raise CaseFormatError(CASE_FILE, "missing")
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseFormatError(CASE_FILE, f"cannot read: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        raise CaseFormatError(CASE_FILE, f"not valid YAML{line}") from None


def _validate(data: Any) -> None:
    errors: list[ValidationError] = sorted(
        _validator().iter_errors(data),
        key=lambda e: (_dotted(list(e.absolute_path)), e.message),
    )
    if errors:
        first = errors[0]
        raise CaseFormatError(_field_of(first), first.message)


def _field_of(error: ValidationError) -> str:
    """The offending field itself: for a missing or unknown key, that key's path, not
    its parent's (`expected[0].severity`, not `expected[0]`)."""
    path: list[str | int] = list(error.absolute_path)
    instance = error.instance
    if error.validator == "required" and isinstance(instance, dict):
        missing = [key for key in error.validator_value if key not in instance]
        path += missing[:1]
    elif error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = error.schema.get("properties", {})
        path += sorted(str(key) for key in instance if key not in allowed)[:1]
    return _dotted(path)


def _dotted(path: list[str | int]) -> str:
    if not path:
        return "case.yaml"
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _groups(raw: list[list[str]]) -> MatchGroups:
    # Terms are kept verbatim: a deliberate space (" id ") narrows a substring match.
    return tuple(tuple(group) for group in raw)


def _check_unique_ids(expected: tuple[Expected, ...], rejected: tuple[Rejected, ...]) -> None:
    """Ids are shared by expected and rejected entries: results refer to either by id."""
    ids = [("expected", i, e.id) for i, e in enumerate(expected)]
    ids += [("rejected", i, r.id) for i, r in enumerate(rejected)]
    seen: set[str] = set()
    for kind, index, entry_id in ids:
        if entry_id in seen:
            raise CaseFormatError(f"{kind}[{index}].id", f"duplicate id {entry_id!r}")
        seen.add(entry_id)


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(case_schema())


def case_schema() -> dict[str, Any]:
    """The JSON Schema of case.yaml, as shipped in the package."""
    text = resources.files("planreview.evals").joinpath("case.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
