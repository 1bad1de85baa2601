BEGIN;
ALTER TABLE invoices ADD COLUMN tenant_id bigint;
UPDATE invoices i SET tenant_id = c.tenant_id FROM customers c WHERE c.id = i.customer_id;
ALTER TABLE invoices ALTER COLUMN tenant_id SET NOT NULL;
COMMIT;
