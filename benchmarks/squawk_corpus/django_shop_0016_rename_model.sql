BEGIN;
--
-- Rename model LineItem to OrderLine
--
ALTER TABLE "shop_lineitem" RENAME TO "shop_orderline";
COMMIT;
