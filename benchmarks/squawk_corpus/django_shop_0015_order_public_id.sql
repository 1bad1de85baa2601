BEGIN;
--
-- Add field public_id to order
--
ALTER TABLE "shop_order" ADD COLUMN "public_id" uuid DEFAULT '5b0f4f7e-2c1d-4d6e-9a34-0f6a1b7c3d21'::uuid NOT NULL;
ALTER TABLE "shop_order" ALTER COLUMN "public_id" DROP DEFAULT;
COMMIT;
