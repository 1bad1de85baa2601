-- DropIndex
DROP INDEX "Segment_name_key";

-- CreateIndex
CREATE UNIQUE INDEX "Segment_tenantId_name_key" ON "Segment"("tenantId", "name");
