-- AlterTable
ALTER TABLE "_PackageToTag" ADD CONSTRAINT "_PackageToTag_AB_pkey" PRIMARY KEY ("A", "B");

-- DropIndex
DROP INDEX "_PackageToTag_AB_unique";
