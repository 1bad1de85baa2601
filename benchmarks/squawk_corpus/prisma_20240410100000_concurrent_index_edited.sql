-- AlterTable
ALTER TABLE "Event" ADD COLUMN     "archivedAt" TIMESTAMP(3);

-- CreateIndex (edited: CONCURRENTLY to avoid blocking writes)
CREATE INDEX CONCURRENTLY "Event_tenantId_archivedAt_idx" ON "Event"("tenantId", "archivedAt");
