"""Webhook deliveries: the signature check, and which events become review jobs.

Pure functions; the server wires them to HTTP and the queue.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from planreview.github.pull import TRUSTED_ASSOCIATIONS
from planreview.github.queue import JobSpec
from planreview.repo import SkipError, normalize_path

PR_ACTIONS = frozenset({"opened", "synchronize", "reopened", "ready_for_review"})
COMMAND = "/planreview"


def verify_signature(secret: bytes, body: bytes, header: str | None) -> bool:
    """Whether `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body (constant time)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def sign(secret: bytes, body: bytes) -> str:
    """The header value GitHub would send for `body` (tests and manual redelivery)."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Decision:
    jobs: tuple[JobSpec, ...] = ()
    ignored: str = ""
    """Why nothing was queued (empty when jobs were)."""


def route_event(event: str, payload: dict[str, Any], *, review_drafts: bool) -> Decision:
    """The jobs a delivery asks for, or why it is ignored."""
    sender = payload.get("sender") or {}
    if sender.get("type") == "Bot":
        return Decision(ignored="bot sender")
    installation = (payload.get("installation") or {}).get("id")
    repo = (payload.get("repository") or {}).get("full_name")
    if event == "ping":
        return Decision(ignored="ping")
    if not isinstance(installation, int) or not isinstance(repo, str):
        return Decision(ignored="no installation or repository")
    if event == "pull_request":
        return _pull_request(payload, repo, installation, review_drafts=review_drafts)
    if event == "issue_comment":
        return _comment(payload, repo, installation)
    return Decision(ignored=f"event {event or 'unknown'}")


def _pull_request(
    payload: dict[str, Any], repo: str, installation: int, *, review_drafts: bool,
) -> Decision:
    action = str(payload.get("action", ""))
    pull = payload.get("pull_request") or {}
    if action not in PR_ACTIONS:
        return Decision(ignored=f"pull_request.{action}")
    if pull.get("draft") and not review_drafts:
        return Decision(ignored="draft")
    if pull.get("state", "open") != "open":
        return Decision(ignored="closed")
    head = str((pull.get("head") or {}).get("sha", ""))
    number = pull.get("number", payload.get("number"))
    if not head or not isinstance(number, int):
        return Decision(ignored="malformed pull_request")
    return Decision(jobs=(JobSpec(repo=repo, pr=number, head_sha=head, plan="",
                                  installation_id=installation,
                                  reason=f"pull_request.{action}"),))


def _comment(payload: dict[str, Any], repo: str, installation: int) -> Decision:
    if payload.get("action") != "created":
        return Decision(ignored=f"issue_comment.{payload.get('action')}")
    issue = payload.get("issue") or {}
    if not issue.get("pull_request"):
        return Decision(ignored="comment on an issue, not a pull request")
    comment = payload.get("comment") or {}
    words = str(comment.get("body", "")).strip().split("\n", 1)[0].split()
    if not words or words[0] != COMMAND:
        return Decision(ignored="not a command")
    if comment.get("author_association") not in TRUSTED_ASSOCIATIONS:
        return Decision(ignored="command from an untrusted author")
    # Allowlist: the only argument a comment may pass is one plan path.
    plan = ""
    if len(words) > 2:
        return Decision(ignored="command takes at most one plan path")
    if len(words) == 2:
        try:
            plan = normalize_path(words[1])
        except SkipError:
            return Decision(ignored="command argument is not a repository path")
    number = issue.get("number")
    if not isinstance(number, int):
        return Decision(ignored="malformed issue_comment")
    return Decision(jobs=(JobSpec(repo=repo, pr=number, head_sha="", plan=plan,
                                  installation_id=installation, reason="issue_comment",
                                  force=True),))
