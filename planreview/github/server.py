"""`planreview serve`: the GitHub App webhook server (Starlette + uvicorn).

POST /webhook checks `X-Hub-Signature-256` over the raw body before anything else,
records the delivery and its jobs in the durable queue in one transaction, and answers
202 at once; a worker thread runs the jobs. GET /healthz answers with queue counts.
Logs carry event names, delivery ids, repositories and job ids: never tokens, keys,
headers or payload bodies.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from planreview.errors import PlanReviewError, UserInputError
from planreview.github.api import DEFAULT_API_URL, GitHubError
from planreview.github.auth import AppAuth
from planreview.github.queue import Job, JobQueue
from planreview.github.webhook import route_event, verify_signature

log = logging.getLogger("planreview.github.server")

Runner = Callable[[Job], None]
"""Runs one job to completion; raises when it failed."""

_TRUE = frozenset({"1", "true", "yes", "on"})
_DELIVERY_MEMORY_S = 14 * 24 * 3600
_PRUNE_EVERY_S = 3600.0
MAX_BODY_BYTES = 26_000_000
"""GitHub caps webhook payloads at 25 MB; anything larger is not from GitHub."""


@dataclass(frozen=True)
class ServerConfig:
    """Everything `planreview serve` reads from the environment, checked at start."""

    webhook_secret: bytes = field(repr=False)
    app_id: str
    private_key: str = field(repr=False)
    state_dir: Path
    api_url: str = DEFAULT_API_URL
    server_url: str = "https://github.com"
    """Where the repositories live (links in comments may point only there)."""
    review_drafts: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServerConfig:
        secret = env.get("PLANREVIEW_WEBHOOK_SECRET", "")
        if not secret.strip():
            raise UserInputError(
                "PLANREVIEW_WEBHOOK_SECRET is required: the server refuses unsigned webhooks"
            )
        app_id = env.get("PLANREVIEW_APP_ID", "").strip()
        if not app_id:
            raise UserInputError("PLANREVIEW_APP_ID is required (the GitHub App's id)")
        key = _private_key(env)
        api_url = (env.get("PLANREVIEW_GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(
            webhook_secret=secret.encode(), app_id=app_id, private_key=key,
            state_dir=_state_dir(env), api_url=api_url,
            server_url=env.get("PLANREVIEW_GITHUB_SERVER_URL") or web_url_for(api_url),
            review_drafts=env.get("PLANREVIEW_REVIEW_DRAFTS", "").strip().lower() in _TRUE,
        )


def _private_key(env: Mapping[str, str]) -> str:
    key = env.get("PLANREVIEW_PRIVATE_KEY", "")
    path = env.get("PLANREVIEW_PRIVATE_KEY_FILE", "")
    if not key and path:
        try:
            key = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserInputError(f"cannot read PLANREVIEW_PRIVATE_KEY_FILE: {exc}") from None
    if not key:
        raise UserInputError(
            "PLANREVIEW_PRIVATE_KEY or PLANREVIEW_PRIVATE_KEY_FILE is required "
            "(the GitHub App's private key, PEM)"
        )
    key = key.replace("\\n", "\n")  # a PEM squeezed onto one line in an env file
    try:
        load_pem_private_key(key.encode(), password=None)
    except (ValueError, TypeError):
        # Never echo the key: say which variable, not what it held.
        raise UserInputError("the GitHub App private key is not a PEM private key") from None
    return key


def _state_dir(env: Mapping[str, str]) -> Path:
    if env.get("PLANREVIEW_STATE_DIR"):
        return Path(env["PLANREVIEW_STATE_DIR"])
    base = env.get("XDG_STATE_HOME") or str(Path(env.get("HOME", ".")) / ".local" / "state")
    return Path(base) / "planreview"


def web_url_for(api_url: str) -> str:
    """github.com for the public API; https://HOST for GHES (https://HOST/api/v3)."""
    if api_url.rstrip("/") == DEFAULT_API_URL:
        return "https://github.com"
    return api_url.rstrip("/").removesuffix("/api/v3")


