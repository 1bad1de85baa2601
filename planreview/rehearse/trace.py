"""Run proposed statements on the rehearsal database and record what PostgreSQL did.

Each statement (or each group that its tool runs as one transaction, such as a
Prisma migration file) runs inside a transaction on the unprivileged session;
before it commits we read that backend's `pg_locks`, compare `relfilenode`s
(a changed one means the table or index was rewritten) and let a second
session probe each touched table with a `SELECT` and a `DELETE ... WHERE
false` (ROW EXCLUSIVE, the lock UPDATE and INSERT take) under a short
`lock_timeout`: a probe that times out was blocked.
Every statement has a `statement_timeout`. `CONCURRENTLY` statements cannot
run in a transaction: `trace_concurrently` runs them outside one and watches
the building backend from a second session.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

Connect = Callable[[], "psycopg.Connection[tuple[object, ...]]"]

PROBE_LOCK_TIMEOUT_MS = 100

_RELATIONS = """
SELECT c.oid::bigint, c.relname, c.relfilenode::bigint, c.relkind::text
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
  AND c.relkind IN ('r', 'i', 'm', 'p')
"""

_OWN_LOCKS = """
SELECT l.locktype, coalesce(c.relname, ''), l.mode, l.granted
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
LEFT JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE l.pid = pg_backend_pid()
  AND (l.locktype <> 'relation' OR n.nspname NOT IN ('pg_catalog', 'information_schema'))
  AND l.locktype NOT IN ('virtualxid', 'transactionid')
"""


@dataclass(frozen=True)
class Lock:
    locktype: str
    relation: str
    mode: str
    granted: bool


@dataclass
class StatementTrace:
    sql: str
    duration_s: float = 0.0
    locks: list[Lock] = field(default_factory=list)
    rewritten: list[str] = field(default_factory=list)
    """Tables and indexes whose relfilenode changed."""
    read_blocked: dict[str, bool] = field(default_factory=dict)
    write_blocked: dict[str, bool] = field(default_factory=dict)
    lock_timeout: str = ""
    """The lock_timeout in force when the statement ran ('0' means none)."""
    error: str | None = None
    sqlstate: str | None = None
    skipped: bool = False
    """Not run: an earlier statement of the same transaction failed."""
    progress_phases: list[str] = field(default_factory=list)
    """`pg_stat_progress_create_index` phases seen (CONCURRENTLY builds)."""

    @property
    def tables(self) -> list[str]:
        return sorted({lk.relation for lk in self.locks if lk.locktype == "relation"
                       and lk.relation})


def _relations(conn: psycopg.Connection[tuple[object, ...]]) -> dict[int, tuple[str, int, str]]:
    rows = conn.execute(_RELATIONS).fetchall()
    return {int(str(r[0])): (str(r[1]), int(str(r[2])), str(r[3])) for r in rows}


def _probe(conn: psycopg.Connection[tuple[object, ...]], statement: sql.Composed) -> bool:
    """True when `statement` could not get its lock within the probe timeout."""
    try:
        with conn.transaction():
            conn.execute(f"SET LOCAL lock_timeout = '{PROBE_LOCK_TIMEOUT_MS}ms'")
            conn.execute(statement)
    except psycopg.errors.LockNotAvailable:
        return True
    return False


def _inspect(
    trace: StatementTrace,
    conn: psycopg.Connection[tuple[object, ...]],
    probe: psycopg.Connection[tuple[object, ...]],
    before: dict[int, tuple[str, int, str]],
) -> None:
    trace.locks = [
        Lock(str(r[0]), str(r[1]), str(r[2]), bool(r[3]))
        for r in conn.execute(_OWN_LOCKS).fetchall()
    ]
    after = _relations(conn)
    trace.rewritten = sorted(
        name for oid, (name, node, _kind) in before.items()
        if oid in after and node and after[oid][1] != node
    )
    for table in trace.tables:
        kind = next((k for (n, _f, k) in before.values() if n == table), "")
        if kind not in ("r", "p"):
            continue
        ident = sql.Identifier(table)
        trace.read_blocked[table] = _probe(probe, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(ident))
        trace.write_blocked[table] = _probe(
            probe, sql.SQL("DELETE FROM {} WHERE false").format(ident)
        )


def trace_transaction(
    connect: Connect, statements: list[str], *, statement_timeout_s: float = 30.0
) -> list[StatementTrace]:
    """Run `statements` as one transaction (rolled back on the first error) and trace each."""
    traces = [StatementTrace(sql=s) for s in statements]
    with connect() as conn, connect() as probe:
        conn.execute(f"SET statement_timeout = '{int(statement_timeout_s * 1000)}ms'")
        lock_timeout = str((conn.execute("SHOW lock_timeout").fetchone() or ("",))[0])
        failed = False
        conn.execute("BEGIN")
        try:
            for trace in traces:
                trace.lock_timeout = lock_timeout
                if failed:
                    trace.skipped = True
                    continue
                before = _relations(conn)
                start = time.perf_counter()
                try:
                    conn.execute(trace.sql)
                except psycopg.Error as exc:
                    trace.duration_s = time.perf_counter() - start
                    trace.error = (exc.diag.message_primary or str(exc)).strip()
                    trace.sqlstate = exc.sqlstate
                    failed = True
                    continue
                trace.duration_s = time.perf_counter() - start
                _inspect(trace, conn, probe, before)
        finally:
            conn.execute("ROLLBACK" if failed else "COMMIT")
    return traces


def trace_statements(
    connect: Connect, statements: list[str], *, statement_timeout_s: float = 30.0
) -> list[StatementTrace]:
    """Run each statement in its own transaction, as psql would; later ones still run
    after a failure."""
    out: list[StatementTrace] = []
    for statement in statements:
        out.extend(
            trace_transaction(connect, [statement], statement_timeout_s=statement_timeout_s)
        )
    return out


_BACKEND_LOCKS = """
SELECT l.locktype, coalesce(c.relname, ''), l.mode, l.granted
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = %s AND l.locktype = 'relation' AND c.relnamespace IS DISTINCT FROM
  'pg_catalog'::regnamespace
