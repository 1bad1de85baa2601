"""Settings for a PR, read from the repository at a commit through the API.

For fork PRs and untrusted authors the caller passes the BASE commit, so a PR cannot
loosen its own review. The files are copied into a temporary folder so that exactly
the CLI's rules apply (`.planreview.toml`, else `[tool.planreview]` in pyproject.toml).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from planreview.config import Settings, build_settings
from planreview.github.api import GitHubClient, NotFoundError

CONFIG_FILES = (".planreview.toml", "pyproject.toml")


def settings_at(client: GitHubClient, repo: str, ref: str, flags: Mapping[str, Any],
                env: Mapping[str, str]) -> Settings:
    with tempfile.TemporaryDirectory(prefix="planreview-config-") as tmp:
        for name in CONFIG_FILES:
            try:
                data, _ = client.file_bytes(repo, name, ref)
            except (NotFoundError, ValueError):
                continue
            (Path(tmp) / name).write_bytes(data)
        return build_settings(flags, env, Path(tmp))
