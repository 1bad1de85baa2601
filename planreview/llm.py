"""One facade over the openai SDK: structured answers from any OpenAI-compatible server.

`LLMClient.call(messages, Model)` returns a validated pydantic object, the tokens it
cost, and the structured-output mode that produced it. Servers differ in what
`response_format` they accept, so the mode is found by trying, in order:

    json_schema_strict -> json_schema -> json_object_schema -> json_object -> text

(`json_object_schema` is llama.cpp's `{"type": "json_object", "schema": ...}`), and the
first that works is remembered per (base_url, model). A 400 -- or a 5xx, which is how
llama.cpp says it -- whose body names `response_format` means "unsupported": no retry,
next mode. While the mode is still being detected, an answer that is not JSON at all
also moves on (the server ignored the mode); JSON of the wrong shape, or any invalid
answer once the mode is known, gets one repair turn that quotes the validation error.
Transport failures (timeouts, connection errors, 429, 5xx) are retried here, honouring
`Retry-After`, because the SDK would also retry the 5xx that means "unsupported";
400/401/403/404 never are.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import json
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, cast

import openai
from pydantic import BaseModel, ValidationError

from planreview.config import Settings
from planreview.errors import (
    BudgetExceededError,
    ModelBehaviorError,
    ModelUnavailableError,
    UserInputError,
)
from planreview.llm_cache import ModeStore, ResponseCache, default_cache_dir
from planreview.models import Usage

Mode = Literal["json_schema_strict", "json_schema", "json_object_schema", "json_object", "text"]
CHAIN: tuple[Mode, ...] = (
    "json_schema_strict", "json_schema", "json_object_schema", "json_object", "text",
)
FORCED: dict[str, tuple[Mode, ...]] = {
    "auto": CHAIN,
    "json_schema": ("json_schema_strict",),
    "json_object": ("json_object",),
    "text": ("text",),
}
Message = dict[str, str]
T = TypeVar("T", bound=BaseModel)

_RETRYABLE_STATUS = {408, 409, 429}
MAX_OUTPUT_TOKENS = 16_000
"""Completion cap per call: a full review is a few thousand tokens; a looping model is
stopped here instead of at its context limit."""
_MAX_WAIT_S = 60.0
_FENCE = re.compile(r"```(?:json|JSON)?\s*\n(.*?)\n?```", re.DOTALL)


@dataclass(frozen=True)
class LLMResult(Generic[T]):
    value: T
    usage: Usage
    mode: Mode
    model: str
    from_cache: bool = False
    requests: int = 0
    """HTTP requests this call made (0 when served from the response cache)."""
    usage_estimated: bool = False
    """True when the server sent no usage and tokens were estimated (chars / 4)."""


class TokenBudget:
    """The per-run token ceiling, shared by every reviewer of a run (thread-safe)."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self._spent = 0
        self._lock = threading.Lock()

    @property
    def spent(self) -> int:
        with self._lock:
            return self._spent

    def check(self) -> None:
        """Raise BudgetExceededError when the ceiling is already reached."""
        with self._lock:
            if self.limit is not None and self._spent >= self.limit:
                raise BudgetExceededError(
                    f"token ceiling reached ({self._spent} of {self.limit} tokens spent); "
                    "raise --max-tokens-per-run to review further"
                )

    def charge(self, tokens: int) -> None:
        with self._lock:
            self._spent += tokens


def estimate_tokens(text: str) -> int:
    """A tokenizer-free estimate (about 4 characters per token on plan-like text)."""
    return (len(text) + 3) // 4


