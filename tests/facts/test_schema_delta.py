"""Tables and columns the plan creates, against those the repository already has."""

from __future__ import annotations

import json

from planreview.facts.roles import block_roles
from planreview.facts.schema_delta import SchemaDelta, normalise, schema_delta
from planreview.plan import parse_plan

PRISMA = (
    'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n\n'
    "model Order {\n  id        String @id @default(cuid())\n  tenantId  String\n"
    "  items     OrderItem[]\n  @@map(\"orders\")\n}\n\n"
    "model OrderItem {\n  id      String @id\n  orderId String\n"
    "  order   Order  @relation(fields: [orderId], references: [id])\n}\n"
)


def delta(text: str, files: dict[str, str]) -> SchemaDelta:
    plan = parse_plan(text, "docs/plans/p.md")
    return schema_delta(plan, block_roles(plan), files)


def test_a_table_the_plan_creates_is_new() -> None:
    d = delta(
        "## Phase 1\n\n```sql\nCREATE TABLE audit_log (\n  id bigserial PRIMARY KEY,\n"
        "  order_id text NOT NULL\n);\n"
        "CREATE INDEX idx_audit_order ON audit_log (order_id);\n```\n",
        {"prisma/schema.prisma": PRISMA},
    )
    created = d.creates_table("audit_log")
    assert created is not None
    assert (created.line, created.how) == (4, "CREATE TABLE")
    assert d.table_exists("audit_log") is False
    assert d.creates_column("audit_log", "order_id") is not None


def test_tables_of_the_prisma_schema_exist_by_model_and_mapped_name() -> None:
    d = delta("Nothing yet.\n", {"prisma/schema.prisma": PRISMA})
    assert d.table_exists("orders") is True
    assert d.table_exists("Order") is True
    assert d.table_exists("order_items") is True
    assert d.creates_table("orders") is None


def test_create_table_if_not_exists_on_an_existing_table_is_not_new() -> None:
    d = delta("```sql\nCREATE TABLE IF NOT EXISTS orders (id text);\n```\n",
              {"prisma/schema.prisma": PRISMA})
    assert d.creates_table("orders") is None
    assert d.new_tables == ()


def test_a_new_prisma_model_in_the_plan_is_a_new_table() -> None:
    d = delta(
        "## Schema\n\n```prisma\nmodel Refund {\n  id      String @id\n  orderId String\n"
        "  @@index([orderId])\n}\n```\n",
        {"prisma/schema.prisma": PRISMA},
    )
    assert d.creates_table("Refund") is not None
    assert d.creates_table("refunds") is not None


def test_a_column_added_to_an_existing_table_is_new_but_the_table_is_not() -> None:
    d = delta("```sql\nALTER TABLE orders ADD COLUMN archived_at timestamptz;\n```\n",
              {"prisma/schema.prisma": PRISMA})
    assert d.creates_table("orders") is None
    added = d.creates_column("orders", "archived_at")
    assert added is not None and added.how == "ADD COLUMN"
    assert d.creates_column("orders", "tenantid") is None


def test_existing_tables_come_from_sql_migrations() -> None:
    migration = "CREATE TABLE \"invoices\" (\"id\" TEXT NOT NULL, \"total\" INTEGER);\n"
    d = delta("Plan.\n", {"prisma/migrations/20240101_init/migration.sql": migration})
    assert d.table_exists("invoices") is True
    assert d.schema_sources == ("prisma/migrations/20240101_init/migration.sql",)


def test_mariadb_create_table_is_read_without_postgresql() -> None:
    d = delta(
        "## New table\n\n```sql\nCREATE TABLE `tabStock Reservation` (\n"
        "  `name` varchar(140) NOT NULL,\n  PRIMARY KEY (`name`)\n) ENGINE=InnoDB;\n```\n",
        {},
    )
    assert [o.table for o in d.created if o.column is None] == ["tabstock reservation"]


