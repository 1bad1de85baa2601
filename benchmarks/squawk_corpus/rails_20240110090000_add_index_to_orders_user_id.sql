-- == 20240110090000 AddIndexToOrdersUserId: migrating ==========================
-- add_index(:orders, :user_id)
BEGIN;
CREATE INDEX "index_orders_on_user_id" ON "orders" ("user_id");
INSERT INTO "schema_migrations" ("version") VALUES ('20240110090000') RETURNING "version";
COMMIT;
