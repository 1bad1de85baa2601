/*
  Warnings:

  - You are about to drop the `WaitlistEntry` table. If the table is not empty, all the data it contains will be lost.

*/
-- DropForeignKey
ALTER TABLE "WaitlistEntry" DROP CONSTRAINT "WaitlistEntry_packageId_fkey";

-- DropTable
DROP TABLE "WaitlistEntry";
