BEGIN;
SET LOCAL lock_timeout = '2s';
SET LOCAL statement_timeout = '30s';
ALTER TABLE payments
    ADD CONSTRAINT payments_invoice_id_fkey
    FOREIGN KEY (invoice_id) REFERENCES invoices (id) NOT VALID;
-- Validating in the same transaction keeps the stronger lock for the whole scan.
ALTER TABLE payments VALIDATE CONSTRAINT payments_invoice_id_fkey;
COMMIT;
