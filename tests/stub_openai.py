"""A local OpenAI-compatible server for tests: real HTTP on 127.0.0.1, scripted answers.

Each test scripts what the server answers (`stub.script(reply, ...)`); a reply can be
limited to requests whose text contains a marker (`when="indexing specialist"`), so
concurrent reviewers each get their own. Every request is recorded. A request nothing
was scripted for gets HTTP 418 (never retried), and the `stub` fixture fails the test
when a scripted reply is left unconsumed or an unscripted request arrived.

Faults a real server or the network in between produce: a raw 200 body (`raw`: HTML
from a captive portal, truncated JSON), a body without a length, a connection reset
before any answer (`reset`), and -- as a standing property rather than a script --
`response_format` types the server does not support (`stub.reject_formats`).
"""

from __future__ import annotations

import io
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from pydantic import BaseModel

_NO_USAGE = object()


@dataclass
class Reply:
    status: int = 200
    content: str = ""
    """The assistant message content (status 200)."""
    error: str = ""
    """The error message (status >= 400), wrapped in OpenAI's error envelope."""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    usage: Any = None
    """A usage dict; None: computed from the lengths; _NO_USAGE: omitted."""
    when: str | None = None
    """Serve only a request whose JSON body contains this text."""
    body: bytes | None = None
    """Send exactly these bytes as the 200 body instead of a chat completion."""
    content_type: str = "application/json"
    send_length: bool = True
    """False: no content-length; the body ends when the connection closes."""
    reset: bool = False
    """Abort the connection (TCP reset) instead of answering."""


def answer(obj: BaseModel | dict[str, Any], **kw: Any) -> Reply:
    """200 with `obj` as plain JSON content."""
    text = obj.model_dump_json() if isinstance(obj, BaseModel) else json.dumps(obj)
    return Reply(content=text, **kw)


def fenced(obj: BaseModel | dict[str, Any], **kw: Any) -> Reply:
    """200 with the JSON inside a ```json fence and a sentence around it."""
    text = obj.model_dump_json() if isinstance(obj, BaseModel) else json.dumps(obj)
    return Reply(content=f"Here is my review:\n```json\n{text}\n```\nDone.", **kw)


def text(content: str, **kw: Any) -> Reply:
    return Reply(content=content, **kw)


def fail(status: int, message: str = "boom", **kw: Any) -> Reply:
    return Reply(status=status, error=message, **kw)


def raw(body: bytes | str, content_type: str = "application/json", **kw: Any) -> Reply:
    """200 with exactly this body (not a chat completion)."""
    data = body.encode() if isinstance(body, str) else body
    return Reply(body=data, content_type=content_type, **kw)


def reset(**kw: Any) -> Reply:
    """The connection is reset before any answer."""
    return Reply(reset=True, **kw)


UNSUPPORTED_FORMAT = "response_format type {kind!r} is not supported by this server"


def no_usage(obj: BaseModel | dict[str, Any], **kw: Any) -> Reply:
    return answer(obj, usage=_NO_USAGE, **kw)


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", []))

    @property
    def response_format(self) -> dict[str, Any] | None:
        rf = self.body.get("response_format")
        return rf if isinstance(rf, dict) else None


class StubServer:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.unexpected: list[Recorded] = []
        self.reject_formats: set[str] = set()
        """`response_format` types answered with a 400 naming response_format (never
        from the script), as a server without that feature does."""
        self.in_flight = 0
        self.max_in_flight = 0
        """Most requests the stub was answering at the same time."""
        self._queue: list[Reply] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> list[Reply]:
        with self._lock:
            return list(self._queue)

    def start(self) -> StubServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _take(self, raw: str) -> Reply | None:
        with self._lock:
            for i, reply in enumerate(self._queue):
                if reply.when is None or reply.when in raw:
                    return self._queue.pop(i)
        return None

    def _rejection(self, record: Recorded) -> dict[str, Any] | None:
        """The 400 body for a `response_format` type this server does not support."""
        kind = (record.response_format or {}).get("type")
        if kind not in self.reject_formats:
            return None
        with self._lock:
            self.requests.append(record)
        return {"error": {"message": UNSUPPORTED_FORMAT.format(kind=kind),
                          "type": "invalid_request_error", "param": "response_format",
                          "code": None}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._json(200, {"object": "list", "data": [{"id": "stub", "object": "model"}]})
                else:
                    self._json(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length).decode()
                record = Recorded(self.path, dict(self.headers.items()), json.loads(raw or "{}"))
                rejection = stub._rejection(record)
                if rejection is not None:
                    self._json(400, rejection)
                    return
                reply = stub._take(raw)
                with stub._lock:
                    stub.requests.append(record)
                    if reply is None:
                        stub.unexpected.append(record)
                if reply is None:
                    self._json(418, {"error": {"message": "unscripted request"}})
                    return
                with stub._lock:
                    stub.in_flight += 1
                    stub.max_in_flight = max(stub.max_in_flight, stub.in_flight)
                try:
                    self._answer(record, reply)
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def _answer(self, record: Recorded, reply: Reply) -> None:
                if reply.delay_s:
                    time.sleep(reply.delay_s)
                if reply.reset:
                    _abort(self)
                    return
                if reply.body is not None:
                    self._send(200, reply.body, reply.content_type, reply.headers,
                               length=reply.send_length)
                    return
                if reply.status >= 400:
                    self._json(
                        reply.status,
                        {"error": {"message": reply.error, "type": "stub", "code": None}},
                        reply.headers,
                    )
                    return
                self._send(200, json.dumps(_completion(record.body, reply)).encode(),
                           "application/json", reply.headers, length=reply.send_length)

            def _json(
                self, status: int, obj: object, headers: dict[str, str] | None = None
            ) -> None:
                self._send(status, json.dumps(obj).encode(), "application/json", headers)

            def _send(
                self, status: int, data: bytes, content_type: str,
                headers: dict[str, str] | None = None, *, length: bool = True,
            ) -> None:
                _write(self, status, data, content_type, headers or {}, length=length)

        return Handler


def _write(
    handler: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str,
    headers: dict[str, str], *, length: bool,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        if length:
            handler.send_header("content-length", str(len(data)))
        else:
            handler.close_connection = True  # the body ends when the connection does
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout test, a refused huge body)


def _abort(handler: BaseHTTPRequestHandler) -> None:
    """Reset the connection: SO_LINGER 0 makes close send RST (the handler's file
    objects hold the socket open, so they go first)."""
    handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    handler.close_connection = True
    handler.rfile.close()
    handler.wfile.close()
    handler.connection.close()
    handler.wfile = io.BytesIO()  # what the handler flushes after us


def _completion(body: dict[str, Any], reply: Reply) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": 0,
        "model": body.get("model", "stub"),
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": reply.content},
            "finish_reason": "stop",
        }],
    }
    if reply.usage is _NO_USAGE:
        return out
    if reply.usage is not None:
        out["usage"] = reply.usage
    else:
        prompt = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
        completion = len(reply.content) // 4
        out["usage"] = {
            "prompt_tokens": prompt, "completion_tokens": completion,
            "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": 0},
        }
    return out


def running_stub() -> Iterator[StubServer]:
    """Generator for a fixture: yields a started stub, then checks every script was used."""
    stub = StubServer().start()
    try:
        yield stub
    finally:
        stub.stop()
    leftover = stub.pending
    assert not stub.unexpected, f"unscripted requests reached the stub: {len(stub.unexpected)}"
    assert not leftover, f"{len(leftover)} scripted replies were never requested"
