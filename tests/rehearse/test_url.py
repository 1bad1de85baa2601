"""PLANREVIEW_PG_URL: a scratch database only, never a superuser, CREATEDB required."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from planreview.rehearse.cluster import OWNER_ROLE, EmbeddedCluster, RehearsalSetupError
from planreview.rehearse.url import scratch_database

pytestmark = pytest.mark.pg


@pytest.fixture(scope="module")
def roles(pg_cluster: EmbeddedCluster) -> Iterator[EmbeddedCluster]:
    with pg_cluster.connect_owner() as conn:
        conn.execute("CREATE ROLE url_nocreatedb LOGIN")
        conn.execute("CREATE ROLE url_creator LOGIN CREATEDB")
    yield pg_cluster
    with pg_cluster.connect_owner() as conn:
        conn.execute("DROP ROLE url_nocreatedb")
        conn.execute("DROP ROLE url_creator")


def test_a_role_without_createdb_gets_one_clear_error(roles: EmbeddedCluster) -> None:
    url = roles.conninfo(user="url_nocreatedb", dbname="postgres")
    with pytest.raises(RehearsalSetupError, match="lacks CREATEDB"), scratch_database(url):
        pass


def test_a_superuser_url_is_refused(roles: EmbeddedCluster) -> None:
    url = roles.conninfo(user=OWNER_ROLE, dbname="postgres")
    with pytest.raises(RehearsalSetupError, match="superuser"), scratch_database(url):
        pass


def test_the_scratch_database_is_created_used_and_dropped(roles: EmbeddedCluster) -> None:
    url = roles.conninfo(user="url_creator", dbname="postgres")
    with scratch_database(url) as conninfo, psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        name = str((conn.execute("SELECT current_database()").fetchone() or ("",))[0])
    with roles.connect_owner() as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname = %s", (name,))
        assert left.fetchone() == (0,)
    assert name.startswith("planreview_rehearse_")


def test_an_unreachable_url_is_one_line(tmp_path: object) -> None:
    with pytest.raises(RehearsalSetupError, match="cannot connect"), scratch_database(
        "host=/nonexistent-socket-dir port=1 user=x dbname=x"
    ):
        pass
