"""Tests that run SQL on a real PostgreSQL (the `pg` marker)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pg: runs SQL on a real PostgreSQL (pg_cluster fixture)")
