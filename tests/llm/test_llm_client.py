"""LLMClient against the stub: structured-output fallbacks, repair, retries, budget, cache."""

from __future__ import annotations

import json
from typing import Any

import pytest

from planreview.errors import BudgetExceededError, ModelBehaviorError, ModelUnavailableError
from planreview.llm import CHAIN, MAX_OUTPUT_TOKENS, extract_json, strict_schema
from planreview.specialist import SpecialistAnswer
from tests.llm.conftest import ClientFactory, SleepLog
from tests.stub_openai import StubServer, answer, fail, fenced, no_usage, text

MESSAGES = [
    {"role": "system", "content": "You review plans. Answer in JSON."},
    {"role": "user", "content": "The plan."},
]


def one_finding(title: str = "Booking.tierId has no index") -> dict[str, Any]:
    return {"findings": [{
        "severity": "P1", "title": title, "categories": ["indexing"],
        "locations": [{"path": "docs/plans/p.md", "start_line": 3, "end_line": 4}],
        "issue": "i", "impact": "m", "recommendation": "r",
        "evidence": [{"path": "docs/plans/p.md", "start_line": 3, "end_line": 3,
                      "quote": "tierId String?"}],
        "confidence": 75, "confirms_rule": None,
    }]}


def formats(stub: StubServer) -> list[Any]:
    return [r.response_format for r in stub.requests]


