"""What must never reach a model: credential files (by path) and secret values (by content).

Two policies, both applied by the repository readers before any text leaves them:

- `refusal(path)`: a deny list of credential file names and locations, checked on the
  repository-relative path. The names follow the file signatures secret scanners ship
  (gitrob's and shhgit's sensitive-file signatures, GitGuardian's and gitleaks' path
  rules): SSH and TLS private keys, cloud and cluster credentials (AWS, Google service
  accounts, kubeconfig, Docker), password stores (.pgpass, .netrc, .git-credentials,
  .htpasswd), dotenv files, Terraform state and shell/database histories.
- `redact(text)`: private key blocks and well-known token formats (the gitleaks default
  rules for AWS, GitHub, GitLab, Slack, Stripe, Google, OpenAI/Anthropic, npm, PyPI,
  JWTs, credentials in URLs and quoted password/secret assignments) in any file that
  is read. The value is replaced by `[REDACTED <kind>]`; the line stays, so line numbers
  and the surrounding code are unchanged, and the report says what was redacted where.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

SECRETS_FILE = "secrets file"
"""The skip reason recorded for a refused credential file."""

# Basename globs (matched lower-cased) -> what the file is.
_NAMES: tuple[tuple[str, str], ...] = (
    # dotenv files: .env, .env.production, prod.env, .envrc (direnv)
    (".env", "dotenv file"), (".env.*", "dotenv file"), ("*.env", "dotenv file"),
    (".envrc", "direnv file"),
    # private keys and key stores
    ("*.pem", "private key"), ("*.key", "private key"), ("*.ppk", "PuTTY private key"),
    ("id_rsa*", "SSH private key"), ("id_dsa*", "SSH private key"),
    ("id_ecdsa*", "SSH private key"), ("id_ed25519*", "SSH private key"),
    ("*_rsa", "SSH private key"), ("*_dsa", "SSH private key"),
    ("*_ecdsa", "SSH private key"), ("*_ed25519", "SSH private key"),
    ("*.p12", "PKCS#12 key store"), ("*.pfx", "PKCS#12 key store"),
    ("*.jks", "Java key store"), ("*.keystore", "key store"), ("*.kdbx", "KeePass database"),
    ("secring.*", "GnuPG secret keyring"),
    # credential and password files
    ("credentials*", "credentials file"), ("secrets.*", "secrets file"),
    (".pgpass", "PostgreSQL password file"), (".netrc", "netrc credentials"),
    ("_netrc", "netrc credentials"), (".git-credentials", "git credentials"),
    (".htpasswd", "htpasswd file"), (".npmrc", "npm credentials"),
    (".pypirc", "PyPI credentials"), (".s3cfg", "S3 credentials"), (".boto", "AWS credentials"),
    (".dockercfg", "Docker credentials"), (".vault-token", "Vault token"),
    (".my.cnf", "MySQL credentials"),
    # cloud and cluster credentials
    ("service-account*.json", "Google service account key"),
    ("service_account*.json", "Google service account key"),
    ("client_secret*.json", "OAuth client secret"),
    ("kubeconfig", "kubeconfig"), ("kubeconfig.*", "kubeconfig"), ("*.kubeconfig", "kubeconfig"),
    ("*.tfstate", "Terraform state"), ("*.tfstate.*", "Terraform state"),
    ("*.tfvars", "Terraform variables"), ("*.ovpn", "OpenVPN profile"),
    # histories: commands and queries typed with passwords in them
    (".bash_history", "shell history"), (".zsh_history", "shell history"),
    (".sh_history", "shell history"), (".psql_history", "psql history"),
    (".mysql_history", "MySQL history"),
)

# Whole-path globs (lower-cased, `**/` optional leading folders) -> what the file is.
_PATHS: tuple[tuple[str, str], ...] = (
    ("**/.kube/config", "kubeconfig"), ("**/.docker/config.json", "Docker credentials"),
    ("**/.aws/config", "AWS config"), ("**/.ssh/*", "SSH configuration or key"),
    ("**/.gnupg/*", "GnuPG keyring"), ("**/.config/gcloud/*", "gcloud credentials"),
)


@dataclass(frozen=True)
class Refusal:
    """Why a path is never read: the recorded reason and what the file is."""

    reason: str
    kind: str


def refusal(path: str) -> Refusal | None:
    """The refusal for a repository-relative path (forward slashes), None when it may
    be read. Case-insensitive: `ID_RSA` and `Prod.ENV` are refused too."""
    lowered = path.lower()
    name = lowered.rsplit("/", 1)[-1]
    for pattern, kind in _NAMES:
        if fnmatch.fnmatchcase(name, pattern):
            return Refusal(SECRETS_FILE, kind)
    for pattern, kind in _PATHS:
        if _path_glob(pattern).fullmatch(lowered):
            return Refusal(SECRETS_FILE, kind)
    return None


def is_secret_name(name: str) -> bool:
    """Whether a file's basename alone marks it as credentials."""
    lowered = name.lower()
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern, _ in _NAMES)


