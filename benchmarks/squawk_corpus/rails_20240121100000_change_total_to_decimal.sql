-- == 20240121100000 ChangeOrdersTotalToDecimal: migrating ======================
-- change_column(:orders, :total, :decimal, {:precision=>12, :scale=>2})
BEGIN;
ALTER TABLE "orders" ALTER COLUMN "total" TYPE decimal(12,2);
INSERT INTO "schema_migrations" ("version") VALUES ('20240121100000') RETURNING "version";
COMMIT;