def test_frappe_doctypes_are_existing_tables() -> None:
    doctype = json.dumps({"doctype": "DocType", "name": "Sales Invoice",
                          "fields": [{"fieldname": "customer", "fieldtype": "Link"}]})
    d = delta("Plan.\n", {"erpnext/accounts/doctype/sales_invoice/sales_invoice.json": doctype})
    assert d.table_exists("`tabSales Invoice`") is True


def test_rails_create_table_in_a_proposal_is_new() -> None:
    d = delta(
        "```ruby\nclass CreateRefunds < ActiveRecord::Migration[7.1]\n  def change\n"
        "    create_table :refunds do |t|\n      t.references :order\n"
        "      t.integer :amount_cents\n    end\n  end\nend\n```\n",
        {"db/schema.rb": 'ActiveRecord::Schema.define do\n  create_table "orders" do |t|\n'
                         '    t.string "status"\n  end\nend\n'},
    )
    assert d.creates_table("refunds") is not None
    assert d.table_exists("orders") is True


def test_the_plans_prose_naming_a_new_table_counts() -> None:
    d = delta("We add a new `webhook_deliveries` table for retries.\n", {})
    created = d.creates_table("webhook_deliveries")
    assert created is not None and created.how == "prose"


def test_without_any_schema_file_existence_is_unknown() -> None:
    d = delta("```sql\nCREATE INDEX idx ON orders (a);\n```\n", {"src/app.ts": "x"})
    assert d.table_exists("orders") is None


# ------------------------------------------------------------------ near misses


def test_create_table_in_a_current_block_is_not_created_by_the_plan() -> None:
    d = delta("## Current schema\n\n```sql\nCREATE TABLE sessions (id text);\n```\n", {})
    assert d.creates_table("sessions") is None


def test_create_table_in_a_rejected_alternative_is_not_created_by_the_plan() -> None:
    d = delta(
        "## Rejected alternative\n\n```sql\nCREATE TABLE order_cache (id text);\n```\n", {}
    )
    assert d.created == ()


def test_names_are_normalised_without_schema_and_quotes() -> None:
    assert normalise('public."Orders"') == "orders"
    assert normalise("`tabSales Invoice`") == "tabsales invoice"


DRAFT = "model Order {\n  id String @id\n  legacyCode String?\n}\n"


def test_columns_of_the_repository_schema_are_known_by_field_and_mapped_name() -> None:
    files = {"prisma/schema.prisma": PRISMA.replace(
        "  tenantId  String\n", '  tenantId  String @map("tenant_id")\n')}
    d = delta("Nothing yet.\n", files)
    assert d.column_exists("orders", "tenant_id") is True
    assert d.column_exists("Order", "tenantId") is True
    assert d.column_exists("orders", "legacy_code") is False
    assert d.column_exists("invoices", "total") is None


def test_a_prisma_file_beside_the_default_schema_is_not_the_database() -> None:
    d = delta("Nothing yet.\n", {"prisma/schema.prisma": PRISMA, "prisma/core.prisma": DRAFT})
    assert d.column_exists("orders", "legacy_code") is False
    assert d.schema_sources == ("prisma/schema.prisma",)


def test_a_schema_named_in_package_json_keeps_every_prisma_file() -> None:
    d = delta("Nothing yet.\n", {
        "package.json": '{"prisma": {"schema": "prisma/core.prisma"}}',
        "prisma/schema.prisma": PRISMA, "prisma/core.prisma": DRAFT,
    })
    assert d.column_exists("Order", "legacyCode") is True


def test_the_prisma_model_not_the_migration_history_says_which_columns_exist() -> None:
    d = delta("Nothing yet.\n", {
        "prisma/schema.prisma": PRISMA,
        "prisma/migrations/1_init/migration.sql": (
            'CREATE TABLE "orders" ("id" TEXT NOT NULL, "city" TEXT);\n'
        ),
    })
    assert d.column_exists("orders", "city") is False
    assert d.column_exists("orders", "id") is True
