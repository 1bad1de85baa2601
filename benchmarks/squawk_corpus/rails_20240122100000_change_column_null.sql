-- == 20240122100000 RequireOrdersCustomer: migrating ===========================
-- change_column_null(:orders, :customer_id, false)
BEGIN;
ALTER TABLE "orders" ALTER COLUMN "customer_id" SET NOT NULL;
INSERT INTO "schema_migrations" ("version") VALUES ('20240122100000') RETURNING "version";
COMMIT;
