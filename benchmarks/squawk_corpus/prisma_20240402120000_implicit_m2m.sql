-- CreateTable
CREATE TABLE "_PackageToTag" (
    "A" TEXT NOT NULL,
    "B" TEXT NOT NULL
);

-- CreateIndex
CREATE UNIQUE INDEX "_PackageToTag_AB_unique" ON "_PackageToTag"("A", "B");

-- CreateIndex
CREATE INDEX "_PackageToTag_B_index" ON "_PackageToTag"("B");

-- AddForeignKey
ALTER TABLE "_PackageToTag" ADD CONSTRAINT "_PackageToTag_A_fkey" FOREIGN KEY ("A") REFERENCES "Package"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "_PackageToTag" ADD CONSTRAINT "_PackageToTag_B_fkey" FOREIGN KEY ("B") REFERENCES "Tag"("id") ON DELETE CASCADE ON UPDATE CASCADE;
