"""The PostgreSQL version a review assumes (configured > named by the repository >
assumed) and the rules whose claims depend on it: constant defaults rewrite before 11
(PostgreSQL 11 release notes; ALTER TABLE, Notes), SET NOT NULL uses a valid CHECK from
12 (PostgreSQL 12 release notes; ALTER TABLE, SET/DROP NOT NULL)."""

from __future__ import annotations

from planreview.models import Finding, Severity
from planreview.pgsemantics import ASSUMED_VERSION
from planreview.plan import parse_plan
from planreview.repo import LoadedFile, RepoContext, Window, open_repo
from planreview.reviewers import rule_sets
from planreview.rules import RuleContext, run_rules
from tests.conftest import GitRepoFactory
from tests.rules.test_migration_rules import PLAN, sql_plan

DEFAULT = "migration/add-column-volatile-default"
NOT_NULL = "migration/set-not-null"
NOT_NULL_NO_DEFAULT = "migration/add-column-not-null-without-default"


def context(plan_md: str, *, version: int | None = None,
            files: dict[str, str] | None = None) -> RuleContext:
    plan = parse_plan(plan_md.lstrip("\n"), PLAN)
    loaded = {
        p: LoadedFile(p, t, (Window(1, t.count("\n") + 1),)) for p, t in (files or {}).items()
    }
    return RuleContext(plan, RepoContext(files=loaded), postgres_version=version)


def findings(plan_md: str, rule_id: str, *, version: int | None = None,
             files: dict[str, str] | None = None) -> list[Finding]:
    results = run_rules(context(plan_md, version=version, files=files), rule_sets(["migration"]))
    assert results.errors == {}
    return [f for f in results.findings["migration"] if f.rule == rule_id]


# --- where the version comes from ----------------------------------------------------------


def test_the_configured_version_beats_the_repository() -> None:
    ctx = context("# p\n", version=11, files={"docker-compose.yml": "image: postgres:15\n"})
    assert (ctx.pg_version.major, ctx.pg_version.assumed) == (11, False)
    assert "configuration" in ctx.pg_version.note()


def test_the_repositorys_service_image_is_used_when_nothing_is_configured(
    git_repo: GitRepoFactory,
) -> None:
    root = git_repo({"docker-compose.yml": "services:\n  db:\n    image: postgres:10.21\n"})
    plan = parse_plan("# p\n", PLAN)
    ctx = RuleContext(plan, RepoContext(files={}), open_repo(root))

    assert ctx.pg_version.major == 10
    assert ctx.pg_version.note().startswith("(PostgreSQL 10, from `docker-compose.yml` line 3")


def test_without_configuration_or_repository_evidence_the_version_is_assumed() -> None:
    ctx = context("# p\n", files={"README.md": "we run postgres:9 somewhere\n"})
    assert ctx.pg_version.assumed and ctx.pg_version.major == ASSUMED_VERSION


# --- ADD COLUMN ... DEFAULT: constant defaults rewrite before PostgreSQL 11 ---------------

ADD_CONSTANT = "ALTER TABLE orders ADD COLUMN flagged boolean NOT NULL DEFAULT false;"


def test_a_constant_default_rewrites_on_postgresql_10() -> None:
    found = findings(sql_plan(ADD_CONSTANT), DEFAULT, version=10)

    assert [f.title for f in found] == ["Adding orders.flagged rewrites the table"]
    assert "before PostgreSQL 11 every non-null default" in found[0].issue
    assert "(PostgreSQL 10, from the configuration (`postgres-version`))" in found[0].issue


def test_a_constant_or_stable_default_is_quiet_from_postgresql_11_and_when_assumed() -> None:
    stable = "ALTER TABLE orders ADD COLUMN seen_at timestamptz DEFAULT now();"
    for sql in (ADD_CONSTANT, stable):
        assert findings(sql_plan(sql), DEFAULT, version=11) == []
        assert findings(sql_plan(sql), DEFAULT) == []


def test_default_null_does_not_rewrite_even_on_postgresql_10() -> None:
    sql = "ALTER TABLE orders ADD COLUMN note text DEFAULT NULL;"
    assert findings(sql_plan(sql), DEFAULT, version=10) == []


def test_a_version_named_by_a_compose_file_in_context_decides_too() -> None:
    files = {"compose.yaml": "services:\n  db:\n    image: postgres:10-alpine\n"}
    found = findings(sql_plan(ADD_CONSTANT), DEFAULT, files=files)
    assert "from `compose.yaml` line 3" in found[0].issue


def test_not_null_without_default_does_not_recommend_a_default_before_11() -> None:
    sql = "ALTER TABLE orders ADD COLUMN region text NOT NULL;"
    old = findings(sql_plan(sql), NOT_NULL_NO_DEFAULT, version=10)[0]
    new = findings(sql_plan(sql), NOT_NULL_NO_DEFAULT, version=16)[0]

    assert "not with a DEFAULT: before PostgreSQL 11 it rewrites" in old.recommendation
    assert "(or with a constant DEFAULT)" in new.recommendation


# --- SET NOT NULL: a valid CHECK proves it from PostgreSQL 12 ------------------------------

CHECKED = """
ALTER TABLE orders ADD CONSTRAINT orders_region_nn CHECK (region IS NOT NULL) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_region_nn;
ALTER TABLE orders ALTER COLUMN region SET NOT NULL;
"""


def test_a_validated_check_proves_set_not_null_on_12_and_when_assumed() -> None:
    assert findings(sql_plan(CHECKED), NOT_NULL, version=12) == []
    assert findings(sql_plan(CHECKED), NOT_NULL) == []


def test_on_postgresql_11_set_not_null_scans_even_after_a_validated_check() -> None:
    found = findings(sql_plan(CHECKED), NOT_NULL, version=11)

    assert [f.severity for f in found] == [Severity.P2]
    assert found[0].recommendation.startswith("The plan's validated CHECK does not help")
    assert "(PostgreSQL 11, from the configuration" in found[0].recommendation


def test_an_unproved_set_not_null_says_which_version_it_assumed() -> None:
    sql = "ALTER TABLE orders ALTER COLUMN region SET NOT NULL;"
    found = findings(sql_plan(sql), NOT_NULL)

    assert f"(assuming PostgreSQL {ASSUMED_VERSION}: neither the configuration" in (
        found[0].recommendation
    )


# --- CONCURRENTLY variants that need a newer server ---------------------------------------


def test_reindex_recommends_concurrently_only_where_the_server_has_it() -> None:
    sql = "REINDEX TABLE orders;"
    rule = "migration/reindex-not-concurrently"
    old = findings(sql_plan(sql), rule, version=11)[0]
    assumed = findings(sql_plan(sql), rule)[0]

    assert old.recommendation.startswith("REINDEX CONCURRENTLY needs PostgreSQL 12 (PostgreSQL 11")
    assert "CREATE INDEX CONCURRENTLY" in old.recommendation
    assert f"(assuming PostgreSQL {ASSUMED_VERSION}" in assumed.recommendation


def test_detach_partition_concurrently_needs_postgresql_14() -> None:
    sql = "ALTER TABLE events DETACH PARTITION events_2023;"
    rule = "migration/detach-partition-not-concurrently"
    old = findings(sql_plan(sql), rule, version=13)[0]
    new = findings(sql_plan(sql), rule, version=14)[0]

    assert old.recommendation.startswith("DETACH PARTITION CONCURRENTLY needs PostgreSQL 14")
    assert new.recommendation.startswith("Add CONCURRENTLY")
