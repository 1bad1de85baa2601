"""Referenced files from a git repository (working tree or any commit-ish) or a folder.

Never reads outside the repository (`..`, absolute paths, symlinks escaping it), never
reads secrets, skips binaries and huge files, and records every skip with its reason.
At a ref, files are read as blobs from the object database: nothing is checked out.
"""

from __future__ import annotations

import os
import re
import stat
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import git
from git.exc import ODBError

from planreview import sensitive
from planreview.errors import UserInputError
from planreview.models import SkippedReference
from planreview.plan import Reference, split_lines

DEFAULT_MAX_FILE_BYTES = 1_000_000
WORKTREE = "WORKTREE"

_BINARY_SNIFF_BYTES = 8192
_SYMLINK_MODE = 0o120000
_FOLDER_SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "dist", "build", "__pycache__"})
_WINDOWS_DRIVE = re.compile(r"^[A-Za-z]:")
BUDGET_EXHAUSTED = "context budget exhausted"


@dataclass(frozen=True)
class Window:
    """A 1-based inclusive line range of a file kept as context."""

    start_line: int
    end_line: int


@dataclass(frozen=True)
class LoadedFile:
    path: str
    """Repository-relative, forward slashes."""
    text: str
    """The whole file (rules read it all); excerpts for a model come from `windows`."""
    windows: tuple[Window, ...]
    """Cited line ranges plus context, merged, within the byte budget. A file referenced
    without lines gets one window over its head (as much as the budget allows)."""

    @cached_property
    def lines(self) -> list[str]:
        """Lines split exactly as the plan's are (\\n, \\r\\n, lone \\r), so that line
        numbers agree with editors and git, whatever form feeds or U+2028 the file holds."""
        return list(split_lines(self.text))


@dataclass
class RepoContext:
    files: dict[str, LoadedFile] = field(default_factory=dict)
    skipped: list[SkippedReference] = field(default_factory=list)


class Repo(ABC):
    """Where referenced files come from: a git repository at `ref` (None: the working
    tree), a plain folder, or (for the GitHub App) the REST API at a head SHA."""

    root: Path
    ref: str
    """'WORKTREE' for the working tree (and a plain folder), else the commit-ish as given."""
    commit: str | None
    """Resolved SHA (HEAD's for the working tree); None for a plain folder."""
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
    """Files larger than this are skipped as huge by `read_text`."""

    @abstractmethod
    def read_text(self, rel: str) -> str:
        """Read one file; raises SkipError(reason) when it must not or cannot be read."""
        raise NotImplementedError

    @abstractmethod
    def list_files(self) -> list[str]:
        """Every readable text file path (tracked files at ref; walk for a folder)."""
        raise NotImplementedError

    @abstractmethod
    def relpath(self, path: Path) -> str | None:
        """`path` relative to the root (forward slashes), or None when outside it."""
        raise NotImplementedError


class SkipError(Exception):
    """A file that must not or cannot be read; `str(exc)` is the reason recorded."""


# --- checks shared by every Repo (the GitHub App's API repo included) -----------------


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


# --- local repositories -----------------------------------------------------------------


class LocalRepo(Repo):
    """A repository on this machine's disk (git or plain folder)."""

    def __init__(self, root: Path, *, max_file_bytes: int) -> None:
        self.root = root
        self.max_file_bytes = max_file_bytes
        self._real_root = Path(os.path.realpath(root))
        self._files: list[str] | None = None
        self._files_lock = threading.Lock()

    @abstractmethod
    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        """As Repo.read_text; `max_bytes` overrides `max_file_bytes` for this read."""
        raise NotImplementedError

    def list_files(self) -> list[str]:
        with self._files_lock:
            if self._files is None:
                self._files = sorted(
                    {path for path in self._list_files() if not _never_readable(path)}
                )
            return list(self._files)

    @abstractmethod
    def _list_files(self) -> Iterable[str]:
        raise NotImplementedError

    def relpath(self, path: Path) -> str | None:
        real = Path(os.path.realpath(path))
        try:
            return real.relative_to(self._real_root).as_posix()
        except ValueError:
            return None

    def _read_disk(self, rel: str, max_bytes: int | None, missing: str) -> str:
        """Read `rel` from the folder on disk, refusing symlinks that lead outside it or
        to a secret, and anything that is not a regular file (a FIFO would block)."""
        rel = normalize_path(rel)
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        real = Path(os.path.realpath(self.root / rel))
        try:
            real_rel = real.relative_to(self._real_root).as_posix()
        except ValueError:
            raise SkipError("symlink outside repository") from None
        if real_rel != rel and real_rel != ".":
            check_allowed(real_rel)
        try:
            info = real.stat()
            if stat.S_ISDIR(info.st_mode):
                raise SkipError("directory")
            if not stat.S_ISREG(info.st_mode):
                raise SkipError("not a regular file")
            if info.st_size > limit:
                raise huge_file(info.st_size, limit)
            with real.open("rb") as handle:
                data = handle.read(limit + 1)
        except (FileNotFoundError, NotADirectoryError):
            raise SkipError(missing) from None
        except OSError as exc:
            raise SkipError(f"unreadable ({(exc.strerror or 'I/O error').lower()})") from None
        return decode_text(data, size=max(len(data), info.st_size), max_bytes=limit)


