"""A fake GitHub REST API: real HTTP on 127.0.0.1 (stdlib ThreadingHTTPServer).

Serves PRs, PR files, contents and trees at a commit, issue comments, check runs, /user,
/app and installation tokens; records every write; can be scripted to fail a request
once (502, 403 + Retry-After, ...). `assert_scripts_consumed()` fails a test whose
scripted failure was never hit.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import jwt


@dataclass
class Token:
    login: str | None
    """None: a token without a user (GITHUB_TOKEN, installation tokens): /user is 403."""
    can_write: bool = True
    comment_login: str = "github-actions[bot]"
    """Who comments made with this token are authored by."""


@dataclass
class Scripted:
    method: str
    path: str
    """Regex matched against the request path."""
    status: int
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class Write:
    method: str
    path: str
    body: Any


@dataclass
class FakeGitHub:
    commits: dict[str, dict[str, str | bytes]] = field(default_factory=dict)
    """sha -> {path: content} (one repository's history is enough for the bot)."""
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    pull_files: dict[int, list[dict[str, str]]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)
    check_runs: list[dict[str, Any]] = field(default_factory=list)
    writes: list[Write] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    tokens: dict[str, Token] = field(default_factory=dict)
    app_public_key: str | None = None
    app_slug: str = "planreview-test"
    installation_tokens: list[dict[str, Any]] = field(default_factory=list)
    scripts: list[Scripted] = field(default_factory=list)
    symlinks: dict[str, str] = field(default_factory=dict)
    prefix: str = ""
    """Path prefix the API lives under ('/api/v3' on GitHub Enterprise Server)."""
    """path -> target: the contents API answers with the target file, as GitHub does."""
    url: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _next_id: int = 1000

    # --- scripting -------------------------------------------------------------------

    def fail_once(self, method: str, path: str, status: int,
                  headers: dict[str, str] | None = None, message: str = "scripted") -> None:
        self.scripts.append(Scripted(method, path, status, headers or {}, {"message": message}))

    def assert_scripts_consumed(self) -> None:
        assert not self.scripts, f"scripted answers never used: {self.scripts}"

    def add_pull(self, number: int, *, head: str, base: str, files: list[str],
                 fork: bool = False, association: str = "MEMBER", draft: bool = False) -> None:
        head_repo = "someone/r" if fork else "o/r"
        self.pulls[number] = {
            "number": number, "draft": draft, "author_association": association,
            "head": {"sha": head, "repo": {"full_name": head_repo}},
            "base": {"sha": base, "repo": {"full_name": "o/r"}},
            "user": {"login": "author"},
        }
        self.pull_files[number] = [{"filename": f, "status": "modified"} for f in files]

    def comment_writes(self) -> list[Write]:
        return [w for w in self.writes if "/comments" in w.path]

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # --- request handling --------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str],
               body: Any) -> tuple[int, dict[str, str], Any]:
        parts = urlsplit(raw_path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        if not path.startswith(self.prefix):
            return 404, {}, {"message": "Not Found"}
        path = path[len(self.prefix):]
        with self._lock:
            self.requests.append((method, path))
            for script in self.scripts:
                if script.method == method and re.fullmatch(script.path, path):
                    self.scripts.remove(script)
                    return script.status, script.headers, script.body
            if method in ("POST", "PATCH", "PUT", "DELETE"):
                self.writes.append(Write(method, path, body))
            for route_method, pattern, handler in self._routes():
                match = re.fullmatch(pattern, path)
                if route_method == method and match:
                    return handler(match, query, headers, body)
        return 404, {}, {"message": "Not Found"}

    Handler = Callable[[re.Match[str], dict[str, str], dict[str, str], Any],
                       tuple[int, dict[str, str], Any]]

    def _routes(self) -> list[tuple[str, str, FakeGitHub.Handler]]:
        repo = r"/repos/o/r"
        return [
            ("GET", "/user", self._user),
            ("GET", "/app", self._app),
            ("POST", r"/app/installations/(\d+)/access_tokens", self._install_token),
            ("GET", repo + r"/pulls/(\d+)", self._pull),
            ("GET", repo + r"/pulls/(\d+)/files", self._files),
            ("GET", repo + r"/contents/(.+)", self._contents),
            ("GET", repo + r"/git/trees/(\w+)", self._tree),
            ("GET", repo + r"/issues/(\d+)/comments", self._list_comments),
            ("POST", repo + r"/issues/(\d+)/comments", self._create_comment),
            ("PATCH", repo + r"/issues/comments/(\d+)", self._update_comment),
            ("POST", repo + r"/check-runs", self._create_check),
            ("PATCH", repo + r"/check-runs/(\d+)", self._update_check),
        ]

    def _token(self, headers: dict[str, str]) -> Token | None:
        auth = headers.get("authorization", "")
        return self.tokens.get(auth.split(" ", 1)[-1])

    def _user(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
              b: Any) -> tuple[int, dict[str, str], Any]:
        token = self._token(h)
        if token is None:
            return 401, {}, {"message": "Bad credentials"}
        if token.login is None:
            return 403, {}, {"message": "Resource not accessible by integration"}
        return 200, {}, {"login": token.login}

    def _check_jwt(self, h: dict[str, str]) -> bool:
        auth = h.get("authorization", "")
        if not auth.startswith("Bearer ") or self.app_public_key is None:
            return False
        try:
            jwt.decode(auth[7:], self.app_public_key, algorithms=["RS256"])
        except jwt.PyJWTError:
            return False
        return True

    def _app(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
             b: Any) -> tuple[int, dict[str, str], Any]:
        if not self._check_jwt(h):
            return 401, {}, {"message": "A JSON web token could not be decoded"}
        return 200, {}, {"slug": self.app_slug}

    def _install_token(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                       b: Any) -> tuple[int, dict[str, str], Any]:
        if not self._check_jwt(h):
            return 401, {}, {"message": "A JSON web token could not be decoded"}
        token = f"ghs_installation_{len(self.installation_tokens)}"
        self.tokens[token] = Token(login=None, comment_login=f"{self.app_slug}[bot]")
        self.installation_tokens.append({"installation": int(m.group(1)), "request": b})
        return 201, {}, {"token": token, "expires_at": "2099-01-01T00:00:00Z"}

    def _pull(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
              b: Any) -> tuple[int, dict[str, str], Any]:
        pull = self.pulls.get(int(m.group(1)))
        return (200, {}, pull) if pull else (404, {}, {"message": "Not Found"})

    def _files(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
               b: Any) -> tuple[int, dict[str, str], Any]:
        files = self.pull_files.get(int(m.group(1)), [])
        per_page, page = int(q.get("per_page", 30)), int(q.get("page", 1))
        chunk = files[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(files):
            headers["Link"] = (f'<{self.url}{self.prefix}/repos/o/r/pulls/{m.group(1)}/files'
                               f'?per_page={per_page}&page={page + 1}>; rel="next"')
        return 200, headers, chunk

    def _contents(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                  b: Any) -> tuple[int, dict[str, str], Any]:
        files = self.commits.get(q.get("ref", ""), {})
        path = unquote(m.group(1))
        path = self.symlinks.get(path, path)
        content = files.get(path)
        if content is None:
            if any(p.startswith(path + "/") for p in files):
                return 200, {}, [{"type": "file", "path": p} for p in files]
            return 404, {}, {"message": "Not Found"}
        data = content.encode() if isinstance(content, str) else content
        return 200, {}, {"type": "file", "path": path, "size": len(data), "sha": "x",
                         "encoding": "base64", "content": base64.b64encode(data).decode()}

    def _tree(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
              b: Any) -> tuple[int, dict[str, str], Any]:
        files = self.commits.get(m.group(1))
        if files is None:
            return 404, {}, {"message": "Not Found"}
        return 200, {}, {"truncated": False,
                         "tree": [{"path": p, "type": "blob"} for p in sorted(files)]}

    def _list_comments(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                       b: Any) -> tuple[int, dict[str, str], Any]:
        number = int(m.group(1))
        return 200, {}, [c for c in self.comments if c["number"] == number]

    def _writer(self, h: dict[str, str]) -> Token | None:
        token = self._token(h)
        return token if token is not None and token.can_write else None

    def _create_comment(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                        b: Any) -> tuple[int, dict[str, str], Any]:
        token = self._writer(h)
        if token is None:
            return 403, {}, {"message": "Resource not accessible by integration"}
        if len(b["body"]) > 65536:
            return 422, {}, {"message": "body is too long (maximum is 65536 characters)"}
        comment = {"id": self._new_id(), "number": int(m.group(1)), "body": b["body"],
                   "user": {"login": token.comment_login}}
        self.comments.append(comment)
        return 201, {}, comment

    def _update_comment(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                        b: Any) -> tuple[int, dict[str, str], Any]:
        token = self._writer(h)
        if token is None:
            return 403, {}, {"message": "Resource not accessible by integration"}
        for comment in self.comments:
            if comment["id"] == int(m.group(1)):
                if len(b["body"]) > 65536:
                    return 422, {}, {"message": "body is too long"}
                comment["body"] = b["body"]
                return 200, {}, comment
        return 404, {}, {"message": "Not Found"}

    def _create_check(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                      b: Any) -> tuple[int, dict[str, str], Any]:
        if self._writer(h) is None:
            return 403, {}, {"message": "Resource not accessible by integration"}
        if len(b.get("output", {}).get("annotations", [])) > 50:
            return 422, {}, {"message": "Only 50 annotations per request"}
        run = {"id": self._new_id(), **b,
               "annotations": list(b.get("output", {}).get("annotations", []))}
        self.check_runs.append(run)
        return 201, {}, run

    def _update_check(self, m: re.Match[str], q: dict[str, str], h: dict[str, str],
                      b: Any) -> tuple[int, dict[str, str], Any]:
        if self._writer(h) is None:
            return 403, {}, {"message": "Resource not accessible by integration"}
        annotations = b.get("output", {}).get("annotations", [])
        if len(annotations) > 50:
            return 422, {}, {"message": "Only 50 annotations per request"}
        for run in self.check_runs:
            if run["id"] == int(m.group(1)):
                run["annotations"].extend(annotations)
                return 200, {}, run
        return 404, {}, {"message": "Not Found"}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeGitHub

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output (and the no-secrets-in-logs checks) quiet

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else None
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, extra, payload = self.fake.handle(self.command, self.path, headers, body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = _serve


class FakeServer:
    def __init__(self, fake: FakeGitHub) -> None:
        handler = type("Handler", (_Handler,), {"fake": fake})
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        fake.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