# --- the worker ---------------------------------------------------------------------------


class Worker:
    """Runs queued jobs one at a time on a background thread."""

    def __init__(self, queue: JobQueue, runner: Runner, *, poll_s: float = 2.0) -> None:
        self.queue = queue
        self.runner = runner
        self._poll_s = poll_s
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        self._wake.set()

    def run_one(self) -> bool:
        """Run the oldest pending job; False when there was none."""
        job = self.queue.claim()
        if job is None:
            return False
        log.info("job start id=%d repo=%s pr=%d head=%s plan=%s reason=%s attempt=%d",
                 job.id, job.repo, job.pr, job.head_sha[:12] or "-", job.plan or "*",
                 job.reason, job.attempts)
        try:
            self._run(job)
        except Exception:
            # The one boundary that must not die with the job: an unexpected error (our
            # bug) is logged with its traceback and the job is marked failed, so one bad
            # pull request cannot stop the server or loop forever.
            log.exception("job crashed id=%d", job.id)
            self.queue.finish(job.id, error="internal error (see the server log)")
        return True

    def _run(self, job: Job) -> None:
        try:
            self.runner(job)
        except (GitHubError, PlanReviewError, httpx.HTTPError) as exc:
            log.warning("job failed id=%d error=%s", job.id, _one_line(exc))
            self.queue.finish(job.id, error=_one_line(exc))
            return
        self.queue.finish(job.id)
        log.info("job done id=%d", job.id)

    def drain(self) -> int:
        """Run jobs until none is pending; returns how many ran (tests, one-shot use)."""
        ran = 0
        while self.run_one():
            ran += 1
        return ran

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="planreview-worker",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _loop(self) -> None:
        pruned_at = time.monotonic()
        while not self._stop.is_set():
            if self.run_one():
                continue
            if time.monotonic() - pruned_at > _PRUNE_EVERY_S:
                self.queue.forget_deliveries(_DELIVERY_MEMORY_S)
                pruned_at = time.monotonic()
            self._wake.wait(self._poll_s)
            self._wake.clear()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300] or type(exc).__name__


# --- the app ----------------------------------------------------------------------------


def create_app(
    config: ServerConfig, *, runner: Runner | None = None, start_worker: bool = True,
) -> Starlette:
    """The ASGI app. `runner` defaults to reviewing the PR as the App; tests pass their
    own, or `start_worker=False` and drive `app.state.worker` by hand."""
    queue = JobQueue(config.state_dir)
    worker = Worker(queue, runner or AppRunner(config))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        resumed = queue.recover()
        queue.forget_deliveries(_DELIVERY_MEMORY_S)
        log.info("server start state_dir=%s api=%s resumed_jobs=%d",
                 config.state_dir, config.api_url, resumed)
        if start_worker:
            worker.start()
        try:
            yield
        finally:
            worker.stop()

    async def webhook(request: Request) -> JSONResponse:
        body = await _read_capped(request, MAX_BODY_BYTES)
        if body is None:
            log.warning("webhook rejected reason=too-large")
            return JSONResponse({"error": "payload too large"}, status_code=413)
        delivery = request.headers.get("x-github-delivery", "")
        event = request.headers.get("x-github-event", "")
        if not verify_signature(config.webhook_secret, body,
                                request.headers.get("x-hub-signature-256")):
            log.warning("webhook rejected reason=bad-signature event=%s delivery=%s",
                        event, delivery)
            return JSONResponse({"error": "bad signature"}, status_code=401)
        if not delivery:
            return JSONResponse({"error": "missing X-GitHub-Delivery"}, status_code=400)
        try:
            payload = json.loads(body)
        except ValueError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        if not isinstance(payload, dict):
            return JSONResponse({"error": "body is not a JSON object"}, status_code=400)
        decision = route_event(event, payload, review_drafts=config.review_drafts)
        jobs = await run_in_threadpool(queue.accept, delivery, decision.jobs)
        if jobs is None:
            log.info("webhook duplicate event=%s delivery=%s", event, delivery)
            return JSONResponse({"status": "duplicate"}, status_code=202)
        if decision.ignored:
            log.info("webhook ignored event=%s delivery=%s reason=%s",
                     event, delivery, decision.ignored)
            return JSONResponse({"status": "ignored", "reason": decision.ignored},
                                status_code=202)
        log.info("webhook queued event=%s delivery=%s jobs=%s", event, delivery,
                 ",".join(str(j.id) for j in jobs) or "none (already queued)")
        worker.wake()
        return JSONResponse({"status": "queued", "jobs": [j.id for j in jobs]},
                            status_code=202)

    async def healthz(request: Request) -> JSONResponse:
        counts = await run_in_threadpool(queue.counts)
        return JSONResponse({"status": "ok", "jobs": counts})

    app = Starlette(
        routes=[Route("/webhook", webhook, methods=["POST"]),
                Route("/healthz", healthz, methods=["GET"])],
        lifespan=lifespan,
    )
    app.state.queue = queue
    app.state.worker = worker
    return app


