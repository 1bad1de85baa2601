DROP INDEX bookings_created_at_idx;