def test_strict_json_schema_is_tried_first_and_answers_in_one_request(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.value.findings[0].title == "Booking.tierId has no index"
    assert result.mode == "json_schema_strict"
    assert result.requests == 1
    rf = stub.requests[0].response_format
    assert rf is not None and rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True


def test_every_object_in_the_strict_schema_is_closed() -> None:
    def walk(node: object) -> None:
        if isinstance(node, dict):
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert set(node["required"]) == set(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(strict_schema(SpecialistAnswer))


def test_server_rejecting_json_schema_with_400_falls_back_to_text_with_schema_in_prompt(
    stub: StubServer, make_client: ClientFactory
) -> None:
    unsupported = "response_format type json_schema is not supported"
    stub.script(
        fail(400, unsupported), fail(400, unsupported),
        fail(400, "response_format json_object with schema unsupported"),
        fail(400, "'response_format.type' must be 'json_schema' or 'text'"),
        answer(one_finding()),
    )
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.mode == "text"
    assert [f and f["type"] for f in formats(stub)] == [
        "json_schema", "json_schema", "json_object", "json_object", None,
    ]
    last = stub.requests[-1].messages[-1]["content"]
    assert "JSON Schema" in last and '"confirms_rule"' in last


def test_detected_mode_is_remembered_for_the_next_call(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fail(400, "response_format not supported"), answer(one_finding()),
                answer(one_finding()))
    client = make_client()
    assert client.call(MESSAGES, SpecialistAnswer).mode == "json_schema"
    again = make_client(cache=False).call([*MESSAGES, {"role": "user", "content": "more"}],
                                          SpecialistAnswer)
    assert again.mode == "json_schema" and again.requests == 1
    assert len(stub.requests) == 3


def test_llama_cpp_style_500_naming_response_format_is_not_retried_and_falls_back(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    llama = "1 validation error for ChatCompletionRequest response_format.type: Input should be"
    stub.script(fail(500, llama), fail(500, llama), answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.mode == "json_object_schema"
    assert formats(stub)[2] == {"type": "json_object", "schema": strict_schema(SpecialistAnswer)}
    assert sleeps.waits == []


def test_fenced_json_from_a_server_ignoring_response_format_is_accepted(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fenced(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.value.findings[0].confidence == 75


def test_prose_while_detecting_is_repaired_in_the_same_mode_with_the_schema_quoted(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(text("Sure! The plan looks fine {not json"), answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.mode == "json_schema_strict" and result.requests == 2
    assert [f and f["type"] for f in formats(stub)] == ["json_schema", "json_schema"]
    repair = stub.requests[1].messages[-1]["content"]
    assert "JSON Schema" in repair and '"confirms_rule"' in repair


def test_malformed_json_in_a_known_mode_gets_one_repair_turn_quoting_the_error(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(text('{"findings": [{"severity": "P9"}]}'), answer(one_finding()))
    result = make_client(structured_output="json_schema").call(MESSAGES, SpecialistAnswer)
    assert result.requests == 2
    repair = stub.requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": '{"findings": [{"severity": "P9"}]}'}
    assert "findings.0.severity" in repair[-1]["content"]
    assert result.value.findings[0].severity == "P1"


def test_schema_violating_answer_after_repair_is_a_model_behavior_error(
    stub: StubServer, make_client: ClientFactory
) -> None:
    bad = one_finding()
    bad["findings"][0]["confidence"] = 60  # not an anchor
    stub.script(answer(bad), answer(bad))
    with pytest.raises(ModelBehaviorError, match="confidence"):
        make_client(structured_output="json_schema").call(MESSAGES, SpecialistAnswer)


def test_429_waits_for_retry_after_then_succeeds(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(fail(429, "slow down", headers={"retry-after": "7"}), answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert sleeps.waits == [7.0]
    assert result.requests == 1 and len(stub.requests) == 2


def test_500s_are_retried_a_bounded_number_of_times(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(fail(500, "internal"), fail(502, "bad gateway"), fail(503, "unavailable"))
    with pytest.raises(ModelUnavailableError, match=r"HTTP 503.*after 3 attempts"):
        make_client(max_retries=2).call(MESSAGES, SpecialistAnswer)
    assert len(sleeps.waits) == 2


def test_400_that_is_not_about_response_format_is_never_retried(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(fail(400, "maximum context length is 8192 tokens"))
    with pytest.raises(ModelUnavailableError, match="context length"):
        make_client().call(MESSAGES, SpecialistAnswer)
    assert len(stub.requests) == 1 and sleeps.waits == []


def test_401_is_never_retried_and_names_the_key(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fail(401, "invalid api key"))
    with pytest.raises(ModelUnavailableError, match="OPENAI_API_KEY"):
        make_client().call(MESSAGES, SpecialistAnswer)
    assert len(stub.requests) == 1


def test_a_slow_server_times_out_and_is_retried_then_reported(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(answer(one_finding(), delay_s=1.5), answer(one_finding(), delay_s=1.5))
    with pytest.raises(ModelUnavailableError, match="timed out"):
        make_client(timeout_s=0.3, max_retries=1).call(MESSAGES, SpecialistAnswer)
    assert len(sleeps.waits) == 1


def test_missing_usage_is_estimated_from_characters(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(no_usage(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.usage_estimated
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


def test_usage_reports_prompt_completion_and_cached_tokens(
    stub: StubServer, make_client: ClientFactory
) -> None:
    usage = {"prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280,
             "prompt_tokens_details": {"cached_tokens": 1024}}
    stub.script(answer(one_finding(), usage=usage))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert (result.usage.prompt_tokens, result.usage.completion_tokens,
            result.usage.cached_tokens) == (1200, 80, 1024)


def test_token_ceiling_stops_the_call_after_it_is_reached(
    stub: StubServer, make_client: ClientFactory
) -> None:
    usage = {"prompt_tokens": 900, "completion_tokens": 200, "total_tokens": 1100}
    stub.script(answer(one_finding(), usage=usage))
    client = make_client(max_tokens_per_run=1000, cache=False)
    client.call(MESSAGES, SpecialistAnswer)
    with pytest.raises(BudgetExceededError, match="1100 of 1000"):
        client.call(MESSAGES, SpecialistAnswer)
    assert len(stub.requests) == 1


def test_second_identical_call_is_served_from_the_cache_with_zero_requests(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer(one_finding()))
    first = make_client().call(MESSAGES, SpecialistAnswer)
    second = make_client().call(MESSAGES, SpecialistAnswer)  # a new run, same disk cache
    assert len(stub.requests) == 1
    assert second.from_cache and second.value == first.value
    assert second.usage.prompt_tokens == 0 and second.mode == first.mode


def test_no_cache_bypasses_the_response_cache(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer(one_finding()), answer(one_finding()))
    make_client(cache=False).call(MESSAGES, SpecialistAnswer)
    assert not make_client(cache=False).call(MESSAGES, SpecialistAnswer).from_cache
    assert len(stub.requests) == 2


def test_a_failed_answer_is_not_cached(stub: StubServer, make_client: ClientFactory) -> None:
    stub.script(text("nope"), text("still nope"), answer(one_finding()))
    with pytest.raises(ModelBehaviorError):
        make_client(structured_output="json_schema").call(MESSAGES, SpecialistAnswer)
    assert not make_client(structured_output="json_schema").call(
        MESSAGES, SpecialistAnswer).from_cache


def test_forced_mode_is_the_only_one_tried(stub: StubServer, make_client: ClientFactory) -> None:
    stub.script(fail(400, "response_format json_object unsupported"))
    with pytest.raises(ModelUnavailableError, match="no structured-output mode"):
        make_client(structured_output="json_object").call(MESSAGES, SpecialistAnswer)
    assert formats(stub) == [{"type": "json_object"}]


def test_prompt_cache_key_is_sent_and_dropped_for_servers_that_reject_it(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fail(400, "Unrecognized request argument supplied: prompt_cache_key"),
                answer(one_finding()))
    make_client().call(MESSAGES, SpecialistAnswer, prompt_cache_key="planreview:abc")
    assert stub.requests[0].body["prompt_cache_key"] == "planreview:abc"
    assert "prompt_cache_key" not in stub.requests[1].body


@pytest.mark.parametrize(
    "reply",
    ['```json\n{"a": {"b": 2}}\n```', 'Sure: {"a": {"b": 2}} hope that helps'],
)
def test_extract_json_finds_the_object_in_a_chatty_reply(reply: str) -> None:
    assert json.loads(extract_json(reply)) == {"a": {"b": 2}}


def test_the_fallback_chain_order_matches_what_works_across_servers() -> None:
    assert CHAIN == ("json_schema_strict", "json_schema", "json_object_schema",
                     "json_object", "text")


@pytest.mark.filterwarnings("ignore:langsmith.wrappers._openai_agents is deprecated")
def test_a_langsmith_wrapped_client_still_answers_through_the_same_path(
    stub: StubServer, tmp_path: Any
) -> None:
    from planreview.config import Settings
    from planreview.llm import LLMClient

    stub.script(answer(one_finding()))
    settings = Settings(base_url=stub.base_url, api_key="k", cache=False,
                        cache_dir=tmp_path / "c")
    client = LLMClient.from_settings(settings, tracing=True)  # LANGSMITH_* cleared: no upload
    assert client.call(MESSAGES, SpecialistAnswer).value.findings[0].severity == "P1"
    assert len(stub.requests) == 1


def test_json_of_the_wrong_shape_while_detecting_is_repaired_in_the_same_mode(
    stub: StubServer, make_client: ClientFactory
) -> None:
    wrong = one_finding()
    wrong["findings"][0]["locations"][0]["start_line"] = 0
    stub.script(answer(wrong), answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.mode == "json_schema_strict" and result.requests == 2
    assert "start_line" in stub.requests[1].messages[-1]["content"]


def test_output_is_capped_and_the_cap_dropped_for_servers_that_reject_it(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fail(400, "Unrecognized request argument supplied: max_tokens"),
                answer(one_finding()), answer(one_finding()))
    client = make_client(cache=False)
    client.call(MESSAGES, SpecialistAnswer)
    client.call(MESSAGES, SpecialistAnswer)
    assert stub.requests[0].body["max_tokens"] == MAX_OUTPUT_TOKENS
    assert ["max_tokens" in r.body for r in stub.requests[1:]] == [False, False]
