-- Contract step: the application stopped reading legacy_status in release 2024.11.
SET lock_timeout = '2s';
SET statement_timeout = '5s';
ALTER TABLE orders DROP COLUMN IF EXISTS legacy_status;
