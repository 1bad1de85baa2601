"""One facade over the openai SDK: structured answers from any OpenAI-compatible server.

`LLMClient.call(messages, Model)` returns a validated pydantic object, the tokens it
cost, and the structured-output mode that produced it. Servers differ in what
`response_format` they accept, so the mode is found by trying, in order:

    json_schema_strict -> json_schema -> json_object_schema -> json_object -> text

(`json_object_schema` is llama.cpp's `{"type": "json_object", "schema": ...}`), and the
first mode the server accepts is remembered per (base_url, model). The chain moves on
only when the server says the mode is unsupported: a 400 -- or a 5xx, which is how
llama.cpp says it -- whose body names `response_format`; that is never retried. An
answer that is invalid (not JSON, or JSON of the wrong shape) gets exactly one repair
turn in the same mode, quoting the validation error; a second invalid answer fails the
reviewer. So an invalid answer costs at most two requests.

Bodies are read through llm_transport: capped at the response limit before any
parsing, and a 200 that is not a chat completion is a one-line failure, not a crash.
Transport failures (timeouts, connection errors, 429, 5xx) are retried here, honouring
`Retry-After`, because the SDK would also retry the 5xx that means "unsupported";
400/401/403/404 never are. The openai SDK is imported only when a client is made.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ValidationError

from planreview.config import Settings
from planreview.errors import (
    BudgetExceededError,
    ModelBehaviorError,
    ModelUnavailableError,
    UserInputError,
)
from planreview.llm_cache import ModeStore, ResponseCache, default_cache_dir
from planreview.llm_transport import (
    Completion,
    ResponseTooLarge,
    cap_response_hook,
    error_detail,
    error_search_text,
    one_line,
    parse_completion,
    response_limit,
    response_text,
    retry_after_s,
    status_reason,
)
from planreview.models import Usage
from planreview.structured_output import (
    CHAIN,
    FORCED,
    PROMPTED,
    Message,
    Mode,
    describe_errors,
    extract_json,
    repair_text,
    response_format,
    strict_schema,
    with_schema_instructions,
)

if TYPE_CHECKING:
    import openai

__all__ = [
    "CHAIN", "MAX_OUTPUT_TOKENS", "LLMClient", "LLMResult", "Message", "Mode", "Spend",
    "TokenBudget", "estimate_tokens", "extract_json", "strict_schema",
]

T = TypeVar("T", bound=BaseModel)

_RETRYABLE_STATUS = {408, 409, 429}
MAX_OUTPUT_TOKENS = 16_000
"""Completion cap per call: a full review is a few thousand tokens; a looping model is
stopped here instead of at its context limit."""
_QUIET_LOGGERS = ("httpx", "httpx2")
"""The SDK's HTTP clients log every request URL at INFO; a server logging at INFO
would print each model URL. Quietened to WARNING unless the user set a level."""


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


class _Unsupported(Exception):
    """The server rejected this structured-output mode."""


class _Invalid(Exception):
    def __init__(self, content: str, error: ValidationError) -> None:
        super().__init__(describe_errors(error, limit=3, sep="; "))
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
        max_response_bytes: int | None = None,
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
        self.max_response_bytes = max_response_bytes or response_limit(max_output_tokens)
        """Largest response body read; the transport hook refuses bigger ones unread."""
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
        import openai

        _quiet_http_logs()
        key = settings.api_key.get_secret_value() if settings.api_key else "unused"
        limit = response_limit(settings.max_output_tokens)
        sdk = openai.OpenAI(
            api_key=key or "unused", base_url=settings.base_url,
            timeout=settings.timeout_s, max_retries=0,  # retries are ours (see module doc)
            http_client=openai.DefaultHttpxClient(
                event_hooks={"response": [cap_response_hook(limit)]},
            ),
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
            max_response_bytes=limit,
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
            try:
                value = self._call_mode(mode, messages, response_model, schema, cache_key,
                                        spend)
            except _Unsupported as exc:
                unsupported.append(f"{mode}: {exc}")
                if i == len(chain) - 1:
                    raise ModelUnavailableError(
                        "the server accepted no structured-output mode ("
                        + "; ".join(unsupported) + ")"
                    ) from None
                continue
            except _Invalid as exc:
                self._remember(mode, known)  # the server took the mode; the model slipped
                raise ModelBehaviorError(
                    f"the model's answer did not match the schema after one repair "
                    f"({mode}): {exc}"
                ) from None
            self._remember(mode, known)
            return value, mode
        raise AssertionError("unreachable: the chain always ends in a settled mode")

    def _remember(self, mode: Mode, known: str | None) -> None:
        if not self.forced and mode != known:
            self.modes.put(self.base_url, self.model, mode)

    def _call_mode(
        self, mode: Mode, messages: list[Message], response_model: type[T],
        schema: dict[str, Any], cache_key: str | None, spend: Spend,
    ) -> T:
        """One answer in `mode`, and at most one repair turn when it is invalid."""
        sent = with_schema_instructions(messages, schema) if mode in PROMPTED else messages
        content = self._complete(mode, sent, response_model.__name__, schema, cache_key, spend)
        try:
            return response_model.model_validate_json(extract_json(content))
        except ValidationError as first:
            repair = repair_text(first, None if mode in PROMPTED else schema, content)
            turn = [*sent, {"role": "assistant", "content": content[:20_000]},
                    {"role": "user", "content": repair}]
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
        fmt = response_format(mode, name, schema)
        if fmt is not None:
            body["response_format"] = fmt
        if cache_key:
            body["prompt_cache_key"] = cache_key
        body[self._cap_field] = self.max_output_tokens
        body = {k: v for k, v in body.items() if self._optional.get(k, True)}
        try:
            completion = self._send(body)
        except ResponseTooLarge as exc:
            # Generated and sent, so it cost at least what was refused: estimate it.
            prompt = sum(estimate_tokens(m["content"]) for m in messages)
            self._charge(spend, Usage(prompt_tokens=prompt,
                                      completion_tokens=exc.limit // 4), estimated=True)
            raise ModelBehaviorError(str(exc)) from None
        if completion.usage is None:
            prompt = sum(estimate_tokens(m["content"]) for m in messages)
            usage = Usage(prompt_tokens=prompt,
                          completion_tokens=estimate_tokens(completion.content))
            self._charge(spend, usage, estimated=True)
        else:
            self._charge(spend, completion.usage, estimated=False)
        if completion.refusal:
            raise ModelBehaviorError(f"the model refused: {one_line(completion.refusal)}")
        return completion.content

    def _charge(self, spend: Spend, usage: Usage, *, estimated: bool) -> None:
        spend.add(usage, estimated)
        self.budget.charge(usage.prompt_tokens + usage.completion_tokens)

    def _send(self, body: dict[str, Any]) -> Completion:
        import openai

        attempt = 0
        while True:
            self.budget.check()
            try:
                raw = self.sdk.chat.completions.with_raw_response.create(**body)
            except openai.APIConnectionError as exc:  # includes APITimeoutError
                failure: str = _transport_reason(exc)
                wait = None
            except openai.APIStatusError as exc:
                said = response_text(exc.response)
                text = error_search_text(exc.body, said, str(exc.message))
                status = exc.status_code
                if "response_format" in text and (status == 400 or status >= 500):
                    raise _Unsupported(f"HTTP {status}") from None
                rejected = [k for k in body if self._optional.get(k) and k in text]
                if status == 400 and rejected:
                    for key in rejected:
                        self._optional[key] = False
                    body = {k: v for k, v in body.items() if k not in rejected}
                    continue
                reason = status_reason(status, error_detail(exc.body, said))
                if status not in _RETRYABLE_STATUS and status < 500:
                    raise ModelUnavailableError(reason) from None
                failure, wait = reason, retry_after_s(exc.response)
            else:
                return self._read(raw.http_response)
            if attempt >= self.max_retries:
                raise ModelUnavailableError(
                    f"{failure} (after {attempt + 1} attempt{'s' if attempt else ''})"
                )
            self.sleep(wait if wait is not None else _backoff(attempt))
            attempt += 1

    def _read(self, response: Any) -> Completion:
        """The completion in a 200 response, its size checked before it is parsed (a
        client made without the transport hook has read it whole already)."""
        data: bytes = response.content
        if len(data) > self.max_response_bytes:
            raise ResponseTooLarge(self.max_response_bytes, len(data))
        return parse_completion(data, str(response.headers.get("content-type") or ""))

    def _cache_key(self, messages: Sequence[Message], name: str, schema: dict[str, Any]) -> str:
        canonical = json.dumps(
            {"base_url": self.base_url, "model": self.model, "messages": list(messages),
             "response": name, "schema": schema, "structured_output": list(self.chain)},
            sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


def _quiet_http_logs() -> None:
    for name in _QUIET_LOGGERS:
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.WARNING)


def _transport_reason(exc: openai.APIConnectionError) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError):
        return "the request timed out"
    cause = exc.__cause__
    detail = f" ({one_line(type(cause).__name__ + ': ' + str(cause), 120)})" if cause else ""
    return f"cannot reach the model server: {one_line(str(exc), 120)}{detail}"


def _backoff(attempt: int) -> float:
    return float(min(0.5 * 2**attempt, 8.0) * (0.75 + random.random() / 2))
