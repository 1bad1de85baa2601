"""Every fault a model server or the network in between can produce, through the real
CLI: a one-line reason in the report, exit 3 when a reviewer failed (0 when the client
recovered), and nothing lost -- the other reviewers' findings are still reported."""

from __future__ import annotations

from pathlib import Path

from tests.faults.conftest import FAULTED, Outcome, assert_contract, healthy_replies, review_cli
from tests.llm.test_llm_pipeline import REVIEWERS, finding, findings, when
from tests.stub_openai import StubServer, answer, fail, raw, reset, text

EXIT_OK, EXIT_INCOMPLETE = 0, 3
ON = when(FAULTED)


def run_fault(stub: StubServer, root: Path, tmp_path: Path, *args: str) -> Outcome:
    stub.script(*healthy_replies())
    return review_cli(root, stub, tmp_path, *args)


def test_a_200_whose_body_is_not_json_fails_that_reviewer_only(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(raw("{this is not json", when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "not JSON" in outcome.run_of(FAULTED)["error"]
    assert outcome.requests[FAULTED] == 1


def test_an_html_page_from_a_captive_portal_fails_that_reviewer_only(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(raw("<!doctype html><title>Log in</title>", "text/html", when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "text/html" in outcome.run_of(FAULTED)["error"]


def test_a_truncated_response_body_fails_that_reviewer_only(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(raw('{"id": "chatcmpl-1", "choices": [{"message": {"content": "{\\"fin',
                    when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)


def test_a_truncated_answer_gets_one_repair_then_fails(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    cut = '{"findings": [{"severity": "P1", "title": "Booking.ti'
    stub.script(text(cut, when=ON), text(cut, when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "after one repair" in outcome.run_of(FAULTED)["error"]
    assert outcome.requests[FAULTED] == 2


def test_a_schema_violating_answer_costs_two_requests_and_reports_their_tokens(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(answer({"findings": "none"}, when=ON) for _ in range(2)))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    run = outcome.run_of(FAULTED)
    assert "did not match the schema" in run["error"]
    assert outcome.requests[FAULTED] == 2
    assert run["usage"]["prompt_tokens"] > 0


def test_a_ten_thousand_finding_answer_is_refused_at_the_size_limit(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    one = finding("Cache key lacks the tenant", 12, "await tx.tier.create(", category="caching")
    stub.script(answer({"findings": [dict(one, title=f"F{n}") for n in range(10_000)]},
                       when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "byte limit" in outcome.run_of(FAULTED)["error"]
    assert outcome.requests[FAULTED] == 1


def test_a_429_with_retry_after_is_waited_out_and_the_review_completes(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(fail(429, "slow down", headers={"retry-after": "1"}, when=ON),
                answer(findings(), when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_OK, failed=None)
    assert outcome.run_of(FAULTED)["status"] == "ok"
    assert outcome.requests[FAULTED] == 2


def test_a_429_that_does_not_clear_fails_with_the_servers_words_once(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(fail(429, "slow down", headers={"retry-after": "0"}, when=ON)
                  for _ in range(2)))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    error = outcome.run_of(FAULTED)["error"]
    assert error == "HTTP 429 (rate limited): slow down (after 2 attempts)"


def test_a_500_that_does_not_clear_fails_with_the_servers_words_once(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(fail(500, "upstream exploded", when=ON) for _ in range(2)))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert outcome.run_of(FAULTED)["error"] == "HTTP 500: upstream exploded (after 2 attempts)"


def test_a_server_that_never_answers_in_time_fails_that_reviewer_only(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(*(answer(findings(), when=ON, delay_s=4) for _ in range(2)))
    outcome = run_fault(stub, repo_root, tmp_path, "--timeout", "1")
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "timed out" in outcome.run_of(FAULTED)["error"]


def test_a_reset_connection_fails_that_reviewer_only(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(reset(when=ON), reset(when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_INCOMPLETE)
    assert "cannot reach the model server" in outcome.run_of(FAULTED)["error"]
    assert outcome.requests[FAULTED] == 2


def test_a_server_without_json_schema_support_is_answered_in_the_next_mode(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.reject_formats = {"json_schema"}
    stub.script(answer(findings(), when=ON))
    outcome = run_fault(stub, repo_root, tmp_path)
    assert_contract(outcome, code=EXIT_OK, failed=None)
    assert {outcome.run_of(n)["structured_output"] for n in REVIEWERS} == {"json_object_schema"}
    assert all(1 <= count <= 3 for count in outcome.requests.values()), outcome.requests


def test_allow_partial_turns_a_failed_reviewer_into_exit_0(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(raw("{this is not json", when=ON))
    outcome = run_fault(stub, repo_root, tmp_path, "--allow-partial")
    assert_contract(outcome, code=EXIT_OK)


def test_the_markdown_report_names_the_failed_reviewer_and_its_reason(
    stub: StubServer, repo_root: Path, tmp_path: Path
) -> None:
    stub.script(raw("<html>", "text/html", when=ON), *healthy_replies())
    outcome = review_cli(repo_root, stub, tmp_path, fmt="md")
    assert outcome.code == EXIT_INCOMPLETE and "Traceback" not in outcome.stderr
    assert outcome.written is not None and "Incomplete review" in outcome.written
    assert "**caching**: the server answered HTTP 200" in outcome.written
