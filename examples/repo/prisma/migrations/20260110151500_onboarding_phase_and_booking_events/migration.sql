-- CreateEnum
CREATE TYPE "OnboardingPhase" AS ENUM ('NOT_STARTED', 'DISCOVERY', 'MARKET_RESEARCH', 'SERVICES', 'MARKETING', 'BUILDING', 'COMPLETED', 'SKIPPED');

-- CreateEnum
CREATE TYPE "BookingEventType" AS ENUM ('CREATED', 'PAYMENT_SUCCEEDED', 'PAYMENT_FAILED', 'RESCHEDULED', 'CANCELED', 'REFUNDED', 'NOTE');

-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "discoveryData" JSONB,
ADD COLUMN     "onboardingPhase" "OnboardingPhase" NOT NULL DEFAULT 'NOT_STARTED',
ADD COLUMN     "revealCompletedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "BookingEvent" (
    "id" TEXT NOT NULL,
    "tenantId" TEXT NOT NULL,
    "bookingId" TEXT NOT NULL,
    "type" "BookingEventType" NOT NULL,
    "payload" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BookingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Tenant_onboardingPhase_idx" ON "Tenant"("onboardingPhase");

-- CreateIndex
CREATE INDEX "BookingEvent_tenantId_createdAt_idx" ON "BookingEvent"("tenantId", "createdAt");

-- AddForeignKey
ALTER TABLE "BookingEvent" ADD CONSTRAINT "BookingEvent_bookingId_fkey" FOREIGN KEY ("bookingId") REFERENCES "Booking"("id") ON DELETE CASCADE ON UPDATE CASCADE;
