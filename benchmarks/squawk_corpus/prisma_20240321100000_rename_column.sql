-- AlterTable (edited with --create-only: keep the data, rename instead of drop + add)
ALTER TABLE "User" RENAME COLUMN "name" TO "displayName";
