-- now() is STABLE: evaluated once, stored as a fast default (no rewrite on PG 11+).
SET lock_timeout = '2s';
SET statement_timeout = '5s';
ALTER TABLE sessions ADD COLUMN IF NOT EXISTS created_at timestamptz NOT NULL DEFAULT now();
