-- AlterTable
ALTER TABLE "AddOn" RENAME TO "Extra";

-- RenameIndex
ALTER INDEX "AddOn_pkey" RENAME TO "Extra_pkey";

-- RenameForeignKey
ALTER TABLE "Extra" RENAME CONSTRAINT "AddOn_tierId_fkey" TO "Extra_tierId_fkey";
