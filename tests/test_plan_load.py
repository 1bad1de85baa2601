"""load_plan_file / parse_plan_bytes / parse_plan_text: a usable plan, or one clear line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from planreview.errors import UserInputError
from planreview.plan import ParsedPlan, load_plan_file, parse_plan_bytes, parse_plan_text

LIMIT = 5_000_000


def load(path: Path, max_bytes: int = LIMIT) -> ParsedPlan:
    return load_plan_file(path, max_bytes=max_bytes, name="docs/plans/p.md")


def error_of(path: Path, max_bytes: int = LIMIT) -> str:
    with pytest.raises(UserInputError) as caught:
        load(path, max_bytes)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_plan_on_disk_is_parsed_and_reported_under_its_name(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"# Plan\r\n\r\n`src/a.ts:3`\r\n")
    plan = load_plan_file(plan_file, max_bytes=LIMIT, name="docs/plans/p.md")
    assert plan.path == "docs/plans/p.md"
    assert plan.sections[0].heading_path == ("Plan",)
    assert plan.references[0].plan_line == 3


def test_missing_file_is_a_user_error(tmp_path: Path) -> None:
    assert "does not exist" in error_of(tmp_path / "nope.md")


def test_directory_is_a_user_error(tmp_path: Path) -> None:
    assert "is a directory" in error_of(tmp_path)


def test_fifo_is_refused_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    assert "not a regular file" in error_of(fifo)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_a_user_error(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_text("# Plan\n")
    plan_file.chmod(0)
    try:
        assert "permission denied" in error_of(plan_file)
    finally:
        plan_file.chmod(0o644)


def test_permission_denied_while_opening_is_a_user_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Runs even as root, where chmod cannot make a file unreadable.
    plan_file = tmp_path / "p.md"
    plan_file.write_text("# Plan\n")

    def denied(self: Path, *args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", denied)
    assert "permission denied" in error_of(plan_file)


def test_binary_file_is_a_user_error_naming_the_nul_offset(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"# Plan\n\x89PNG\x00\x01")
    message = error_of(plan_file)
    assert "binary" in message and "offset 11" in message


def test_invalid_utf8_names_the_byte_offset_and_line(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"# Plan\n\nCaf\xe9 menu\n")
    message = error_of(plan_file)
    assert "not valid UTF-8" in message
    assert "0xe9" in message and "offset 11" in message and "line 3" in message


def test_utf16_file_is_a_user_error_saying_so(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes("# Plan\n".encode("utf-16"))
    assert "UTF-16" in error_of(plan_file)


def test_oversized_plan_names_size_limit_and_flag(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"x" * 2_001)
    message = error_of(plan_file, max_bytes=2_000)
    assert "2,001 bytes" in message and "2,000-byte limit" in message
    assert "--max-plan-bytes" in message


def test_plan_of_exactly_the_limit_is_accepted(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"# P\n" + b"x" * 96)
    assert load_plan_file(plan_file, max_bytes=100, name="p.md").lines[0] == "# P"


def test_empty_plan_is_not_an_error(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"")
    plan = load_plan_file(plan_file, max_bytes=LIMIT, name="p.md")
    assert plan.is_empty and plan.lines == () and plan.sections == ()


def test_whitespace_only_plan_is_empty_not_an_error(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"  \n\t\r\n\n")
    assert load_plan_file(plan_file, max_bytes=LIMIT, name="p.md").is_empty


def test_utf8_bom_is_accepted_and_dropped(tmp_path: Path) -> None:
    plan_file = tmp_path / "p.md"
    plan_file.write_bytes(b"\xef\xbb\xbf# Plan\n")
    plan = load_plan_file(plan_file, max_bytes=LIMIT, name="p.md")
    assert plan.text == "# Plan\n"


def test_path_with_a_newline_still_gives_a_one_line_message(tmp_path: Path) -> None:
    assert "does not exist" in error_of(tmp_path / "odd\nname.md")


def test_plan_bytes_from_an_api_get_the_same_checks() -> None:
    with pytest.raises(UserInputError, match="not valid UTF-8"):
        parse_plan_bytes(b"ok\n\xfe", name="p.md", max_bytes=LIMIT)


def test_plan_text_with_nul_is_a_user_error() -> None:
    with pytest.raises(UserInputError, match="binary"):
        parse_plan_text("# Plan\n\0", "p.md")


def test_plan_text_over_the_limit_is_measured_in_utf8_bytes() -> None:
    with pytest.raises(UserInputError, match="4 bytes, over the 3-byte limit"):
        parse_plan_text("éé", "p.md", max_bytes=3)


def test_plan_text_within_the_limit_is_parsed() -> None:
    assert parse_plan_text("# A\n", "p.md", max_bytes=10).sections[0].heading_path == ("A",)