"""
_PROGRESS = "SELECT phase FROM pg_stat_progress_create_index WHERE pid = %s"


def trace_concurrently(
    connect: Connect, statement: str, table: str, *, statement_timeout_s: float = 30.0
) -> StatementTrace:
    """Run a `CONCURRENTLY` statement outside any transaction and watch it from a second
    session: the building backend's relation locks, the `pg_stat_progress_create_index`
    phases it passes (in `progress_phases`), and read/write probes on `table`."""
    import threading

    trace = StatementTrace(sql=statement)
    with connect() as conn, connect() as watch, connect() as probe:
        conn.execute(f"SET statement_timeout = '{int(statement_timeout_s * 1000)}ms'")
        trace.lock_timeout = str((conn.execute("SHOW lock_timeout").fetchone() or ("",))[0])
        pid = conn.info.backend_pid

        def run() -> None:
            start = time.perf_counter()
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                trace.error = (exc.diag.message_primary or str(exc)).strip()
                trace.sqlstate = exc.sqlstate
            trace.duration_s = time.perf_counter() - start

        worker = threading.Thread(target=run)
        worker.start()
        seen: dict[tuple[str, str], Lock] = {}
        phases: list[str] = []
        ident = sql.Identifier(table)
        while worker.is_alive():
            for r in watch.execute(_BACKEND_LOCKS, (pid,)).fetchall():
                lock = Lock(str(r[0]), str(r[1]), str(r[2]), bool(r[3]))
                seen.setdefault((lock.relation, lock.mode), lock)
            for (phase,) in watch.execute(_PROGRESS, (pid,)).fetchall():
                if not phases or phases[-1] != phase:
                    phases.append(str(phase))
            if seen and table not in trace.read_blocked:
                trace.read_blocked[table] = _probe(
                    probe, sql.SQL("SELECT 1 FROM {} LIMIT 1").format(ident)
                )
                trace.write_blocked[table] = _probe(
                    probe, sql.SQL("DELETE FROM {} WHERE false").format(ident)
                )
            time.sleep(0.005)
        worker.join()
    trace.locks = list(seen.values())
    trace.progress_phases = phases
    return trace
