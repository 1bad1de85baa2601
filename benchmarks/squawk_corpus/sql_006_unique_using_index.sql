SET lock_timeout = '2s';
SET statement_timeout = '0';
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS accounts_slug_key_idx ON accounts (slug);

SET statement_timeout = '5s';
ALTER TABLE accounts ADD CONSTRAINT accounts_slug_key UNIQUE USING INDEX accounts_slug_key_idx;
