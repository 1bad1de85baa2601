BEGIN;
--
-- Rename field total on order to amount
--
ALTER TABLE "shop_order" RENAME COLUMN "total" TO "amount";
COMMIT;
