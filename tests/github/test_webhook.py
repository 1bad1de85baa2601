"""Which webhook deliveries become review jobs, and the signature check."""

from __future__ import annotations

from planreview.github.webhook import route_event, sign, verify_signature
from tests.github.app_kit import comment_event, pull_request_event


def test_a_signature_over_the_exact_body_verifies() -> None:
    assert verify_signature(b"s", b'{"a":1}', sign(b"s", b'{"a":1}'))


def test_a_signature_over_another_body_or_secret_or_none_fails() -> None:
    good = sign(b"s", b'{"a":1}')

    assert not verify_signature(b"s", b'{"a": 1}', good)
    assert not verify_signature(b"other", b'{"a":1}', good)
    assert not verify_signature(b"s", b'{"a":1}', None)
    assert not verify_signature(b"s", b'{"a":1}', good.removeprefix("sha256="))


def test_pull_request_pushes_become_one_job_for_the_head() -> None:
    for action in ("opened", "synchronize", "reopened", "ready_for_review"):
        decision = route_event("pull_request", pull_request_event(action, head="abc"),
                               review_drafts=False)
        assert [(j.repo, j.pr, j.head_sha, j.plan) for j in decision.jobs] == [
            ("o/r", 7, "abc", "")
        ]


def test_other_pull_request_actions_are_ignored() -> None:
    decision = route_event("pull_request", pull_request_event("labeled"), review_drafts=False)

    assert decision.jobs == () and decision.ignored == "pull_request.labeled"


def test_drafts_are_ignored_unless_configured() -> None:
    draft = pull_request_event(draft=True)

    assert route_event("pull_request", draft, review_drafts=False).ignored == "draft"
    assert len(route_event("pull_request", draft, review_drafts=True).jobs) == 1


def test_bot_senders_are_ignored() -> None:
    decision = route_event("pull_request", pull_request_event(sender_type="Bot"),
                           review_drafts=False)

    assert decision.ignored == "bot sender"


def test_a_command_from_a_member_forces_a_review_of_the_named_plan() -> None:
    decision = route_event("issue_comment", comment_event("/planreview ./docs/plans/x.md"),
                           review_drafts=False)

    [job] = decision.jobs
    assert (job.pr, job.plan, job.head_sha, job.force) == (7, "docs/plans/x.md", "", True)


def test_a_command_from_an_outsider_is_ignored() -> None:
    for association in ("CONTRIBUTOR", "NONE", "FIRST_TIME_CONTRIBUTOR"):
        decision = route_event("issue_comment",
                               comment_event("/planreview", association=association),
                               review_drafts=False)
        assert decision.ignored == "command from an untrusted author"


def test_command_arguments_other_than_one_repository_path_are_refused() -> None:
    for body in ("/planreview ../../etc/passwd", "/planreview a.md --model=evil",
                 "/planreview .env"):
        decision = route_event("issue_comment", comment_event(body), review_drafts=False)
        assert decision.jobs == (), body


def test_comments_that_are_not_commands_or_not_on_pulls_are_ignored() -> None:
    assert route_event("issue_comment", comment_event("looks good /planreview"),
                       review_drafts=False).ignored == "not a command"
    assert route_event("issue_comment", comment_event("/planreview", on_pull=False),
                       review_drafts=False).jobs == ()
