SET lock_timeout = '2s';
SET statement_timeout = '0';
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS webhooks_pkey_idx ON webhooks (id);
SET statement_timeout = '5s';
ALTER TABLE webhooks ADD CONSTRAINT webhooks_pkey PRIMARY KEY USING INDEX webhooks_pkey_idx;
