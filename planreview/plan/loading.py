"""Loading a plan from a file, bytes or text: size limits and decoding, one clear error."""

from __future__ import annotations

from pathlib import Path

from planreview.errors import UserInputError
from planreview.plan.markdown import parse_plan
from planreview.plan.model import ParsedPlan

# --------------------------------------------------------------------------- loading

def load_plan_file(path: Path, *, max_bytes: int, name: str) -> ParsedPlan:
    """Read and parse the plan at `path`, reported as `name`.

    Raises UserInputError (one line) for a missing, unreadable, non-regular, binary,
    non-UTF-8 or oversized file. An empty plan is not an error.
    """
    shown = _shown(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        raise UserInputError(f"plan file {shown} does not exist") from None
    except OSError as exc:
        raise UserInputError(f"cannot read plan {shown}: {exc.strerror or exc}") from None
    if path.is_dir():
        raise UserInputError(f"plan {shown} is a directory, not a Markdown file")
    if not path.is_file():
        # A FIFO or device would block or never end; refuse rather than hang.
        raise UserInputError(f"plan {shown} is not a regular file")
    _check_size(shown, info.st_size, max_bytes)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except PermissionError:
        raise UserInputError(f"cannot read plan {shown}: permission denied") from None
    except OSError as exc:
        raise UserInputError(f"cannot read plan {shown}: {exc.strerror or exc}") from None
    return parse_plan_bytes(data, name=name, max_bytes=max_bytes, shown=shown)


def parse_plan_bytes(
    data: bytes, *, name: str, max_bytes: int, shown: str | None = None
) -> ParsedPlan:
    """Decode and parse plan bytes (from disk or an API); UserInputError when unusable."""
    shown = shown or _shown(name)
    _check_size(shown, len(data), max_bytes)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UserInputError(f"plan {shown} is UTF-16 encoded; planreview reads UTF-8 plans")
    nul = data.find(b"\0")
    if nul >= 0:
        raise UserInputError(
            f"plan {shown} looks like a binary file (NUL byte at offset {nul}), not Markdown"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise UserInputError(
            f"plan {shown} is not valid UTF-8: byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start} (line {line})"
        ) from None
    return parse_plan(text, name)


def parse_plan_text(text: str, name: str, *, max_bytes: int | None = None) -> ParsedPlan:
    """Parse plan text a caller already holds, with the same checks as a file on disk."""
    shown = _shown(name)
    if max_bytes is not None:
        _check_size(shown, len(text.encode("utf-8", "surrogatepass")), max_bytes)
    nul = text.find("\0")
    if nul >= 0:
        raise UserInputError(
            f"plan {shown} looks like a binary file (NUL at character {nul}), not Markdown"
        )
    return parse_plan(text, name)


def _check_size(shown: str, size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise UserInputError(
            f"plan {shown} is {size:,} bytes, over the {max_bytes:,}-byte limit "
            "(raise it with --max-plan-bytes)"
        )


def _shown(path: Path | str) -> str:
    """The path for a one-line message: repr() when it holds control characters."""
    text = str(path)
    return repr(text) if any(ord(ch) < 32 or ord(ch) == 127 for ch in text) else text
