"""On-disk memory of the LLM layer: validated answers, and each server's working mode.

One SQLite file, `llm-cache.sqlite3`, under the cache directory (default
`$XDG_CACHE_HOME/planreview`, else `~/.cache/planreview`). Answers are keyed by the
SHA-256 of the canonical request, so re-reviewing an unchanged plan costs nothing; only
answers that validated are stored, so a failure is never replayed. A connection per
operation keeps it safe across the reviewer threads.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

FILE_NAME = "llm-cache.sqlite3"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
  key TEXT PRIMARY KEY, answer TEXT NOT NULL, mode TEXT NOT NULL, created REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS modes (
  base_url TEXT NOT NULL, model TEXT NOT NULL, mode TEXT NOT NULL,
  PRIMARY KEY (base_url, model)
);
"""


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planreview"


@contextmanager
def _connect(directory: Path) -> Iterator[sqlite3.Connection]:
    directory.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(directory / FILE_NAME, timeout=30)) as conn, conn:
        conn.executescript(_SCHEMA)
        yield conn


@dataclass(frozen=True)
class CachedAnswer:
    answer: str
    """The validated answer, as JSON."""
    mode: str


class ResponseCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, key: str) -> CachedAnswer | None:
        with _connect(self.directory) as conn:
            row = conn.execute("SELECT answer, mode FROM answers WHERE key = ?", (key,)).fetchone()
        return CachedAnswer(row[0], row[1]) if row else None

    def put(self, key: str, answer: str, mode: str) -> None:
        with _connect(self.directory) as conn:
            conn.execute(
                "INSERT OR REPLACE INTO answers (key, answer, mode, created) VALUES (?, ?, ?, ?)",
                (key, answer, mode, time.time()),
            )


class ModeStore:
    """The structured-output mode that worked per (base_url, model): in memory, and
    persisted beside the response cache when a directory is given."""

    _memory: ClassVar[dict[tuple[str, str], str]] = {}
    _lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory

    def get(self, base_url: str, model: str) -> str | None:
        with self._lock:
            found = self._memory.get((base_url, model))
        if found is not None or self.directory is None:
            return found
        with _connect(self.directory) as conn:
            row = conn.execute(
                "SELECT mode FROM modes WHERE base_url = ? AND model = ?", (base_url, model)
            ).fetchone()
        if row is None:
            return None
        with self._lock:
            self._memory[(base_url, model)] = row[0]
        return str(row[0])

    def put(self, base_url: str, model: str, mode: str) -> None:
        with self._lock:
            self._memory[(base_url, model)] = mode
        if self.directory is not None:
            with _connect(self.directory) as conn:
                conn.execute(
                    "INSERT OR REPLACE INTO modes (base_url, model, mode) VALUES (?, ?, ?)",
                    (base_url, model, mode),
                )
