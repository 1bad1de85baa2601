-- == 20240120100000 AddStatusToOrders: migrating ===============================
-- add_column(:orders, :status, :string, {:default=>"pending", :null=>false})
BEGIN;
ALTER TABLE "orders" ADD "status" character varying DEFAULT 'pending' NOT NULL;
INSERT INTO "schema_migrations" ("version") VALUES ('20240120100000') RETURNING "version";
COMMIT;
