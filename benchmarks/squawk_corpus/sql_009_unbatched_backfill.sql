-- Backfill the new column in one statement (orders has ~40M rows).
UPDATE orders SET currency = 'EUR' WHERE currency IS NULL;
