"""Helpers for App server tests: a throwaway App key, signed deliveries, payloads."""

from __future__ import annotations

import json
import uuid
from functools import cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from planreview.github.webhook import sign
from tests.github.fake_github import FakeGitHub

SECRET = "webhook-secret-for-tests"


@cache
def app_keys() -> tuple[str, str]:
    """(private PEM, public PEM) of an RSA key made once per test session."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo,
    ).decode()
    return private, public


def delivery(event: str, payload: dict[str, Any], *, delivery_id: str | None = None,
             secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The raw body and headers GitHub would send."""
    body = json.dumps(payload).encode()
    return body, {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery_id or str(uuid.uuid4()),
        "X-Hub-Signature-256": sign(secret.encode(), body),
        "Content-Type": "application/json",
    }


def pull_request_event(action: str = "opened", *, head: str = "h1", number: int = 7,
                       draft: bool = False, sender_type: str = "User",
                       title: str = "Add the orders plan") -> dict[str, Any]:
    return {
        "action": action,
        "number": number,
        "pull_request": {
            "number": number, "draft": draft, "state": "open", "title": title,
            "head": {"sha": head, "repo": {"full_name": "o/r"}},
            "base": {"sha": "b1", "repo": {"full_name": "o/r"}},
            "author_association": "MEMBER",
        },
        "repository": {"full_name": "o/r"},
        "installation": {"id": 42},
        "sender": {"login": "alice", "type": sender_type},
    }


def comment_event(body: str, *, association: str = "MEMBER", number: int = 7,
                  on_pull: bool = True) -> dict[str, Any]:
    issue: dict[str, Any] = {"number": number}
    if on_pull:
        issue["pull_request"] = {"url": "x"}
    return {
        "action": "created",
        "issue": issue,
        "comment": {"body": body, "author_association": association},
        "repository": {"full_name": "o/r"},
        "installation": {"id": 42},
        "sender": {"login": "alice", "type": "User"},
    }


def install_app_with_pull(github: FakeGitHub, plan: str, *, head: str = "h1",
                          files: tuple[str, ...] = ("docs/plans/x.md",)) -> None:
    """The fake trusts our App key and has PR 7 whose head commit holds `plan`."""
    github.app_public_key = app_keys()[1]
    github.commits[head] = {"docs/plans/x.md": plan}
    github.commits.setdefault("b1", {})
    github.add_pull(7, head=head, base="b1", files=list(files))
