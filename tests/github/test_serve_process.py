"""`planreview serve` as a real process: it starts, answers /healthz, and a job that was
in flight when the process was killed (SIGKILL) is finished by the next process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from planreview.github.server import lock_state_dir
from tests.github.app_kit import (
    SECRET,
    app_keys,
    delivery,
    install_app_with_pull,
    pull_request_event,
)
from tests.github.fake_github import FakeGitHub

PLAN = "# Plan\n\n```sql\nCREATE INDEX a_idx ON a (b);\n```\n"
_PATIENCE_S = 60.0
"""How long a helper waits for the process before failing the test (not a speed check)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def silent_api() -> Iterator[str]:
    """An "API" that accepts connections and never answers: a job calling it hangs."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def start_serve(state: Path, api_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PLANREVIEW_", "GITHUB_"))}
    env.update({
        "PLANREVIEW_WEBHOOK_SECRET": SECRET, "PLANREVIEW_APP_ID": "123",
        "PLANREVIEW_PRIVATE_KEY": app_keys()[0], "PLANREVIEW_STATE_DIR": str(state),
        "PLANREVIEW_GITHUB_API_URL": api_url,
    })
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "planreview", "serve", "--host", "127.0.0.1",
             "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )


def wait_for(condition: Callable[[], bool], what: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + _PATIENCE_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited ({proc.returncode}) while waiting for {what}")
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def jobs(port: int) -> dict[str, int]:
    answer: dict[str, int] = httpx.get(f"http://127.0.0.1:{port}/healthz").json()["jobs"]
    return answer


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if proc.poll() is None:
        proc.send_signal(sig)
        proc.wait(timeout=_PATIENCE_S)


def test_serve_starts_and_healthz_answers(tmp_path: Path) -> None:
    port = free_port()
    proc = start_serve(tmp_path / "state", "http://127.0.0.1:9", port, tmp_path / "log")
    try:
        wait_for(lambda: httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200,
                 "/healthz", proc)
        answer = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
    finally:
        stop(proc)

    assert answer == {"status": "ok", "jobs": {}}


def test_serve_without_a_secret_exits_2_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANREVIEW_")}
    done = subprocess.run([sys.executable, "-m", "planreview", "serve"], env=env,
                          capture_output=True, text=True, timeout=_PATIENCE_S)

    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "Error: PLANREVIEW_WEBHOOK_SECRET is required: the server refuses unsigned webhooks"
    ]


def test_a_second_server_on_the_same_state_dir_refuses_to_start(tmp_path: Path) -> None:
    state = tmp_path / "state"
    held = lock_state_dir(state)  # "another server" holds the queue
    try:
        proc = start_serve(state, "http://127.0.0.1:9", free_port(), tmp_path / "log")
        code = proc.wait(timeout=_PATIENCE_S)
    finally:
        held.close()

    assert code == 2
    assert "another planreview serve is using" in (tmp_path / "log").read_text()


def test_a_job_in_flight_when_the_server_is_killed_finishes_after_restart(
    tmp_path: Path, github: FakeGitHub,
) -> None:
    install_app_with_pull(github, PLAN)
    state, log, port = tmp_path / "state", tmp_path / "log", free_port()

    with silent_api() as hanging:
        proc = start_serve(state, hanging, port, log)
        try:
            wait_for(lambda: jobs(port) == {}, "startup", proc)
            body, headers = delivery("pull_request", pull_request_event(head="h1"))
            answer = httpx.post(f"http://127.0.0.1:{port}/webhook", content=body,
                                headers=headers)
            wait_for(lambda: jobs(port) == {"running": 1}, "the job to start", proc)
        finally:
            stop(proc, signal.SIGKILL)
    assert answer.status_code == 202
    assert github.comments == []

    port = free_port()
    proc = start_serve(state, github.url, port, log)
    try:
        wait_for(lambda: jobs(port) == {"done": 1}, "the resumed job", proc)
    finally:
        stop(proc)

    assert len(github.comments) == 1 and len(github.check_runs) == 1
    logged = log.read_text(encoding="utf-8")
    for secret in (SECRET, "ghs_installation_", "PRIVATE KEY", "Add the orders plan"):
        assert secret not in logged
    assert "job done" in logged
