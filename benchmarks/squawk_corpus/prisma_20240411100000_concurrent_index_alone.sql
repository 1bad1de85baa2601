-- CreateIndex (edited by hand; the only statement in this migration)
CREATE INDEX CONCURRENTLY IF NOT EXISTS "Event_createdAt_idx" ON "Event"("createdAt");
