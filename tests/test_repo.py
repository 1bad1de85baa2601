"""Repository loading: which files may be read, at which ref, and what context is kept."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from planreview.errors import UserInputError
from planreview.models import SkippedReference
from planreview.plan import Reference
from planreview.repo import (
    FolderRepo,
    GitRepo,
    Repo,
    SkipError,
    Window,
    find_files,
    load_context,
    open_repo,
    read_optional,
)
from tests.conftest import GitRepoFactory, write_files

Git = Callable[..., str]


def skip_reason(repo: Repo, rel: str) -> str:
    with pytest.raises(SkipError) as caught:
        repo.read_text(rel)
    return str(caught.value)


def numbered(count: int) -> str:
    return "".join(f"line {n}\n" for n in range(1, count + 1))


def ref(path: str, start: int | None = None, end: int | None = None) -> Reference:
    return Reference(path=path, start_line=start, end_line=end, plan_line=1,
                     form="colon-range" if start else "backtick")


def commit_all(git: Git, root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)


# --- opening ---------------------------------------------------------------------------


def test_worktree_reads_uncommitted_edits(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "committed\n"})
    (root / "a.txt").write_text("edited\n")
    assert open_repo(root).read_text("a.txt") == "edited\n"


def test_head_reads_the_committed_text_not_the_edit(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "committed\n"})
    (root / "a.txt").write_text("edited\n")
    assert open_repo(root, "HEAD").read_text("a.txt") == "committed\n"


def test_worktree_ref_is_worktree_and_commit_is_head(
    git_repo: GitRepoFactory, git: Git,
) -> None:
    root = git_repo({"a.txt": "x\n"})
    repo = open_repo(root)
    assert isinstance(repo, GitRepo)
    assert (repo.ref, repo.commit) == ("WORKTREE", git(root, "rev-parse", "HEAD"))


def test_unborn_branch_worktree_has_no_commit(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "a.txt").write_text("new\n")
    repo = open_repo(tmp_path)
    assert repo.commit is None
    assert repo.read_text("a.txt") == "new\n"


def test_head_tilde_one_reads_the_previous_commit(git_repo: GitRepoFactory, git: Git) -> None:
    root = git_repo({"a.txt": "first\n"})
    (root / "a.txt").write_text("second\n")
    commit_all(git, root, "second")
    repo = open_repo(root, "HEAD~1")
    assert repo.read_text("a.txt") == "first\n"
    assert repo.commit == git(root, "rev-parse", "HEAD~1")
    assert repo.ref == "HEAD~1"


def test_annotated_tag_resolves_to_its_commit(git_repo: GitRepoFactory, git: Git) -> None:
    root = git_repo({"a.txt": "tagged\n"})
    git(root, "tag", "-a", "v1", "-m", "release")
    (root / "a.txt").write_text("later\n")
    commit_all(git, root, "later")
    repo = open_repo(root, "v1")
    assert repo.read_text("a.txt") == "tagged\n"
    assert repo.commit == git(root, "rev-parse", "HEAD~1")


def test_branch_and_short_sha_resolve(git_repo: GitRepoFactory, git: Git) -> None:
    root = git_repo({"a.txt": "on main\n"})
    short = git(root, "rev-parse", "--short", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")
    (root / "a.txt").write_text("on feature\n")
    commit_all(git, root, "feature")
    assert open_repo(root, "main").read_text("a.txt") == "on main\n"
    assert open_repo(root, short).read_text("a.txt") == "on main\n"
    assert open_repo(root, "feature").read_text("a.txt") == "on feature\n"


@pytest.mark.parametrize("bad", ["xyz", "HEAD~5", "HEAD^{tree}", ""])
def test_unknown_ref_is_a_one_line_user_error(git_repo: GitRepoFactory, bad: str) -> None:
    root = git_repo({"a.txt": "x\n"})
    with pytest.raises(UserInputError) as caught:
        open_repo(root, bad)
    assert str(caught.value) == f"unknown git ref '{bad}' in {root}"


def test_plain_folder_reads_files(tmp_path: Path) -> None:
    write_files(tmp_path, {"src/a.ts": "export {}\n"})
    repo = open_repo(tmp_path)
    assert isinstance(repo, FolderRepo)
    assert (repo.ref, repo.commit) == ("WORKTREE", None)
    assert repo.read_text("src/a.ts") == "export {}\n"


def test_plain_folder_with_a_ref_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(UserInputError) as caught:
        open_repo(tmp_path, "HEAD")
    assert str(caught.value) == f"--ref needs a git repository: {tmp_path} is a plain folder"


def test_missing_repository_path_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError, match="does not exist"):
        open_repo(tmp_path / "nope")


def test_file_as_repository_path_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(UserInputError, match="not a directory"):
        open_repo(tmp_path / "f.txt")


def test_subdirectory_opens_the_whole_repository(git_repo: GitRepoFactory) -> None:
    root = git_repo({"src/a.ts": "a\n", "b.txt": "b\n"})
    repo = open_repo(root / "src")
    assert repo.root == root
    assert repo.read_text("b.txt") == "b\n"
    assert repo.read_text("src/a.ts") == "a\n"


def test_subdirectory_without_parent_search_is_a_plain_folder(git_repo: GitRepoFactory) -> None:
    root = git_repo({"cases/one/repo/a.ts": "a\n"})
    repo = open_repo(root / "cases/one/repo", search_parents=False)
    assert isinstance(repo, FolderRepo)
    assert repo.read_text("a.ts") == "a\n"


def test_relpath_maps_cwd_relative_paths_into_the_repository(
    git_repo: GitRepoFactory, monkeypatch: pytest.MonkeyPatch,
) -> None:
    root = git_repo({"docs/plans/p.md": "# P\n"})
    monkeypatch.chdir(root / "docs")
    repo = open_repo(Path(".."))
    assert repo.relpath(Path("plans/p.md")) == "docs/plans/p.md"
    assert repo.relpath(root / "docs/plans/p.md") == "docs/plans/p.md"


def test_relpath_outside_the_repository_is_none(git_repo: GitRepoFactory, tmp_path: Path) -> None:
    root = git_repo({"a.txt": "x\n"})
    assert open_repo(root).relpath(tmp_path / "elsewhere.md") is None


# --- what may be read ------------------------------------------------------------------


def test_dotdot_escaping_the_root_is_outside(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "x\n"})
    (root.parent / "secret.txt").write_text("outside\n")
    assert skip_reason(open_repo(root), f"../{root.parent.name}/secret.txt") == "outside repository"
    assert skip_reason(open_repo(root), "src/../../secret.txt") == "outside repository"


def test_dotdot_staying_inside_the_root_is_read(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "x\n", "src/b.txt": "b\n"})
    assert open_repo(root).read_text("src/../a.txt") == "x\n"


def test_absolute_path_is_outside_even_when_it_points_inside(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "x\n"})
    assert skip_reason(open_repo(root), str(root / "a.txt")) == "outside repository"
    assert skip_reason(open_repo(root, "HEAD"), "/a.txt") == "outside repository"


def test_worktree_symlink_escaping_the_root_is_skipped(
    git_repo: GitRepoFactory, tmp_path: Path,
) -> None:
    root = git_repo({"a.txt": "x\n"})
    (tmp_path / "outside.txt").write_text("secret\n")
    (root / "link.txt").symlink_to(tmp_path / "outside.txt")
    (root / "linkdir").symlink_to(tmp_path)
    repo = open_repo(root)
    assert skip_reason(repo, "link.txt") == "symlink outside repository"
    assert skip_reason(repo, "linkdir/outside.txt") == "symlink outside repository"


def test_worktree_symlink_inside_the_root_is_followed(git_repo: GitRepoFactory) -> None:
    root = git_repo({"real.txt": "real\n"})
    (root / "alias.txt").symlink_to("real.txt")
    assert open_repo(root).read_text("alias.txt") == "real\n"


def test_worktree_symlink_to_a_secret_is_a_secret(git_repo: GitRepoFactory) -> None:
    root = git_repo({".env": "TOKEN=1\n"})
    (root / "settings.txt").symlink_to(".env")
    assert skip_reason(open_repo(root), "settings.txt") == "secrets file"


def test_symlink_blob_at_a_ref_is_not_followed(git_repo: GitRepoFactory, git: Git) -> None:
    root = git_repo({"real.txt": "real\n"})
    (root / "alias.txt").symlink_to("real.txt")
    (root / "escape.txt").symlink_to("/etc/passwd")
    (root / "dir").symlink_to(".")
    commit_all(git, root, "links")
    repo = open_repo(root, "HEAD")
    assert skip_reason(repo, "alias.txt") == "symlink not followed"
    assert skip_reason(repo, "escape.txt") == "symlink not followed"
    assert skip_reason(repo, "dir/real.txt") == "symlink not followed"


SECRETS = [
    ".env", ".env.local", ".env.example", "config/.env.production", "server.pem", "tls.key",
    "id_rsa", "id_rsa.pub", "id_ed25519", "cert.p12", "cert.pfx", "credentials",
    "credentials.json", ".npmrc", ".pypirc", "vault.kdbx", "secrets.yaml", "SECRETS.YML",
    ".ENV", "deploy/ID_RSA",
]


@pytest.mark.parametrize("name", SECRETS)
def test_secret_names_are_never_read_from_the_worktree(
    git_repo: GitRepoFactory, name: str,
) -> None:
    root = git_repo({name: "TOKEN=hunter2\n"})
    assert skip_reason(open_repo(root), name) == "secrets file"


@pytest.mark.parametrize("name", [".env", "deploy/id_rsa", "secrets.json"])
def test_secret_names_are_never_read_at_a_ref(git_repo: GitRepoFactory, name: str) -> None:
    root = git_repo({name: "TOKEN=hunter2\n"})
    assert skip_reason(open_repo(root, "HEAD"), name) == "secrets file"


@pytest.mark.parametrize(
    "name", ["environment.ts", "monkey.ts", "env.ts", "keys.py", "src/secret.ts"]
)
def test_names_that_merely_resemble_secrets_are_read(git_repo: GitRepoFactory, name: str) -> None:
    root = git_repo({name: "ok\n"})
    assert open_repo(root).read_text(name) == "ok\n"


def test_git_metadata_is_not_read(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "x\n"})
    assert skip_reason(open_repo(root), ".git/config") == "git metadata"


def test_binary_file_is_skipped(git_repo: GitRepoFactory) -> None:
    root = git_repo({"logo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"})
    assert skip_reason(open_repo(root), "logo.png") == "binary file"
    assert skip_reason(open_repo(root, "HEAD"), "logo.png") == "binary file"


def test_invalid_utf8_is_skipped(git_repo: GitRepoFactory) -> None:
    root = git_repo({"latin1.txt": "caf\xe9\n".encode("latin-1")})
    assert skip_reason(open_repo(root), "latin1.txt") == "not valid UTF-8"
    assert skip_reason(open_repo(root, "HEAD"), "latin1.txt") == "not valid UTF-8"


def test_huge_file_is_skipped_with_its_size_and_the_limit(git_repo: GitRepoFactory) -> None:
    root = git_repo({"dump.sql": "x" * 2_300_000})
    assert skip_reason(open_repo(root), "dump.sql") == "huge file (2.3 MB > 1 MB limit)"


def test_huge_blob_at_a_ref_is_skipped(git_repo: GitRepoFactory) -> None:
    root = git_repo({"big.txt": "y" * 2_500})
    repo = open_repo(root, "HEAD", max_file_bytes=1_000)
    assert skip_reason(repo, "big.txt") == "huge file (2.5 KB > 1 KB limit)"


def test_missing_file_reason_names_where_it_was_looked_for(
    git_repo: GitRepoFactory, git: Git, tmp_path: Path,
) -> None:
    root = git_repo({"a.txt": "x\n"})
    (root / "new.txt").write_text("new\n")
    commit_all(git, root, "new")
    assert skip_reason(open_repo(root, "HEAD~1"), "new.txt") == "not found at HEAD~1"
    assert skip_reason(open_repo(root), "gone.txt") == "not found in working tree"
    assert skip_reason(open_repo(root), "a.txt/child") == "not found in working tree"
    assert skip_reason(open_repo(root, "HEAD"), "a.txt/child") == "not found at HEAD"
    assert skip_reason(FolderRepo(tmp_path), "gone.txt") == "not found"


def test_directory_is_skipped(git_repo: GitRepoFactory) -> None:
    root = git_repo({"src/a.ts": "a\n"})
    assert skip_reason(open_repo(root), "src") == "directory"
    assert skip_reason(open_repo(root, "HEAD"), "src") == "directory"


def test_fifo_is_not_opened(git_repo: GitRepoFactory) -> None:
    root = git_repo({"a.txt": "x\n"})
    os.mkfifo(root / "pipe")
    assert skip_reason(open_repo(root), "pipe") == "not a regular file"


def test_utf8_bom_is_dropped(git_repo: GitRepoFactory) -> None:
    root = git_repo({"bom.txt": b"\xef\xbb\xbfhello\n"})
    assert open_repo(root).read_text("bom.txt") == "hello\n"
    assert open_repo(root, "HEAD").read_text("bom.txt") == "hello\n"


def test_read_optional_is_none_for_missing_and_skipped_files(git_repo: GitRepoFactory) -> None:
    root = git_repo({"prisma/schema.prisma": "model A {}\n", ".env": "X=1\n"})
    repo = open_repo(root)
    assert read_optional(repo, "prisma/schema.prisma") == "model A {}\n"
    assert read_optional(repo, "schema.prisma") is None
    assert read_optional(repo, ".env") is None


# --- listing ---------------------------------------------------------------------------


def test_worktree_lists_tracked_and_untracked_but_not_ignored_or_deleted(
    git_repo: GitRepoFactory,
) -> None:
    root = git_repo({".gitignore": "*.log\n", "a.ts": "a\n", "old.ts": "o\n", ".env": "X=1\n"})
    (root / "old.ts").unlink()
    write_files(root, {"new.ts": "n\n", "debug.log": "noise\n"})
    assert open_repo(root).list_files() == [".gitignore", "a.ts", "new.ts"]


def test_ref_lists_files_tracked_at_that_ref_without_symlinks(
    git_repo: GitRepoFactory, git: Git,
) -> None:
    root = git_repo({"a.ts": "a\n", "src/b.ts": "b\n"})
    (root / "link.ts").symlink_to("a.ts")
    (root / "later.ts").write_text("later\n")
    commit_all(git, root, "later")
    (root / "untracked.ts").write_text("u\n")
    assert open_repo(root, "HEAD~1").list_files() == ["a.ts", "src/b.ts"]
    assert open_repo(root, "HEAD").list_files() == ["a.ts", "later.ts", "src/b.ts"]


def test_folder_listing_skips_tooling_directories(tmp_path: Path) -> None:
    skipped = [".git", "node_modules", ".venv", "dist", "build", "__pycache__"]
    write_files(tmp_path, {f"{name}/x.js": "x\n" for name in skipped})
    write_files(tmp_path, {"src/a.ts": "a\n", "src/lib/build.ts": "b\n"})
    assert FolderRepo(tmp_path).list_files() == ["src/a.ts", "src/lib/build.ts"]


def test_listing_is_computed_once(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.ts": "a\n"})
    repo = FolderRepo(tmp_path)
    first = repo.list_files()
    (tmp_path / "b.ts").write_text("b\n")
    assert repo.list_files() == first


def test_find_files_matches_globs_across_directories(tmp_path: Path) -> None:
    write_files(tmp_path, {
        "schema.prisma": "", "apps/api/prisma/schema.prisma": "", "db/1.sql": "", "x.sql": "",
    })
    repo = FolderRepo(tmp_path)
    assert find_files(repo, "**/schema.prisma") == [
        "apps/api/prisma/schema.prisma", "schema.prisma",
    ]
    assert find_files(repo, "*.sql") == ["x.sql"]
    assert find_files(repo, "db/*.sql", "x.*") == ["db/1.sql", "x.sql"]


# --- context windows -------------------------------------------------------------------


def context_for(
    tmp_path: Path, files: dict[str, str | bytes], refs: list[Reference], *,
    budget: int = 1_000_000, context_lines: int = 2, max_file_bytes: int = 1_000_000,
) -> tuple[dict[str, tuple[Window, ...]], list[SkippedReference]]:
    write_files(tmp_path, files)
    context = load_context(FolderRepo(tmp_path), refs, byte_budget=budget,
                           context_lines=context_lines, max_file_bytes=max_file_bytes)
    return {path: f.windows for path, f in context.files.items()}, context.skipped


def test_cited_range_is_widened_by_context_lines(tmp_path: Path) -> None:
    windows, _ = context_for(tmp_path, {"a.ts": numbered(50)}, [ref("a.ts", 10, 12)],
                             context_lines=3)
    assert windows == {"a.ts": (Window(7, 15),)}


def test_widened_window_is_clamped_to_the_file(tmp_path: Path) -> None:
    windows, _ = context_for(tmp_path, {"a.ts": numbered(10)}, [ref("a.ts", 2, 9)],
                             context_lines=5)
    assert windows == {"a.ts": (Window(1, 10),)}


def test_overlapping_and_adjacent_windows_merge(tmp_path: Path) -> None:
    refs = [ref("a.ts", 10), ref("a.ts", 13), ref("a.ts", 18), ref("a.ts", 40)]
    windows, _ = context_for(tmp_path, {"a.ts": numbered(60)}, refs, context_lines=2)
    # 8-12 and 11-15 overlap; 16-20 touches 15; 38-42 stands apart.
    assert windows == {"a.ts": (Window(8, 20), Window(38, 42))}


def test_file_referenced_without_lines_gets_one_window_from_line_one(tmp_path: Path) -> None:
    windows, _ = context_for(tmp_path, {"a.ts": numbered(30)}, [ref("a.ts")])
    assert windows == {"a.ts": (Window(1, 30),)}


def test_cited_range_beyond_the_end_is_clamped_and_the_file_still_loaded(
    tmp_path: Path,
) -> None:
    windows, skipped = context_for(tmp_path, {"a.ts": numbered(20)}, [ref("a.ts", 90, 95)],
                                   context_lines=3)
    assert windows == {"a.ts": (Window(17, 20),)}
    assert skipped == []


def test_loaded_text_is_the_whole_file_whatever_the_windows(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.ts": numbered(100)})
    context = load_context(FolderRepo(tmp_path), [ref("a.ts", 50)], byte_budget=40,
                           context_lines=0, max_file_bytes=1_000_000)
    assert context.files["a.ts"].text == numbered(100)
    assert context.files["a.ts"].windows == (Window(50, 50),)


def test_each_path_is_loaded_and_skipped_once_in_plan_order(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"b.ts": "b\n", "a.ts": "a\n", ".env": "X=1\n"}
    refs = [ref("b.ts"), ref(".env"), ref("missing.ts"), ref("a.ts"), ref(".env"), ref("b.ts", 1)]
    windows, skipped = context_for(tmp_path, files, refs)
    assert list(windows) == ["b.ts", "a.ts"]
    assert skipped == [SkippedReference(path=".env", reason="secrets file"),
                       SkippedReference(path="missing.ts", reason="not found")]


def test_skips_are_recorded_with_the_path_as_written(tmp_path: Path) -> None:
    _, skipped = context_for(tmp_path / "repo", {}, [ref("../secrets.env")])
    assert skipped == [SkippedReference(path="../secrets.env", reason="outside repository")]


def test_cited_windows_are_budgeted_before_whole_files(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {"whole.ts": numbered(100), "cited.ts": numbered(100)}
    # "line 50\n" is 8 bytes: five lines fit, the whole file does not.
    windows, skipped = context_for(tmp_path, files, [ref("whole.ts"), ref("cited.ts", 50)],
                                   budget=40, context_lines=2)
    assert windows == {"whole.ts": (), "cited.ts": (Window(48, 52),)}
    assert skipped == [SkippedReference(path="whole.ts", reason="context budget exhausted")]


def test_budget_shrinks_a_window_around_its_cited_lines(tmp_path: Path) -> None:
    windows, _ = context_for(tmp_path, {"a.ts": numbered(100)}, [ref("a.ts", 50, 51)],
                             budget=8 * 4, context_lines=10)
    assert windows == {"a.ts": (Window(49, 52),)}


def test_whole_file_window_takes_what_budget_is_left(tmp_path: Path) -> None:
    # Lines 1-9 cost 7 bytes each ("line 1\n").
    windows, skipped = context_for(tmp_path, {"a.ts": numbered(9)}, [ref("a.ts")], budget=30)
    assert windows == {"a.ts": (Window(1, 4),)}
    assert skipped == []


def test_windows_never_exceed_the_budget(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"f{n}.ts": numbered(200) for n in range(5)}
    refs = [ref(f"f{n}.ts", 20 * n + 1, 20 * n + 30) for n in range(5)] + [ref("f0.ts")]
    write_files(tmp_path, files)
    context = load_context(FolderRepo(tmp_path), refs, byte_budget=1_500, context_lines=15,
                           max_file_bytes=1_000_000)
    used = sum(
        len(line.encode()) + 1
        for loaded in context.files.values()
        for window in loaded.windows
        for line in loaded.lines[window.start_line - 1 : window.end_line]
    )
    assert 1_400 < used <= 1_500


def test_context_size_limit_is_the_one_given_to_load_context(tmp_path: Path) -> None:
    _, skipped = context_for(tmp_path, {"a.ts": "x" * 5_000}, [ref("a.ts")],
                             max_file_bytes=4_000)
    assert skipped == [SkippedReference(path="a.ts", reason="huge file (5 KB > 4 KB limit)")]


class ScriptedRepo(Repo):
    """A Repo that is not on disk (like the GitHub App's): serves fixed texts."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.root = Path("/nonexistent")
        self.ref, self.commit = "abc123", "abc123"
        self.texts = texts

    def read_text(self, rel: str) -> str:
        if rel not in self.texts:
            raise SkipError(f"not found at {self.ref}")
        return self.texts[rel]

    def list_files(self) -> list[str]:
        return sorted(self.texts)

    def relpath(self, path: Path) -> str | None:
        return None


def test_remote_repo_files_over_the_limit_are_skipped_as_huge() -> None:
    repo = ScriptedRepo({"big.ts": "z" * 3_000, "ok.ts": "fine\n"})
    context = load_context(repo, [ref("big.ts"), ref("ok.ts"), ref("nope.ts")],
                           byte_budget=10_000, context_lines=0, max_file_bytes=2_000)
    assert list(context.files) == ["ok.ts"]
    assert context.skipped == [
        SkippedReference(path="big.ts", reason="huge file (3 KB > 2 KB limit)"),
        SkippedReference(path="nope.ts", reason="not found at abc123"),
    ]


def test_remote_repo_never_sees_secret_or_escaping_paths() -> None:
    repo = ScriptedRepo({".env": "X=1\n"})
    context = load_context(repo, [ref(".env"), ref("../x.ts")], byte_budget=10_000,
                           context_lines=0, max_file_bytes=2_000)
    assert [s.reason for s in context.skipped] == ["secrets file", "outside repository"]


def test_file_lines_split_like_the_plan_does(tmp_path: Path) -> None:
    write_files(tmp_path, {"a.ts": b"one\r\ntwo\x0cstill two\nthree\n"})
    context = load_context(FolderRepo(tmp_path), [ref("a.ts", 3)], byte_budget=1_000,
                           context_lines=0, max_file_bytes=1_000)
    assert context.files["a.ts"].lines == ["one", "two\x0cstill two", "three"]
    assert context.files["a.ts"].windows == (Window(3, 3),)


def test_empty_file_is_loaded_without_windows_and_not_skipped(tmp_path: Path) -> None:
    windows, skipped = context_for(tmp_path, {"empty.ts": ""}, [ref("empty.ts", 1)])
    assert windows == {"empty.ts": ()}
    assert skipped == []


def test_context_at_a_ref_reads_committed_text(git_repo: GitRepoFactory, git: Git) -> None:
    root = git_repo({"a.ts": numbered(10)})
    (root / "a.ts").write_text(numbered(3))
    context = load_context(open_repo(root, "HEAD"), [ref("a.ts", 8)], byte_budget=1_000,
                           context_lines=1, max_file_bytes=1_000)
    assert context.files["a.ts"].windows == (Window(7, 9),)
    assert len(context.files["a.ts"].lines) == 10
