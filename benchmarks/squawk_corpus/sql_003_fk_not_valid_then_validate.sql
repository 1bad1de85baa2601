-- Step 1: add the constraint without scanning the table (brief SHARE ROW EXCLUSIVE lock).
SET lock_timeout = '2s';
SET statement_timeout = '5s';
ALTER TABLE bookings
    ADD CONSTRAINT bookings_tier_id_fkey
    FOREIGN KEY (tier_id) REFERENCES tiers (id) NOT VALID;

-- Step 2: validate separately; only SHARE UPDATE EXCLUSIVE, reads and writes continue.
SET statement_timeout = '0';
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_tier_id_fkey;
