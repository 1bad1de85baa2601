-- == 20240116100000 AddForeignKeyOrdersCustomers: migrating ====================
-- add_foreign_key(:orders, :customers, {:validate=>false})
BEGIN;
SET LOCAL lock_timeout = '3s';
ALTER TABLE "orders" ADD CONSTRAINT "fk_rails_3dad120da9"
FOREIGN KEY ("customer_id")
  REFERENCES "customers" ("id")
 NOT VALID;
INSERT INTO "schema_migrations" ("version") VALUES ('20240116100000') RETURNING "version";
COMMIT;
