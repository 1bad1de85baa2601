-- Run outside a transaction: CREATE INDEX CONCURRENTLY cannot run inside one.
SET lock_timeout = '2s';
SET statement_timeout = '0';

CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_tenant_id_segment_id_idx
    ON bookings (tenant_id, segment_id);
