-- A default calling a function not known to be stable or immutable: assumed volatile.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN code text DEFAULT make_order_code();
