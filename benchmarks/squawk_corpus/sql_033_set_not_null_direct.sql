SET lock_timeout = '2s';
ALTER TABLE invoices ALTER COLUMN tenant_id SET NOT NULL;
