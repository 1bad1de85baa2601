COMMENT ON TABLE bookings IS 'One row per reserved slot; soft-deleted rows keep cancelled_at.';
COMMENT ON COLUMN bookings.tier_id IS 'Pricing tier at booking time; NULL for legacy rows.';
