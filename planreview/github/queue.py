"""The App server's durable job queue: one SQLite file in PLANREVIEW_STATE_DIR.

A webhook delivery is recorded and its jobs enqueued in one transaction, so a
redelivered `X-GitHub-Delivery` is acknowledged without running again, and a crash
between the two cannot lose or double a review. Jobs are keyed (repo, PR, head SHA,
plan): the same key is queued once, and a newer head supersedes pending jobs for
older heads of the same PR and plan. Jobs that were running when the process died
go back to pending on the next start (up to `max_attempts`).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

DB_NAME = "planreview-queue.sqlite3"
DEFAULT_MAX_ATTEMPTS = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    id TEXT PRIMARY KEY,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repo TEXT NOT NULL,
    pr INTEGER NOT NULL,
    head_sha TEXT NOT NULL,
    plan TEXT NOT NULL,
    installation_id INTEGER NOT NULL,
    reason TEXT NOT NULL,
    force INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, id);
CREATE INDEX IF NOT EXISTS jobs_by_key ON jobs (repo, pr, plan, state);
CREATE INDEX IF NOT EXISTS deliveries_by_age ON deliveries (received_at);
"""

PENDING, RUNNING, DONE, FAILED, SUPERSEDED = "pending", "running", "done", "failed", "superseded"


@dataclass(frozen=True)
class JobSpec:
    """What a webhook asks for, before it is queued."""

    repo: str
    """owner/name"""
    pr: int
    head_sha: str
    """The head to review; '' means the PR's head when the job runs (comment commands)."""
    plan: str
    """One plan path, or '' for every changed plan in the PR."""
    installation_id: int
    reason: str
    """What triggered it, e.g. 'pull_request.synchronize' (for logs)."""
    force: bool = False
    """Review even when the plan is unchanged since its last review."""


@dataclass(frozen=True)
class Job(JobSpec):
    id: int = 0
    attempts: int = 0


class JobQueue:
    """Durable FIFO of review jobs; every method is one short transaction."""

    def __init__(
        self, state_dir: Path, *, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        now: Callable[[], float] = time.time,
    ) -> None:
        state_dir.mkdir(parents=True, exist_ok=True)
        self.path = state_dir / DB_NAME
        self.max_attempts = max_attempts
        self._now = now
        self._lock = threading.Lock()
        db = sqlite3.connect(self.path, timeout=30)
        try:
            db.executescript(_SCHEMA)  # commits on its own: not inside _tx
        finally:
            db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        # A connection per transaction: the webhook handler and the worker thread share
        # the queue, and a second process on the same file stays correct.
        with self._lock:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=FULL")
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
            finally:
                db.close()

    def accept(self, delivery_id: str, specs: Sequence[JobSpec]) -> list[Job] | None:
        """Record a delivery and queue its jobs; None when the delivery was seen before."""
        now = self._now()
        with self._tx() as db:
            cursor = db.execute(
                "INSERT OR IGNORE INTO deliveries (id, received_at) VALUES (?, ?)",
                (delivery_id, now),
            )
            if cursor.rowcount == 0:
                return None
            return [job for spec in specs if (job := self._enqueue(db, spec, now))]

    def enqueue(self, spec: JobSpec) -> Job | None:
        """Queue one job; None when the same key is already pending or running."""
        with self._tx() as db:
            return self._enqueue(db, spec, self._now())

    def _enqueue(self, db: sqlite3.Connection, spec: JobSpec, now: float) -> Job | None:
        same = db.execute(
            "SELECT 1 FROM jobs WHERE repo=? AND pr=? AND plan=? AND head_sha=? "
            "AND state IN (?, ?) AND force>=?",
            (spec.repo, spec.pr, spec.plan, spec.head_sha, PENDING, RUNNING, int(spec.force)),
        ).fetchone()
        if same is not None:
            return None
        if spec.head_sha:
            db.execute(
                "UPDATE jobs SET state=?, updated_at=? WHERE repo=? AND pr=? AND plan=? "
                "AND state=? AND head_sha NOT IN ('', ?)",
                (SUPERSEDED, now, spec.repo, spec.pr, spec.plan, PENDING, spec.head_sha),
            )
        cursor = db.execute(
            "INSERT INTO jobs (repo, pr, head_sha, plan, installation_id, reason, force, "
            "state, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (spec.repo, spec.pr, spec.head_sha, spec.plan, spec.installation_id, spec.reason,
             int(spec.force), PENDING, now, now),
        )
        assert cursor.lastrowid is not None
        return Job(**vars(spec), id=cursor.lastrowid)

    def claim(self) -> Job | None:
        """Take the oldest pending job and mark it running."""
        with self._tx() as db:
            row = db.execute(
                "SELECT id, repo, pr, head_sha, plan, installation_id, reason, force, attempts "
                "FROM jobs WHERE state=? ORDER BY id LIMIT 1", (PENDING,),
            ).fetchone()
            if row is None:
                return None
            db.execute(
                "UPDATE jobs SET state=?, attempts=attempts+1, updated_at=? WHERE id=?",
                (RUNNING, self._now(), row[0]),
            )
        return Job(repo=row[1], pr=row[2], head_sha=row[3], plan=row[4],
                   installation_id=row[5], reason=row[6], force=bool(row[7]),
                   id=row[0], attempts=row[8] + 1)

    def finish(self, job_id: int, *, error: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state=?, error=?, updated_at=? WHERE id=?",
                (FAILED if error else DONE, error, self._now(), job_id),
            )

    def recover(self) -> int:
        """After a crash: running jobs go back to pending, or fail once they have been
        tried `max_attempts` times (a job that kills the process must not loop forever).
        Returns how many were put back."""
        now = self._now()
        with self._tx() as db:
            db.execute(
                "UPDATE jobs SET state=?, error=?, updated_at=? WHERE state=? AND attempts>=?",
                (FAILED, "interrupted too many times", now, RUNNING, self.max_attempts),
            )
            cursor = db.execute(
                "UPDATE jobs SET state=?, updated_at=? WHERE state=?", (PENDING, now, RUNNING),
            )
            return cursor.rowcount

    def counts(self) -> dict[str, int]:
        with self._tx() as db:
            rows = db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state").fetchall()
        return {str(state): int(count) for state, count in rows}

    def jobs(self) -> list[tuple[Job, str]]:
        """Every job with its state, oldest first (for tests and operators)."""
        with self._tx() as db:
            rows = db.execute(
                "SELECT id, repo, pr, head_sha, plan, installation_id, reason, force, attempts, "
                "state FROM jobs ORDER BY id"
            ).fetchall()
        return [(Job(repo=r[1], pr=r[2], head_sha=r[3], plan=r[4], installation_id=r[5],
                     reason=r[6], force=bool(r[7]), id=r[0], attempts=r[8]), str(r[9]))
                for r in rows]

    def forget_deliveries(self, older_than_s: float) -> int:
        """Drop delivery ids older than this; GitHub redelivers within days, not months."""
        with self._tx() as db:
            cursor = db.execute(
                "DELETE FROM deliveries WHERE received_at < ?", (self._now() - older_than_s,)
            )
            return cursor.rowcount
