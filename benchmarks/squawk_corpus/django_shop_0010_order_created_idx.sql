BEGIN;
--
-- Create index shop_order_created_7b1f2a_idx on field(s) created_at of model order
--
CREATE INDEX "shop_order_created_7b1f2a_idx" ON "shop_order" ("created_at");
COMMIT;
