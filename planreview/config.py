"""Configuration, built once at the edge into one typed object.

Precedence, highest first: command-line flag > environment variable > file
(`.planreview.toml`, else `[tool.planreview]` in `pyproject.toml`, at the repository
root) > default. Nodes read the resolved `Settings`; nothing below the CLI reads
`os.environ`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from planreview.errors import UserInputError
from planreview.models import Category, Severity

EngineChoice = Literal["auto", "rules", "llm"]
FailOn = Literal["none", "P1", "P2", "P3"]
StructuredOutput = Literal["auto", "json_schema", "json_object", "text"]

ALL_REVIEWERS: tuple[str, ...] = tuple(c.value for c in Category)


class Settings(BaseModel):
    """Everything a review needs to know, resolved from flags, env, file and defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    engine: EngineChoice = "auto"
    """auto: LLM reviewers when a key or base URL is configured, else the rules engine."""
    reviewers: tuple[str, ...] = ALL_REVIEWERS
    fail_on: FailOn = "none"
    max_plan_bytes: int = Field(default=5_000_000, gt=0)
    max_file_bytes: int = Field(default=1_000_000, gt=0)
    """Repository files larger than this are skipped as huge."""
    context_bytes: int = Field(default=200_000, gt=0)
    """Byte budget for all repository excerpts loaded as context."""
    context_lines: int = Field(default=15, ge=0)
    """Lines of context kept around each cited window."""
    disable: tuple[str, ...] = ()
    """Rule ids switched off."""
    severity: dict[str, Severity] = Field(default_factory=dict)
    """Per-rule severity overrides: rule id -> P1/P2/P3."""
    postgres_version: int | None = Field(default=None, ge=9, le=99)
    """PostgreSQL major version the migrations run on (16); unset: the lowest one the
    repository's service images, CI settings or .tool-versions name, else assumed."""

    # GitHub bot
    plans: tuple[str, ...] = ("docs/plans/**/*.md",)
    """Globs of plan documents the bot reviews on a PR."""
    exclude: tuple[str, ...] = ()
    """Globs of paths the bot never reviews."""
    review_drafts: bool = False
    """Review draft PRs too (the App server ignores them by default)."""

    # LLM
    model: str = "gpt-5.5-mini"
    base_url: str | None = None
    api_key: SecretStr | None = None
    structured_output: StructuredOutput = "auto"
    concurrency: int = Field(default=4, ge=1)
    timeout_s: float = Field(default=120.0, gt=0)
    max_retries: int = Field(default=2, ge=0)
    max_tokens_per_run: int | None = Field(default=None, gt=0)
    max_output_tokens: int = Field(default=16_000, gt=0)
    """Cap on the tokens one LLM answer may generate (stops a looping model)."""
    context_tokens: int = Field(default=60_000, gt=0)
    """Token budget for the shared plan+context prefix sent to every specialist."""
    cache: bool = True
    cache_dir: Path | None = None
    resume: bool = False
    keep_ungrounded: bool = False
    allow_partial: bool = False

    @property
    def llm_configured(self) -> bool:
        return self.api_key is not None or self.base_url is not None

    @property
    def use_llm(self) -> bool:
        if self.engine == "llm":
            return True
        return self.engine == "auto" and self.llm_configured


# Environment variables we read, and the setting each fills.
ENV_VARS: dict[str, str] = {
    "PLANREVIEW_ENGINE": "engine",
    "PLANREVIEW_MODEL": "model",
    "PLANREVIEW_FAIL_ON": "fail_on",
    "PLANREVIEW_STRUCTURED_OUTPUT": "structured_output",
    "PLANREVIEW_CONCURRENCY": "concurrency",
    "PLANREVIEW_MAX_TOKENS_PER_RUN": "max_tokens_per_run",
    "PLANREVIEW_CACHE_DIR": "cache_dir",
    "PLANREVIEW_MAX_PLAN_BYTES": "max_plan_bytes",
    "PLANREVIEW_CONTEXT_TOKENS": "context_tokens",
    "PLANREVIEW_MAX_OUTPUT_TOKENS": "max_output_tokens",
    "PLANREVIEW_TIMEOUT": "timeout_s",
    "PLANREVIEW_POSTGRES_VERSION": "postgres_version",
    "OPENAI_BASE_URL": "base_url",
    "OPENAI_API_KEY": "api_key",
}

_LIST_KEYS = {"reviewers", "disable", "plans", "exclude"}


def read_config_file(root: Path) -> tuple[dict[str, Any], Path | None]:
    """Return the `[tool.planreview]`-style table from the repository root, and its file."""
    dotfile = root / ".planreview.toml"
    pyproject = root / "pyproject.toml"
    if dotfile.is_file():
        data = _load_toml(dotfile)
        table = data.get("tool", {}).get("planreview", data)
        return _check_table(table, dotfile), dotfile
    if pyproject.is_file():
        table = _load_toml(pyproject).get("tool", {}).get("planreview", {})
        return _check_table(table, pyproject), pyproject
    return {}, None


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserInputError(f"cannot read config {path.name}: {exc}") from exc


def _check_table(table: object, path: Path) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise UserInputError(f"{path.name}: [tool.planreview] must be a table")
    return {key.replace("-", "_"): value for key, value in table.items()}


def _from_env(env: Mapping[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for var, key in ENV_VARS.items():
        raw = env.get(var)
        if raw is None or raw.strip() == "":
            continue  # OPENAI_BASE_URL="" means unset, not "empty base URL"
        values[key] = raw.strip()
    if "PLANREVIEW_REVIEWERS" in env and env["PLANREVIEW_REVIEWERS"].strip():
        values["reviewers"] = env["PLANREVIEW_REVIEWERS"]
    return values


def _normalise(values: dict[str, Any]) -> dict[str, Any]:
    out = dict(values)
    for key in _LIST_KEYS & out.keys():
        raw = out[key]
        if isinstance(raw, str):
            raw = [part.strip() for part in raw.split(",") if part.strip()]
        out[key] = tuple(raw)
    return out


def build_settings(
    flags: Mapping[str, Any],
    env: Mapping[str, str],
    root: Path,
) -> Settings:
    """Resolve settings with flag > env > file > default.

    `flags` holds only the options the user actually passed (None means "not given").
    """
    file_values, source = read_config_file(root)
    merged: dict[str, Any] = {}
    merged.update(_normalise(file_values))
    merged.update(_normalise(_from_env(env)))
    merged.update(_normalise({k: v for k, v in flags.items() if v is not None}))
    if "base_url" in merged and not merged.get("api_key"):
        # Local servers accept any key, but the SDK refuses to start without one.
        merged.setdefault("api_key", "unused")
    try:
        settings = Settings(**merged)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "config"
        origin = f" (from {source.name})" if source and where in file_values else ""
        raise UserInputError(f"invalid setting {where}{origin}: {err['msg']}") from None
    if not settings.reviewers:
        raise UserInputError("no reviewers selected (choose from " + ", ".join(ALL_REVIEWERS) + ")")
    unknown = [r for r in settings.reviewers if r not in ALL_REVIEWERS]
    if unknown:
        raise UserInputError(
            f"unknown reviewer {unknown[0]!r} (choose from {', '.join(ALL_REVIEWERS)})"
        )
    return settings
