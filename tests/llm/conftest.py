"""Fixtures for the LLM layer: the stub server, clients pointed at it, a small plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from planreview.config import Settings
from planreview.llm import LLMClient
from planreview.plan import ParsedPlan
from planreview.repo import LoadedFile, RepoContext, Window
from tests.stub_openai import StubServer, running_stub


@pytest.fixture
def stub() -> Iterator[StubServer]:
    """A started stub; fails the test if a scripted reply is never consumed."""
    yield from running_stub()


class SleepLog:
    """Stands in for time.sleep: records the waits instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def sleeps() -> SleepLog:
    return SleepLog()


ClientFactory = Callable[..., LLMClient]


@pytest.fixture
def make_client(stub: StubServer, sleeps: SleepLog, tmp_path: Path) -> ClientFactory:
    def make(**overrides: Any) -> LLMClient:
        values: dict[str, Any] = {
            "base_url": stub.base_url, "api_key": "test-key", "model": "stub-model",
            "cache_dir": tmp_path / "llm-cache", "timeout_s": 5.0, "max_retries": 2,
        }
        values.update(overrides)
        return LLMClient.from_settings(Settings(**values), sleep=sleeps)

    return make


PLAN_PATH = "docs/plans/tiers-plan.md"
PLAN_TEXT = """# Tiers plan

## Phase 1: schema

```prisma
model Booking {
  id     String @id
  tierId String?
  tier   Tier?  @relation(fields: [tierId], references: [id], onDelete: Restrict)
}
```

## Phase 7: migration

```typescript
await prisma.$transaction(async (tx) => {
  for (const p of packages) {
    await tx.tier.create({ data: { id: createId(), name: p.name } });
  }
});
```

We expect <1000 packages and <10000 bookings.
"""


def make_plan(text: str = PLAN_TEXT, path: str = PLAN_PATH) -> ParsedPlan:
    return ParsedPlan(path=path, text=text, lines=tuple(text.splitlines()))


def make_context(files: dict[str, str] | None = None) -> RepoContext:
    files = files if files is not None else {
        "server/src/services/catalog.service.ts": "\n".join(
            f"// line {n}" if n != 72 else "    return this.repository.getAllPackages(tenantId);"
            for n in range(1, 101)
        ),
    }
    loaded = {
        path: LoadedFile(path=path, text=text,
                         windows=(Window(1, len(text.splitlines())),))
        for path, text in files.items()
    }
    return RepoContext(files=loaded)
