SET lock_timeout = '2s';
DROP INDEX CONCURRENTLY IF EXISTS bookings_status_idx;
