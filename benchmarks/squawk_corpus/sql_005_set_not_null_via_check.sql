-- Safe SET NOT NULL on Postgres 12+: a validated CHECK lets SET NOT NULL skip the scan.
SET lock_timeout = '2s';
SET statement_timeout = '5s';
ALTER TABLE orders ADD CONSTRAINT orders_customer_id_not_null
    CHECK (customer_id IS NOT NULL) NOT VALID;

SET statement_timeout = '0';
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_not_null;

SET statement_timeout = '5s';
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders DROP CONSTRAINT orders_customer_id_not_null;
