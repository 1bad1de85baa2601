"""The migration rules' claims about PostgreSQL, checked on a real server.

Each claim in planreview/pgsemantics/claims.py is run on a scratch database of the
embedded cluster (the `pg_cluster` fixture, tests/conftest.py): the strongest lock the
statement's own backend holds on the table (pg_locks, inside the statement's
transaction) and whether the table was rewritten (its relfilenode changed) must be what
the rule says. Skipped, with the reason, where no `pg_cluster` fixture or no psycopg is
available.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from planreview.pgsemantics.claims import CLAIMS, NON_TRANSACTIONAL, Claim
from planreview.pgsemantics.locks import LockMode

pytestmark = pytest.mark.pg

_BY_NAME = {m.pg_locks_name: m for m in LockMode}


@pytest.fixture(scope="module")
def cluster(request: pytest.FixtureRequest) -> Any:
    pytest.importorskip("psycopg", reason="psycopg is not installed (the pg dev extra)")
    try:
        return request.getfixturevalue("pg_cluster")
    except pytest.FixtureLookupError:
        pytest.skip("no pg_cluster fixture: the embedded PostgreSQL cluster is not wired up")


@pytest.fixture
def conn(cluster: Any) -> Iterator[Any]:
    with cluster.scratch_database() as name, cluster.connect(dbname=name) as connection:
        yield connection


def _relfilenode(conn: Any, table: str) -> int:
    row = conn.execute("SELECT relfilenode FROM pg_class WHERE oid = %s::regclass", (table,))
    return int(row.fetchone()[0])


def _strongest_lock(conn: Any, table: str) -> LockMode | None:
    rows = conn.execute(
        "SELECT mode FROM pg_locks WHERE locktype = 'relation' AND granted "
        "AND pid = pg_backend_pid() AND relation = %s::regclass",
        (table,),
    ).fetchall()
    modes = [_BY_NAME[r[0]] for r in rows if r[0] in _BY_NAME]
    return max(modes) if modes else None


def _server_major(conn: Any) -> int:
    return int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_the_server_takes_the_claimed_lock_and_rewrites_as_claimed(
    conn: Any, claim: Claim
) -> None:
    if _server_major(conn) < claim.since:
        pytest.skip(f"claim holds from PostgreSQL {claim.since}")
    for ddl in claim.setup:
        conn.execute(ddl)
    before = _relfilenode(conn, claim.table)

    with conn.transaction(force_rollback=True):
        conn.execute(claim.statement)
        lock = _strongest_lock(conn, claim.table)
        after = _relfilenode(conn, claim.table)

    if claim.expect_lock is not None:
        assert lock is claim.expect_lock, f"{claim.statement}: server took {lock}"
    if claim.rewrite is not None:
        assert (after != before) is claim.rewrite, f"{claim.statement}: rewrite={after != before}"


@pytest.mark.parametrize("claim", NON_TRANSACTIONAL, ids=lambda c: c.id)
def test_a_statement_outside_a_transaction_rewrites_as_claimed(conn: Any, claim: Claim) -> None:
    for ddl in claim.setup:
        conn.execute(ddl)
    before = _relfilenode(conn, claim.table)

    conn.execute(claim.statement)

    assert (_relfilenode(conn, claim.table) != before) is claim.rewrite
