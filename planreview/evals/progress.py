"""Progress of an evaluation run on stderr: a rich bar on a terminal, one plain line
per finished case elsewhere (CI logs). Thread-safe: cases finish on worker threads."""

from __future__ import annotations

import sys
import threading
from types import TracebackType
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TaskID, TextColumn, TimeElapsedColumn
from rich.progress import Progress as RichProgress

from planreview.evals.results import CaseRun


class EvalProgress:
    def __init__(self, total: int, *, enabled: bool = True, stream: TextIO | None = None) -> None:
        self.total = total
        self.enabled = enabled
        self.stream = stream or sys.stderr
        self._lock = threading.Lock()
        self._done = 0
        self._live: RichProgress | None = None
        self._task: TaskID | None = None

    def __enter__(self) -> EvalProgress:
        if self.enabled and self.stream.isatty():
            self._live = RichProgress(
                TextColumn("eval"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.description}"), TimeElapsedColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._live.start()
            self._task = self._live.add_task("", total=self.total)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def __call__(self, run: CaseRun) -> None:
        if not self.enabled:
            return
        outcome = (
            f"crashed: {run.error}" if run.report is None
            else f"{len(run.report.findings)} findings"
        )
        with self._lock:
            self._done += 1
            if self._live is None or self._task is None:
                print(f"eval: [{self._done}/{self.total}] {run.case.id}: {outcome} "
                      f"({run.wall_ms} ms)", file=self.stream, flush=True)
                return
            self._live.update(self._task, advance=1, description=f"{run.case.id}: {outcome}")
