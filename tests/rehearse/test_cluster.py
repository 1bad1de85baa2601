"""The private cluster: isolation, privileges and cleanup on every way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from planreview.rehearse.cluster import EmbeddedCluster

pytestmark = pytest.mark.pg

_CHILD = """
import sys, time
from planreview.rehearse.cluster import start_cluster
cluster = start_cluster()
print(cluster.base, cluster.server.pid, flush=True)
time.sleep(600)
"""


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError("no Uid line")


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"


def _wait_until(predicate: object, limit_s: float = 60.0) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def _spawn_child() -> tuple[subprocess.Popen[str], Path, int]:
    child = subprocess.Popen([sys.executable, "-c", _CHILD], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    base, pid = child.stdout.readline().split()
    return child, Path(base), int(pid)


def test_plan_sql_runs_as_a_role_without_superuser_or_createdb(
    pg_cluster: EmbeddedCluster,
) -> None:
    with pg_cluster.connect() as conn:
        row = conn.execute(
            "SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
    assert row == (False, False, False)


def test_the_owner_connection_is_the_superuser(pg_cluster: EmbeddedCluster) -> None:
    with pg_cluster.connect_owner() as conn:
        assert conn.execute("SELECT current_setting('is_superuser')").fetchone() == ("on",)


def test_the_server_listens_on_no_tcp_port_and_runs_without_fsync(
    pg_cluster: EmbeddedCluster,
) -> None:
    with pg_cluster.connect_owner() as conn:
        listen = conn.execute("SHOW listen_addresses").fetchone()
        fsync = conn.execute("SHOW fsync").fetchone()
    assert listen == ("",)
    assert fsync == ("off",)
    assert pg_cluster.version_num >= 180000


def test_as_root_the_server_runs_under_an_unprivileged_account(
    pg_cluster: EmbeddedCluster,
) -> None:
    uid = _uid_of(pg_cluster.server.pid)
    if os.geteuid() == 0:
        assert uid != 0
        assert pg_cluster.server_user == "nobody"
    else:
        assert uid == os.geteuid()


@pytest.mark.parametrize(
    "statement",
    [
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "SELECT pg_read_file('/etc/hostname')",
        "ALTER SYSTEM SET work_mem = '1GB'",
        "CREATE FUNCTION f() RETURNS int AS '/lib/libc.so.6', 'getpid' LANGUAGE c",
        "CREATE DATABASE other",
    ],
)
def test_a_hostile_statement_is_refused_by_postgresql(
    pg_cluster: EmbeddedCluster, statement: str
) -> None:
    with pg_cluster.connect() as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_a_scratch_database_is_owned_by_the_rehearse_role_and_dropped(
    pg_cluster: EmbeddedCluster,
) -> None:
    with pg_cluster.scratch_database() as name, pg_cluster.connect(dbname=name) as conn:
        conn.execute("CREATE TABLE t (id int)")
    with pg_cluster.connect_owner() as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        assert left.fetchone() == (0,)


def test_stop_removes_the_cluster_directory_and_the_server() -> None:
    from planreview.rehearse.cluster import start_cluster

    with start_cluster() as cluster:
        base, pid = cluster.base, cluster.server.pid
        assert (base / "data" / "PG_VERSION").is_file()
    assert not base.exists()
    assert _gone(pid)


def test_the_cluster_is_removed_when_the_parent_is_sigkilled() -> None:
    child, base, pid = _spawn_child()
    assert base.exists()
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert _wait_until(lambda: not base.exists() and _gone(pid))


def test_the_cluster_is_removed_on_sigterm() -> None:
    child, base, pid = _spawn_child()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=60) == 128 + signal.SIGTERM
    assert not base.exists()
    assert _gone(pid)


def test_the_cluster_is_removed_on_ctrl_c() -> None:
    child, base, pid = _spawn_child()
    child.send_signal(signal.SIGINT)
    child.wait(timeout=60)
    assert not base.exists()
    assert _gone(pid)
