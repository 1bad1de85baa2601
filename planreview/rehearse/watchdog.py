"""Watchdog: stops a private cluster and removes its directory when the parent dies.

Started by `cluster.py` with the read end of a pipe on stdin. The parent never
writes; when it exits, however it exits (SIGKILL included), the pipe reaches
end of file and the watchdog sends SIGQUIT (immediate shutdown) to the
postmaster, waits for it, and removes the cluster's directory. After a normal
shutdown the directory is already gone and the watchdog just exits.

Usage: python -m planreview.rehearse.watchdog POSTMASTER_PID DIRECTORY
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, already dead, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            if handle.read().rsplit(")", 1)[-1].split()[0] == "Z":
                return False
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_and_remove(pid: int, directory: str, grace_s: float = 10.0) -> None:
    """Immediate-shutdown the postmaster `pid`, then delete `directory`."""
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT)
        deadline = time.monotonic() + grace_s
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    shutil.rmtree(directory, ignore_errors=True)


def main(argv: list[str]) -> int:
    pid, directory = int(argv[0]), argv[1]
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except OSError:
        pass
    stop_and_remove(pid, directory)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
