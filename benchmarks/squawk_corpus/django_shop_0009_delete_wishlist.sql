BEGIN;
--
-- Delete model Wishlist
--
DROP TABLE "shop_wishlist" CASCADE;
COMMIT;
