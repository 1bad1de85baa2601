ALTER TYPE invoice_state RENAME VALUE 'void' TO 'voided';
ALTER TYPE invoice_state ADD VALUE IF NOT EXISTS 'uncollectible' AFTER 'open';
