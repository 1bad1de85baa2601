-- Every existing row needs its own value: Postgres rewrites the whole table.
ALTER TABLE sessions ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();
ALTER TABLE sessions ADD COLUMN jitter double precision DEFAULT random();
