BEGIN;
--
-- Add field created_at to product
--
ALTER TABLE "shop_product" ADD COLUMN "created_at" timestamp with time zone DEFAULT (STATEMENT_TIMESTAMP()) NOT NULL;
--
-- Add field token to product
--
ALTER TABLE "shop_product" ADD COLUMN "token" varchar(64) DEFAULT (md5((random())::text)) NOT NULL;
COMMIT;
