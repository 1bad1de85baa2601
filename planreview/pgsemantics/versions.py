"""Which PostgreSQL major version changed what, and which version a repository targets.

Each feature cites the release notes or reference section that introduced it. A rule
whose claim depends on the version asks `supports(version, feature)`; when the version
is assumed (not configured, not found in the repository) the finding says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from planreview.repo import Repo

ASSUMED_VERSION = 16
"""The version assumed when neither the configuration nor the repository names one:
a recent, supported major (PostgreSQL 16, released 2023)."""


@dataclass(frozen=True)
class _F:
    since: int
    what: str
    doc: str


class Feature(Enum):
    CONSTANT_DEFAULT_NO_REWRITE = _F(
        11,
        "ADD COLUMN with a non-volatile DEFAULT stores the default in the catalog (no rewrite)",
        "PostgreSQL 11 release notes, E.x.3.1.3 Utility Commands; ALTER TABLE, Notes",
    )
    SET_NOT_NULL_USES_CHECK = _F(
        12,
        "SET NOT NULL skips the table scan when a valid CHECK (col IS NOT NULL) proves it",
        "PostgreSQL 12 release notes; ALTER TABLE, SET/DROP NOT NULL",
    )
    REINDEX_CONCURRENTLY = _F(12, "REINDEX ... CONCURRENTLY", "REINDEX, Rebuilding Indexes "
                              "Concurrently (PostgreSQL 12)")
    ATTACH_PARTITION_SHARE_UPDATE = _F(
        12, "ATTACH PARTITION takes SHARE UPDATE EXCLUSIVE on the parent",
        "ALTER TABLE, ATTACH PARTITION (PostgreSQL 12)",
    )
    DETACH_PARTITION_CONCURRENTLY = _F(
        14, "DETACH PARTITION ... CONCURRENTLY", "ALTER TABLE, DETACH PARTITION (PostgreSQL 14)"
    )
    ENUM_ADD_VALUE_IN_TRANSACTION = _F(
        12,
        "ALTER TYPE ... ADD VALUE may run inside a transaction block (the new value cannot "
        "be used until the transaction commits)",
        "ALTER TYPE, Notes (PostgreSQL 12)",
    )
    GEN_RANDOM_UUID_BUILTIN = _F(13, "gen_random_uuid() without pgcrypto",
                                 "PostgreSQL 13 release notes; 9.14 UUID Functions")

    @property
    def since(self) -> int:
        return self.value.since

    @property
    def doc(self) -> str:
        return self.value.doc


def supports(version: int, feature: Feature) -> bool:
    return version >= feature.since


@dataclass(frozen=True)
class PgVersion:
    """The major version a review assumes, and where it came from."""

    major: int
    source: str
    """"configuration", "`docker-compose.yml` line 4 (postgres:15-alpine)", or "assumed"."""

    @property
    def assumed(self) -> bool:
        return self.source == "assumed"

    def note(self) -> str:
        """For a finding's text: `(assuming PostgreSQL 16: no version found ...)`."""
        if self.assumed:
            return (
                f"(assuming PostgreSQL {self.major}: neither the configuration "
                "(`postgres-version`) nor the repository names a version)"
            )
        return f"(PostgreSQL {self.major}, from {self.source})"


# Service images: postgres:16, postgres:15.4-alpine, postgis/postgis:16-3.4,
# pgvector/pgvector:pg16, bitnami/postgresql:15, supabase/postgres:15.1.0.117,
# timescale/timescaledb:2.14.2-pg16, cimg/postgres:14.9.
_IMAGE = re.compile(
    r"""(?ix)(?:^|[\s'"=:])
        (?:[\w.-]+/)*(?:postgres|postgresql|postgis|pgvector|timescaledb(?:-ha)?)
        :(?:pg)?(?:[\d.]+-pg)?(?P<major>\d{1,2})(?=[.\-_'"\s]|$)"""
)
_TOOL_VERSIONS = re.compile(r"(?im)^\s*postgres(?:ql)?\s+(?P<major>\d{1,2})(?:\.\d+)*\s*$")
_WORKFLOW_KEY = re.compile(r"""(?im)^\s*postgres(?:ql)?[-_]version\s*:\s*['"]?(?P<major>\d{1,2})""")
VERSION_FILES = re.compile(
    r"""(?ix)(^|/)(
        (docker-)?compose[\w.-]*\.ya?ml | \.github/workflows/[^/]+\.ya?ml | \.gitlab-ci\.ya?ml
        | \.circleci/config\.ya?ml | Dockerfile[\w.-]* | \.tool-versions | render\.ya?ml
        | fly\.toml | bitbucket-pipelines\.ya?ml
    )$"""
)
MIN_KNOWN, MAX_KNOWN = 9, 18


def detect_version(files: Mapping[str, str]) -> PgVersion | None:
    """The lowest PostgreSQL major named by the repository's service images, CI settings
    or .tool-versions (the oldest server the migrations must run on); None if none does."""
    found: list[tuple[int, str]] = []
    for path in sorted(files):
        if not VERSION_FILES.search(path):
            continue
        text = files[path]
        for pattern in (_IMAGE, _TOOL_VERSIONS, _WORKFLOW_KEY):
            for m in pattern.finditer(text):
                major = int(m.group("major"))
                if not MIN_KNOWN <= major <= MAX_KNOWN:
                    continue
                line = text.count("\n", 0, m.start("major")) + 1
                snippet = text.splitlines()[line - 1].strip()[:60].replace("`", "'")
                found.append((major, f"`{path}` line {line}: `{snippet}`"))
    if not found:
        return None
    major, source = min(found)
    return PgVersion(major, source)


MAX_VERSION_FILES = 40
MAX_VERSION_FILE_BYTES = 200_000


def version_files(repo: Repo | None) -> dict[str, str]:
    """path -> text of the repository's files that may name a server version (compose
    files, CI workflows, Dockerfiles, .tool-versions), bounded in number and size;
    unreadable ones are left out."""
    from planreview.repo import SkipError

    if repo is None:
        return {}
    try:
        paths = [p for p in repo.list_files() if VERSION_FILES.search(p)]
    except (OSError, SkipError):
        return {}
    out: dict[str, str] = {}
    for path in sorted(p for p in paths if "node_modules/" not in p)[:MAX_VERSION_FILES]:
        try:
            text = repo.read_text(path)
        except (OSError, SkipError):
            continue
        if len(text) <= MAX_VERSION_FILE_BYTES:
            out[path] = text
    return out


def target_version(configured: int | None, files: Mapping[str, str]) -> PgVersion:
    """The configured major, else the one `files` name (`detect_version`), else
    `ASSUMED_VERSION` (and the finding says it assumed it)."""
    if configured is not None:
        return PgVersion(configured, "the configuration (`postgres-version`)")
    return detect_version(files) or PgVersion(ASSUMED_VERSION, "assumed")
