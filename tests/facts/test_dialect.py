"""SQL dialect of the repository, of the plan's words, and of every SQL block."""

from __future__ import annotations

import json

import pytest

from planreview.facts.dialect import (
    UNKNOWN,
    DialectFact,
    block_dialects,
    plan_dialect,
    repo_dialect,
)
from planreview.plan import parse_plan

PRISMA_PG = (
    "generator client {\n  provider = \"prisma-client-js\"\n}\n\n"
    "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n"
)


def test_prisma_datasource_provider_names_the_dialect() -> None:
    fact = repo_dialect({"apps/api/prisma/schema.prisma": PRISMA_PG})
    assert fact.dialect == "postgresql"
    assert fact.line == 6
    assert fact.describe() == (
        'PostgreSQL (from apps/api/prisma/schema.prisma:6 datasource provider "postgresql")'
    )


def test_the_generator_provider_is_not_the_database() -> None:
    schema = "generator client {\n  provider = \"prisma-client-js\"\n}\n"
    assert repo_dialect({"prisma/schema.prisma": schema}) == UNKNOWN


@pytest.mark.parametrize(
    ("path", "text", "dialect"),
    [
        ("drizzle.config.ts", 'export default defineConfig({ dialect: "sqlite", '
         'schema: "./src/db/schema.ts" });', "sqlite"),
        ("drizzle.config.ts", "export default { driver: 'pg', schema: './schema.ts' }",
         "postgresql"),
        ("config/database.yml", "default: &default\n  adapter: mysql2\n  encoding: utf8mb4\n",
         "mysql"),
        ("config/database.yml", "default: &default\n  adapter: sqlite3\n  pool: 5\n", "sqlite"),
        ("backend/settings.py", "DATABASES = {\n    'default': {\n"
         "        'ENGINE': 'django.db.backends.postgresql',\n    }\n}\n", "postgresql"),
        ("erpnext_custom/hooks.py", 'app_name = "erpnext_custom"\napp_title = "Custom"\n',
         "mysql"),
        ("pubspec.yaml", "name: pin_app\ndependencies:\n  flutter:\n    sdk: flutter\n"
         "  sqflite: ^2.3.0\n  path: ^1.8.3\n", "sqlite"),
        ("Gemfile", "source 'https://rubygems.org'\ngem 'rails', '~> 7.1'\ngem 'pg'\n",
         "postgresql"),
        ("requirements.txt", "django>=5\npsycopg2-binary==2.9.9\n", "postgresql"),
    ],
)
def test_configuration_files_name_the_dialect(path: str, text: str, dialect: str) -> None:
    assert repo_dialect({path: text}).dialect == dialect


def test_better_sqlite3_dependency_makes_a_sqlite_app() -> None:
    package = json.dumps({"name": "notes", "dependencies": {"better-sqlite3": "^11.0.0",
                                                            "express": "^4"}}, indent=2)
    fact = repo_dialect({"package.json": package})
    assert fact.dialect == "sqlite"
    assert fact.reason == "dependency better-sqlite3"
    assert fact.line == 4


def test_configuration_outranks_driver_dependencies() -> None:
    package = json.dumps({"dependencies": {"sqlite3": "^5", "@prisma/client": "^5"}})
    fact = repo_dialect({"package.json": package, "prisma/schema.prisma": PRISMA_PG})
    assert fact.dialect == "postgresql"


def test_a_sqlite_dev_dependency_does_not_make_a_sqlite_app() -> None:
    package = json.dumps({"dependencies": {"pg": "^8"}, "devDependencies": {"sqlite3": "^5"}})
    assert repo_dialect({"package.json": package}).dialect == "postgresql"


def test_two_drivers_at_the_same_strength_are_a_conflict_not_a_guess() -> None:
    package = json.dumps({"dependencies": {"pg": "^8", "mysql2": "^3"}})
    fact = repo_dialect({"package.json": package})
    assert fact.dialect == "unknown"
    assert "several" in fact.reason


def test_an_unsupported_provider_is_unknown_with_its_reason() -> None:
    schema = 'datasource db {\n  provider = "mongodb"\n  url = env("URL")\n}\n'
    fact = repo_dialect({"prisma/schema.prisma": schema})
    assert fact.dialect == "unknown"
    assert "mongodb" in fact.reason


def test_a_broken_package_json_is_ignored() -> None:
    assert repo_dialect({"package.json": "{ not json"}) == UNKNOWN


# ------------------------------------------------------------------ the plan's words


def test_the_plan_naming_mariadb_gives_the_dialect() -> None:
    plan = parse_plan("# Stock ledger\n\nThe site runs on MariaDB 10.6 (Frappe v15).\n", "p.md")
    fact = plan_dialect(plan)
    assert fact.dialect == "mysql"
    assert fact.line == 3


