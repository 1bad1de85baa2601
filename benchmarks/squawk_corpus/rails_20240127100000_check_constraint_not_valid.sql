-- == 20240127100000 AddPriceCheckNotValid: migrating ===========================
-- add_check_constraint(:products, "price_cents >= 0", {:name=>"price_non_negative", :validate=>false})
BEGIN;
SET LOCAL lock_timeout = '3s';
ALTER TABLE "products" ADD CONSTRAINT price_non_negative CHECK (price_cents >= 0) NOT VALID;
INSERT INTO "schema_migrations" ("version") VALUES ('20240127100000') RETURNING "version";
COMMIT;
