-- AlterTable
ALTER TABLE "PortalSession" ADD COLUMN     "environmentHint" TEXT;
