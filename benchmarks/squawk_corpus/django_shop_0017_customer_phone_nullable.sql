BEGIN;
--
-- Alter field phone on customer
--
ALTER TABLE "shop_customer" ALTER COLUMN "phone" DROP NOT NULL;
COMMIT;
