"""The deployment environment a plan's script targets, where the plan states it."""

from __future__ import annotations

from planreview.facts.environment import EnvironmentFact, block_environments
from planreview.facts.roles import block_roles
from planreview.plan import parse_plan


def environments(text: str) -> list[EnvironmentFact]:
    plan = parse_plan(text, "docs/plans/p.md")
    return list(block_environments(plan, block_roles(plan)))


def test_prose_saying_run_against_production_targets_production() -> None:
    [env] = environments(
        "## Backfill\n\nRun the backfill against production after the deploy:\n\n"
        "```sql\nUPDATE orders SET region = 'eu' WHERE region IS NULL;\n```\n"
    )
    assert env.environment == "production"
    assert env.line == 3


def test_an_environment_variable_in_the_command_names_the_target() -> None:
    [env] = environments("## Deploy\n\n```bash\nRAILS_ENV=staging bin/rails db:migrate\n```\n")
    assert (env.environment, env.line) == ("staging", 4)


def test_a_dev_only_block_targets_development() -> None:
    [env] = environments(
        "```sql\n-- WARNING: only run in development\nTRUNCATE users CASCADE;\n```\n"
    )
    assert env.environment == "development"


def test_a_production_rollout_heading_targets_production() -> None:
    [env] = environments("## Production rollout\n\n```sql\nSELECT 1;\n```\n")
    assert (env.environment, env.line) == ("production", 1)


def test_a_block_with_no_stated_environment_has_none() -> None:
    assert environments("## Migration\n\n```sql\nALTER TABLE a ADD COLUMN b int;\n```\n") == []


def test_production_mentioned_in_passing_names_no_target() -> None:
    assert environments(
        "## Migration\n\nThis keeps production fast.\n\n```sql\nALTER TABLE a ADD b int;\n```\n"
    ) == []
