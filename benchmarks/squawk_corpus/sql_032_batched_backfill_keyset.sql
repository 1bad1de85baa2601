-- One batch of a keyset-paginated backfill; the runner repeats it with the next :last_id
-- until it updates 0 rows, sleeping between batches.
SET statement_timeout = '10s';
UPDATE invoices
   SET tenant_id = c.tenant_id
  FROM customers c
 WHERE c.id = invoices.customer_id
   AND invoices.id > 0
   AND invoices.id <= 10000
   AND invoices.tenant_id IS NULL;
