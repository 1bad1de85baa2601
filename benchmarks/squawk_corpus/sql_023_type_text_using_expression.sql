-- A type change to text whose USING expression changes every value: a rewrite.
SET lock_timeout = '5s';
ALTER TABLE orders ALTER COLUMN note TYPE text USING upper(note);
