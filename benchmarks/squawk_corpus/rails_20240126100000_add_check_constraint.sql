-- == 20240126100000 AddPositiveQuantityCheck: migrating ========================
-- add_check_constraint(:line_items, "quantity > 0", {:name=>"quantity_positive"})
BEGIN;
ALTER TABLE "line_items" ADD CONSTRAINT quantity_positive CHECK (quantity > 0);
INSERT INTO "schema_migrations" ("version") VALUES ('20240126100000') RETURNING "version";
COMMIT;
