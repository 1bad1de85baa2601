-- A custom setting named like the GUC does not bound the lock wait.
SET app.lock_timeout = '5s';
CREATE INDEX orders_customer_idx ON orders (customer_id);
ALTER TABLE orders ADD COLUMN coupon text;
