-- == 20240116100100 ValidateForeignKeyOrdersCustomers: migrating ===============
-- validate_foreign_key(:orders, :customers)
BEGIN;
ALTER TABLE "orders" VALIDATE CONSTRAINT "fk_rails_3dad120da9";
INSERT INTO "schema_migrations" ("version") VALUES ('20240116100100') RETURNING "version";
COMMIT;
