-- Idempotent by hand, but the DDL inside the DO body is as unsafe as it would be outside.
DO $$
BEGIN
    IF NOT EXISTS (
        SELECT 1 FROM information_schema.columns
         WHERE table_name = 'shipments' AND column_name = 'carrier_code'
    ) THEN
        ALTER TABLE shipments ADD COLUMN carrier_code text NOT NULL;
        CREATE INDEX shipments_carrier_code_idx ON shipments (carrier_code);
    END IF;
END
$$;