def _path_glob(pattern: str) -> re.Pattern[str]:
    body = re.escape(pattern.removeprefix("**/")).replace(r"\*", "[^/]*")
    return re.compile("(?:.*/)?" + body)


# --- citations a plan makes that are not repository paths -----------------------------

_SYSTEM_PATH = re.compile(
    r"(?:/(?:etc|root|home|Users|var|proc|sys|usr|opt|tmp|dev|boot|srv|private)"
    r"(?:/[\w.@+-]+)+|~/[\w.@+/-]+|[A-Za-z]:\\[\w.\\ -]+)"
)


def refused_citation(text: str) -> str | None:
    """A plan's code span that names a file no repository reader may open: an absolute
    system path (`/etc/passwd`, `~/.ssh/id_rsa`, `C:\\...`) or a bare credential file name
    (`id_rsa`, `.pgpass`, `kubeconfig`). Returned as written so the report lists it
    among the references not read; None for anything else."""
    text = text.strip()
    if not text or len(text) > 400 or any(c.isspace() for c in text.strip()):
        return None
    if _SYSTEM_PATH.fullmatch(text):
        return text
    if "/" not in text and "\\" not in text and is_secret_name(text):
        return text
    return None


# --- content redaction ----------------------------------------------------------------

_MARKER = "[REDACTED {}]"
_MARKED = re.compile(r"\[REDACTED ([A-Za-z0-9 ./-]+)\]")
_PEM_BEGIN = re.compile(r"-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")
_PEM_END = re.compile(r"-----END ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----")

# (kind, pattern, group holding the value; 0 for the whole match). Token shapes follow
# gitleaks' default configuration (rule ids in the comments).
_TOKENS: tuple[tuple[str, str, int], ...] = (
    ("AWS access key", r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b", 0),
    ("AWS secret key",
     r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?([A-Za-z0-9/+]{40})\b", 1),
    ("GitHub token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", 0),
    ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}", 0),  # gitlab-pat
    ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}", 0),  # slack-*-token
    ("Slack webhook", r"hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9+/]{20,}", 0),
    ("Stripe key", r"\b(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10,99}\b", 0),
    ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b", 0),  # gcp-api-key
    ("Anthropic key", r"\bsk-ant-[a-z0-9]+-[A-Za-z0-9_-]{20,}", 0),  # anthropic-api-key
    ("OpenAI key", r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}",
     0),  # openai-api-key
    ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b", 0),  # npm-access-token
    ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}", 0),  # pypi-upload-token
    ("JWT", r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}", 0),  # jwt
    ("URL password", r"\b[a-z][a-z0-9+.-]*://[^:/\s@\"']+:([^@\s/\"']+)@", 1),
    ("password",
     r"(?i)\b(?:[a-z0-9_]*(?:password|passwd|secret|api_?key|access_?token|auth_?token|"
     r"private_?key))[\"']?\s*[:=]\s*[\"']([^\"'\s$<{%]{8,})[\"']", 1),
)


