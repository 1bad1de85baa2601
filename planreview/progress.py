"""Progress on stderr: a spinner per reviewer on a terminal, one plain line per event
elsewhere (CI logs). Thread-safe: reviewers report from worker threads."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, TextIO

from planreview.request import ProgressEvent

if TYPE_CHECKING:  # rich is imported only when a terminal shows the spinners
    from rich.progress import Progress as RichProgress
    from rich.progress import TaskID


class Progress:
    def __init__(self, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._live: RichProgress | None = None
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Progress:
        if self.enabled and self.stream.isatty():
            from rich.console import Console
            from rich.progress import Progress as RichProgress
            from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn

            self._live = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._live.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __call__(self, event: ProgressEvent) -> None:
        if not self.enabled:
            return
        text = f"{event.reviewer}: {event.phase}" + (f" ({event.detail})" if event.detail else "")
        with self._lock:
            if self._live is None:
                print(f"planreview: {text}", file=self.stream, flush=True)
                return
            task = self._tasks.get(event.reviewer)
            if task is None:
                task = self._live.add_task(text, total=1)
                self._tasks[event.reviewer] = task
            done = event.phase in ("done", "failed")
            self._live.update(task, description=text, completed=1 if done else 0)