def _never_readable(path: str) -> bool:
    try:
        normalize_path(path)
    except SkipError:
        return True
    return False


class FolderRepo(LocalRepo):
    """A plain folder: files as they are on disk."""

    def __init__(self, root: Path, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
        super().__init__(root, max_file_bytes=max_file_bytes)
        self.ref = WORKTREE
        self.commit = None

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        return self._read_disk(rel, max_bytes, "not found")

    def _list_files(self) -> Iterable[str]:
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = [name for name in dirs if name not in _FOLDER_SKIP_DIRS]
            base = Path(folder).relative_to(self.root)
            for name in files:
                yield (base / name).as_posix()


class GitRepo(LocalRepo):
    """A git repository: its working tree (ref None) or any commit-ish."""

    def __init__(
        self, repo: git.Repo, ref: str | None, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    ) -> None:
        work_tree = repo.working_tree_dir
        if work_tree is None and ref is None:
            raise UserInputError(
                f"{repo.git_dir} is a bare git repository: give --ref to review a commit"
            )
        super().__init__(Path(work_tree or repo.git_dir), max_file_bytes=max_file_bytes)
        self._git = repo
        # gitpython's object database talks to one long-lived `git cat-file` process:
        # reviewer branches may read concurrently, so reads take turns.
        self._git_lock = threading.Lock()
        self._tree: git.Tree | None = None
        if ref is None:
            self.ref = WORKTREE
            self.commit = repo.head.commit.hexsha if repo.head.is_valid() else None
        else:
            try:
                commit = repo.commit(ref)
            except (ODBError, ValueError):
                raise UserInputError(f"unknown git ref '{ref}' in {self.root}") from None
            self.ref = ref
            self.commit = commit.hexsha
            self._tree = commit.tree

    def close(self) -> None:
        """Stop gitpython's helper processes (long-running callers open many repos)."""
        self._git.close()

    def read_text(self, rel: str, *, max_bytes: int | None = None) -> str:
        if self._tree is None:
            return self._read_disk(rel, max_bytes, "not found in working tree")
        return self._read_blob(normalize_path(rel), max_bytes)

    def _read_blob(self, rel: str, max_bytes: int | None) -> str:
        missing = SkipError(f"not found at {self.ref}")
        limit = self.max_file_bytes if max_bytes is None else max_bytes
        with self._git_lock:
            assert self._tree is not None
            obj: git.Tree | git.Blob | git.Submodule = self._tree
            for part in rel.split("/") if rel else ():
                if not isinstance(obj, git.Tree):
                    if isinstance(obj, git.Blob) and obj.mode == _SYMLINK_MODE:
                        raise SkipError("symlink not followed")
                    raise missing
                try:
                    obj = obj / part
                except KeyError:
                    raise missing from None
            if isinstance(obj, git.Tree):
                raise SkipError("directory")
            if isinstance(obj, git.Submodule):
                raise SkipError("submodule")
            if obj.mode == _SYMLINK_MODE:
                raise SkipError("symlink not followed")
            size = obj.size
            data = obj.data_stream.read() if size <= limit else b""
        return decode_text(data, size=size, max_bytes=limit)

    def _list_files(self) -> Iterable[str]:
        with self._git_lock:
            if self._tree is None:
                output = self._git.git.ls_files("-z", "--cached", "--others", "--exclude-standard")
                paths = [path for path in output.split("\0") if path]
                # Tracked files deleted from the working tree are listed too: drop them.
                return [path for path in paths if (self.root / path).is_file()]
            assert self.commit is not None
            output = self._git.git.ls_tree("-r", "-z", "--full-tree", self.commit)
        return [
            path for mode, path in (_ls_tree_entry(line) for line in output.split("\0") if line)
            if mode in ("100644", "100755")
        ]


def _ls_tree_entry(line: str) -> tuple[str, str]:
    """('100644', 'src/a.ts') from '100644 blob <sha>\\tsrc/a.ts'."""
    meta, _, path = line.partition("\t")
    return meta.split(" ", 1)[0], path


def open_repo(
    path: Path, ref: str | None = None, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    search_parents: bool = True,
) -> Repo:
    """Open `path` as a git repository (or a plain folder when it is not one).

    A folder inside a git repository opens the whole repository (its top level), unless
    `search_parents` is False: then only a repository rooted at `path` counts, and a
    subfolder of one is a plain folder (an eval case's `repo/` inside this project).

    Raises UserInputError for a missing folder, a bad ref, or `ref` on a plain folder.
    """
    path = Path(path)
    if not path.exists():
        raise UserInputError(f"repository path {path} does not exist")
    if not path.is_dir():
        raise UserInputError(f"repository path {path} is not a directory")
    try:
        repo = git.Repo(path, search_parent_directories=search_parents)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        if ref is not None:
            raise UserInputError(
                f"--ref needs a git repository: {path} is a plain folder"
            ) from None
        return FolderRepo(path.absolute(), max_file_bytes=max_file_bytes)
    return GitRepo(repo, ref, max_file_bytes=max_file_bytes)


# --- context windows --------------------------------------------------------------------


class _Budget:
    def __init__(self, total: int) -> None:
        self.left = total


@dataclass
class _Source:
    """A referenced file being fitted into the budget: which lines are kept so far."""

    path: str
    text: str

    def __post_init__(self) -> None:
        self.lines = split_lines(self.text)
        self.cost = [len(line.encode("utf-8")) + 1 for line in self.lines]
        self.kept = [False] * len(self.lines)

    def keep(self, order: Iterable[int], budget: _Budget) -> None:
        """Keep lines (0-based) in priority order until one does not fit, so that what
        is kept stays contiguous around the most important line."""
        for index in order:
            if self.kept[index]:
                continue
            if self.cost[index] > budget.left:
                return
            self.kept[index] = True
            budget.left -= self.cost[index]

    def windows(self) -> tuple[Window, ...]:
        found: list[Window] = []
        start: int | None = None
        for index, kept in enumerate([*self.kept, False]):
            if kept and start is None:
                start = index
            elif not kept and start is not None:
                found.append(Window(start + 1, index))
                start = None
        return tuple(found)


def _cited_order(start: int, end: int, count: int, context_lines: int) -> list[int]:
    """0-based line indexes of a cited range clamped to the file: the cited lines first,
    then context lines nearest first, alternating above and below."""
    if end < start:
        start, end = end, start
    first = min(max(start, 1), count) - 1
    last = min(max(end, 1), count) - 1
    order = list(range(first, last + 1))
    for distance in range(1, context_lines + 1):
        if first - distance >= 0:
            order.append(first - distance)
        if last + distance < count:
            order.append(last + distance)
    return order


def load_context(
    repo: Repo, references: list[Reference], *, byte_budget: int, context_lines: int,
    max_file_bytes: int,
) -> RepoContext:
    """Read every referenced file (once, in plan order) and choose its context windows.

    Every cited range is widened by `context_lines` each side and clamped to the file;
    windows are what is kept, merged. The budget caps the bytes of all windows together:
    cited ranges are fitted first, in plan order, then files referenced without lines
    get their head. A file left with no window stays loaded for the rules and is also
    recorded as skipped ("context budget exhausted"), since a model never sees it.
    """
    context = RepoContext()
    sources: dict[str, _Source] = {}
    order: list[tuple[Reference, _Source]] = []
    seen: set[str] = set()
    for ref in references:
        try:
            path, text = _resolve(repo, ref.path, sources, max_file_bytes)
        except SkipError as exc:
            if ref.path not in seen:
                context.skipped.append(SkippedReference(path=ref.path, reason=str(exc)))
            seen.add(ref.path)
            continue
        source = sources.setdefault(path, _Source(path, text))
        order.append((ref, source))

    budget = _Budget(byte_budget)
    for ref, source in order:
        if ref.start_line is not None and source.lines:
            end = ref.end_line if ref.end_line is not None else ref.start_line
            source.keep(_cited_order(ref.start_line, end, len(source.lines), context_lines), budget)
    for ref, source in order:
        if ref.start_line is None:
            source.keep(range(len(source.lines)), budget)

    for source in sources.values():
        windows = source.windows()
        context.files[source.path] = LoadedFile(source.path, source.text, windows)
        if source.lines and not windows:
            context.skipped.append(SkippedReference(path=source.path, reason=BUDGET_EXHAUSTED))
    return context


def _resolve(
    repo: Repo, rel: str, sources: dict[str, _Source], max_file_bytes: int,
) -> tuple[str, str]:
    """(normalized path, text) of a reference's file, read once. The exact size limit
    goes down to repos that take it and is enforced afterwards for those that do not."""
    path = normalize_path(rel)
    if path in sources:
        return path, sources[path].text
    if isinstance(repo, LocalRepo):
        return path, repo.read_text(path, max_bytes=max_file_bytes)
    text = repo.read_text(path)
    size = len(text.encode("utf-8"))
    if size > max_file_bytes:
        raise huge_file(size, max_file_bytes)
    return path, text
