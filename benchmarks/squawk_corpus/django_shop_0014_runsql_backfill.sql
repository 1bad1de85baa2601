BEGIN;
--
-- Add field normalized_email to customer
--
ALTER TABLE "shop_customer" ADD COLUMN "normalized_email" varchar(254) NULL;
--
-- Raw SQL operation
--
UPDATE shop_customer SET normalized_email = lower(email);
COMMIT;
