BEGIN;
--
-- Alter unique_together for lineitem (1 constraint(s))
--
ALTER TABLE "shop_lineitem" ADD CONSTRAINT "shop_lineitem_order_id_product_id_1a9f3c2b_uniq" UNIQUE ("order_id", "product_id");
COMMIT;
