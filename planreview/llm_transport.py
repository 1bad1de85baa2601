"""The wire side of one chat completion: what a server's HTTP answer may look like.

* A body over the response limit is refused while it is read -- an httpx `response`
  hook checks the declared length and counts the bytes of any other body as they
  arrive -- so a 10,000-finding answer costs its first megabyte, never a parse.
* A 200 body must be a JSON chat completion. Anything else (HTML from a proxy or a
  captive portal, a truncated body, JSON of another shape) is the server's fault and
  is reported in one line that names the content type and size, never the body.
* An error body is quoted once (the envelope's `message` when there is one), on one
  line, without control characters, and capped.

Nothing here imports the openai SDK; httpx2 (the SDK's transport) only when a body
is streamed through the cap.
"""

from __future__ import annotations

import contextlib
import email.utils
import json
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from planreview.errors import ModelBehaviorError, ModelUnavailableError
from planreview.models import Usage

MIN_RESPONSE_BYTES = 1 << 20
BYTES_PER_OUTPUT_TOKEN = 64
"""Room for one generated token in the JSON envelope, escaped (`\\uXXXX`) with margin."""
_MAX_WAIT_S = 60.0
_DETAIL_CHARS = 200


def response_limit(max_output_tokens: int) -> int:
    """Bytes one chat-completion body may have: `max_output_tokens` tokens of escaped
    text and the envelope around them, never under 1 MiB."""
    return max(MIN_RESPONSE_BYTES, BYTES_PER_OUTPUT_TOKEN * max_output_tokens)


class ResponseTooLarge(Exception):
    """A body grew past the response limit while it was read. Deliberately not an SDK
    or httpx error: the SDK neither retries it nor wraps it."""

    def __init__(self, limit: int, declared: int | None = None) -> None:
        self.limit = limit
        self.declared = declared
        size = f"{declared:,} bytes declared" if declared is not None else "still growing"
        super().__init__(
            f"the server's response is over the {limit:,}-byte limit ({size}); "
            "refused without parsing it"
        )


def cap_response_hook(limit: int) -> Callable[[Any], None]:
    """An httpx `response` event hook that enforces `limit` on every body."""

    def hook(response: Any) -> None:
        declared = str(response.headers.get("content-length") or "").strip()
        if declared.isdigit() and int(declared) > limit:
            raise ResponseTooLarge(limit, int(declared))
        response.stream = _capped(response.stream, limit)

    return hook


def _capped(inner: Any, limit: int) -> Any:
    import httpx2

    if not isinstance(inner, httpx2.SyncByteStream):
        return inner  # not a stream we know how to count: the size check after reading holds

    class CappedStream(httpx2.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            seen = 0
            for chunk in inner:
                seen += len(chunk)
                if seen > limit:
                    raise ResponseTooLarge(limit)
                yield chunk

        def close(self) -> None:
            inner.close()

    return CappedStream()


@dataclass(frozen=True)
class Completion:
    """The parts of a chat completion the client uses."""

    content: str
    refusal: str | None
    usage: Usage | None
    """None when the server sent none."""


def parse_completion(body: bytes, content_type: str) -> Completion:
    """Read a 200 body as a chat completion, or raise naming what it was instead."""
    try:
        data = json.loads(body)
    except ValueError:  # includes UnicodeDecodeError
        hint = "; a proxy or captive portal in between?" if "html" in content_type else ""
        raise ModelUnavailableError(
            f"the server answered HTTP 200 with a body that is not JSON "
            f"({_describe(body, content_type)}{hint})"
        ) from None
    choices = data.get("choices") if isinstance(data, dict) else None
    if not isinstance(choices, list):
        raise ModelUnavailableError(
            "the server answered HTTP 200 with JSON that is not a chat completion "
            f"(no 'choices' list; {_describe(body, content_type)})"
        )
    if not choices:
        raise ModelBehaviorError("the server returned no choices")
    message = choices[0].get("message") if isinstance(choices[0], dict) else None
    if not isinstance(message, dict):
        raise ModelUnavailableError("the server's chat completion has a choice without a message")
    content = message.get("content")
    if content is None:
        content = ""
    if not isinstance(content, str):
        raise ModelBehaviorError("the model's message content is not text")
    refusal = message.get("refusal")
    assert isinstance(data, dict)
    return Completion(
        content=content,
        refusal=refusal if isinstance(refusal, str) and refusal.strip() else None,
        usage=_usage(data.get("usage")),
    )


def _usage(raw: object) -> Usage | None:
    if not isinstance(raw, dict):
        return None
    details = raw.get("prompt_tokens_details")
    cached = details.get("cached_tokens") if isinstance(details, dict) else 0
    return Usage(
        prompt_tokens=_count(raw.get("prompt_tokens")),
        completion_tokens=_count(raw.get("completion_tokens")),
        cached_tokens=_count(cached),
    )


def _count(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _describe(body: bytes, content_type: str) -> str:
    kind = one_line(content_type, 60) or "no content-type"
    return f"{kind}, {len(body):,} bytes"


def one_line(text: str, limit: int = _DETAIL_CHARS) -> str:
    """Untrusted text made safe for one line of a terminal, log or report: control and
    format characters (escape codes, newlines, bidi overrides) become spaces, runs of
    whitespace collapse, and the result is capped."""
    cleaned = "".join(" " if unicodedata.category(ch)[0] in "CZ" else ch for ch in text)
    flat = " ".join(cleaned.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_detail(body: object, response_text: str | None) -> str:
    """What the server said about an error, once: the envelope's `message`, else the
    body, else the raw text."""
    if isinstance(body, dict):
        message = body.get("message")
        if isinstance(message, str) and message.strip():
            return one_line(message)
        return one_line(json.dumps(body, ensure_ascii=False))
    if isinstance(body, str) and body.strip():
        return one_line(body)
    return one_line(response_text or "")


def error_search_text(body: object, response_text: str | None, message: str) -> str:
    """Everything the server said about an error, for matching field names in it
    (`response_format`, `prompt_cache_key`); never shown."""
    text = json.dumps(body, ensure_ascii=False) if body is not None else ""
    return " ".join((text, response_text or "", message))


def response_text(response: Any) -> str | None:
    # A body that was never read, or is over the limit, is no detail.
    with contextlib.suppress(RuntimeError, ValueError, LookupError, ResponseTooLarge):
        text = response.text
        return text if isinstance(text, str) else None
    return None


def status_reason(status: int, detail: str) -> str:
    hint = {
        401: "authentication failed: check OPENAI_API_KEY",
        403: "access denied: check the key's permissions for this model",
        404: "not found: check OPENAI_BASE_URL and --model",
        429: "rate limited",
    }.get(status, "")
    return f"HTTP {status}" + (f" ({hint})" if hint else "") + (f": {detail}" if detail else "")


def retry_after_s(response: Any) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` in seconds
    or as an HTTP date), capped; None when it did not say."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return min(max(float(raw_ms) / 1000, 0.0), _MAX_WAIT_S)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return min(max(float(raw), 0.0), _MAX_WAIT_S)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        return min(max(parsed.timestamp() - time.time(), 0.0), _MAX_WAIT_S)