def strict_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON Schema in the closed form strict mode requires: every object
    has `additionalProperties: false` and lists all its properties as required."""
    schema = model.model_json_schema()

    def close(node: object) -> None:
        if isinstance(node, dict):
            for annotation in ("default", "title"):  # not properties of those names
                if annotation in node and not isinstance(node[annotation], dict):
                    del node[annotation]
            if node.get("type") == "object" and "properties" in node:
                node["additionalProperties"] = False
                node["required"] = list(node["properties"])
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for item in node:
                close(item)

    close(schema)
    return schema


def extract_json(text: str) -> str:
    """The JSON object in a reply: inside a ``` fence if there is one, else the text
    from the first `{` to the last `}` (models like to add a sentence around it)."""
    fenced = _FENCE.search(text)
    if fenced:
        text = fenced.group(1)
    start, end = text.find("{"), text.rfind("}")
    return text[start : end + 1] if 0 <= start < end else text.strip()


def describe_errors(exc: ValidationError, limit: int = 10) -> str:
    lines = []
    for err in exc.errors(include_url=False)[:limit]:
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        lines.append(f"- {where}: {err['msg']}")
    return "\n".join(lines)


def retry_after_s(response: Any) -> float | None:
    """Seconds the server asked us to wait (`retry-after-ms`, `retry-after` in seconds
    or as an HTTP date), capped; None when it did not say."""
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return min(float(raw_ms) / 1000, _MAX_WAIT_S)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return min(max(float(raw), 0.0), _MAX_WAIT_S)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(raw) if raw else None
        if parsed is None:
            return None
        return min(max(parsed.timestamp() - time.time(), 0.0), _MAX_WAIT_S)


class _Unsupported(Exception):
    """The server rejected this structured-output mode."""


class _Invalid(Exception):
    def __init__(self, content: str, error: ValidationError) -> None:
        super().__init__(describe_errors(error))
        self.content = content
        self.error = error


@dataclass
class Spend:
    """Tokens and requests accumulated over one logical call (fallbacks, repair); a
    caller that passes its own still knows what a failed call cost."""

    usage: Usage = field(default_factory=Usage)
    requests: int = 0
    estimated: bool = False

    def add(self, usage: Usage, estimated: bool) -> None:
        self.usage = Usage(
            prompt_tokens=self.usage.prompt_tokens + usage.prompt_tokens,
            completion_tokens=self.usage.completion_tokens + usage.completion_tokens,
            cached_tokens=self.usage.cached_tokens + usage.cached_tokens,
        )
        self.requests += 1
        self.estimated = self.estimated or estimated


class LLMClient:
    """Chat completions with validated structured answers, retries, a response cache,
    mode detection and a shared token ceiling. Safe to share across threads."""

    def __init__(
        self,
        sdk: openai.OpenAI,
        *,
        model: str,
        structured_output: str = "auto",
        max_retries: int = 2,
        budget: TokenBudget | None = None,
        cache: ResponseCache | None = None,
        modes: ModeStore | None = None,
        context_tokens: int = 60_000, max_output_tokens: int = MAX_OUTPUT_TOKENS,
        sleep: Callable[[float], None] = time.sleep,
        base_url_given: bool = True,
    ) -> None:
        if structured_output not in FORCED:
            raise UserInputError(f"unknown structured-output mode {structured_output!r}")
        self.sdk = sdk
        self.model = model
        self.base_url = str(sdk.base_url).rstrip("/")
        self.base_url_given = base_url_given
        self.forced = structured_output != "auto"
        self.chain = FORCED[structured_output]
        self.max_retries = max_retries
        self.budget = budget or TokenBudget(None)
        self.cache = cache
        self.modes = modes or ModeStore(None)
        self.context_tokens = context_tokens
        self.max_output_tokens = max_output_tokens
        self.sleep = sleep
        # Optional request fields some servers reject; a 400 naming one drops it for good.
        # The output cap stops a looping model from generating until its context is full
        # (OpenAI's reasoning models accept only the newer name).
        cap = "max_tokens" if self.base_url_given else "max_completion_tokens"
        self._optional: dict[str, bool] = {"prompt_cache_key": True, cap: True}
        self._cap_field = cap

    @classmethod
    def from_settings(
        cls, settings: Settings, *, tracing: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> LLMClient:
        """A client for one review run (its token budget is that run's).

        `tracing`: wrap the SDK for LangSmith (the caller decides, from
        LANGSMITH_TRACING; nothing here reads the environment).
        """
        if not settings.llm_configured:
            raise UserInputError(
                "no LLM configured: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL "
                "(a local OpenAI-compatible server)"
            )
        key = settings.api_key.get_secret_value() if settings.api_key else "unused"
        sdk = openai.OpenAI(
            api_key=key or "unused", base_url=settings.base_url,
            timeout=settings.timeout_s, max_retries=0,  # retries are ours (see module doc)
        )
        if tracing:
            from langsmith.wrappers import wrap_openai

            sdk = wrap_openai(sdk)
        cache_dir = settings.cache_dir or default_cache_dir()
        return cls(
            sdk, model=settings.model, structured_output=settings.structured_output,
            max_retries=settings.max_retries, budget=TokenBudget(settings.max_tokens_per_run),
            cache=ResponseCache(cache_dir) if settings.cache else None,
            modes=ModeStore(cache_dir if settings.cache else None),
            context_tokens=settings.context_tokens, sleep=sleep,
            max_output_tokens=settings.max_output_tokens,
            base_url_given=settings.base_url is not None,
        )

    # --- the call ---------------------------------------------------------------------

    def call(
        self, messages: Sequence[Message], response_model: type[T], *,
        prompt_cache_key: str | None = None, spend: Spend | None = None,
    ) -> LLMResult[T]:
        """Ask for one `response_model`. Raises ModelBehaviorError (unusable answers),
        ModelUnavailableError (transport/auth) or BudgetExceededError."""
        schema = strict_schema(response_model)
        key = self._cache_key(messages, response_model.__name__, schema)
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                try:
                    value = response_model.model_validate_json(hit.answer)
                except ValidationError:
                    value = None  # stored by an older model version: ask again
                if value is not None:
                    return LLMResult(value, Usage(), cast(Mode, hit.mode), self.model,
                                     from_cache=True)
        spend = spend if spend is not None else Spend()
        value, mode = self._detect_and_call(
            list(messages), response_model, schema, prompt_cache_key, spend
        )
        if self.cache is not None:
            self.cache.put(key, value.model_dump_json(), mode)
        return LLMResult(value, spend.usage, mode, self.model, requests=spend.requests,
                         usage_estimated=spend.estimated)

    def _detect_and_call(
        self, messages: list[Message], response_model: type[T], schema: dict[str, Any],
        cache_key: str | None, spend: Spend,
    ) -> tuple[T, Mode]:
        known = None if self.forced else self.modes.get(self.base_url, self.model)
        chain = self.chain if known is None else CHAIN[CHAIN.index(cast(Mode, known)):]
        unsupported: list[str] = []
        for i, mode in enumerate(chain):
            last = i == len(chain) - 1
            settled = self.forced or mode == known or last
            try:
                value = self._call_mode(
                    mode, messages, response_model, schema, cache_key, spend, repair=settled
                )
            except _Unsupported as exc:
                unsupported.append(f"{mode}: {exc}")
                if last:
                    raise ModelUnavailableError(
                        "the server accepted no structured-output mode ("
                        + "; ".join(unsupported) + ")"
                    ) from None
                continue
            except _Invalid as exc:
                if settled:
                    raise ModelBehaviorError(
                        f"the model's answer did not match the schema after one repair "
                        f"({mode}):\n{exc}"
                    ) from None
                continue  # detection: a server that ignores this mode; try the next
            if not self.forced and mode != known:
                self.modes.put(self.base_url, self.model, mode)
            return value, mode
        raise AssertionError("unreachable: the chain always ends in a settled mode")

    def _call_mode(
        self, mode: Mode, messages: list[Message], response_model: type[T],
        schema: dict[str, Any], cache_key: str | None, spend: Spend, *, repair: bool,
    ) -> T:
        sent = _with_schema_instructions(messages, schema) if mode in _PROMPTED else messages
        content = self._complete(mode, sent, response_model.__name__, schema, cache_key, spend)
        try:
            return response_model.model_validate_json(extract_json(content))
        except ValidationError as first:
            # JSON of the wrong shape means the server honoured the mode and the model
            # slipped (a grammar does not enforce every constraint): repair it here rather
            # than fall back to a looser mode.
            if not (repair or _is_json_object(content)):
                raise _Invalid(content, first) from None
            turn = [*sent, {"role": "assistant", "content": content[:20_000]},
                    {"role": "user", "content": _repair_text(first)}]
            again = self._complete(mode, turn, response_model.__name__, schema, cache_key, spend)
            try:
                return response_model.model_validate_json(extract_json(again))
            except ValidationError as second:
                raise _Invalid(again, second) from None

    def _complete(
        self, mode: Mode, messages: list[Message], name: str, schema: dict[str, Any],
        cache_key: str | None, spend: Spend,
    ) -> str:
        """One chat completion (with transport retries); returns the message content."""
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        fmt = _response_format(mode, name, schema)
        if fmt is not None:
            body["response_format"] = fmt
        if cache_key:
            body["prompt_cache_key"] = cache_key
        body[self._cap_field] = self.max_output_tokens
        body = {k: v for k, v in body.items() if self._optional.get(k, True)}
        response = self._send(body)
        usage, estimated = _usage(response, messages)
        spend.add(usage, estimated)
        self.budget.charge(usage.prompt_tokens + usage.completion_tokens)
        if not response.choices:
            raise ModelBehaviorError("the server returned no choices")
        message = response.choices[0].message
        if getattr(message, "refusal", None):
            raise ModelBehaviorError(f"the model refused: {message.refusal}")
        return message.content or ""

    def _send(self, body: dict[str, Any]) -> Any:
        attempt = 0
        while True:
            self.budget.check()
            try:
                return self.sdk.chat.completions.create(**body)
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                failure: str = _transport_reason(exc)
                wait = None
            except openai.APIStatusError as exc:
                text = _error_text(exc)
                status = exc.status_code
                if "response_format" in text and (status == 400 or status >= 500):
                    raise _Unsupported(f"HTTP {status}") from None
                rejected = [k for k in body if self._optional.get(k) and k in text]
                if status == 400 and rejected:
                    for key in rejected:
                        self._optional[key] = False
                    body = {k: v for k, v in body.items() if k not in rejected}
                    continue
                if status not in _RETRYABLE_STATUS and status < 500:
                    raise ModelUnavailableError(_status_reason(status, text)) from None
                failure, wait = _status_reason(status, text), retry_after_s(exc.response)
            if attempt >= self.max_retries:
                raise ModelUnavailableError(
                    f"{failure} (after {attempt + 1} attempt{'s' if attempt else ''})"
                )
            self.sleep(wait if wait is not None else _backoff(attempt))
            attempt += 1

    def _cache_key(self, messages: Sequence[Message], name: str, schema: dict[str, Any]) -> str:
        canonical = json.dumps(
            {"base_url": self.base_url, "model": self.model, "messages": list(messages),
             "response": name, "schema": schema, "structured_output": list(self.chain)},
            sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


_PROMPTED: frozenset[Mode] = frozenset({"json_object", "text"})


def _response_format(mode: Mode, name: str, schema: dict[str, Any]) -> dict[str, Any] | None:
    if mode == "json_schema_strict":
        return {"type": "json_schema", "json_schema": {"name": name, "strict": True,
                                                       "schema": schema}}
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": name, "strict": False,
                                                       "schema": schema}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": schema}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _with_schema_instructions(messages: list[Message], schema: dict[str, Any]) -> list[Message]:
    """Modes without a schema in `response_format` get it in the last message, so the
    shared prefix of the conversation stays byte-identical."""
    note = (
        "\n\nAnswer with a single JSON object (no prose, no Markdown fence) that "
        "validates against this JSON Schema:\n"
        + json.dumps(schema, separators=(",", ":"), sort_keys=True)
    )
    last = messages[-1]
    return [*messages[:-1], {**last, "content": last["content"] + note}]


def _is_json_object(content: str) -> bool:
    try:
        return isinstance(json.loads(extract_json(content)), dict)
    except ValueError:
        return False


def _repair_text(exc: ValidationError) -> str:
    return (
        "Your answer was not valid for the required JSON schema:\n"
        f"{describe_errors(exc)}\n"
        "Reply again with only the corrected JSON object."
    )


def _usage(response: Any, messages: list[Message]) -> tuple[Usage, bool]:
    usage = getattr(response, "usage", None)
    if usage is None:
        prompt = sum(estimate_tokens(m["content"]) for m in messages)
        content = response.choices[0].message.content if response.choices else ""
        return Usage(prompt_tokens=prompt, completion_tokens=estimate_tokens(content or "")), True
    details = getattr(usage, "prompt_tokens_details", None)
    cached = (details.cached_tokens if details is not None else 0) or 0
    return Usage(
        prompt_tokens=usage.prompt_tokens or 0,
        completion_tokens=usage.completion_tokens or 0,
        cached_tokens=cached,
    ), False


def _error_text(exc: openai.APIStatusError) -> str:
    body = exc.body
    text = json.dumps(body) if body is not None else ""
    with contextlib.suppress(UnicodeDecodeError, AttributeError):
        text += " " + exc.response.text
    return text + " " + str(exc.message)


def _status_reason(status: int, text: str) -> str:
    hint = {
        401: "authentication failed: check OPENAI_API_KEY",
        403: "access denied: check the key's permissions for this model",
        404: "not found: check OPENAI_BASE_URL and --model",
        429: "rate limited",
    }.get(status, "")
    detail = " ".join(text.split())[:200]
    return f"HTTP {status}" + (f" ({hint})" if hint else "") + (f": {detail}" if detail else "")


def _transport_reason(exc: openai.APIConnectionError) -> str:
    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    return f"cannot reach the model server: {exc}"


def _backoff(attempt: int) -> float:
    return float(min(0.5 * 2**attempt, 8.0) * (0.75 + random.random() / 2))
