-- Wrapped in a transaction by mistake: this fails with
-- "CREATE INDEX CONCURRENTLY cannot run inside a transaction block".
BEGIN;
SET LOCAL lock_timeout = '2s';
CREATE INDEX CONCURRENTLY events_occurred_at_idx ON events (occurred_at);
COMMIT;
