BEGIN;
--
-- Alter field id on legacyorder
--
ALTER TABLE "shop_legacyorder" ALTER COLUMN "id" TYPE bigint USING "id"::bigint;
ALTER SEQUENCE IF EXISTS "shop_legacyorder_id_seq" AS bigint;
COMMIT;
