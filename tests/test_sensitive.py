"""Credential files are never read, secret values are redacted before any prompt, and
refused citations are listed in the report."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from planreview.config import Settings
from planreview.llm import LLMClient
from planreview.models import Report
from planreview.plan import parse_plan
from planreview.repo import load_context, open_repo
from planreview.review import ReviewRequest, run_review
from planreview.rules import all_rules
from planreview.sensitive import redact, redaction_notes, refusal, refused_citation
from tests.llm.conftest import SleepLog
from tests.stub_openai import StubServer, answer, running_stub

SECRET = "TOPSECRET-CONTENT-0xC0FFEE"

# Every name the issue reported as read, plus the ones refused before.
CREDENTIAL_FILES = [
    ".pgpass", ".netrc", "service-account.json", "service-account-prod.json", "kubeconfig",
    "deploy/prod.kubeconfig", "infra/terraform.tfstate", "infra/terraform.tfstate.backup",
    "prod.env", "config/staging.env", ".env", ".env.production", "certs/server.pem",
    "id_rsa", "keys/id_ed25519.pub", "credentials.json", "secrets.yml", ".npmrc",
    ".git-credentials", "home/.kube/config", "home/.docker/config.json", ".htpasswd",
]
ORDINARY_FILES = [
    "src/environment.ts", "server/src/orders.ts", "prisma/schema.prisma", "README.md",
    "docs/plans/secrets-rotation.md", "config/kube.yaml", "infra/main.tf", "src/env.ts",
]


@pytest.mark.parametrize("path", CREDENTIAL_FILES)
def test_credential_files_are_refused_by_path(path: str) -> None:
    found = refusal(path)
    assert found is not None and found.reason == "secrets file"


@pytest.mark.parametrize("path", ORDINARY_FILES)
def test_ordinary_files_are_not_refused(path: str) -> None:
    assert refusal(path) is None


def test_refusal_ignores_case() -> None:
    assert refusal("Deploy/PROD.ENV") is not None
    assert refusal("ID_RSA") is not None


@pytest.mark.parametrize("path", CREDENTIAL_FILES)
def test_a_plan_citing_a_credential_file_never_gets_its_content(
    path: str, git_repo: Any
) -> None:
    root = git_repo({path: f"{SECRET}\n", "src/a.ts": "a\n"})
    repo = open_repo(root)
    context = load_context(repo, list(parse_plan(f"See `{path}`.\n", "p.md").references),
                           byte_budget=10_000, context_lines=3, max_file_bytes=10_000)
    assert context.files == {}
    assert [(s.path, s.reason) for s in context.skipped] == [(path, "secrets file")]
    assert path not in repo.list_files()


# --- content ---------------------------------------------------------------------------

PEM = """\
const key = `
-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEA0Z3VS5JJcds3xfn/ygWyF0qCvK
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ
-----END RSA PRIVATE KEY-----
`;
"""


def test_a_private_key_block_keeps_its_frame_and_line_count() -> None:
    result = redact(PEM)
    assert result.text.splitlines() == [
        "const key = `", "-----BEGIN RSA PRIVATE KEY-----", "[REDACTED private key]", "",
        "-----END RSA PRIVATE KEY-----", "`;",
    ]
    assert result.kinds == ("private key",)


def test_a_service_account_key_on_one_json_line_is_redacted() -> None:
    line = ('  "private_key": "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0B\\n'
            '-----END PRIVATE KEY-----\\n",\n')
    assert redact(line).text == (
        '  "private_key": "-----BEGIN PRIVATE KEY-----[REDACTED private key]'
        '-----END PRIVATE KEY-----\\n",\n'
    )


@pytest.mark.parametrize(("line", "kept", "kind"), [
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n", "aws_access_key_id = ", "AWS access key"),
    ("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
     "aws_secret_access_key = ", "AWS secret key"),
    ("GITHUB_TOKEN=ghp_" + "a1B2" * 9 + "\n", "GITHUB_TOKEN=", "GitHub token"),
    ("token: glpat-abcdefghij0123456789\n", "token: ", "GitLab token"),
    ("SLACK=xoxb-1234567890-abcdefghij\n", "SLACK=", "Slack token"),
    ("stripe.api_key = 'sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc" + "'\n", "stripe.api_key = '",
     "Stripe key"),
    ("const k = 'AIzaSyA-abcdefghijklmnopqrstuvwxyz01234';\n", "const k = '", "Google API key"),
    ("OPENAI_API_KEY=sk-proj-" + "x" * 24 + "T3BlbkFJ" + "y" * 24 + "\n", "OPENAI_API_KEY=",
     "OpenAI key"),
    ("//registry.npmjs.org/:_authToken=npm_" + "a" * 36 + "\n",
     "//registry.npmjs.org/:_authToken=", "npm token"),
    ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVm\n",
     "Authorization: Bearer ", "JWT"),
    ("DATABASE_URL=postgres://app:s3cr3tpw@db:5432/app\n", "DATABASE_URL=postgres://app:",
     "URL password"),
    ('  password: "correct-horse-battery"\n', '  password: "', "password"),
])
def test_token_values_are_redacted_and_the_line_kept(line: str, kept: str, kind: str) -> None:
    result = redact(line)
    assert result.text.startswith(kept + f"[REDACTED {kind}]")
    assert result.text.endswith("\n") and result.text.count("\n") == 1
    assert result.kinds == (kind,)


@pytest.mark.parametrize("line", [
    "const password = process.env.DB_PASSWORD;\n",
    'password: "${DB_PASSWORD}"\n',
    "postgres://localhost:5432/app\n",
    "await prisma.booking.findMany({ where: { tenantId } });\n",
    "-- CREATE INDEX CONCURRENTLY booking_tenant_idx ON booking(tenant_id);\n",
    'const secretName = "short";\n',
])
def test_code_without_secrets_is_unchanged(line: str) -> None:
    assert redact(line).text == line
    assert redact(line).kinds == ()


def test_redaction_notes_name_the_file_and_what_was_redacted() -> None:
    text = redact(PEM + "AKIAIOSFODNN7EXAMPLE\nAKIAIOSFODNN7EXAMPLF\n").text
    assert redaction_notes({"src/key.ts": text, "src/ok.ts": "fine\n"}) == [
        "Secret values redacted before review in `src/key.ts` (private key, AWS access key x2);"
        " the lines were kept."
    ]


# --- citations that are not repository paths ----------------------------------------------

@pytest.mark.parametrize("text", ["/etc/passwd", "/root/.ssh/id_rsa", "~/.aws/credentials",
                                  "id_rsa", ".pgpass", "kubeconfig"])
def test_system_paths_and_bare_credential_names_are_refused_citations(text: str) -> None:
    assert refused_citation(text) == text


@pytest.mark.parametrize("text", ["/api/users", "/health", "src/a.ts", "README", "tenantId"])
def test_routes_and_words_are_not_citations(text: str) -> None:
    assert refused_citation(text) is None


def test_a_plan_citing_etc_passwd_and_a_bare_id_rsa_lists_both_as_skipped(
    git_repo: Any,
) -> None:
    root = git_repo({"id_rsa": f"{SECRET}\n", "docs/p.md": "x\n"})
    plan = parse_plan("# P\n\nThe worker reads `/etc/passwd` and `id_rsa` at boot.\n", "docs/p.md")
    context = load_context(open_repo(root), list(plan.references), byte_budget=10_000,
                           context_lines=3, max_file_bytes=10_000)
    assert [(s.path, s.reason) for s in context.skipped] == [
        ("/etc/passwd", "outside repository"), ("id_rsa", "secrets file"),
    ]


# --- through a whole LLM review -----------------------------------------------------------

PLAN = "docs/plans/deploy.md"


@pytest.fixture
def stub() -> Iterator[StubServer]:
    yield from running_stub()


def test_no_credential_content_or_secret_value_reaches_the_model(
    stub: StubServer, git_repo: Any, tmp_path: Path
) -> None:
    cited = [".pgpass", ".netrc", "service-account.json", "kubeconfig", "prod.kubeconfig",
             "terraform.tfstate", "prod.env"]
    lines = "\n".join(f"- `{name}`" for name in cited)
    files: dict[str, str | bytes] = {name: f"{SECRET} {name}\n" for name in cited}
    files["src/db.ts"] = "export const url = 'postgres://app:hunter2hunter2@db/app';\n"
    files[PLAN] = (f"# Deploy plan\n\nThe deploy reads:\n\n{lines}\n\n"
                   "Connections come from `src/db.ts:1`.\n")
    root = git_repo(files)
    stub.script(*[answer({"findings": []}) for _ in range(4)])
    settings = Settings(base_url=stub.base_url, api_key="k", model="stub-model",
                        cache_dir=tmp_path / "cache", max_retries=0,
                        disable=tuple(r.id for r in all_rules()))
    report: Report = run_review(
        ReviewRequest(plan_path=root / PLAN, repo=open_repo(root), settings=settings),
        llm=LLMClient.from_settings(settings, sleep=SleepLog()),
    )
    sent = json.dumps([r.body for r in stub.requests])
    assert len(stub.requests) == 4
    assert SECRET not in sent and "hunter2hunter2" not in sent
    assert "[REDACTED URL password]" in sent
    assert {s.path: s.reason for s in report.skipped_references} == {
        name: "secrets file" for name in cited
    }
    assert any("redacted before review in `src/db.ts`" in note for note in report.notes)
