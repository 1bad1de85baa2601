--
-- Concurrently create index shop_order_status_4e8c1d_idx on field(s) status of model order
--
CREATE INDEX CONCURRENTLY "shop_order_status_4e8c1d_idx" ON "shop_order" ("status");
