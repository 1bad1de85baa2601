"""What a server can send back that is not a good answer: bodies that are not chat
completions, bodies over the size limit, noisy errors, invalid answers in any mode."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from planreview.errors import ModelBehaviorError, ModelUnavailableError
from planreview.llm import Spend
from planreview.llm_transport import MIN_RESPONSE_BYTES, one_line
from planreview.specialist import SpecialistAnswer
from tests.llm.conftest import ClientFactory, SleepLog
from tests.llm.test_llm_client import MESSAGES, one_finding
from tests.stub_openai import StubServer, answer, fail, raw, reset, text


class LongNote(BaseModel):
    text: str


def many_findings(count: int) -> dict[str, Any]:
    item = one_finding()["findings"][0]
    return {"findings": [dict(item, title=f"Finding {n}") for n in range(count)]}


def test_a_200_whose_body_is_not_json_fails_in_one_line_without_a_retry(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(raw("{this is not json"))
    with pytest.raises(ModelUnavailableError) as caught:
        make_client().call(MESSAGES, SpecialistAnswer)
    message = str(caught.value)
    assert "not JSON" in message and "application/json, 17 bytes" in message
    assert "\n" not in message and "this is not" not in message  # the body is not quoted
    assert len(stub.requests) == 1 and sleeps.waits == []


def test_an_html_page_from_a_proxy_is_named_as_such(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(raw("<html><body>Sign in to the Wi-Fi</body></html>", "text/html"))
    with pytest.raises(ModelUnavailableError, match=r"text/html.*captive portal"):
        make_client().call(MESSAGES, SpecialistAnswer)


def test_a_truncated_chat_completion_body_fails_in_one_line(
    stub: StubServer, make_client: ClientFactory
) -> None:
    whole = json.dumps({"choices": [{"message": {"content": json.dumps(one_finding())}}]})
    stub.script(raw(whole[: len(whole) // 2]))
    with pytest.raises(ModelUnavailableError, match="not JSON"):
        make_client().call(MESSAGES, SpecialistAnswer)


def test_json_that_is_not_a_chat_completion_fails_in_one_line(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(raw('{"status": "ok"}'))
    with pytest.raises(ModelUnavailableError, match="not a chat completion"):
        make_client().call(MESSAGES, SpecialistAnswer)


def test_an_answer_over_the_size_limit_is_refused_unread_and_costs_an_estimate(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer(many_findings(10_000)))
    spend = Spend()
    with pytest.raises(ModelBehaviorError, match=r"over the 1,048,576-byte limit \([\d,]+ bytes"):
        make_client().call(MESSAGES, SpecialistAnswer, spend=spend)
    assert len(stub.requests) == 1 and spend.requests == 1
    assert spend.estimated and spend.usage.completion_tokens == MIN_RESPONSE_BYTES // 4


def test_an_answer_without_a_length_is_cut_off_at_the_size_limit(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer(many_findings(10_000), send_length=False))
    with pytest.raises(ModelBehaviorError, match=r"limit .still growing."):
        make_client().call(MESSAGES, SpecialistAnswer)


def test_the_size_limit_grows_with_the_output_cap(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(answer({"text": "x" * 1_500_000}))
    result = make_client(max_output_tokens=100_000).call(MESSAGES, LongNote)
    assert len(result.value.text) == 1_500_000


def test_a_schema_violating_answer_costs_two_requests_in_the_mode_the_server_took(
    stub: StubServer, make_client: ClientFactory
) -> None:
    bad = one_finding()
    bad["findings"][0]["confidence"] = 60  # not an anchor
    stub.script(answer(bad), answer(bad))
    with pytest.raises(ModelBehaviorError, match=r"after one repair .json_schema_strict.") as e:
        make_client().call(MESSAGES, SpecialistAnswer)
    assert len(stub.requests) == 2
    assert {r.response_format["json_schema"]["strict"] for r in stub.requests  # type: ignore[index]
            } == {True}
    assert "\n" not in str(e.value)


def test_the_chain_moves_on_only_for_rejected_modes_and_remembers_where_it_stopped(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.reject_formats = {"json_schema"}
    stub.script(text("no JSON here"), text("still none"), answer(one_finding()))
    client = make_client(cache=False)
    with pytest.raises(ModelBehaviorError, match="json_object_schema"):
        client.call(MESSAGES, SpecialistAnswer)
    assert [r.response_format and r.response_format["type"] for r in stub.requests] == [
        "json_schema", "json_schema", "json_object", "json_object",
    ]
    again = client.call([*MESSAGES, {"role": "user", "content": "more"}], SpecialistAnswer)
    assert again.mode == "json_object_schema" and again.requests == 1


def test_a_server_rejecting_every_format_is_answered_in_text_mode(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.reject_formats = {"json_schema", "json_object"}
    stub.script(answer(one_finding()))
    result = make_client().call(MESSAGES, SpecialistAnswer)
    assert result.mode == "text" and result.requests == 1 and len(stub.requests) == 5


@pytest.mark.parametrize("status", [500, 429])
def test_an_error_message_quotes_the_servers_body_once(
    stub: StubServer, make_client: ClientFactory, status: int
) -> None:
    stub.script(*(fail(status, "upstream exploded") for _ in range(3)))
    with pytest.raises(ModelUnavailableError) as caught:
        make_client().call(MESSAGES, SpecialistAnswer)
    message = str(caught.value)
    assert message.count("upstream exploded") == 1
    assert message.startswith(f"HTTP {status}") and message.endswith("(after 3 attempts)")


def test_escape_codes_and_newlines_in_an_error_body_do_not_reach_the_message(
    stub: StubServer, make_client: ClientFactory
) -> None:
    stub.script(fail(400, "bad\x1b[31m request\n::error ::pwned"))
    with pytest.raises(ModelUnavailableError) as caught:
        make_client().call(MESSAGES, SpecialistAnswer)
    assert "\x1b" not in str(caught.value) and "\n" not in str(caught.value)
    assert str(caught.value).endswith("bad [31m request ::error ::pwned")


def test_a_reset_connection_is_retried_then_reported(
    stub: StubServer, make_client: ClientFactory, sleeps: SleepLog
) -> None:
    stub.script(reset(), reset())
    with pytest.raises(ModelUnavailableError, match=r"cannot reach the model server.*after 2"):
        make_client(max_retries=1).call(MESSAGES, SpecialistAnswer)
    assert len(sleeps.waits) == 1


def test_model_urls_are_not_logged_at_info(
    stub: StubServer, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    stub.script(answer(one_finding()))
    make_client().call(MESSAGES, SpecialistAnswer)
    assert not [r for r in caplog.records if stub.base_url.split("/v1")[0] in r.getMessage()]


def test_one_line_keeps_text_but_not_its_power() -> None:
    assert one_line("a\r\nb\t\x1b]8;;x\x07c\u202ed") == "a b ]8;;x c d"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"


def test_importing_the_llm_layer_does_not_import_the_sdk() -> None:
    code = "import sys, planreview.llm, planreview.specialist; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"
