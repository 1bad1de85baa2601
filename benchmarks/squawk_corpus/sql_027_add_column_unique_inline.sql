-- A unique column added inline builds its index under ACCESS EXCLUSIVE.
SET lock_timeout = '5s';
ALTER TABLE orders ADD COLUMN external_ref text UNIQUE;
