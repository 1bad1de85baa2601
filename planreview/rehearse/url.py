"""Rehearsal on the user's own server (`PLANREVIEW_PG_URL`): a scratch database only.

The URL's role must not be a superuser (the plan's SQL is untrusted) and must have
CREATEDB: we create one scratch database, work only inside it and drop it. Anything
else is a one-line `RehearsalSetupError` (exit 2).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg
from psycopg import sql

from planreview.rehearse.cluster import RehearsalSetupError


@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """Yield the conninfo of a fresh scratch database on `url`'s server; drop it after."""
    try:
        admin = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        raise RehearsalSetupError(
            f"cannot connect to PLANREVIEW_PG_URL: {_first_line(str(exc))}"
        ) from None
    with admin:
        row = admin.execute(
            "SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        superuser, createdb = bool(row and row[0]), bool(row and row[1])
        if superuser:
            raise RehearsalSetupError(
                "PLANREVIEW_PG_URL connects as a superuser; use a role without SUPERUSER "
                "(the plan's SQL is untrusted)"
            )
        if not createdb:
            raise RehearsalSetupError(
                "PLANREVIEW_PG_URL's role lacks CREATEDB; rehearsal needs it to create "
                "(and drop) its scratch database"
            )
        name = f"planreview_rehearse_{uuid.uuid4().hex[:12]}"
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield psycopg.conninfo.make_conninfo(url, dbname=name)
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "error")
