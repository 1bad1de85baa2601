-- DropIndex
DROP INDEX "Booking_status_idx";
