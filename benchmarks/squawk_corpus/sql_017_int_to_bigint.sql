-- The id sequence is close to 2^31: widen the key. Rewrites the table and every index on it.
SET lock_timeout = '2s';
ALTER TABLE events ALTER COLUMN id TYPE bigint;
ALTER TABLE event_attachments ALTER COLUMN event_id TYPE bigint;
