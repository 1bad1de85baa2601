"""Writing an output file (`--out`) without ever leaving a half-written one."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from planreview.errors import UserInputError


def write_atomically(path: Path, text: str) -> None:
    """Write a report to `path` without ever leaving a half-written regular file.

    A symlink is followed to its target; a device, FIFO or socket (`/dev/null`,
    `/dev/stdout`, a pipe) is written directly, never replaced; a regular file is
    written beside itself and renamed over, keeping the old file's mode (a new one
    gets the umask default)."""
    if path.is_dir():
        raise UserInputError(f"--out {path} is a directory")
    target = path.resolve() if path.is_symlink() else path
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        try:
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None
        return
    directory = target.parent if str(target.parent) else Path()
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as exc:
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        Path(tmp).replace(target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserInputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
