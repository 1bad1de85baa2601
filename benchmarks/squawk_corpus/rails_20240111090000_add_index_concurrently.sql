-- == 20240111090000 AddIndexOnOrdersCreatedAt: migrating =======================
-- disable_ddl_transaction!
-- add_index(:orders, :created_at, {:algorithm=>:concurrently})
SET lock_timeout = '5s';
SET statement_timeout = 0;
CREATE INDEX CONCURRENTLY "index_orders_on_created_at" ON "orders" ("created_at");
INSERT INTO "schema_migrations" ("version") VALUES ('20240111090000') RETURNING "version";