def _scoped(pattern: str) -> str:
    """A leading `(?i)` made local to its alternative."""
    return f"(?i:{pattern[4:]})" if pattern.startswith("(?i)") else pattern


_TOKEN = re.compile(
    "|".join(f"(?P<t{i}>{_scoped(pattern)})" for i, (_, pattern, _) in enumerate(_TOKENS))
)
_COMPILED = tuple((kind, re.compile(pattern), group) for kind, pattern, group in _TOKENS)


@dataclass(frozen=True)
class Redacted:
    text: str
    kinds: tuple[str, ...]
    """What was redacted, one entry per value, in file order."""


def redact(text: str) -> Redacted:
    """`text` with private keys and token values replaced by `[REDACTED <kind>]`.
    Every line is kept (a key block keeps its BEGIN/END lines and line count)."""
    if not _could_hold_secret(text):
        return Redacted(text, ())
    kinds: list[str] = []
    out: list[str] = []
    in_key = marked = False
    for line in text.splitlines(keepends=True):
        if in_key:
            # The key's body: the first line becomes the marker, the others empty lines.
            end = _PEM_END.search(line)
            body = line[: end.start()] if end else line.rstrip("\r\n")
            if body.strip():
                line = ("" if marked else _MARKER.format("private key")) + line[len(body):]
                marked = True
            in_key = end is None
            out.append(line)
            continue
        line, found, opened = _redact_line(line)
        kinds += found
        in_key, marked = opened, opened and "[REDACTED private key]" in line
        out.append(line)
    return Redacted("".join(out), tuple(kinds))


def _could_hold_secret(text: str) -> bool:
    return bool(_TOKEN.search(text) or _PEM_BEGIN.search(text))


def _redact_line(line: str) -> tuple[str, list[str], bool]:
    """(line redacted, kinds found, whether a private key block stays open)."""
    kinds: list[str] = []
    opened = False
    begin = _PEM_BEGIN.search(line)
    if begin is not None:
        kinds.append("private key")
        close = _PEM_END.search(line, begin.end())
        if close is not None:  # a key on one line, e.g. JSON "private_key": "-----BEGIN...\n..."
            line = line[: begin.end()] + _MARKER.format("private key") + line[close.start():]
        else:
            tail = line[begin.end():].rstrip("\r\n")
            if tail.strip():
                line = line[: begin.end()] + _MARKER.format("private key") + line[begin.end()
                                                                                 + len(tail):]
            opened = True
    if not _TOKEN.search(line):
        return line, kinds, opened
    # Specific token shapes first, the generic assignment last; the first claim on a
    # stretch of the line wins.
    spans: list[tuple[int, int, str]] = []
    for kind, pattern, group in _COMPILED:
        for match in pattern.finditer(line):
            start, end = match.span(group)
            if line[start:end].startswith("[REDACTED") or any(
                    start < b and a < end for a, b, _ in spans):
                continue
            spans.append((start, end, kind))
    pieces: list[str] = []
    last = 0
    for start, end, kind in sorted(spans):
        pieces += [line[last:start], _MARKER.format(kind)]
        kinds.append(kind)
        last = end
    pieces.append(line[last:])
    return "".join(pieces), kinds, opened


def redaction_notes(texts: Mapping[str, str]) -> list[str]:
    """One report note per file whose loaded text carries redaction markers."""
    notes = []
    for path, text in texts.items():
        counts = Counter(match.group(1) for match in _MARKED.finditer(text))
        if counts:
            what = ", ".join(f"{kind} x{n}" if n > 1 else kind for kind, n in counts.items())
            notes.append(f"Secret values redacted before review in `{path}` ({what}); "
                         "the lines were kept.")
    return notes


def refusals(paths: Iterable[str]) -> dict[str, Refusal]:
    """The refused paths among `paths`, with why (for listings and tests)."""
    return {path: found for path in paths if (found := refusal(path)) is not None}
