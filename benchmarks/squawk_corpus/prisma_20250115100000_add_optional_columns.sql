-- AlterTable
ALTER TABLE "Tenant" ADD COLUMN     "logoUrl" TEXT,
ADD COLUMN     "timezone" TEXT;
