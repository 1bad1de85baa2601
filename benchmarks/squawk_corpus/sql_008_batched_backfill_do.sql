-- Backfill in batches of 5,000 rows; each batch commits (PG 11+, run outside a transaction).
DO $$
DECLARE
    batch_rows integer;
BEGIN
    LOOP
        UPDATE orders
           SET currency = 'EUR'
         WHERE id IN (
               SELECT id FROM orders
                WHERE currency IS NULL
                LIMIT 5000
                  FOR UPDATE SKIP LOCKED);
        GET DIAGNOSTICS batch_rows = ROW_COUNT;
        EXIT WHEN batch_rows = 0;
        COMMIT;
        PERFORM pg_sleep(0.1);
    END LOOP;
END
$$;
