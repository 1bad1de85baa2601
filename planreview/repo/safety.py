"""The checks every Repo applies (the GitHub API repo too): escapes, secrets, binaries, sizes."""

from __future__ import annotations

import re
from collections.abc import Sequence

from planreview import sensitive
from planreview.repo.model import (
    Repo,
    SkipError,
)

# --- checks shared by every Repo (the GitHub App's API repo included) -----------------

_BINARY_SNIFF_BYTES = 8192
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")


def normalize_path(rel: str) -> str:
    """`rel` as a clean repository-relative path; SkipError when it leaves the root,
    names git's own metadata or looks like a secret. Lexical only: symlinks are the
    reader's business."""
    rel = rel.replace("\\", "/")
    if rel.startswith("/") or _WINDOWS_DRIVE.match(rel):
        raise SkipError("outside repository")
    parts: list[str] = []
    for part in rel.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise SkipError("outside repository")
            parts.pop()
        else:
            parts.append(part)
    normalized = "/".join(parts)
    check_allowed(normalized)
    return normalized


def check_allowed(rel: str) -> None:
    """SkipError for secrets and git metadata, judged on a normalized path."""
    parts = rel.split("/")
    if any(part.lower() == ".git" for part in parts):
        raise SkipError("git metadata")
    refused = sensitive.refusal(rel)
    if refused is not None:
        raise SkipError(refused.reason)


is_secret_name = sensitive.is_secret_name


def decode_text(data: bytes, *, size: int, max_bytes: int) -> str:
    """The text of a file's bytes; SkipError for huge, binary and non-UTF-8 content.

    `size` is the file's full size (data may be cut at max_bytes + 1)."""
    if size > max_bytes:
        raise huge_file(size, max_bytes)
    if b"\0" in data[:_BINARY_SNIFF_BYTES]:
        raise SkipError("binary file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SkipError("not valid UTF-8") from None
    return sensitive.redact(text.removeprefix("\ufeff")).text


def huge_file(size: int, limit: int) -> SkipError:
    return SkipError(f"huge file ({_human_size(size)} > {_human_size(limit)} limit)")


def _human_size(size: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"


def read_optional(repo: Repo, rel: str) -> str | None:
    """A well-known file's text (e.g. prisma/schema.prisma), None when absent or skipped."""
    try:
        return repo.read_text(rel)
    except SkipError:
        return None


def find_files(repo: Repo, *patterns: str) -> list[str]:
    """Paths from `repo.list_files()` matching any glob (`*` within a directory, `**/`
    across directories, e.g. `**/schema.prisma` also matches `schema.prisma`)."""
    compiled = [glob_regex(pattern) for pattern in patterns]
    return [path for path in repo.list_files() if any(rx.fullmatch(path) for rx in compiled)]


def is_plan_path(path: str, plans: Sequence[str], exclude: Sequence[str]) -> bool:
    """Whether repository path `path` is a plan: it matches a `plans` glob and no `exclude`
    glob (the bot's and the agent hook's one selection)."""
    return any(glob_regex(g).fullmatch(path) for g in plans) and not any(
        glob_regex(g).fullmatch(path) for g in exclude
    )


def glob_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))
