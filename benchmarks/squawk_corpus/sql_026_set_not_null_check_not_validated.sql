-- A NOT VALID check that is never validated proves nothing to SET NOT NULL.
SET lock_timeout = '5s';
ALTER TABLE customers ADD CONSTRAINT customers_phone_nn CHECK (phone IS NOT NULL) NOT VALID;
ALTER TABLE customers ALTER COLUMN phone SET NOT NULL;
