DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'invoice_state') THEN
        CREATE TYPE invoice_state AS ENUM ('draft', 'open', 'paid', 'void');
    END IF;
END
$$;