async def _read_capped(request: Request, limit: int) -> bytes | None:
    """The raw body, or None once it exceeds `limit` (read before the signature can be
    checked, so an unauthenticated sender must not make us buffer without bound)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


class AppRunner:
    """Reviews a job's PR as the App: a token scoped to the one repository, files read
    through the API at the head SHA (nothing from the PR is checked out or run)."""

    def __init__(self, config: ServerConfig, env: Mapping[str, str] | None = None) -> None:
        self.config = config
        self.auth = AppAuth(config.app_id, config.private_key, base_url=config.api_url)
        # The LLM variables of the CLI (OPENAI_*, PLANREVIEW_MODEL, ...) come from here.
        self.env: Mapping[str, str] = dict(os.environ) if env is None else env

    def __call__(self, job: Job) -> None:
        from planreview.github.pull import PullRequest, PullReviewer

        with self.auth.client_for(job.installation_id, job.repo) as client:
            pull: dict[str, Any] = client.pull(job.repo, job.pr)
            if pull.get("state", "open") != "open":
                log.info("job skipped id=%d reason=closed", job.id)
                return
            pr = PullRequest.from_payload(pull, job.repo)
            if job.head_sha and pr.head_sha != job.head_sha:
                # A newer push has its own webhook and job; reviewing here would be paid
                # twice for a head nobody looks at any more.
                log.info("job skipped id=%d reason=head-moved", job.id)
                return
            reviewer = PullReviewer(
                client=client, bot_login=self.auth.bot_login(), env=self.env,
                server_url=self.config.server_url,
                full_report_hint=("The full report: run `planreview review` on this plan "
                                  "at the PR's head commit."),
            )
            result = reviewer.run(pr, only_plan=job.plan or None, force=job.force)
        log.info("job reviewed id=%d plans=%d statuses=%s", job.id, len(result.outcomes),
                 ",".join(o.status for o in result.outcomes) or "-")
        if result.read_only:
            raise GitHubError("POST", f"/repos/{job.repo}", 403, result.read_only)


LOCK_NAME = "serve.lock"


def lock_state_dir(state_dir: Path) -> IO[str]:
    """Hold the state directory for this process: a second server on the same queue would
    put the first one's running jobs back to pending and run them twice. The OS drops the
    lock when the process dies, however it dies."""
    state_dir.mkdir(parents=True, exist_ok=True)
    handle = (state_dir / LOCK_NAME).open("a", encoding="utf-8")
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise UserInputError(
            f"another planreview serve is using {state_dir} (PLANREVIEW_STATE_DIR)"
        ) from None
    return handle


def serve(env: Mapping[str, str], *, host: str, port: int) -> None:
    """Check the configuration (UserInputError before binding anything), then serve."""
    import uvicorn

    config = ServerConfig.from_env(env)
    lock = lock_state_dir(config.state_dir)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # httpx logs full request URLs at INFO; ours are logged without queries already.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        uvicorn.run(create_app(config, runner=AppRunner(config, env)), host=host, port=port,
                    log_level="info")
    finally:
        lock.close()