def test_a_plan_naming_two_databases_evenly_decides_nothing() -> None:
    plan = parse_plan("Move from SQLite to PostgreSQL.\n", "p.md")
    assert plan_dialect(plan).dialect == "unknown"


def test_database_names_inside_code_are_not_the_plans_words() -> None:
    plan = parse_plan("```ts\nimport Database from 'better-sqlite3';\n```\n", "p.md")
    assert plan_dialect(plan) == UNKNOWN


# ------------------------------------------------------------------ blocks


def dialects(text: str, fallback: DialectFact = UNKNOWN) -> list[DialectFact]:
    plan = parse_plan(text, "docs/plans/p.md")
    return [item.fact for item in block_dialects(plan, fallback=fallback)]


def test_backticks_say_mariadb() -> None:
    [fact] = dialects(
        "```sql\nALTER TABLE `tabSales Invoice` ADD INDEX `idx_customer` (`customer`);\n```\n"
    )
    assert fact.dialect == "mysql"
    assert fact.reason == "backtick identifiers"
    assert fact.line == 2


def test_percent_s_placeholders_in_python_say_mariadb() -> None:
    [fact] = dialects(
        "```python\n"
        "rows = frappe.db.sql(\n"
        "    \"\"\"SELECT name, grand_total FROM `tabSales Invoice` WHERE customer = %s\"\"\",\n"
        "    (customer,), as_dict=True)\n"
        "```\n"
    )
    assert fact.dialect == "mysql"


def test_autoincrement_says_sqlite() -> None:
    [fact] = dialects(
        "```sql\nCREATE TABLE tasks (\n  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
        "  title TEXT NOT NULL\n);\n```\n"
    )
    assert fact.dialect == "sqlite"
    assert fact.line == 3


def test_sql_in_dart_strings_is_read_as_sqflite_sqlite() -> None:
    [fact] = dialects(
        "```dart\nawait db.execute('''\n  CREATE TABLE pins (\n    id TEXT PRIMARY KEY,\n"
        "    board_id TEXT NOT NULL\n  )\n''');\n"
        "final rows = await db.rawQuery('SELECT * FROM pins');\n"
        "```\n"
    )
    assert fact.dialect == "sqlite"


def test_concurrently_says_postgresql() -> None:
    [fact] = dialects("```sql\nCREATE INDEX CONCURRENTLY idx_a ON orders (user_id);\n```\n")
    assert fact.dialect == "postgresql"


def test_the_fence_language_names_the_dialect() -> None:
    [fact] = dialects("```mysql\nSELECT 1;\n```\n")
    assert fact.dialect == "mysql"
    assert fact.reason == "fence language mysql"


def test_a_block_without_markers_takes_the_repository_dialect() -> None:
    repo = DialectFact("sqlite", "pubspec.yaml", 5, "dependency sqflite")
    [fact] = dialects("```sql\nCREATE INDEX idx_pins_board ON pins (board_id);\n```\n", repo)
    assert fact == repo


def test_backticks_inside_a_string_literal_or_comment_say_nothing() -> None:
    [fact] = dialects(
        "```sql\n-- was `orders` in the old app\n"
        "UPDATE notes SET body = 'use `code` here' WHERE id = 1;\n```\n"
    )
    assert fact == UNKNOWN


def test_template_literal_backticks_in_typescript_are_not_mysql() -> None:
    [fact] = dialects(
        "```ts\nawait prisma.$executeRaw`UPDATE orders SET status = 'x' WHERE id = ${id}`;\n```\n"
    )
    assert fact.dialect != "mysql"


def test_mixed_markers_are_unknown_and_say_which() -> None:
    [fact] = dialects(
        "```sql\nCREATE TABLE `t` (id INTEGER PRIMARY KEY AUTOINCREMENT, d JSONB);\n```\n"
    )
    assert fact.dialect == "unknown"
    assert "mixed markers" in fact.reason


def test_prose_blocks_are_not_sql_blocks() -> None:
    assert dialects("```\nSelect the option you want\n```\n```md\nSELECT * FROM x\n```\n") == []


def test_percent_s_placeholders_alone_do_not_say_mysql() -> None:
    repo = DialectFact("postgresql", "requirements.txt", 2, "dependency psycopg2")
    [fact] = dialects(
        "```python\ncur.execute(\"UPDATE orders SET status = %s WHERE id = %s\", (s, i))\n```\n",
        repo,
    )
    assert fact == repo


def test_php_double_colons_are_not_postgresql_casts() -> None:
    [fact] = dialects(
        "```php\n$rows = DB::select('SELECT * FROM orders WHERE id = ?', [$id]);\n```\n"
    )
    assert fact == UNKNOWN
